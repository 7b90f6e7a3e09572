import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Relationship } from '../../src/core/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { coreHarness, domainError, ids, texts, type CoreHarness } from './helpers.ts';

describe.each(ENGINES)('follows, blocks and mutes on $label', ({ name, skip }) => {
  let h: CoreHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await coreHarness(name);
  });
  afterAll(async () => h?.ctx.dispose());

  const counts = async (a: Account) => {
    const fresh = await h.ctx.microblog.account(a.id);
    return { followers: fresh.followersCount, following: fresh.followingCount };
  };
  const flags = (r: Relationship) => ({
    following: r.following,
    followedBy: r.followedBy,
    blocking: r.blocking,
    blockedBy: r.blockedBy,
    muting: r.muting,
  });
  const home = async (a: Account) => texts(await h.ctx.microblog.homeTimeline(a.id, h.page({ limit: 40 })));
  const noteTypes = async (a: Account) =>
    (await h.ctx.microblog.notifications(a.id, h.page({ limit: 40 }))).map(
      (n) => `${n.notification.type}:${n.from.username}`,
    );

  describe.skipIf(skip)('follows', () => {
    it('follow and unfollow keep counts, relationships and notifications exact, however often repeated', async () => {
      const [a, b] = [await h.account(), await h.account()];
      for (let i = 0; i < 3; i += 1) await h.ctx.microblog.follow(a.id, b.id);
      await Promise.all([h.ctx.microblog.follow(a.id, b.id), h.ctx.microblog.follow(a.id, b.id)]);
      expect(await counts(a)).toEqual({ followers: 0, following: 1 });
      expect(await counts(b)).toEqual({ followers: 1, following: 0 });
      expect(flags(await h.ctx.microblog.relationship(a.id, b.id))).toEqual({
        following: true,
        followedBy: false,
        blocking: false,
        blockedBy: false,
        muting: false,
      });
      expect(flags(await h.ctx.microblog.relationship(b.id, a.id))).toEqual({
        following: false,
        followedBy: true,
        blocking: false,
        blockedBy: false,
        muting: false,
      });
      expect(await noteTypes(b)).toEqual([`follow:${a.username}`]);
      expect(await h.ctx.microblog.isFollowing(a.id, b.id)).toBe(true);

      for (let i = 0; i < 2; i += 1) await h.ctx.microblog.unfollow(a.id, b.id);
      expect(await counts(a)).toEqual({ followers: 0, following: 0 });
      expect(await counts(b)).toEqual({ followers: 0, following: 0 });
      expect(await h.ctx.microblog.isFollowing(a.id, b.id)).toBe(false);
    });

    it('refuses to follow yourself or accounts that do not exist', async () => {
      const a = await h.account();
      await domainError(h.ctx.microblog.follow(a.id, a.id), 'invalid');
      await domainError(h.ctx.microblog.follow(a.id, '123456789012345678'), 'not_found');
      expect(await counts(a)).toEqual({ followers: 0, following: 0 });
    });

    it('pages followers and following newest first without gaps', async () => {
      const star = await h.account('star');
      const fans: Account[] = [];
      for (let i = 0; i < 7; i += 1) {
        const fan = await h.account('fan');
        fans.push(fan);
        h.clock.advance(1);
        await h.ctx.microblog.follow(fan.id, star.id);
      }
      const seen: string[] = [];
      let maxId: string | undefined;
      for (;;) {
        const batch = await h.ctx.microblog.followers(star.id, { limit: 3, maxId });
        if (batch.length === 0) break;
        seen.push(...batch.map((f) => f.accountId));
        maxId = batch.at(-1)!.cursor;
      }
      expect(seen).toEqual(fans.map((f) => f.id).reverse());
      expect((await h.ctx.microblog.following(fans[0]!.id, { limit: 10 })).map((f) => f.accountId)).toEqual([star.id]);
    });
  });

  describe.skipIf(skip)('blocks', () => {
    it('remove follows both ways, with counts, and keep either side from following again until unblocked', async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(a.id, b.id);
      await h.ctx.microblog.follow(b.id, a.id);
      await h.ctx.microblog.follow(c.id, b.id);
      const rel = await h.ctx.microblog.block(a.id, b.id);
      expect(flags(rel)).toEqual({
        following: false,
        followedBy: false,
        blocking: true,
        blockedBy: false,
        muting: false,
      });
      expect(flags(await h.ctx.microblog.relationship(b.id, a.id))).toMatchObject({ blocking: false, blockedBy: true });
      expect(await counts(a)).toEqual({ followers: 0, following: 0 });
      expect(await counts(b)).toEqual({ followers: 1, following: 0 }); // c still follows b

      expect((await domainError(h.ctx.microblog.follow(b.id, a.id), 'forbidden')).message).toMatch(/can’t follow/);
      await domainError(h.ctx.microblog.follow(a.id, b.id), 'forbidden');
      expect(await counts(a)).toEqual({ followers: 0, following: 0 });

      await h.ctx.microblog.unblock(a.id, b.id);
      expect(flags(await h.ctx.microblog.relationship(a.id, b.id))).toEqual({
        following: false,
        followedBy: false,
        blocking: false,
        blockedBy: false,
        muting: false,
      });
      await h.ctx.microblog.follow(b.id, a.id);
      expect(await counts(a)).toEqual({ followers: 1, following: 0 });
      await domainError(h.ctx.microblog.block(a.id, a.id), 'invalid');
    });

    it("hide each side's posts from the other, and stop replies, boosts, favourites and mention notifications", async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(a.id, b.id);
      await h.ctx.microblog.follow(b.id, a.id);
      await h.ctx.microblog.follow(a.id, c.id);
      const byA = await h.post(a, 'from a');
      const byB = await h.post(b, 'from b');
      await h.ctx.microblog.reblog(c.id, byB.id, 'web'); // c boosts b; a follows c
      await h.post(b, `old mention of @${a.username}`);
      expect(await home(a)).toEqual(expect.arrayContaining(['from b', 'from a']));
      expect(await noteTypes(a)).toContain(`mention:${b.username}`);

      await h.ctx.microblog.block(a.id, b.id);
      // Neither sees the other: home (even through c's boost), profiles, single posts, threads.
      expect(await home(a)).not.toContain('from b');
      expect((await h.ctx.microblog.homeTimeline(a.id, h.page())).some((v) => v.reblog?.author.id === b.id)).toBe(
        false,
      );
      expect(await home(b)).not.toContain('from a');
      expect(await h.ctx.microblog.accountTimeline(a.id, b.id, h.page())).toEqual([]);
      expect(await h.ctx.microblog.accountTimeline(b.id, a.id, h.page())).toEqual([]);
      await domainError(h.ctx.microblog.visiblePost(a.id, byB.id), 'not_found');
      await domainError(h.ctx.microblog.visiblePost(b.id, byA.id), 'not_found');
      expect(ids(await h.ctx.microblog.publicTimeline(b.id, h.page({ limit: 40 })))).not.toContain(byA.id);
      expect(ids(await h.ctx.microblog.publicTimeline(null, h.page({ limit: 40 })))).toContain(byA.id);
      // Old notifications from b are gone.
      expect((await noteTypes(a)).filter((t) => t.endsWith(`:${b.username}`))).toEqual([]);

      // b can't interact with a's posts.
      await domainError(h.post(b, 'reply', { inReplyToId: byA.id }), 'not_found');
      await domainError(h.ctx.microblog.reblog(b.id, byA.id, 'web'), 'not_found');
      await domainError(h.ctx.microblog.favourite(b.id, byA.id), 'not_found');
      await domainError(h.post(a, 'reply', { inReplyToId: byB.id }), 'not_found');
      expect((await h.ctx.microblog.visiblePost(a.id, byA.id)).favouritesCount).toBe(0);

      // Mentions and direct messages from b reach a neither as notifications nor in a's lists.
      const mention = await h.post(b, `hey @${a.username}`);
      const dm = await h.post(b, `@${a.username} let me in`, { visibility: 'direct' });
      expect(mention.mentionIds).toContain(a.id);
      expect((await noteTypes(a)).filter((t) => t.endsWith(`:${b.username}`))).toEqual([]);
      expect(ids(await h.ctx.microblog.directMessages(a.id, h.page()))).not.toContain(dm.id);
      await domainError(h.ctx.microblog.visiblePost(a.id, dm.id), 'not_found');
      expect(await home(a)).not.toContain(`@${a.username} let me in`);
      // …and the blocker's mentions do not notify the blocked either.
      await h.post(a, `about @${b.username}`);
      expect((await noteTypes(b)).filter((t) => t.endsWith(`:${a.username}`))).toEqual([]);
    });

    it("drop the blocked account from the blocker's threads", async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      const root = await h.post(c, 'root');
      const fromB = await h.post(b, 'b replies', { inReplyToId: root.id });
      const fromA = await h.post(a, 'a replies', { inReplyToId: root.id });
      await h.ctx.microblog.block(a.id, b.id);
      expect(ids((await h.ctx.microblog.context(a.id, root.id)).descendants)).toEqual([fromA.id]);
      expect(ids((await h.ctx.microblog.context(b.id, root.id)).descendants)).toEqual([fromB.id]);
      expect(new Set(ids((await h.ctx.microblog.context(c.id, root.id)).descendants))).toEqual(
        new Set([fromA.id, fromB.id]),
      );
    });
  });

  describe.skipIf(skip)('mutes', () => {
    it('hide the muted account from home (posts and boosts), public timeline and threads, but not from its profile', async () => {
      const [a, noisy, friend] = [await h.account(), await h.account('noisy'), await h.account()];
      await h.ctx.microblog.follow(a.id, noisy.id);
      await h.ctx.microblog.follow(a.id, friend.id);
      const loud = await h.post(noisy, 'loud');
      const calm = await h.post(friend, 'calm');
      await h.ctx.microblog.reblog(friend.id, loud.id, 'web'); // a friend's boost of a muted account
      await h.ctx.microblog.reblog(noisy.id, calm.id, 'web'); // the muted account's boost of a friend
      const reply = await h.post(noisy, 'loud reply', { inReplyToId: calm.id });
      expect((await h.ctx.microblog.homeTimeline(a.id, h.page())).length).toBeGreaterThanOrEqual(3);

      const rel = await h.ctx.microblog.mute(a.id, noisy.id);
      expect([rel.muting, rel.mutingNotifications, rel.following]).toEqual([true, true, true]); // a mute is not an unfollow
      const timeline = await h.ctx.microblog.homeTimeline(a.id, h.page());
      expect(timeline.map((v) => v.author.id)).not.toContain(noisy.id);
      expect(timeline.map((v) => v.reblog?.author.id)).not.toContain(noisy.id);
      expect(texts(timeline)).toEqual(['calm']);
      expect(ids(await h.ctx.microblog.publicTimeline(a.id, h.page({ limit: 40 })))).not.toContain(loud.id);
      expect(ids((await h.ctx.microblog.context(a.id, calm.id)).descendants)).not.toContain(reply.id);
      // The profile of the muted account still shows its posts: the viewer went looking.
      expect(ids(await h.ctx.microblog.accountTimeline(a.id, noisy.id, h.page()))).toEqual(
        expect.arrayContaining([loud.id, reply.id]),
      );
      // The muted account notices nothing.
      expect(flags(await h.ctx.microblog.relationship(noisy.id, a.id))).toEqual({
        following: false,
        followedBy: true,
        blocking: false,
        blockedBy: false,
        muting: false,
      });
      expect(ids(await h.ctx.microblog.accountTimeline(noisy.id, a.id, h.page()))).toEqual([]);

      await h.ctx.microblog.unmute(a.id, noisy.id);
      expect(await home(a)).toEqual(expect.arrayContaining(['loud', 'loud reply', 'calm']));
      await domainError(h.ctx.microblog.mute(a.id, a.id), 'invalid');
    });

    it('hide notifications from the muted account by default', async () => {
      const [a, b] = [await h.account(), await h.account()];
      await h.ctx.microblog.mute(a.id, b.id);
      await h.ctx.microblog.follow(b.id, a.id);
      await h.post(b, `@${a.username} hello`);
      expect(await noteTypes(a)).toEqual([]);
      await h.ctx.microblog.unmute(a.id, b.id);
      expect(await noteTypes(a)).toEqual([`mention:${b.username}`, `follow:${b.username}`]);
    });

    it('keep notifications when muted with notifications: false', async () => {
      const [a, b] = [await h.account(), await h.account()];
      const rel = await h.ctx.microblog.mute(a.id, b.id, false);
      expect([rel.muting, rel.mutingNotifications]).toEqual([true, false]);
      await h.ctx.microblog.follow(b.id, a.id);
      const mention = await h.post(b, `@${a.username} hello`);
      const notes = await h.ctx.microblog.notifications(a.id, h.page());
      expect(notes.map((n) => `${n.notification.type}:${n.from.username}`)).toEqual([
        `mention:${b.username}`,
        `follow:${b.username}`,
      ]);
      expect(notes[0]!.post?.post.id).toBe(mention.id);
      expect((await h.ctx.microblog.notification(a.id, notes[0]!.notification.id)).post?.post.id).toBe(mention.id);
      // Still a mute: b's posts stay out of a's home.
      expect(await home(a)).not.toContain(`@${a.username} hello`);
      // Changing the mute to hide notifications hides them.
      await h.ctx.microblog.mute(a.id, b.id, true);
      expect(await noteTypes(a)).toEqual([]);
    });
  });
});
