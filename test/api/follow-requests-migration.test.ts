import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { buildServer } from '../../src/app/http-server.ts';
import { newId } from '../../src/shared/ids.ts';
import { ENGINES, type TestContext } from '../helpers/context.ts';
import { storeAt } from '../helpers/older-store.ts';

/**
 * A store left by the release before follow requests: following a locked account made a
 * follow at once (the hole of issue 11, finding 5), and the follower's materialised home
 * feed holds the locked account's followers-only posts. Migration 0006 must close it.
 */
describe.each(ENGINES)('migrating follows of locked accounts on $label', ({ name, skip }) => {
  let dir: string | null = null;
  let ctx: TestContext;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    const older = await storeAt(name, 'follow-migration', '0005_privacy');
    const { store, microblog } = older;
    dir = older.dir;
    const owner = await microblog.createAccount({ username: 'lockedowner' });
    const open = await microblog.createAccount({ username: 'openowner' });
    const follower = await microblog.createAccount({ username: 'earlyfollower' });
    await microblog.updateProfile(owner.id, { locked: true });
    await microblog.post(owner.id, { text: 'secret before the follow', source: 'web', visibility: 'private' });
    await microblog.post(open.id, { text: 'open and for followers', source: 'web', visibility: 'private' });
    // What the previous release's follow did: a follow row at once, with backfill and fan-out.
    for (const target of [owner, open]) {
      await store.follow({
        id: newId(),
        accountId: follower.id,
        targetId: target.id,
        backfill: 40,
        notification: null,
      });
    }
    await microblog.post(owner.id, { text: 'secret after the follow', source: 'web', visibility: 'private' });
    Object.assign(ids, { owner: owner.id, open: open.id, follower: follower.id });
    ({ ctx, app } = await older.reopen());
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tokenOf = async (accountId: string) => {
    const issued = await ctx.oauth.issueToken({ appId: null, accountId, scopes: ['read', 'write', 'follow'] });
    return { authorization: `Bearer ${issued.accessToken}` };
  };

  it.skipIf(skip)(
    'turns each unapproved follow into a pending request the owner can accept, and empties the leaked home feed',
    async () => {
      const follower = await tokenOf(ids.follower!);
      const owner = await tokenOf(ids.owner!);
      const home = async () =>
        (await app.inject({ method: 'GET', url: '/api/v1/timelines/home', headers: follower }))
          .json()
          .map((s: { content: string }) => s.content);
      expect(await home()).toEqual(['<p>open and for followers</p>']);
      const profile = await app.inject({
        method: 'GET',
        url: `/api/v1/accounts/${ids.owner}/statuses`,
        headers: follower,
      });
      expect(profile.json()).toEqual([]);
      const relationships = await app.inject({
        method: 'GET',
        url: `/api/v1/accounts/relationships?id[]=${ids.owner}&id[]=${ids.open}`,
        headers: follower,
      });
      expect(relationships.json()).toMatchObject([
        { id: ids.owner, following: false, requested: true },
        { id: ids.open, following: true, requested: false },
      ]);
      const account = await app.inject({ method: 'GET', url: `/api/v1/accounts/${ids.owner}`, headers: follower });
      expect(account.json().followers_count).toBe(0);
      const waiting = await app.inject({ method: 'GET', url: '/api/v1/follow_requests', headers: owner });
      expect(waiting.json().map((a: { id: string }) => a.id)).toEqual([ids.follower]);
      const notifications = await app.inject({ method: 'GET', url: '/api/v1/notifications', headers: owner });
      expect(notifications.json().map((x: { type: string }) => x.type)).toEqual(['follow_request']);

      await app.inject({ method: 'POST', url: `/api/v1/follow_requests/${ids.follower}/authorize`, headers: owner });
      expect(await home()).toEqual([
        '<p>secret after the follow</p>',
        '<p>open and for followers</p>',
        '<p>secret before the follow</p>',
      ]);
    },
  );
});
