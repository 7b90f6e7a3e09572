import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { EntityCache } from '../../src/store/entity-cache.ts';
import { KyselyFederationStore } from '../../src/store/federation-store.ts';

/**
 * Every local post asks whether its author has followers on other servers; the answer is kept
 * per author (src/store/federation-store.ts). Whatever changes it — a remote follow, an unfollow,
 * the follower's actor (inbox) becoming known or forgotten — must show in the very next answer,
 * or a post would not be delivered (or be delivered to someone who left).
 */
describe('remote followers kept per author', () => {
  let store: StoreConnection;
  let federation: KyselyFederationStore;
  const now = new Date().toISOString();

  const account = (id: string, domain: string | null) =>
    store.db
      .insertInto('accounts')
      .values({
        id,
        username: id,
        username_key: domain ? `${id}@${domain}` : id,
        domain,
        uri: domain ? `https://${domain}/users/${id}` : null,
        display_name: id,
        note: '',
        role: 'user',
        locked: 0,
        bot: 0,
        created_at: now,
        updated_at: now,
        suspended_at: null,
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: null,
      })
      .execute();
  const actor = (id: string) =>
    store.db
      .insertInto('remote_actors')
      .values({
        account_id: id,
        inbox_url: `https://remote.example/users/${id}/inbox`,
        shared_inbox_url: null,
        followers_url: null,
        fetched_at: now,
      })
      .execute();
  const follow = (id: string, from: string, to: string) =>
    store.db.insertInto('follows').values({ id, account_id: from, target_account_id: to, created_at: now }).execute();
  const inboxes = async (author: string) =>
    (await federation.remoteFollowers(author, null, 10)).items.map((f) => f.inbox);

  beforeEach(async () => {
    const cache = new EntityCache(100);
    store = openDatabase({ engine: 'sqlite', location: ':memory:' }, { entityCache: cache });
    await migrateToLatest(store);
    federation = new KyselyFederationStore(store.db, cache);
    await account('ana', null);
    await account('bo', null);
    await account('rem', 'remote.example');
  });
  afterEach(() => store.close());

  it('a remote follow is seen by the next post, and an unfollow too', async () => {
    expect(await inboxes('ana')).toEqual([]);
    expect(await inboxes('ana')).toEqual([]);
    await actor('rem');
    await follow('f1', 'rem', 'ana');
    expect(await inboxes('ana')).toEqual(['https://remote.example/users/rem/inbox']);
    await store.db.deleteFrom('follows').where('id', '=', 'f1').execute();
    expect(await inboxes('ana')).toEqual([]);
  });

  it('a follow row whose actor becomes known later is seen once it is', async () => {
    await follow('f1', 'rem', 'ana');
    // The follower's actor (its inbox) is not known yet: nobody to deliver to.
    expect(await inboxes('ana')).toEqual([]);
    expect(await inboxes('ana')).toEqual([]);
    await actor('rem');
    expect(await inboxes('ana')).toEqual(['https://remote.example/users/rem/inbox']);
  });

  it("another author's followers change nothing kept for this one, and a local follower is no remote one", async () => {
    await actor('rem');
    await follow('f1', 'rem', 'bo');
    await follow('f2', 'bo', 'ana');
    expect(await inboxes('ana')).toEqual([]);
    expect(await inboxes('bo')).toEqual(['https://remote.example/users/rem/inbox']);
    await follow('f3', 'rem', 'ana');
    expect(await inboxes('ana')).toEqual(['https://remote.example/users/rem/inbox']);
  });
});
