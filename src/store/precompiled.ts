import type { Compilable, CompiledQuery, Kysely } from 'kysely';

type Arg = string | number | null | readonly string[];

const SENTINEL = '\u0000sparrow-parameter:';
/** Shapes compiled so far in this process: each one's placeholders carry its number. */
let shapesCompiled = 0;

interface Shape {
  compiled: CompiledQuery;
  /** Per parameter: an argument index, [argument, element] of a list argument, or a constant. */
  slots: (number | [number, number] | { constant: unknown })[];
}

/**
 * A hot query built and compiled by Kysely once per shape, then run with fresh parameters: the
 * query builder and compiler (about a third of the CPU of a home-timeline read when every call
 * built its queries anew) run once per shape instead of once per call. A shape is the pattern
 * of the arguments: which are null and how long each list is (so `in (…)` lists get one
 * compiled text per length, as SQLite's statement cache keys them anyway). `build` is called
 * with placeholder values and must put every argument into the query as a parameter, never
 * into its text. The compiled statement keeps Kysely's operation tree (with the placeholders in
 * it) and says which parameter each placeholder stands for, so the entity cache sees which
 * tables and which records (an UPDATE of `accounts` by id) a statement writes as always. `db` is
 * read at each call (stores declare these as fields, initialised before their constructor sets
 * the handle).
 */
export function precompiled<DB, A extends Arg[], Row>(
  db: () => Kysely<DB>,
  build: (...args: A) => Compilable<Row>,
): (...args: A) => Promise<Row[]> {
  const query = precompiledQuery(build);
  return async (...args: A) => (await db().executeQuery(query(...args))).rows;
}

/**
 * The same, as the compiled query with fresh parameters, to run on whichever executor the caller
 * holds (`tx.executeQuery(…)` inside a transaction) and to read what it reports (rows affected).
 */
export function precompiledQuery<A extends Arg[], Row>(
  build: (...args: A) => Compilable<Row>,
): (...args: A) => CompiledQuery<Row> {
  const shapes = new Map<string, Shape>();
  return (...args: A) => {
    const key = args.map((a) => (a === null ? 'n' : Array.isArray(a) ? a.length : 'v')).join(',');
    let shape = shapes.get(key);
    if (!shape) {
      // Placeholders differ from one shape to another: statements sent as one (group-commit.ts)
      // keep telling the entity cache which parameter each stands for.
      const prefix = `${SENTINEL}${(shapesCompiled += 1)}:`;
      const placeholders = args.map((a, i) =>
        a === null ? null : Array.isArray(a) ? a.map((_, j) => `${prefix}${i}.${j}`) : `${prefix}${i}`,
      ) as A;
      const compiled = build(...placeholders).compile();
      const slots = compiled.parameters.map((p) => {
        if (typeof p !== 'string' || !p.startsWith(prefix)) return { constant: p };
        const [i, j] = p.slice(prefix.length).split('.');
        return j === undefined ? Number(i) : ([Number(i), Number(j)] as [number, number]);
      });
      shape = { compiled, slots };
      if (shapes.size < 1000) shapes.set(key, shape);
    }
    const parameters = shape.slots.map((slot) =>
      typeof slot === 'number'
        ? args[slot]
        : Array.isArray(slot)
          ? (args[slot[0]] as readonly string[])[slot[1]]
          : slot.constant,
    );
    // The tree keeps the placeholders: `placeholders` tells the entity cache which parameter each
    // stands for (the keys a write to favourites … names, src/store/entity-cache.ts).
    return { ...shape.compiled, parameters, placeholders: shape.compiled.parameters } as CompiledQuery<Row>;
  };
}
