import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { EntityCache, type Invalidation, keyedDependency } from '../../src/store/entity-cache.ts';
import { precompiledQuery } from '../../src/store/precompiled.ts';
import { createTestSchema, ENGINES } from '../helpers/context.ts';
import { createFeedTables, type FeedTables } from '../helpers/feed-tables.ts';

/**
 * Keys told by the rows a write returns (src/store/entity-cache.ts): an INSERT…SELECT or a
 * DELETE by another column cannot name the home feeds it writes, but with `returning
 * account_id` it drops those feeds' memos only — held from the write until its connection is
 * released, like keys told up front — and the dimension as a whole when its rows tell nothing.
 */
type Tables = FeedTables;

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;
const VIEWERS = ['a', 'b', 'c'];

describe.each(ENGINES)('keys returned by writes on $label', ({ name, skip }) => {
  let cache: EntityCache;
  let store: StoreConnection;
  let db: Kysely<Tables>;
  let loads: Record<string, number>;
  let sent: Invalidation[];

  beforeAll(async () => {
    if (skip) return;
    cache = new EntityCache(10_000);
    if (name === 'postgres') {
      const schema = await createTestSchema('returning');
      store = openDatabase({ engine: 'postgres', location: postgresUrl! }, { schema, poolSize: 3, entityCache: cache });
    } else store = openDatabase({ engine: 'sqlite', location: ':memory:' }, { entityCache: cache });
    db = store.db as unknown as Kysely<Tables>;
    // a and b follow x; c follows nobody.
    await createFeedTables(db);
    cache.onWrite(async (invalidation) => {
      sent.push(invalidation);
    });
  });
  afterAll(async () => store?.close());
  beforeEach(() => {
    loads = {};
    sent = [];
  });

  /** A memo of one viewer's home feed, as the home head keeps it; counts its loads. */
  const feedOf = (viewer: string) =>
    cache.memo('feed-test', viewer, [keyedDependency('home_feed', viewer)], async () => {
      loads[viewer] = (loads[viewer] ?? 0) + 1;
      return loads[viewer];
    });
  /** Reads every viewer's memo (filling it), runs the write, and tells whose memo was dropped. */
  const dropped = async (write: () => Promise<unknown>) => {
    for (const viewer of VIEWERS) await feedOf(viewer);
    const before = { ...loads };
    await write();
    for (const viewer of VIEWERS) await feedOf(viewer);
    return VIEWERS.filter((viewer) => loads[viewer] !== before[viewer]);
  };
  /** What the last write told other instances of home feeds (rows come back in any order). */
  const lastMessage = () => {
    const { tables = [], keys = [] } = sent.at(-1) ?? {};
    return { tables, keys: [...keys].sort() };
  };
  /** The fan-out's shape: one post into its author's followers' feeds, precompiled as the store does. */
  const fanOut = precompiledQuery((postId: string, authorId: string) =>
    db
      .insertInto('home_feed')
      .columns(['account_id', 'post_id', 'author_id'])
      .expression(
        db
          .selectFrom('follows')
          .select(['account_id', sql<string>`cast(${postId} as text)`.as('post_id'), 'target_account_id as author_id'])
          .where('target_account_id', '=', authorId),
      )
      .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
      .returning('account_id'),
  );

  describe.skipIf(skip)('', () => {
    it("drops the feeds an INSERT…SELECT returns, and nobody's when it inserted nothing", async () => {
      expect(await dropped(() => db.executeQuery(fanOut('p1', 'x')))).toEqual(['a', 'b']);
      expect(lastMessage()).toEqual({ tables: [], keys: ['home_feed:a', 'home_feed:b'] });
      // The same post again: every row skipped by ON CONFLICT DO NOTHING, no feed changed.
      expect(await dropped(() => db.executeQuery(fanOut('p1', 'x')))).toEqual([]);
      // Nobody follows c: no rows at all.
      expect(await dropped(() => db.executeQuery(fanOut('p2', 'c')))).toEqual([]);
    });

    it('drops the feeds a DELETE or UPDATE by another column returns', async () => {
      await db.executeQuery(fanOut('p3', 'x'));
      await db.insertInto('home_feed').values({ account_id: 'c', post_id: 'p4', author_id: 'y' }).execute();
      expect(
        await dropped(() =>
          db.deleteFrom('home_feed').where('post_id', 'in', ['p3']).returning('account_id').execute(),
        ),
      ).toEqual(['a', 'b']);
      expect(
        await dropped(() =>
          db.updateTable('home_feed').set({ author_id: 'z' }).where('post_id', '=', 'p4').returningAll().execute(),
        ),
      ).toEqual(['c']);
      // A delete of rows that are not there returns none: nothing dropped.
      expect(
        await dropped(() =>
          db.deleteFrom('home_feed').where('post_id', '=', 'nothing').returning('account_id').execute(),
        ),
      ).toEqual([]);
    });

    it('drops the dimension when the rows cannot tell the keys', async () => {
      const all = ['a', 'b', 'c'];
      // No RETURNING.
      expect(await dropped(() => db.deleteFrom('home_feed').where('post_id', '=', 'p1').execute())).toEqual(all);
      expect(lastMessage()).toEqual({ tables: ['home_feed'], keys: [] });
      // RETURNING other columns, or the key column under another name.
      expect(
        await dropped(() => db.deleteFrom('home_feed').where('post_id', '=', 'p1').returning('post_id').execute()),
      ).toEqual(all);
      expect(
        await dropped(() =>
          db.deleteFrom('home_feed').where('post_id', '=', 'p1').returning('account_id as viewer').execute(),
        ),
      ).toEqual(all);
      // An UPDATE that moves rows to other feeds: the old keys are not returned.
      expect(
        await dropped(() =>
          db
            .updateTable('home_feed')
            .set({ account_id: 'c' })
            .where('post_id', '=', 'p4')
            .returning('account_id')
            .execute(),
        ),
      ).toEqual(all);
      // A statement that fails returns no rows: the dimension, to be sure.
      expect(
        await dropped(() =>
          db
            .insertInto('home_feed')
            .columns(['account_id', 'post_id', 'author_id'])
            .expression(
              db
                .selectFrom('follows')
                .select(['account_id', 'account_id as post_id', sql<string>`null`.as('author_id')]),
            )
            .returning('account_id')
            .execute()
            .catch(() => null),
        ),
      ).toEqual(all);
    });

    it('holds the returned keys until the connection is released, and drops them again then', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => (written = resolve));
      for (const viewer of VIEWERS) await feedOf(viewer);
      const before = { ...loads };
      const loadedSince = () => Object.fromEntries(VIEWERS.map((v) => [v, (loads[v] ?? 0) - (before[v] ?? 0)]));
      const transaction = db.transaction().execute(async (tx) => {
        await tx.executeQuery(fanOut('p5', 'x'));
        written();
        await held;
      });
      try {
        await wrote;
        // Written, not committed: a's and b's memos do not fill; c's stays.
        for (let read = 0; read < 2; read += 1) for (const viewer of VIEWERS) await feedOf(viewer);
        expect(loadedSince()).toEqual({ a: 2, b: 2, c: 0 });
        expect(sent).toEqual([]);
      } finally {
        release();
        await transaction;
      }
      for (let read = 0; read < 2; read += 1) for (const viewer of VIEWERS) await feedOf(viewer);
      expect(loadedSince()).toEqual({ a: 3, b: 3, c: 0 });
      expect(sent).toHaveLength(1);
      expect(lastMessage()).toEqual({ tables: [], keys: ['home_feed:a', 'home_feed:b'] });
    });

    it('does not fill a memo whose load overlapped the write', async () => {
      const overlapping = (load: () => Promise<string>) =>
        cache.memo('overlap-test', 'a', [keyedDependency('home_feed', 'a')], load);
      // The load starts before the fan-out and ends after it: it may have read the feed as it was.
      const first = await overlapping(async () => {
        await db.executeQuery(fanOut('p6', 'x'));
        return 'read before the write';
      });
      expect(first).toBe('read before the write');
      expect(await overlapping(async () => 'read after it')).toBe('read after it');
      expect(await overlapping(async () => 'not read')).toBe('read after it');
    });

    it('drops only the returned keys here, and tells other instances the dimension past the message limit', async () => {
      const many = Array.from({ length: 600 }, (_, i) => ({ account_id: `f${i}`, target_account_id: 'big' }));
      await db.insertInto('follows').values(many.slice(0, 300)).execute();
      await db.insertInto('follows').values(many.slice(300)).execute();
      await db.insertInto('follows').values({ account_id: 'a', target_account_id: 'big' }).execute();
      sent = [];
      expect(await dropped(() => db.executeQuery(fanOut('p7', 'big')))).toEqual(['a']);
      expect(lastMessage()).toEqual({ tables: ['home_feed'], keys: [] });
    });
  });
});
