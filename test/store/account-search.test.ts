import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/shared/ids.ts';
import type { Database } from '../../src/store/schema.ts';
import { KyselySearchStore } from '../../src/store/search-store.ts';
import { escapeLike } from '../../src/store/tag-store.ts';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';

/**
 * Account search through the indexes of migration 0029 finds exactly what the scan it replaced
 * found, in the same order, whatever the accounts went through (created, renamed, suspended,
 * deleted, remote) and whatever the term (LIKE's `%`, `_` and `\`, case, non-ASCII).
 */

/** The query before 0029, kept as the model: every account read, the predicate on each. */
async function scanned(
  db: Kysely<Database>,
  input: { term: string; followedBy: string | null; limit: number; offset: number },
): Promise<string[]> {
  const like = escapeLike(input.term);
  let q = db
    .selectFrom('accounts as a')
    .select('a.id')
    .where('a.suspended_at', 'is', null)
    .where((eb) =>
      eb.or([
        sql<boolean>`a.username_key like ${`${like}%`} escape '\\'`,
        sql<boolean>`lower(a.display_name) like ${`%${like}%`} escape '\\'`,
      ]),
    );
  if (input.followedBy) {
    const viewer = input.followedBy;
    q = q.where((eb) =>
      eb.or([
        eb('a.id', '=', viewer),
        eb.exists(
          eb
            .selectFrom('follows as f')
            .select('f.id')
            .whereRef('f.target_account_id', '=', 'a.id')
            .where('f.account_id', '=', viewer),
        ),
      ]),
    );
  }
  const rows = await q
    .orderBy(
      sql`case when a.username_key = ${input.term} then 0 when a.username_key like ${`${like}%`} escape '\\' then 1 else 2 end`,
    )
    .orderBy('a.followers_count', 'desc')
    .orderBy('a.id')
    .limit(input.limit)
    .offset(input.offset)
    .execute();
  return rows.map((r) => r.id);
}

// Few characters, so terms often match: mostly ASCII in both cases, LIKE's metacharacters, and
// letters whose case SQLite's lower() and LIKE do not fold but Unicode does, one beyond the BMP.
const character = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'A', 'B', ' ', '1') },
  { weight: 2, arbitrary: fc.constantFrom('%', '_', '\\') },
  { weight: 2, arbitrary: fc.constantFrom('é', 'É', 'ß', 'ẞ', 'Σ', 'σ', 'ς', 'İ', '😀') },
);
const text = (min: number, max: number) =>
  fc.array(character, { minLength: min, maxLength: max }).map((cs) => cs.join(''));

type Operation =
  | { kind: 'create'; username: string; displayName: string; followers: number; remote: boolean; followed: boolean }
  | { kind: 'rename'; which: number; displayName: string }
  | { kind: 'rehandle'; which: number; username: string }
  | { kind: 'suspend'; which: number; suspended: boolean }
  | { kind: 'delete'; which: number }
  | {
      kind: 'search';
      /**
       * Taken from an account's name or username when `from` is set (the account written last
       * when `recent`, so a search often follows a rename), else `term` as is.
       */
      from: { which: number; recent: boolean; start: number; username: boolean } | null;
      term: string;
      length: number;
      lowerCase: boolean;
      following: boolean;
      limit: number;
      offset: number;
    };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      username: text(1, 6),
      displayName: text(0, 10),
      followers: fc.integer({ min: 0, max: 3 }),
      remote: fc.boolean(),
      followed: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('rename' as const), which: fc.nat(), displayName: text(0, 10) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('rehandle' as const), which: fc.nat(), username: text(1, 6) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('suspend' as const), which: fc.nat(), suspended: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), which: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('search' as const),
      from: fc.option(
        fc.record({ which: fc.nat(), recent: fc.boolean(), start: fc.nat({ max: 8 }), username: fc.boolean() }),
      ),
      term: text(1, 6),
      length: fc.integer({ min: 1, max: 6 }),
      lowerCase: fc.boolean(),
      following: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      limit: fc.integer({ min: 1, max: 8 }),
      offset: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
      ),
    }),
  },
);

describe.each(ENGINES)('account search through its indexes on $label', ({ name, skip }) => {
  let ctx: TestContext;
  let db: Kysely<Database>;
  let store: KyselySearchStore;
  let viewer: string;

  beforeAll(async () => {
    if (skip) return;
    ctx = await testContext(name);
    db = ctx.store.db;
    store = new KyselySearchStore(db, ctx.store.engine);
    viewer = (await ctx.microblog.createAccount({ username: 'searchviewer' })).id;
  });
  afterAll(async () => {
    await ctx?.dispose();
  });

  /** The accounts a run made, for its operations to pick from by index. */
  const created: string[] = [];
  let written: string | null = null;
  const pick = (which: number) => (created.length === 0 ? null : created[which % created.length]!);
  const keyOf = (username: string, remote: boolean) =>
    remote ? `${username}@remote.example`.toLowerCase() : username.toLowerCase();
  const taken = async (key: string) =>
    (await db.selectFrom('accounts').select('id').where('username_key', '=', key).executeTakeFirst()) !== undefined;

  async function apply(op: Exclude<Operation, { kind: 'search' }>): Promise<void> {
    const now = new Date().toISOString();
    if (op.kind === 'create') {
      const key = keyOf(op.username, op.remote);
      if (await taken(key)) return;
      const id = newId();
      await db
        .insertInto('accounts')
        .values({
          id,
          username: op.username,
          username_key: key,
          display_name: op.displayName,
          note: '',
          role: 'user',
          locked: 0,
          bot: 0,
          created_at: now,
          updated_at: now,
          suspended_at: null,
          followers_count: op.followers,
          following_count: 0,
          statuses_count: 0,
          last_status_at: null,
          domain: op.remote ? 'remote.example' : null,
          uri: op.remote ? `https://remote.example/users/${id}` : null,
        })
        .execute();
      if (op.followed)
        await db
          .insertInto('follows')
          .values({ id: newId(), account_id: viewer, target_account_id: id, created_at: now })
          .execute();
      created.push(id);
      written = id;
      return;
    }
    const id = pick(op.which);
    if (!id) return;
    written = id;
    if (op.kind === 'rename')
      await db.updateTable('accounts').set({ display_name: op.displayName }).where('id', '=', id).execute();
    if (op.kind === 'rehandle') {
      const row = await db.selectFrom('accounts').select('domain').where('id', '=', id).executeTakeFirstOrThrow();
      const key = keyOf(op.username, row.domain !== null);
      if (!(await taken(key)))
        await db
          .updateTable('accounts')
          .set({ username: op.username, username_key: key })
          .where('id', '=', id)
          .execute();
    }
    if (op.kind === 'suspend')
      await db
        .updateTable('accounts')
        .set({ suspended_at: op.suspended ? now : null })
        .where('id', '=', id)
        .execute();
    if (op.kind === 'delete') {
      await db.deleteFrom('follows').where('target_account_id', '=', id).execute();
      await db.deleteFrom('accounts').where('id', '=', id).execute();
      created.splice(created.indexOf(id), 1);
      written = null;
    }
  }

  async function termOf(op: Extract<Operation, { kind: 'search' }>): Promise<string> {
    let term = op.term;
    const id = op.from ? ((op.from.recent ? written : null) ?? pick(op.from.which)) : null;
    if (op.from && id) {
      const row = await db
        .selectFrom('accounts')
        .select(['username_key', 'display_name'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const source = [...(op.from.username ? row.username_key : row.display_name)];
      const start = Math.min(op.from.start, Math.max(0, source.length - 1));
      const part = source.slice(start, start + op.length).join('');
      if (part !== '') term = part;
    }
    // The domain lowers the query (src/core/search.ts); raw terms stay to probe the store alone.
    return op.lowerCase ? term.toLowerCase() : term;
  }

  /** SQLite: the full-text table holds exactly every account's display name under its id. */
  async function expectIndexInStep(): Promise<void> {
    if (ctx.store.engine !== 'sqlite') return;
    const indexed = await sql<{ id: string; display_name: string }>`select cast(rowid as text) as id, display_name
      from account_search order by rowid`.execute(db);
    const accounts = await db.selectFrom('accounts').select(['id', 'display_name']).orderBy('id').execute();
    expect(indexed.rows).toEqual(accounts);
  }

  it.skipIf(skip)('finds the same accounts in the same order as a scan of every account', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), async (operations) => {
        try {
          for (const op of operations) {
            if (op.kind !== 'search') {
              await apply(op);
              continue;
            }
            const input = {
              term: await termOf(op),
              followedBy: op.following ? viewer : null,
              limit: op.limit,
              offset: op.offset,
            };
            expect(await store.searchAccounts(input)).toEqual(await scanned(db, input));
          }
          await expectIndexInStep();
        } finally {
          // Deleting every account made is part of the property: the index must follow.
          for (const id of [...created]) await apply({ kind: 'delete', which: created.indexOf(id) });
          await expectIndexInStep();
        }
      }),
      { numRuns: name === 'sqlite' ? 300 : 60 },
    );
  });

  it.skipIf(skip)('uses the trigram indexes on PostgreSQL when pg_trgm could be installed', async () => {
    if (ctx.store.engine !== 'postgres') return;
    const { rows } = await sql<{ indexname: string }>`select indexname from pg_indexes
      where schemaname = current_schema() and tablename = 'accounts' and indexname like '%_trgm' order by indexname`.execute(
      db,
    );
    expect(rows.map((r) => r.indexname)).toEqual(['accounts_display_name_trgm', 'accounts_username_key_trgm']);
  });
});
