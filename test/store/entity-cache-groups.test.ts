import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachingDialect, EntityCache, keyedDependency } from '../../src/store/entity-cache.ts';

/**
 * Memos kept per group (`EntityCache.memoWithin`, the viewer's flags on posts): the cache's
 * capacity counts groups, so many viewers' pages stay kept; a write to a viewer's favourites
 * drops that viewer's group only; nothing is filled from a write not yet released; and the
 * answers always equal what the table holds.
 */
interface Tables {
  favourites: { id: string; account_id: string; post_id: string };
}

describe('memos kept per group', () => {
  let cache: EntityCache;
  let db: Kysely<Tables>;
  /** The one connection, read directly: inside a transaction it sees the uncommitted rows, as Sparrow's reads do. */
  let connection: SQLite.Database;
  let loaded: string[][];

  /** `viewer`'s favourites among `posts`, as `viewerFlags` reads them, through the memo. */
  const favouritedBy = async (viewer: string, posts: readonly string[], perGroup?: number) => {
    const found = await cache.memoWithin(
      'flags-test',
      viewer,
      posts,
      [keyedDependency('favourites', viewer)],
      async (missing) => {
        loaded.push(missing);
        const rows = connection
          .prepare(
            `select post_id from favourites where account_id = ? and post_id in (${missing.map(() => '?').join(',')})`,
          )
          .pluck()
          .all(viewer, ...missing) as string[];
        return new Map(rows.map((id) => [id, true]));
      },
      perGroup,
    );
    return posts.filter((id) => found.has(id));
  };
  const favourite = (viewer: string, post: string) =>
    db
      .insertInto('favourites')
      .values({ id: `${viewer}/${post}`, account_id: viewer, post_id: post })
      .execute();

  beforeEach(async () => {
    cache = new EntityCache(100);
    db = new Kysely<Tables>({
      dialect: cachingDialect(new SqliteDialect({ database: (connection = new SQLite(':memory:')) }), cache),
    });
    await sql`create table favourites (id text primary key, account_id text, post_id text)`.execute(db);
    loaded = [];
  });
  afterEach(() => db.destroy());

  it('reads only the ids not kept, and keeps absent ones as absent', async () => {
    await favourite('a', 'p2');
    expect(await favouritedBy('a', ['p1', 'p2'])).toEqual(['p2']);
    expect(await favouritedBy('a', ['p2', 'p3', 'p1'])).toEqual(['p2']);
    expect(loaded).toEqual([['p1', 'p2'], ['p3']]);
  });

  it("keeps many viewers' pages: 15 viewers' pages of 10 (150 pairs) in a cache of 100", async () => {
    const page = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const viewers = Array.from({ length: 15 }, (_, i) => `v${i}`);
    for (const viewer of viewers) await favouritedBy(viewer, page);
    for (const viewer of viewers) await favouritedBy(viewer, page);
    // 150 pairs kept one per entry would have outgrown 100 entries; grouped, each page is read once.
    expect(loaded.length).toBe(15);
  });

  it('bounds what it keeps by entries, not by groups', async () => {
    // A cache of 100 keeps at most 400 grouped entries: 100 viewers' pages of 20 (2,000) do not fit.
    const page = Array.from({ length: 20 }, (_, i) => `p${i}`);
    for (let i = 0; i < 100; i += 1) await favouritedBy(`v${i}`, page);
    loaded = [];
    await favouritedBy('v0', page);
    expect(loaded).toEqual([page]);
    // The most recent ones are still kept.
    await favouritedBy('v99', page);
    expect(loaded.length).toBe(1);
  });

  it("drops the writer's group only, and answers the write at once", async () => {
    await favouritedBy('a', ['p1']);
    await favouritedBy('b', ['p1']);
    await favourite('a', 'p1');
    expect(await favouritedBy('a', ['p1'])).toEqual(['p1']);
    expect(await favouritedBy('b', ['p1'])).toEqual([]);
    expect(loaded).toEqual([['p1'], ['p1'], ['p1']]);
  });

  it('does not fill from a write not released yet, and drops again when it is', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const transaction = db.transaction().execute(async (tx) => {
      await tx.insertInto('favourites').values({ id: 'a/p1', account_id: 'a', post_id: 'p1' }).execute();
      written();
      await held;
      throw new Error('rolled back');
    });
    await wrote;
    // The uncommitted row is visible on SQLite's one connection: read, but never kept.
    expect(await favouritedBy('a', ['p1'])).toEqual(['p1']);
    expect(await favouritedBy('a', ['p1'])).toEqual(['p1']);
    expect(loaded.length).toBe(2);
    release();
    await expect(transaction).rejects.toThrow('rolled back');
    expect(await favouritedBy('a', ['p1'])).toEqual([]);
    expect(await favouritedBy('a', ['p1'])).toEqual([]);
    expect(loaded.length).toBe(3);
  });

  it('starts a group over past its bound, still answering right', async () => {
    await favourite('a', 'p1');
    expect(await favouritedBy('a', ['p1', 'p2'], 3)).toEqual(['p1']);
    expect(await favouritedBy('a', ['p3', 'p4'], 3)).toEqual([]);
    // The group started over with p3 and p4: p1 is read again, and kept beside them.
    expect(await favouritedBy('a', ['p1'], 3)).toEqual(['p1']);
    expect(await favouritedBy('a', ['p1', 'p3'], 3)).toEqual(['p1']);
    expect(loaded).toEqual([['p1', 'p2'], ['p3', 'p4'], ['p1']]);
  });

  it('always answers what the table holds, whatever the order of reads, favourites and deletes', async () => {
    const viewers = ['a', 'b', 'c'];
    const posts = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('read' as const),
        viewer: fc.constantFrom(...viewers),
        posts: fc.subarray(posts, { minLength: 1 }),
        perGroup: fc.integer({ min: 1, max: 8 }),
      }),
      fc.record({
        kind: fc.constant('favourite' as const),
        viewer: fc.constantFrom(...viewers),
        post: fc.constantFrom(...posts),
      }),
      fc.record({
        kind: fc.constant('unfavourite' as const),
        viewer: fc.constantFrom(...viewers),
        post: fc.constantFrom(...posts),
      }),
      fc.record({ kind: fc.constant('unfavourite-post' as const), post: fc.constantFrom(...posts) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        await sql`delete from favourites`.execute(db);
        const model = new Set<string>();
        for (const s of steps) {
          if (s.kind === 'read') {
            const expected = s.posts.filter((p) => model.has(`${s.viewer}/${p}`));
            expect(await favouritedBy(s.viewer, s.posts, s.perGroup)).toEqual(expected);
          } else if (s.kind === 'favourite') {
            await db
              .insertInto('favourites')
              .values({ id: `${s.viewer}/${s.post}`, account_id: s.viewer, post_id: s.post })
              .onConflict((oc) => oc.column('id').doNothing())
              .execute();
            model.add(`${s.viewer}/${s.post}`);
          } else if (s.kind === 'unfavourite') {
            await db
              .deleteFrom('favourites')
              .where('account_id', '=', s.viewer)
              .where('post_id', '=', s.post)
              .execute();
            model.delete(`${s.viewer}/${s.post}`);
          } else {
            // A post deleted: its favourites go, whose ever they are (the keys cannot be told).
            await db.deleteFrom('favourites').where('post_id', '=', s.post).execute();
            for (const viewer of viewers) model.delete(`${viewer}/${s.post}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * Viewer-independent state kept per reader as well (`EntityCache.memoManyFor`: the polls and media
 * of the posts a reader's pages show): a reader's group answers its warm reads, what it lacks
 * comes from the memo all readers share (one database read for the same posts), and any write
 * to the table drops both, so no reader is ever answered from before it.
 */
describe('memos kept per post and per reader', () => {
  let cache: EntityCache;
  let db: Kysely<{ media_attachments: { id: string; post_id: string; description: string } }>;
  let connection: SQLite.Database;
  let loaded: string[][];

  const mediaOf = async (reader: string | null, posts: readonly string[]) => {
    const found = await cache.memoManyFor(reader, 'media-test', posts, ['media_attachments'], async (missing) => {
      loaded.push([...missing]);
      const rows = connection
        .prepare(
          `select post_id, description from media_attachments where post_id in (${missing.map(() => '?').join(',')})`,
        )
        .all(...missing) as { post_id: string; description: string }[];
      return new Map(rows.map((row) => [row.post_id, row.description]));
    });
    return posts.map((id) => found.get(id) ?? null);
  };

  beforeEach(async () => {
    cache = new EntityCache(100);
    db = new Kysely({
      dialect: cachingDialect(new SqliteDialect({ database: (connection = new SQLite(':memory:')) }), cache),
    });
    await sql`create table media_attachments (id text primary key, post_id text, description text)`.execute(db);
    await db
      .insertInto('media_attachments')
      .values([
        { id: 'm1', post_id: 'p1', description: 'a goat' },
        { id: 'm3', post_id: 'p3', description: 'a bus' },
      ])
      .execute();
    loaded = [];
  });
  afterEach(() => db.destroy());

  it("answers a reader's warm read from its group, and another reader's from the shared memo", async () => {
    expect(await mediaOf('ann', ['p1', 'p2', 'p3'])).toEqual(['a goat', null, 'a bus']);
    expect(await mediaOf('ann', ['p1', 'p2', 'p3'])).toEqual(['a goat', null, 'a bus']);
    expect(await mediaOf('bob', ['p3', 'p2'])).toEqual(['a bus', null]);
    expect(await mediaOf(null, ['p1', 'p2'])).toEqual(['a goat', null]);
    // One database read for all of it: the others were answered from what it kept.
    expect(loaded).toEqual([['p1', 'p2', 'p3']]);
  });

  it('answers every reader with the write once it is made, in or out of a transaction', async () => {
    await mediaOf('ann', ['p1', 'p2']);
    await mediaOf('bob', ['p1', 'p2']);
    await db.updateTable('media_attachments').set({ description: 'two goats' }).where('id', '=', 'm1').execute();
    expect(await mediaOf('ann', ['p1', 'p2'])).toEqual(['two goats', null]);
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('media_attachments').values({ id: 'm2', post_id: 'p2', description: 'rain' }).execute();
      // Read inside the writing transaction: what it sees is not kept for after a rollback.
      expect(await mediaOf('bob', ['p1', 'p2'])).toEqual(['two goats', 'rain']);
    });
    expect(await mediaOf('bob', ['p1', 'p2'])).toEqual(['two goats', 'rain']);
    expect(await mediaOf('ann', ['p2'])).toEqual(['rain']);
  });

  it('never answers from before a rolled-back write', async () => {
    await mediaOf('ann', ['p1']);
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.updateTable('media_attachments').set({ description: 'gone' }).where('id', '=', 'm1').execute();
        expect(await mediaOf('ann', ['p1'])).toEqual(['gone']);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await mediaOf('ann', ['p1'])).toEqual(['a goat']);
    expect(await mediaOf('bob', ['p1'])).toEqual(['a goat']);
  });
});
