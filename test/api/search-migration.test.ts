import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { buildServer } from '../../src/app/http-server.ts';
import { newId } from '../../src/shared/ids.ts';
import { ENGINES, type TestContext } from '../helpers/context.ts';
import { storeAt } from '../helpers/older-store.ts';

/** Posts written before migration 0014 get their hashtags and a full-text entry when it runs. */
describe.each(ENGINES)('migration 0014 backfills tags and the search index on $label', ({ name, skip }) => {
  let dir: string | null = null;
  let ctx: TestContext;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    const store = await storeAt(name, 'search-migration', '0012_bookmarks_pins');
    const { old, microblog } = store;
    dir = store.dir;
    const author = await microblog.createAccount({ username: 'oldauthor' });
    const reader = await microblog.createAccount({ username: 'oldreader' });
    // Rows as the previous release wrote them (it knew no tags).
    const insert = async (text: string, visibility: 'public' | 'private') => {
      const id = newId();
      const now = new Date().toISOString();
      await old.db
        .insertInto('posts')
        .values({
          id,
          account_id: author.id,
          text,
          spoiler_text: '',
          sensitive: 0,
          visibility,
          language: null,
          source: 'web',
          in_reply_to_id: null,
          in_reply_to_account_id: null,
          reblog_of_id: null,
          created_at: now,
          edited_at: null,
          replies_count: 0,
          reblogs_count: 0,
          favourites_count: 0,
        })
        .execute();
      return id;
    };
    ids.public = await insert('Old times #Nostalgia with marmalade', 'public');
    ids.private = await insert('Hidden #nostalgia marmalade', 'private');
    ids.reader = reader.id;
    ({ ctx, app } = await store.reopen());
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('old posts are in their tag timeline and found by their words, audience kept', async () => {
    const issued = await ctx.oauth.issueToken({ appId: null, accountId: ids.reader!, scopes: ['read'] });
    const headers = { authorization: `Bearer ${issued.accessToken}` };
    const timeline = await app.inject({ url: '/api/v1/timelines/tag/nostalgia', headers });
    expect(timeline.json().map((s: { id: string }) => s.id)).toEqual([ids.public]);
    const tag = await app.inject({ url: '/api/v1/tags/NOSTALGIA', headers });
    expect(tag.json().name).toBe('Nostalgia');
    const search = await app.inject({ url: '/api/v2/search?q=marmalade&type=statuses', headers });
    expect(search.json().statuses.map((s: { id: string }) => s.id)).toEqual([ids.public]);
  });
});

/** Accounts made before migration 0029 are found by their display names through its indexes. */
describe.each(ENGINES)('migration 0029 indexes existing accounts for search on $label', ({ name, skip }) => {
  let dir: string | null = null;
  let ctx: TestContext;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    const store = await storeAt(name, 'account-search-migration', '0028_remote_profile_images');
    const { microblog } = store;
    dir = store.dir;
    const named = await microblog.createAccount({ username: 'wren' });
    await microblog.updateProfile(named.id, { displayName: 'Marmaduke Ölund' });
    ids.named = named.id;
    ids.other = (await microblog.createAccount({ username: 'marmalade' })).id;
    ({ ctx, app } = await store.reopen());
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('finds old accounts by a part of their display name, and by username prefix', async () => {
    const found = async (q: string) =>
      (await app.inject({ url: `/api/v2/search?type=accounts&q=${encodeURIComponent(q)}` }))
        .json()
        .accounts.map((a: { id: string }) => a.id);
    expect(await found('aduke')).toEqual([ids.named]);
    expect(await found('MARMA')).toEqual([ids.other, ids.named]);
    expect(await found('marmal')).toEqual([ids.other]);
  });
});
