import pg from 'pg';
import { type Kysely, type QueryCreator, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/core/model.ts';
import { openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { EntityCache, type Invalidation, keyedDependency, releasesInScope } from '../../src/store/entity-cache.ts';
import { afterCommit } from '../../src/shared/after-commit.ts';
import { precompiledQuery } from '../../src/store/precompiled.ts';
import { createTestSchema } from '../helpers/context.ts';
import { createFeedTables, type FeedTables } from '../helpers/feed-tables.ts';

/**
 * Writing WITH queries (PostgreSQL): `with author as (update accounts … returning *) insert into
 * home_feed …` writes in each of its parts. The entity cache inspects every part as a statement
 * of its own (a plain post is written so, src/store/microblog-store.ts `publishInOneStatement`):
 * before, only the outermost statement was looked at, and a write hidden in a WITH query would
 * have left its account or memo served stale.
 */
interface Tables extends FeedTables {
  accounts: { id: string; statuses_count: number };
  favourites: { account_id: string; post_id: string };
}

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

describe.skipIf(!postgresUrl)('writes in WITH queries, seen by the entity cache (PostgreSQL)', () => {
  let cache: EntityCache;
  let store: StoreConnection;
  let db: Kysely<Tables>;
  let loads: Record<string, number>;
  let sent: Invalidation[];
  let schema: string;

  beforeAll(async () => {
    cache = new EntityCache(10_000);
    schema = await createTestSchema('with_queries');
    store = openDatabase({ engine: 'postgres', location: postgresUrl! }, { schema, poolSize: 3, entityCache: cache });
    db = store.db as unknown as Kysely<Tables>;
    await sql`create table accounts (id text primary key, statuses_count integer not null)`.execute(db);
    await sql`create table favourites (account_id text not null, post_id text not null)`.execute(db);
    await db.insertInto('accounts').values({ id: 'x', statuses_count: 0 }).execute();
    // a and b follow x; c follows nobody.
    await createFeedTables(db as unknown as Kysely<FeedTables>);
    cache.onWrite(async (invalidation) => {
      sent.push(invalidation);
    });
  });
  afterAll(async () => {
    await store?.close();
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  });
  beforeEach(() => {
    loads = {};
    sent = [];
  });

  /** Account x's post count through the cache, as the store reads accounts; counts its loads. */
  const countOfX = async () => {
    const found = await cache.read('accounts', ['x'], async () => {
      loads.x = (loads.x ?? 0) + 1;
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', 'x').executeTakeFirstOrThrow();
      return new Map([['x', { id: 'x', statusesCount: row.statuses_count } as unknown as Account]]);
    });
    return found.get('x')!.statusesCount;
  };
  const memoOf = (dimension: 'home_feed' | 'favourites', viewer: string) =>
    cache.memo(`${dimension}-test`, viewer, [keyedDependency(dimension, viewer)], async () => {
      const key = `${dimension}:${viewer}`;
      loads[key] = (loads[key] ?? 0) + 1;
      return loads[key];
    });
  /** Adds `n` to x's count, returning its row: alone, or as a WITH query (`on` is then the WITH's builder). */
  const addToX = (on: QueryCreator<Tables>, n = 1) =>
    on
      .updateTable('accounts')
      .set((eb) => ({ statuses_count: eb('statuses_count', '+', n) }))
      .where('id', '=', 'x')
      .returningAll();
  /** A post of x: its count in a WITH query, the fan-out outside, as a plain post is written. */
  const postOfX = (postId: string) =>
    db
      .with('author', (qb) => addToX(qb))
      .insertInto('home_feed')
      .columns(['account_id', 'post_id', 'author_id'])
      .expression(
        db
          .selectFrom('follows')
          .select(['account_id', sql<string>`cast(${postId} as text)`.as('post_id'), 'target_account_id as author_id'])
          .where('target_account_id', '=', 'x'),
      )
      .returning('account_id')
      .execute();

  it('drops the account an UPDATE in a WITH query names, and the feeds the outer INSERT returns', async () => {
    expect(await countOfX()).toBe(0);
    for (const viewer of ['a', 'b', 'c']) await memoOf('home_feed', viewer);
    await postOfX('p1');
    expect(await countOfX()).toBe(1);
    expect(loads.x).toBe(2);
    for (const viewer of ['a', 'b', 'c']) await memoOf('home_feed', viewer);
    expect(loads).toMatchObject({ 'home_feed:a': 2, 'home_feed:b': 2, 'home_feed:c': 1 });
    // Other instances are told the same.
    expect(sent).toHaveLength(1);
    expect(sent[0]!.accounts).toEqual(['x']);
    expect([...sent[0]!.keys!].sort()).toEqual(['home_feed:a', 'home_feed:b']);
  });

  it('holds what a WITH query wrote until the connection is released: no fill from the uncommitted count', async () => {
    expect(await countOfX()).toBe(1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const transaction = db.transaction().execute(async (tx) => {
      await tx
        .with('author', (qb) => addToX(qb))
        .selectFrom('author')
        .selectAll()
        .execute();
      written();
      await held;
    });
    try {
      await wrote;
      const before = loads.x ?? 0;
      // Another connection still sees 1 (not committed): it is answered, never kept.
      expect(await countOfX()).toBe(1);
      expect(await countOfX()).toBe(1);
      expect((loads.x ?? 0) - before).toBe(2);
    } finally {
      release();
      await transaction;
    }
    expect(await countOfX()).toBe(2);
    const filled = loads.x;
    expect(await countOfX()).toBe(2);
    expect(loads.x).toBe(filled);
  });

  it("drops only the keys an INSERT in a WITH query names (one viewer's favourites), under a SELECT", async () => {
    await memoOf('favourites', 'a');
    await memoOf('favourites', 'b');
    await db
      .with('added', (qb) => qb.insertInto('favourites').values({ account_id: 'a', post_id: 'p1' }).returningAll())
      .selectFrom('added')
      .selectAll()
      .execute();
    await memoOf('favourites', 'a');
    await memoOf('favourites', 'b');
    expect(loads).toMatchObject({ 'favourites:a': 2, 'favourites:b': 1 });
  });

  /** Adds one to x's count in a statement of its own; the row as written, and what its release left. */
  const bumpX = (on: Kysely<Tables> = db) => cache.capturingReleases(() => addToX(on).executeTakeFirstOrThrow());
  const asAccount = (row: { id: string; statuses_count: number }) =>
    ({ id: row.id, statusesCount: row.statuses_count }) as unknown as Account;

  it('puts back the row a released write returned: the next read needs no load', async () => {
    await countOfX();
    const { value: row, released } = await bumpX();
    cache.refill('accounts', asAccount(row), released);
    const before = loads.x;
    expect(await countOfX()).toBe(row.statuses_count);
    expect(loads.x).toBe(before);
  });

  it('puts nothing back when another write dropped the record since, or when the write is still held', async () => {
    const { value: row, released } = await bumpX();
    // Another write of x, released before the refill: its row is newer than the one returned.
    await addToX(db, 10).execute();
    cache.refill('accounts', asAccount(row), released);
    const before = loads.x ?? 0;
    expect(await countOfX()).toBe(row.statuses_count + 10);
    expect(loads.x).toBe(before + 1);
    // Inside a transaction the write is not released within the capture: nothing is told, nothing put back.
    let inside: Awaited<ReturnType<typeof bumpX>> | null = null;
    await db.transaction().execute(async (tx) => {
      inside = await bumpX(tx);
      cache.refill('accounts', asAccount(inside.value), inside.released);
    });
    expect(inside!.released.accounts.size).toBe(0);
    const again = loads.x ?? 0;
    expect(await countOfX()).toBe(row.statuses_count + 11);
    expect(loads.x).toBe(again + 1);
  });

  it('in a batch of units, puts back a row once the batch committed, unless a later unit wrote it again', async () => {
    const group = store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
    /** A unit that adds `n` to x's count and, as the post store does, puts x back once committed. */
    const unit = (n: number, refill: boolean) => async () => {
      const { value: row, released } = await cache.capturingReleases(() => addToX(db, n).executeTakeFirstOrThrow());
      // Inside a batch nothing is released yet: the put-back waits for the commit.
      expect(released.accounts.size).toBe(0);
      const writtenAt = cache.versionOf('accounts', 'x');
      if (refill)
        void afterCommit(() => {
          const batch = releasesInScope();
          if (batch) cache.refill('accounts', asAccount(row), batch, writtenAt);
        });
      return row.statuses_count;
    };
    const start = await countOfX();
    // Alone in its batch: put back, the next read needs no load.
    const [alone] = await Promise.all([group.run(unit(1, true))]);
    expect(alone).toBe(start + 1);
    let before = loads.x ?? 0;
    expect(await countOfX()).toBe(start + 1);
    expect(loads.x ?? 0).toBe(before);
    // Followed by a unit that writes x again: the first unit's row is older than the commit's.
    const [first, second] = await Promise.all([group.run(unit(1, true)), group.run(unit(100, false))]);
    expect([first, second]).toEqual([start + 2, start + 102]);
    before = loads.x ?? 0;
    expect(await countOfX()).toBe(start + 102);
    expect(loads.x ?? 0).toBe(before + 1);
  });

  it('reads the records a precompiled statement writes from its parameters: the same drops, the same refill', async () => {
    // As a plain post is sent (src/store/precompiled.ts): compiled once, ids as placeholders in its tree.
    const precompiledPost = precompiledQuery((author: string, postId: string) =>
      db
        .with('author', (qb) =>
          qb
            .updateTable('accounts')
            .set((eb) => ({ statuses_count: eb('statuses_count', '+', 1) }))
            .where('id', '=', author)
            .returningAll(),
        )
        .insertInto('home_feed')
        .columns(['account_id', 'post_id', 'author_id'])
        .expression(
          db
            .selectFrom('follows')
            .select([
              'account_id',
              sql<string>`cast(${postId} as text)`.as('post_id'),
              'target_account_id as author_id',
            ])
            .where('target_account_id', '=', author),
        )
        .returning(['account_id', sql<Tables['accounts']>`(select row_to_json(author) from author)`.as('author')]),
    );
    for (const postId of ['pc1', 'pc2']) {
      const count = await countOfX();
      for (const viewer of ['a', 'b', 'c']) await memoOf('home_feed', viewer);
      sent = [];
      const { value, released } = await cache.capturingReleases(
        async () => (await db.executeQuery(precompiledPost('x', postId))).rows,
      );
      // Account x alone is dropped (not every account), and a and b's feeds: named by the parameters.
      expect(sent).toHaveLength(1);
      expect(sent[0]!.accounts).toEqual(['x']);
      expect(sent[0]!.allAccounts).toBe(false);
      expect([...sent[0]!.keys!].sort()).toEqual(['home_feed:a', 'home_feed:b']);
      expect(released.accounts.has('x')).toBe(true);
      // The row it returned goes back in: the next read of x needs no load.
      cache.refill('accounts', asAccount(value[0]!.author), released);
      const before = loads.x;
      expect(await countOfX()).toBe(count + 1);
      expect(loads.x).toBe(before);
    }
  });
});
