import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  type DatabaseConnection,
  type QueryResult,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { collectAfterCommit } from '../shared/after-commit.ts';
import { noReleases, withReleasesCaptured } from './entity-cache.ts';

/**
 * Group commit: many small units of work (inbound texts) run one after another inside ONE
 * database transaction, and each caller hears its result only after that transaction
 * committed. On SQLite this turns a text's four commits (each a WAL write) into a share of one;
 * on PostgreSQL, a share of one round trip for BEGIN and COMMIT.
 *
 * Nothing above the store changes: while a unit runs, every statement any store issues through
 * Kysely goes to the batch's connection (the "ambient" transaction, found through
 * AsyncLocalStorage), and a store's own `db.transaction()` becomes a savepoint inside it.
 * A unit that throws rolls its batch back and its caller gets the error; the units before it
 * run again in the next batch, and commit. A failed commit fails every caller of the batch, so
 * nothing is acknowledged that is not durable. Work a unit defers with `afterCommit` (stream
 * events, e-mail, waking dispatchers) runs once the batch committed, never for a unit that
 * failed.
 */

interface Batch {
  readonly driver: AmbientDriver;
  readonly connection: DatabaseConnection;
  /** Writes marked `untilUnitEnds` wait for the unit's next statement or its end (PostgreSQL). */
  readonly defersWrites: boolean;
  open: boolean;
  /** The last statement sent on the connection: the next one waits for it. */
  tail: Promise<unknown>;
}

/**
 * The units of a batch share one connection and may each have several statements under way (a
 * `Promise.all` in the domain): they go to the database one after the other, in the order they
 * were sent, as node-pg's own queue did (which pg@9 removes; it warns already).
 */
function inTurn<T>(batch: Batch, run: () => Promise<T>): Promise<T> {
  const result = batch.tail.then(run, run);
  batch.tail = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

/** One unit's view of its batch: cut off when the unit ran out of time or the batch ended. */
class ScopedConnection implements DatabaseConnection {
  readonly batch: Batch;
  /** Ran out of time or failed: rolled back, and nothing it still tries may run. */
  abandoned = false;
  /** Done: what it left running (promises not awaited) works on its own connection. */
  finished = false;
  /** The unit's own `db.transaction()`s, as savepoints, innermost last. */
  readonly savepoints: string[] = [];
  /** Writes marked `untilUnitEnds`, not sent yet; the last batch of them sent, and whether one failed. */
  private readonly deferred: CompiledQuery[] = [];
  private flushing: Promise<void> | null = null;
  private flushFailure: { error: unknown } | null = null;
  private next = 0;

  constructor(batch: Batch) {
    this.batch = batch;
  }

  get usable(): boolean {
    return this.batch.open && !this.abandoned && !this.finished;
  }

  nextSavepoint(): string {
    this.next += 1;
    return `unit_tx_${this.next}`;
  }

  executeQuery: DatabaseConnection['executeQuery'] = <R>(
    compiled: CompiledQuery,
    options?: Parameters<DatabaseConnection['executeQuery']>[1],
  ): Promise<QueryResult<R>> => {
    if (!this.usable) return Promise.reject(new AbandonedUnitError());
    if (this.batch.defersWrites && (compiled as DeferrableQuery).untilUnitEnds && combinable(compiled)) {
      // Sent with the unit's next statement or at its end (nothing it returns is read).
      if (this.deferred.some((other) => sharesPlaceholders(other, compiled))) this.flushDeferred().catch(() => {});
      this.deferred.push(compiled);
      return Promise.resolve({ rows: [] });
    }
    if (this.deferred.length === 0 && !this.flushing) {
      return inTurn(this.batch, () => this.batch.connection.executeQuery<R>(compiled, options));
    }
    const flushed = this.flushDeferred();
    const result = inTurn(this.batch, () => this.batch.connection.executeQuery<R>(compiled, options));
    // The writes before it failed: that is the error to tell (the statement after them fails too).
    return flushed.then(
      () => result,
      (error: unknown) => {
        result.catch(() => {});
        throw error;
      },
    );
  };

  /**
   * Sends the writes waiting for this unit's next statement, as one statement (the others as
   * WITH queries of the last), in turn; rejects if it, or one sent before, failed: the unit
   * fails with it.
   */
  flushDeferred(): Promise<void> {
    if (this.deferred.length > 0) {
      const combined = combineWrites(this.deferred.splice(0));
      this.flushing = inTurn(this.batch, () => this.batch.connection.executeQuery(combined)).then(
        () => {},
        (error: unknown) => {
          this.flushFailure ??= { error };
        },
      );
    }
    return (this.flushing ?? Promise.resolve()).then(() => {
      if (this.flushFailure) throw this.flushFailure.error;
    });
  }

  streamQuery: DatabaseConnection['streamQuery'] = (compiled, chunkSize, options) => {
    if (!this.usable) throw new AbandonedUnitError();
    return this.batch.connection.streamQuery(compiled, chunkSize, options);
  };
}

/** A write whose result nobody reads: in a unit of a batch it may wait for the unit's next statement. */
type DeferrableQuery = CompiledQuery & { untilUnitEnds?: true };

/**
 * Marks a write (an INSERT, UPDATE or DELETE without RETURNING, nothing of it read back by the
 * rest of its unit) that may wait, inside a unit of a batch on PostgreSQL, until the unit's next
 * statement or its end, to go with other such writes as one statement: a round trip each saved.
 * Anything the unit sends after it is sent after it; outside a batch it runs at once.
 */
export function untilUnitEnds<Q extends CompiledQuery>(query: Q): Q {
  return { ...query, untilUnitEnds: true };
}

type Node = { kind: string; [key: string]: unknown };

/** A write that can be a WITH query of another: PostgreSQL text with numbered parameters, no literal, no WITH or RETURNING of its own. */
function combinable(query: CompiledQuery): boolean {
  const node = query.query as unknown as Node;
  return (
    (node.kind === 'InsertQueryNode' || node.kind === 'UpdateQueryNode' || node.kind === 'DeleteQueryNode') &&
    !node.with &&
    !node.returning &&
    !query.sql.includes("'") &&
    !query.sql.includes('$$')
  );
}

/** What each parameter of a query stands for in its tree (a precompiled one's placeholders, or the values themselves). */
function placeholdersOf(query: CompiledQuery): readonly unknown[] {
  return (query as { placeholders?: readonly unknown[] }).placeholders ?? query.parameters;
}

/**
 * Two writes of the same precompiled shape carry the same placeholders in their trees: in one
 * statement, the entity cache could not tell whose parameter each stands for. Such a pair is
 * never combined.
 */
function sharesPlaceholders(a: CompiledQuery, b: CompiledQuery): boolean {
  const mine = (a as { placeholders?: readonly unknown[] }).placeholders;
  const theirs = (b as { placeholders?: readonly unknown[] }).placeholders;
  if (!mine || !theirs) return false;
  // Constants (a NULL, a fixed status) stand for themselves, whichever query they are in.
  const isPlaceholder = (p: unknown) => typeof p === 'string' && p.includes('\u0000');
  const seen = new Set(mine.filter(isPlaceholder));
  return theirs.some((p) => isPlaceholder(p) && seen.has(p));
}

/**
 * Writes as one PostgreSQL statement: `with deferred_0 as (…), deferred_1 as (…) <the last>`,
 * parameters renumbered in order. Each runs as if alone, on the same snapshot (none reads what
 * another wrote); the tree is the last one's with the others as its WITH queries, so the
 * entity cache inspects each as a statement of its own, resolving placeholders in order.
 */
function combineWrites(queries: CompiledQuery[]): CompiledQuery {
  if (queries.length === 1) return queries[0]!;
  let offset = 0;
  const parameters: unknown[] = [];
  const placeholders: unknown[] = [];
  const renumbered = (query: CompiledQuery) => {
    const at = offset;
    offset += query.parameters.length;
    parameters.push(...query.parameters);
    placeholders.push(...placeholdersOf(query));
    return query.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + at}`);
  };
  const ctes = queries.slice(0, -1).map((query, i) => `"deferred_${i}" as (${renumbered(query)})`);
  const last = queries.at(-1)!;
  const sql = `with ${ctes.join(', ')} ${renumbered(last)}`;
  const name = (i: number) => ({
    kind: 'CommonTableExpressionNameNode',
    table: {
      kind: 'TableNode',
      table: { kind: 'SchemableIdentifierNode', identifier: { kind: 'IdentifierNode', name: `deferred_${i}` } },
    },
  });
  const tree = {
    ...(last.query as unknown as Node),
    with: {
      kind: 'WithNode',
      expressions: queries.slice(0, -1).map((query, i) => ({
        kind: 'CommonTableExpressionNode',
        name: name(i),
        expression: query.query,
      })),
    },
  };
  return {
    query: tree as unknown as CompiledQuery['query'],
    queryId: last.queryId,
    sql,
    parameters,
    placeholders,
  } as CompiledQuery;
}

const scopes = new AsyncLocalStorage<ScopedConnection>();

class AbandonedUnitError extends Error {
  constructor() {
    super('This unit of work ran out of time or its batch ended; it was rolled back and its statements are refused');
    this.name = 'AbandonedUnitError';
  }
}

/** A simple FIFO lock: the one SQLite connection is held by one user at a time. */
class Mutex {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  unlock(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

class AmbientDriver implements Driver {
  readonly inner: Driver;
  /** SQLite has one connection: Kysely's own lock would block the batch's units, so it is kept here. */
  private readonly mutex: Mutex | null;
  initialised = false;

  constructor(inner: Driver, exclusive: boolean) {
    this.inner = inner;
    this.mutex = exclusive ? new Mutex() : null;
  }

  private scoped(connection: DatabaseConnection): ScopedConnection | null {
    return connection instanceof ScopedConnection && connection.batch.driver === this ? connection : null;
  }

  async init(options?: Parameters<Driver['init']>[0]): Promise<void> {
    await this.inner.init(options);
    this.initialised = true;
  }

  async acquireConnection(options?: Parameters<Driver['acquireConnection']>[0]): Promise<DatabaseConnection> {
    const scope = scopes.getStore();
    if (scope && scope.batch.driver === this) {
      if (scope.abandoned) throw new AbandonedUnitError();
      // A task the unit left running after it finished works on its own, like any other.
      if (scope.usable) return scope;
    }
    return this.acquireOwn(options);
  }

  /** A connection outside any batch (the batch itself takes its connection here). */
  async acquireOwn(options?: Parameters<Driver['acquireConnection']>[0]): Promise<DatabaseConnection> {
    await this.mutex?.lock();
    try {
      return await this.inner.acquireConnection(options);
    } catch (error) {
      this.mutex?.unlock();
      throw error;
    }
  }

  async releaseConnection(
    connection: DatabaseConnection,
    options?: Parameters<Driver['releaseConnection']>[1],
  ): Promise<void> {
    if (this.scoped(connection)) return;
    await this.releaseOwn(connection, options);
  }

  async releaseOwn(connection: DatabaseConnection, options?: Parameters<Driver['releaseConnection']>[1]) {
    try {
      await this.inner.releaseConnection(connection, options);
    } finally {
      this.mutex?.unlock();
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const scope = this.scoped(connection);
    if (!scope) return this.inner.beginTransaction(connection, settings);
    const name = scope.nextSavepoint();
    scope.savepoints.push(name);
    await scope.executeQuery(CompiledQuery.raw(`savepoint ${name}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const scope = this.scoped(connection);
    if (!scope) return this.inner.commitTransaction(connection);
    // Not released: the batch's commit releases every savepoint, and a round trip per nested
    // transaction is what a text pays most for on PostgreSQL. Left in place, a savepoint still
    // rolls back with its unit's (an outer one), and names are resolved to the newest one.
    scope.savepoints.pop();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const scope = this.scoped(connection);
    if (!scope) return this.inner.rollbackTransaction(connection);
    await scope.executeQuery(CompiledQuery.raw(`rollback to savepoint ${scope.savepoints.pop()!}`));
  }

  // Kysely's own savepoints (controlled transactions) run as they are, on the unit's connection.
  savepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.inner.savepoint!(this.scoped(connection) ?? connection, name, compile);
  rollbackToSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.inner.rollbackToSavepoint!(this.scoped(connection) ?? connection, name, compile);
  releaseSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.inner.releaseSavepoint!(this.scoped(connection) ?? connection, name, compile);
  destroy: Driver['destroy'] = (options) => this.inner.destroy(options);
}

/** Where the group commit finds the driver Kysely created from the dialect. */
export interface AmbientHandle {
  driver: AmbientDriver | null;
}

/** The dialect with ambient transactions: statements of a unit in a batch go to the batch's connection. */
export function ambientDialect(inner: Dialect, handle: AmbientHandle): Dialect {
  return {
    createDriver: () => {
      const adapter = inner.createAdapter();
      handle.driver = new AmbientDriver(inner.createDriver(), adapter.supportsMultipleConnections === false);
      return handle.driver;
    },
    createQueryCompiler: () => inner.createQueryCompiler(),
    // The driver keeps the single-connection lock itself (see AmbientDriver), so Kysely need not.
    createAdapter: () => {
      const adapter = inner.createAdapter();
      return new Proxy(adapter, {
        get(target, property) {
          if (property === 'supportsMultipleConnections') return true;
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) as DialectAdapter;
    },
    createIntrospector: (db: Kysely<unknown>) => inner.createIntrospector(db),
  };
}

export interface GroupCommitOptions {
  /** Most units in one transaction; 1 turns batching off (each unit still commits before it answers). */
  maxBatch: number;
  /** How long a batch waits for more units after the first arrived (0: what arrived by the next turn of the event loop). */
  windowMs: number;
  /**
   * A unit still running after this long is rolled back and refused further statements, so one
   * that waits on something outside the database (or on a lock the batch holds) cannot stall the rest.
   */
  unitTimeoutMs: number;
  /**
   * Batches that may be under way at once, each on its own connection (default 1). A lane runs
   * its units one after another, so on PostgreSQL it moves at the pace of round trips: more lanes
   * let a burst be written on several connections at once (a text waits less behind the others),
   * for more and smaller transactions. SQLite has one writer: it always keeps one lane.
   */
  lanes?: number;
  /**
   * Writes marked `untilUnitEnds` wait for the unit's next statement or its end, and go as one
   * statement (PostgreSQL, where each statement is a round trip; SQLite has none to save).
   */
  defersWrites?: boolean;
}

type Outcome = { ok: true; value: unknown; tasks: (() => void)[] } | { ok: false; error: unknown };

interface Pending<T> {
  work: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  /** Times this unit was run again after losing to another lane's transaction. */
  retries: number;
}

/**
 * A unit that lost a conflict with another transaction (PostgreSQL's deadlock detector picked
 * it, or a serialization failure) did nothing wrong: run again in a later batch, it succeeds.
 * Two batches (two lanes, or two `serve` workers) deadlock only through rows both touch in
 * opposite orders (texts replying to the same two posts, following the same two accounts), so
 * this is rare, but it must not cost a text: a provider that gets an error may never retry.
 */
const RETRYABLE_CODES = new Set(['40P01', '40001']);
const MAX_RETRIES = 3;

function lostAConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** A key's lane: the same key always gets the same one (FNV-1a of the key). */
function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/** Runs units of work in shared transactions (see the top of this file). */
export class GroupCommit {
  private readonly lanes: Lane[];
  /** Batches committed or rolled back, and units they ran (a unit run again counts again). */
  readonly counts = { batches: 0, units: 0 };

  constructor(handle: AmbientHandle, warmUp: () => Promise<unknown>, options: GroupCommitOptions) {
    const lanes = Math.max(1, Math.floor(options.lanes ?? 1));
    this.lanes = Array.from({ length: lanes }, () => new Lane(handle, warmUp, options, this.counts));
  }

  get batches(): number {
    return this.counts.batches;
  }

  get units(): number {
    return this.counts.units;
  }

  /** Resolves once no unit is queued or running in any lane (before the store closes). */
  async idle(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.idle()));
  }

  /**
   * Runs `work` in the next batch; resolves once the batch committed (rejects if the unit or the
   * commit failed). Units with the same `key` (a sender) share a lane, so they commit in the
   * order they came; a unit without one takes the lane with the least waiting.
   */
  run<T>(work: () => Promise<T>, key?: string): Promise<T> {
    const lane =
      key !== undefined
        ? this.lanes[laneOf(key, this.lanes.length)]!
        : this.lanes.reduce((best, lane) => (lane.waiting < best.waiting ? lane : best));
    return lane.run(work);
  }
}

/** One queue of units and the batches that drain it, one at a time. */
class Lane {
  private readonly handle: AmbientHandle;
  private readonly warmUp: () => Promise<unknown>;
  private readonly options: GroupCommitOptions;
  private readonly counts: { batches: number; units: number };
  private queue: Pending<unknown>[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    handle: AmbientHandle,
    warmUp: () => Promise<unknown>,
    options: GroupCommitOptions,
    counts: { batches: number; units: number },
  ) {
    this.handle = handle;
    this.warmUp = warmUp;
    this.options = options;
    this.counts = counts;
  }

  /** Units queued here, and the batch under way counted as one more (so an idle lane is preferred). */
  get waiting(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  async idle(): Promise<void> {
    while (this.running || this.scheduled || this.queue.length > 0) {
      await (this.running?.catch(() => {}) ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject, retries: 0 } as Pending<unknown>);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const start = () => {
      this.scheduled = false;
      this.running = this.drain().finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.schedule();
      });
    };
    if (this.options.windowMs > 0) setTimeout(start, this.options.windowMs);
    else setImmediate(start);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, Math.max(1, this.options.maxBatch));
      await this.runBatch(batch);
    }
  }

  private async runBatch(items: Pending<unknown>[]): Promise<void> {
    try {
      if (!this.handle.driver?.initialised) await this.warmUp();
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    const driver = this.handle.driver!;
    let connection: DatabaseConnection;
    try {
      connection = await driver.acquireOwn();
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    const batch: Batch = {
      driver,
      connection,
      defersWrites: this.options.defersWrites ?? false,
      open: true,
      tail: Promise.resolve(),
    };
    const released = noReleases();
    const outcomes: Outcome[] = [];
    let failure: unknown = null;
    try {
      await driver.inner.beginTransaction(connection, {});
      // No savepoint per unit: on PostgreSQL each would be a round trip, a seventh of what a text
      // sends. A unit that fails instead rolls the whole batch back (see `settle`): the units
      // before it run again in the next batch, and those after it had not run yet.
      for (const item of items) {
        const scope = new ScopedConnection(batch);
        try {
          const result = await this.withTimeout(
            scopes.run(scope, () =>
              collectAfterCommit(async () => {
                const value = await item.work();
                await scope.flushDeferred();
                return value;
              }),
            ),
            () => {
              scope.abandoned = true;
            },
          );
          scope.finished = true;
          outcomes.push({ ok: true, value: result.value, tasks: result.tasks });
        } catch (error) {
          scope.abandoned = true;
          outcomes.push({ ok: false, error });
          break;
        }
      }
      batch.open = false;
      if (outcomes.at(-1)?.ok === false) await inTurn(batch, () => driver.inner.rollbackTransaction(connection));
      else await inTurn(batch, () => driver.inner.commitTransaction(connection));
    } catch (error) {
      failure = error;
      batch.open = false;
      await inTurn(batch, () => driver.inner.rollbackTransaction(connection)).catch(() => {});
    } finally {
      batch.open = false;
      // What the release dropped of the entity cache is recorded, for the tasks below to refill from.
      await withReleasesCaptured(released, () => driver.releaseOwn(connection));
    }
    this.counts.batches += 1;
    this.counts.units += outcomes.length;
    const again: Pending<unknown>[] = [];
    withReleasesCaptured(released, () => this.settle(items, outcomes, failure, again));
    // Ahead of what came meanwhile: they were first.
    if (again.length > 0) this.queue.unshift(...again);
  }

  /**
   * Answers each unit of a batch that ended, running the tasks of those committed; gathers those
   * to run again. A batch whose last unit failed was rolled back whole: that unit gets its error
   * (or runs again, if it lost a conflict with another transaction), and the units before it,
   * which did nothing wrong, run again in the next batch, in the same order, ahead of the units
   * that had not run yet. Each failure takes one unit out (or spends one of its few retries), so
   * every batch gets further.
   */
  private settle(items: Pending<unknown>[], outcomes: Outcome[], failure: unknown, again: Pending<unknown>[]): void {
    const failed = outcomes.at(-1)?.ok === false ? outcomes.length - 1 : -1;
    for (const [index, item] of items.entries()) {
      const outcome = outcomes[index];
      if (failure !== null) item.reject(failure);
      else if (!outcome) again.push(item);
      else if (!outcome.ok) {
        if (lostAConflict(outcome.error) && item.retries < MAX_RETRIES) {
          // Rolled back with its batch, nothing of it committed: it runs again in the next batch.
          item.retries += 1;
          again.push(item);
        } else item.reject(outcome.error);
      } else if (failed >= 0) again.push(item);
      else {
        for (const task of outcome.tasks) {
          try {
            task();
          } catch {
            // A task's failure is its own to report (see afterCommit); the unit is committed.
          }
        }
        item.resolve(outcome.value);
      }
    }
  }

  private withTimeout<T>(work: Promise<T>, abandon: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        abandon();
        reject(new AbandonedUnitError());
      }, this.options.unitTimeoutMs);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
