import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Post } from '../../src/core/model.ts';
import { migrateToLatest, openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { EntityCache, rawWriteTargets } from '../../src/store/entity-cache.ts';

/**
 * When a read may fill the entity cache (src/store/entity-cache.ts): never with a row a
 * connection wrote and has not released, never with an id dropped while the read ran — but
 * other ids fill even while some write is in flight (on PostgreSQL one nearly always is).
 */
const record = (id: string) => ({ id, mentionIds: [] }) as unknown as Post;

describe('entity cache fills', () => {
  let cache: EntityCache;
  let store: StoreConnection;
  let loads: string[];
  const read = (id: string, during?: () => Promise<void>) =>
    cache.read('posts', [id], async (missing) => {
      loads.push(...missing);
      await during?.();
      return new Map(missing.map((m) => [m, record(m)]));
    });

  beforeEach(async () => {
    cache = new EntityCache(100);
    store = openDatabase({ engine: 'sqlite', location: ':memory:' }, { entityCache: cache });
    await migrateToLatest(store);
    loads = [];
  });
  afterEach(() => store.close());

  it('fills other ids while a write is held, not the id written, and that one once released', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const transaction = store.db.transaction().execute(async (tx) => {
      await tx.updateTable('posts').set({ text: 'changed' }).where('id', '=', 'b').execute();
      written();
      await held;
    });
    await wrote;
    await read('a');
    await read('a');
    await read('b');
    await read('b');
    expect(loads).toEqual(['a', 'b', 'b']);
    release();
    await transaction;
    await read('b');
    await read('b');
    expect(loads).toEqual(['a', 'b', 'b', 'b']);
  });

  it('does not fill an id dropped while its read ran, and fills the others of that read', async () => {
    await cache.read('posts', ['a', 'c'], async (missing) => {
      loads.push(...missing);
      await store.db.updateTable('posts').set({ text: 'changed' }).where('id', '=', 'a').execute();
      return new Map(missing.map((m) => [m, record(m)]));
    });
    await read('a');
    await read('c');
    expect(loads).toEqual(['a', 'c', 'a']);
  });

  it('keeps a memo of tokens when a raw statement only reads oauth_tokens, and drops it when one writes it', async () => {
    let reads = 0;
    const token = () => cache.memo('token', 'k', ['oauth_tokens'], async () => ++reads);
    expect(await token()).toBe(1);
    await sql`update push_deliveries set status = 'sending'
      where id in (select d.id from push_deliveries d join oauth_tokens t on t.id = d.subscription_id)`.execute(
      store.db,
    );
    expect(await token()).toBe(1);
    await sql`update oauth_tokens set revoked_at = ${'2026-12-05T00:00:00.000Z'} where id = ${'x'}`.execute(store.db);
    expect(await token()).toBe(2);
  });
});

describe('rawWriteTargets', () => {
  it('names the tables written, not those only read', () => {
    expect(rawWriteTargets('select * from oauth_tokens')).toBeNull();
    expect([
      ...rawWriteTargets(
        'update push_deliveries set status = 1 where id in (select d.id from push_deliveries d join oauth_tokens t on 1=1 for update skip locked)',
      )!,
    ]).not.toContain('oauth_tokens');
    expect(rawWriteTargets('insert into post_search(rowid, body) select 1, text from posts')).toEqual(
      new Set(['post_search']),
    );
    expect(rawWriteTargets('delete from "mentions" where post_id = $1')).toEqual(new Set(['mentions']));
    expect(rawWriteTargets('update public.accounts set note = $1')).toEqual(new Set(['accounts']));
    expect(rawWriteTargets('with gone as (delete from blocks where 1=1 returning *) select * from gone')).toEqual(
      new Set(['blocks']),
    );
  });

  it('counts every table named when a write has no target it can tell', () => {
    expect(rawWriteTargets('merge posts using accounts on true when matched then delete')).toContain('posts');
  });
});

/**
 * Instances hear of each other's writes over a channel (Redis). A request that arrives after
 * another instance answered a write must first take in the messages already on their way here,
 * or it would be served what that write made stale (an edited post, a suspended author).
 */
describe('entity cache and the other instances', () => {
  const post = (id: string, text: string) => ({ id, text, mentionIds: [] }) as unknown as Post;
  const setup = () => {
    const cache = new EntityCache(100);
    let text = 'first';
    let loads = 0;
    const read = async (id: string) =>
      (
        await cache.read('posts', [id], async (missing) => {
          loads += 1;
          return new Map(missing.map((m) => [m, post(m, text)]));
        })
      ).get(id) as unknown as { text: string };
    return {
      cache,
      read,
      loads: () => loads,
      edit: (next: string) => {
        text = next;
      },
    };
  };

  it('applies what another instance wrote, still in the channel, before serving a new request', async () => {
    const { cache, read, edit } = setup();
    // The message of another instance's edit, not yet handled here when the request arrives.
    let inChannel: (() => void) | null = null;
    cache.hearFromOtherInstances(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      inChannel?.();
      inChannel = null;
    });
    cache.requestStarted();
    expect((await read('p')).text).toBe('first');
    edit('second');
    inChannel = () => cache.apply({ posts: ['p'], accounts: [], allPosts: false, allAccounts: false, tables: [] });
    cache.requestStarted();
    expect((await read('p')).text).toBe('second');
  });

  it('serves nothing it kept while the channel does not answer, and keeps again once it does', async () => {
    const { cache, read, loads } = setup();
    let answering = false;
    cache.hearFromOtherInstances(async () => {
      if (!answering) throw new Error('redis away');
    });
    for (let i = 0; i < 3; i += 1) {
      cache.requestStarted();
      await read('p');
    }
    expect(loads()).toBe(3);
    answering = true;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (let i = 0; i < 3; i += 1) {
      cache.requestStarted();
      await read('p');
    }
    expect(loads()).toBe(4);
  });
});
