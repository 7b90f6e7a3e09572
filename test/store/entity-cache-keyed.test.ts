import SQLite from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachingDialect, EntityCache, type Invalidation, keyedDependency } from '../../src/store/entity-cache.ts';
import { precompiledQuery } from '../../src/store/precompiled.ts';

/**
 * Keyed memo dependencies (src/store/entity-cache.ts): a memo of one account's favourites or
 * boosts is dropped by writes to that account's rows, or by writes whose accounts cannot be
 * told — never kept over a write it depends on, nor filled from one not yet released.
 */
interface Tables {
  favourites: { id: string; account_id: string; post_id: string };
  posts: {
    id: string;
    account_id: string;
    reblog_of_id: string | null;
    favourites_count: Generated<number>;
    text: Generated<string>;
  };
  accounts: { id: string };
}

describe('keyed memo invalidation', () => {
  let cache: EntityCache;
  let db: Kysely<Tables>;
  let loads: Record<string, number>;
  /** A memo of `account`'s favourites and boosts, as the viewer flags keep them; counts its loads. */
  const flagsOf = (account: string) =>
    cache.memo(
      'flags-test',
      account,
      [keyedDependency('favourites', account), keyedDependency('reblogs', account)],
      async () => {
        loads[account] = (loads[account] ?? 0) + 1;
        return loads[account];
      },
    );
  /** Reads both memos (filling them), runs the write, and tells whose memo was dropped. */
  const dropped = async (write: () => Promise<unknown>) => {
    await flagsOf('a');
    await flagsOf('b');
    const before = { ...loads };
    await write();
    await flagsOf('a');
    await flagsOf('b');
    return ['a', 'b'].filter((account) => loads[account] !== before[account]);
  };

  beforeEach(async () => {
    cache = new EntityCache(100);
    db = new Kysely<Tables>({
      dialect: cachingDialect(new SqliteDialect({ database: new SQLite(':memory:') }), cache),
    });
    await sql`create table favourites (id text primary key, account_id text, post_id text)`.execute(db);
    await sql`create table posts (id text primary key, account_id text, reblog_of_id text,
      favourites_count integer default 0, text text default '')`.execute(db);
    await sql`create table accounts (id text primary key)`.execute(db);
    loads = {};
  });
  afterEach(() => db.destroy());

  const favourite = (id: string, account: string) =>
    db.insertInto('favourites').values({ id, account_id: account, post_id: 'p1' }).execute();

  it('drops only the inserting account, for one row and for several', async () => {
    expect(await dropped(() => favourite('f1', 'b'))).toEqual(['b']);
    expect(
      await dropped(() =>
        db
          .insertInto('favourites')
          .values([
            { id: 'f2', account_id: 'c', post_id: 'p1' },
            { id: 'f3', account_id: 'a', post_id: 'p1' },
          ])
          .execute(),
      ),
    ).toEqual(['a']);
    // Nothing written: both kept.
    expect(await dropped(async () => {})).toEqual([]);
  });

  it('drops the accounts an UPDATE or DELETE restricts by = or in, and everyone when it cannot tell', async () => {
    await favourite('f1', 'a');
    await favourite('f2', 'b');
    expect(await dropped(() => db.deleteFrom('favourites').where('account_id', '=', 'b').execute())).toEqual(['b']);
    expect(
      await dropped(() =>
        db.deleteFrom('favourites').where('account_id', 'in', ['a', 'c']).where('post_id', '=', 'p1').execute(),
      ),
    ).toEqual(['a']);
    expect(
      await dropped(() => db.updateTable('favourites').set({ post_id: 'p2' }).where('account_id', '=', 'a').execute()),
    ).toEqual(['a']);
    // By id or by post (a deleted post's favourites): whose they are cannot be told.
    expect(await dropped(() => db.deleteFrom('favourites').where('id', '=', 'f1').execute())).toEqual(['a', 'b']);
    expect(await dropped(() => db.deleteFrom('favourites').where('post_id', 'in', ['p1']).execute())).toEqual([
      'a',
      'b',
    ]);
    // An UPDATE that moves rows to another account.
    expect(
      await dropped(() =>
        db.updateTable('favourites').set({ account_id: 'c' }).where('account_id', '=', 'b').execute(),
      ),
    ).toEqual(['a', 'b']);
  });

  it('drops everyone for INSERT…SELECT, raw SQL and upserts that update', async () => {
    expect(
      await dropped(() =>
        db
          .insertInto('favourites')
          .columns(['id', 'account_id', 'post_id'])
          .expression((eb) => eb.selectFrom('posts').select(['id', 'account_id', 'id as post_id']))
          .execute(),
      ),
    ).toEqual(['a', 'b']);
    expect(
      await dropped(() => sql`insert into favourites (id, account_id, post_id) values ('f9', 'c', 'p1')`.execute(db)),
    ).toEqual(['a', 'b']);
    expect(
      await dropped(() =>
        db
          .insertInto('favourites')
          .values({ id: 'f9', account_id: 'c', post_id: 'p2' })
          .onConflict((oc) => oc.column('id').doUpdateSet({ post_id: 'p2' }))
          .execute(),
      ),
    ).toEqual(['a', 'b']);
    // An upsert that only skips conflicts adds rows of the accounts it names.
    expect(
      await dropped(() =>
        db
          .insertInto('favourites')
          .values({ id: 'f10', account_id: 'b', post_id: 'p2' })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute(),
      ),
    ).toEqual(['b']);
  });

  it('counts boosts only: new posts that are no boosts and count updates drop nobody', async () => {
    const insertPost = precompiledQuery((id: string, account: string, reblogOf: string | null) =>
      db.insertInto('posts').values({ id, account_id: account, reblog_of_id: reblogOf }),
    );
    // Precompiled statements carry placeholders in their tree: the keys come from the parameters.
    expect(await dropped(() => db.executeQuery(insertPost('r1', 'b', 'p1')))).toEqual(['b']);
    expect(await dropped(() => db.executeQuery(insertPost('r2', 'a', 'p1')))).toEqual(['a']);
    expect(await dropped(() => db.executeQuery(insertPost('p3', 'a', null)))).toEqual([]);
    expect(
      await dropped(() =>
        db
          .updateTable('posts')
          .set((eb) => ({ favourites_count: eb('favourites_count', '+', 1) }))
          .where('id', '=', 'p1')
          .execute(),
      ),
    ).toEqual([]);
    expect(
      await dropped(() => db.updateTable('posts').set({ text: 'edited' }).where('id', '=', 'p3').execute()),
    ).toEqual([]);
    expect(
      await dropped(() => db.updateTable('posts').set({ reblog_of_id: 'p9' }).where('account_id', '=', 'a').execute()),
    ).toEqual(['a']);
    // Deleting posts deletes their favourites (whoever made them): everyone, by author or by id.
    expect(
      await dropped(() =>
        db.deleteFrom('posts').where('account_id', '=', 'b').where('reblog_of_id', '=', 'p1').execute(),
      ),
    ).toEqual(['a', 'b']);
    // A post deleted by id (an unboost): whose it was cannot be told, nor whose favourites cascade.
    expect(await dropped(() => db.deleteFrom('posts').where('id', '=', 'r2').execute())).toEqual(['a', 'b']);
    expect(await dropped(() => db.deleteFrom('accounts').where('id', '=', 'c').execute())).toEqual(['a', 'b']);
    expect(await dropped(() => sql`update posts set text = 'x'`.execute(db))).toEqual(['a', 'b']);
  });

  it('keeps whom an account follows, blocks or mutes per account, both ways for blocks', async () => {
    await sql`create table follows (id text primary key, account_id text, target_account_id text)`.execute(db);
    await sql`create table blocks (id text primary key, account_id text, target_account_id text)`.execute(db);
    await sql`create table mutes (id text primary key, account_id text, target_account_id text, expires_at text,
      unique (account_id, target_account_id))`.execute(db);
    const relations = (account: string) =>
      cache.memo(
        'relations-test',
        account,
        [
          keyedDependency('following', account),
          keyedDependency('blocking', account),
          keyedDependency('blocked_by', account),
          keyedDependency('muting', account),
        ],
        async () => {
          loads[account] = (loads[account] ?? 0) + 1;
          return loads[account];
        },
      );
    const droppedOf = async (write: () => Promise<unknown>) => {
      for (const account of ['a', 'b', 'c']) await relations(account);
      const before = { ...loads };
      await write();
      for (const account of ['a', 'b', 'c']) await relations(account);
      return ['a', 'b', 'c'].filter((account) => loads[account] !== before[account]);
    };
    expect(await droppedOf(() => sql`insert into follows values ('f1', 'a', 'b')`.execute(db))).toEqual([
      'a',
      'b',
      'c',
    ]);
    const tables = db as unknown as Kysely<Record<string, Record<string, string | null>>>;
    expect(
      await droppedOf(() =>
        tables.insertInto('follows').values({ id: 'f2', account_id: 'a', target_account_id: 'c' }).execute(),
      ),
    ).toEqual(['a']);
    expect(
      await droppedOf(() =>
        tables.deleteFrom('follows').where('account_id', '=', 'a').where('target_account_id', '=', 'c').execute(),
      ),
    ).toEqual(['a']);
    // A block drops the blocker's and the blocked account's (each hides the other).
    expect(
      await droppedOf(() =>
        tables.insertInto('blocks').values({ id: 'b1', account_id: 'b', target_account_id: 'c' }).execute(),
      ),
    ).toEqual(['b', 'c']);
    const mute = (expires: string | null) =>
      tables
        .insertInto('mutes')
        .values({ id: `m${expires}`, account_id: 'c', target_account_id: 'a', expires_at: expires })
        .onConflict((oc) => oc.columns(['account_id', 'target_account_id']).doUpdateSet({ expires_at: expires }))
        .execute();
    expect(await droppedOf(() => mute(null))).toEqual(['c']);
    // Changed in place: the conflict is on the muter, whom the update leaves be.
    expect(await droppedOf(() => mute('2030-01-01'))).toEqual(['c']);
    // Expired mutes of anyone.
    expect(await droppedOf(() => tables.deleteFrom('mutes').where('expires_at', '<=', '2031-01-01').execute())).toEqual(
      ['a', 'b', 'c'],
    );
  });

  it('does not fill from a write not released yet, and drops again when it is', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const transaction = db.transaction().execute(async (tx) => {
      await tx.insertInto('favourites').values({ id: 'f1', account_id: 'a', post_id: 'p1' }).execute();
      written();
      await held;
    });
    await wrote;
    await flagsOf('a');
    await flagsOf('a');
    await flagsOf('b');
    await flagsOf('b');
    expect(loads).toEqual({ a: 2, b: 1 });
    release();
    await transaction;
    await flagsOf('a');
    await flagsOf('a');
    expect(loads).toEqual({ a: 3, b: 1 });
  });

  it('takes keyed writes from other instances, and drops every keyed memo for a message without keys', async () => {
    const message = (keys?: string[]): Invalidation => ({
      posts: [],
      accounts: [],
      allPosts: false,
      allAccounts: false,
      tables: [],
      ...(keys ? { keys } : {}),
    });
    expect(await dropped(async () => cache.apply(message(['favourites:b'])))).toEqual(['b']);
    expect(await dropped(async () => cache.apply(message(['reblogs:a', 'pins:b'])))).toEqual(['a']);
    expect(await dropped(async () => cache.apply(message([])))).toEqual([]);
    expect(await dropped(async () => cache.apply({ ...message([]), tables: ['favourites'] }))).toEqual(['a', 'b']);
    // An instance that does not tell keys (an older one) may have written anyone's.
    expect(await dropped(async () => cache.apply(message()))).toEqual(['a', 'b']);
  });

  it('announces keyed writes to other instances, and whole dimensions past the message limit', async () => {
    const sent: Invalidation[] = [];
    cache.onWrite(async (invalidation) => {
      sent.push(invalidation);
    });
    await favourite('f1', 'a');
    expect(sent.at(-1)).toMatchObject({ tables: [], keys: ['favourites:a'] });
    await db
      .insertInto('favourites')
      .values(Array.from({ length: 600 }, (_, i) => ({ id: `g${i}`, account_id: `x${i}`, post_id: 'p1' })))
      .execute();
    expect(sent.at(-1)).toMatchObject({ tables: ['favourites'], keys: [] });
  });
});
