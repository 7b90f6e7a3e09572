import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Page, Post } from '../../src/core/index.ts';
import type { MicroblogStore } from '../../src/core/ports.ts';
import { ENGINES } from '../helpers/context.ts';
import { coreHarness, domainError, ids, pageBackwards, pageForwards, texts, type CoreHarness } from './helpers.ts';

const FEED_LENGTH = 40;

describe.each(ENGINES)('timelines on $label', ({ name, skip }) => {
  let h: CoreHarness;
  beforeAll(async () => {
    if (skip) return;
    // Accounts with more than 2 followers are merged into home timelines at read time.
    h = await coreHarness(name, { SPARROW_FANOUT_MAX_FOLLOWERS: '2', SPARROW_HOME_FEED_LENGTH: String(FEED_LENGTH) });
  });
  afterAll(async () => h?.ctx.dispose());

  const home = (a: Account, page: Partial<Page> = {}) =>
    h.ctx.microblog.homeTimeline(a.id, h.page({ limit: 40, ...page }));
  const homeTexts = async (a: Account) => texts(await home(a));
  const feedRows = async (a: Account) =>
    (
      await h.ctx.store.db
        .selectFrom('home_feed')
        .select('post_id')
        .where('account_id', '=', a.id)
        .orderBy('post_id', 'desc')
        .execute()
    ).map((r) => r.post_id);
  const newestFirst = (posts: readonly Post[]) =>
    posts
      .map((p) => p.id)
      .sort()
      .reverse();
  /** Gives an account more than the fan-out limit of followers. */
  const makeCelebrity = async (celebrity: Account) => {
    for (let i = 0; i < 3; i += 1) await h.ctx.microblog.follow((await h.account('fan')).id, celebrity.id);
    h.refreshCelebrities();
  };

  describe.skipIf(skip)('home: fan-out on write', () => {
    it('writes a post into the feeds of its author and followers only, at once', async () => {
      const [author, follower, stranger] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(follower.id, author.id);
      const post = await h.post(author, 'fanned out');
      expect(await feedRows(follower)).toEqual([post.id]);
      expect(await feedRows(author)).toEqual([post.id]);
      expect(await feedRows(stranger)).toEqual([]);
      expect(await homeTexts(follower)).toEqual(['fanned out']);
      expect(await homeTexts(stranger)).toEqual([]);
      // Private posts reach followers too; direct ones only the people mentioned.
      await h.post(author, 'followers only', { visibility: 'private' });
      await h.post(author, `@${stranger.username} direct`, { visibility: 'direct' });
      expect(await homeTexts(follower)).toEqual(['followers only', 'fanned out']);
      expect(await homeTexts(stranger)).toEqual([`@${stranger.username} direct`]);
      expect(await homeTexts(author)).toEqual([`@${stranger.username} direct`, 'followers only', 'fanned out']);
    });

    it('delivers a reply to someone else only to followers who also follow that someone', async () => {
      const [author, other, followsBoth, followsAuthor] = [
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
      ];
      await h.ctx.microblog.follow(followsBoth.id, author.id);
      await h.ctx.microblog.follow(followsBoth.id, other.id);
      await h.ctx.microblog.follow(followsAuthor.id, author.id);
      const root = await h.post(other, 'root');
      await h.post(author, 'reply to other', { inReplyToId: root.id });
      const own = await h.post(author, 'top');
      await h.post(author, 'reply to self', { inReplyToId: own.id });
      expect(await homeTexts(followsBoth)).toEqual(['reply to self', 'top', 'reply to other', 'root']);
      expect(await homeTexts(followsAuthor)).toEqual(['reply to self', 'top']);
    });

    it('skips a boost for followers who already have the original', async () => {
      const [author, booster, followsBoth, followsBooster] = [
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
      ];
      await h.ctx.microblog.follow(followsBoth.id, author.id);
      await h.ctx.microblog.follow(followsBoth.id, booster.id);
      await h.ctx.microblog.follow(followsBooster.id, booster.id);
      const post = await h.post(author, 'worth boosting');
      const boost = await h.ctx.microblog.reblog(booster.id, post.id, 'web');
      expect(ids(await home(followsBoth))).toEqual([post.id]);
      const seen = await home(followsBooster);
      expect(ids(seen)).toEqual([boost.id]);
      expect([seen[0]!.author.id, seen[0]!.reblog?.post.id]).toEqual([booster.id, post.id]);
    });

    it('writes a fan-out to followers and the author in one go: the booster keeps its boost beside the original, blocked and muting followers see nothing', async () => {
      const [author, booster, follower, blocked, muting] = [
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
      ];
      await h.ctx.microblog.follow(booster.id, author.id);
      for (const a of [follower, blocked, muting]) await h.ctx.microblog.follow(a.id, booster.id);
      await h.ctx.microblog.block(booster.id, blocked.id);
      await h.ctx.microblog.mute(muting.id, booster.id);
      const post = await h.post(author, 'boost me');
      const boost = await h.ctx.microblog.reblog(booster.id, post.id, 'web');
      // The booster's own feed gets its boost although the original is in it already.
      expect(await feedRows(booster)).toEqual([boost.id, post.id]);
      expect(await feedRows(follower)).toEqual([boost.id]);
      expect(await feedRows(blocked)).toEqual([]);
      expect(ids(await home(muting))).toEqual([]);
      const own = await h.post(booster, 'my own');
      expect(await feedRows(booster)).toEqual([own.id, boost.id, post.id]);
      expect(await feedRows(follower)).toEqual([own.id, boost.id]);
      expect(await feedRows(blocked)).toEqual([]);
      expect(ids(await home(muting))).toEqual([]);
      expect(await feedRows(author)).toEqual([post.id]);
    });

    it("backfills recent posts on follow and removes the followee's posts and boosts on unfollow", async () => {
      const [author, reader, friend] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(reader.id, friend.id);
      const posts: Post[] = [];
      for (let i = 0; i < 45; i += 1) posts.push(await h.post(author, `old ${i}`));
      const secret = await h.post(author, 'followers only', { visibility: 'private' });
      await h.post(author, `@${friend.username} direct`, { visibility: 'direct' });
      const friendSays = await h.post(friend, 'friend says');
      const boost = await h.ctx.microblog.reblog(
        author.id,
        (await h.post(await h.account(), 'stranger says')).id,
        'web',
      );
      expect(ids(await home(reader))).toEqual([friendSays.id]);
      // Replies follow the fan-out rule in the backfill too: to a stranger no, to a friend yes.
      const stranger = await h.account();
      const toStranger = await h.post(author, `@${stranger.username} hi`, {
        inReplyToId: (await h.post(stranger, 'anyone?')).id,
      });
      const toFriend = await h.post(author, `@${friend.username} hi`, { inReplyToId: friendSays.id });

      await h.ctx.microblog.follow(reader.id, author.id);
      // The 40 most recent of the author's posts and boosts (not the direct message), merged with what was there.
      const backfilled = [toFriend.id, boost.id, secret.id, ...newestFirst(posts)].slice(0, 40);
      expect(await feedRows(reader)).toEqual([...backfilled, friendSays.id].sort().reverse());
      expect(await feedRows(reader)).not.toContain(toStranger.id);
      expect(ids(await home(reader, { limit: 3 }))).toEqual([toFriend.id, boost.id, friendSays.id]);
      expect((await home(reader, { limit: 2 }))[1]?.reblog?.post.text).toBe('stranger says');

      await h.ctx.microblog.unfollow(reader.id, author.id);
      expect(ids(await home(reader))).toEqual([friendSays.id]);
      expect(await feedRows(reader)).toEqual([friendSays.id]);
    });

    it('removes deleted posts and their boosts from every home timeline', async () => {
      const [author, booster, reader] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(reader.id, booster.id);
      await h.ctx.microblog.follow(booster.id, author.id);
      const doomed = await h.post(author, 'doomed');
      const kept = await h.post(author, 'kept');
      const boost = await h.ctx.microblog.reblog(booster.id, doomed.id, 'web');
      expect(ids(await home(reader))).toEqual([boost.id]);
      expect(ids(await home(booster))).toEqual([boost.id, kept.id, doomed.id]);
      await h.ctx.microblog.deletePost(author.id, doomed.id);
      expect(ids(await home(reader))).toEqual([]);
      expect(ids(await home(booster))).toEqual([kept.id]);
      expect(await feedRows(booster)).toEqual([kept.id]);
      expect(ids(await h.ctx.microblog.accountTimeline(null, author.id, h.page()))).toEqual([kept.id]);
    });

    it('trims each feed to the configured length, keeping the newest entries, and leaves short feeds alone', async () => {
      const [author, reader, quiet] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(reader.id, author.id);
      const posts: Post[] = [];
      for (let i = 0; i < FEED_LENGTH + 7; i += 1) posts.push(await h.post(author, `filler ${i}`));
      const quietPost = await h.post(quiet, 'alone');
      const before = await feedRows(reader);
      expect(before).toHaveLength(FEED_LENGTH + 7);

      const result = await h.ctx.maintenance();
      expect(result.homeFeedEntriesTrimmed).toBeGreaterThanOrEqual(14); // 7 each for author and reader, perhaps more from other tests
      expect(await feedRows(reader)).toEqual(before.slice(0, FEED_LENGTH));
      expect(await feedRows(author)).toEqual(newestFirst(posts).slice(0, FEED_LENGTH));
      expect(await feedRows(quiet)).toEqual([quietPost.id]);
      expect(ids(await home(reader, { limit: 40 }))).toEqual(newestFirst(posts).slice(0, 40));
      // Nothing left to trim.
      expect((await h.ctx.maintenance()).homeFeedEntriesTrimmed).toBe(0);
      expect(await feedRows(reader)).toHaveLength(FEED_LENGTH);
    });
  });

  describe.skipIf(skip)('home: read-time merge for accounts above the fan-out limit', () => {
    it('does not fan out their posts but shows them to followers, private ones included, and direct ones to the people mentioned', async () => {
      const [celebrity, reader, stranger] = [await h.account('celebrity'), await h.account(), await h.account()];
      await h.ctx.microblog.follow(reader.id, celebrity.id);
      await makeCelebrity(celebrity);
      const pub = await h.post(celebrity, 'to the masses');
      const priv = await h.post(celebrity, 'to followers', { visibility: 'private' });
      const dm = await h.post(celebrity, `@${stranger.username} hi`, { visibility: 'direct' });
      const feedOwners = await h.ctx.store.db
        .selectFrom('home_feed')
        .select('account_id')
        .where('post_id', 'in', [pub.id, priv.id])
        .execute();
      expect(new Set(feedOwners.map((r) => r.account_id))).toEqual(new Set([celebrity.id]));
      expect(ids(await home(reader))).toEqual([priv.id, pub.id]);
      expect(ids(await home(stranger))).toEqual([dm.id]);
      expect(ids(await home(celebrity))).toEqual([dm.id, priv.id, pub.id]);
      // Unfollowing stops the merge at once; following again starts it.
      await h.ctx.microblog.unfollow(reader.id, celebrity.id);
      expect(ids(await home(reader))).toEqual([]);
      await h.ctx.microblog.follow(reader.id, celebrity.id);
      expect(ids(await home(reader))).toEqual([priv.id, pub.id]);
      // A mute hides merged posts as well.
      await h.ctx.microblog.mute(reader.id, celebrity.id);
      expect(ids(await home(reader))).toEqual([]);
      await h.ctx.microblog.unmute(reader.id, celebrity.id);
    });

    it('pages a feed mixing fanned-out and merged posts without gaps or repeats, in every direction', async () => {
      const reader = await h.account('mixreader');
      const normals = [await h.account('n'), await h.account('n')];
      const celebrities = [await h.account('celeb'), await h.account('celeb')];
      for (const a of [...normals, ...celebrities]) await h.ctx.microblog.follow(reader.id, a.id);
      for (const c of celebrities) await makeCelebrity(c);
      const authors = [...normals, ...celebrities, reader];
      const posts: Post[] = [];
      for (let i = 0; i < 37; i += 1) {
        // An irregular interleaving so that pages cut across both sources.
        const author = authors[(i * 7 + (i >> 2)) % authors.length]!;
        posts.push(await h.post(author, `mixed ${i}`));
      }
      const all = newestFirst(posts);
      expect(posts.filter((p) => celebrities.some((c) => c.id === p.accountId)).length).toBeGreaterThan(8);
      const fetch = (page: Page) => h.ctx.microblog.homeTimeline(reader.id, page);

      for (const limit of [2, 7, 40]) expect(await pageBackwards(fetch, limit), `max_id, limit ${limit}`).toEqual(all);
      for (const limit of [3, 40]) expect(await pageForwards(fetch, limit, '0'), `min_id, limit ${limit}`).toEqual(all);
      // Forwards from the middle: exactly what is newer, oldest page first.
      const cursor = all[30]!;
      expect(await pageForwards(fetch, 6, cursor)).toEqual(all.slice(0, 30));
      expect(ids(await fetch({ limit: 6, minId: cursor }))).toEqual(all.slice(24, 30));
      // since_id: the newest page above the cursor; max_id and since_id together bound both ends.
      expect(ids(await fetch({ limit: 6, sinceId: cursor }))).toEqual(all.slice(0, 6));
      expect(ids(await fetch({ limit: 40, sinceId: all[10] }))).toEqual(all.slice(0, 10));
      expect(ids(await fetch({ limit: 40, maxId: all[5], sinceId: all[12] }))).toEqual(all.slice(6, 12));
      expect(ids(await fetch({ limit: 40, maxId: all[5], minId: all[12] }))).toEqual(all.slice(6, 12));
      expect(await fetch({ limit: 40, sinceId: all[0] })).toEqual([]);
    });
  });

  describe.skipIf(skip)("home: the merged authors' newest posts kept in memory", () => {
    // The store keeps each merged author's 40 newest posts; pages that reach past them, posts
    // added or deleted, and every cursor must give what the statement gives.
    it('answers every page as the posts table does, before and after posts are added and deleted', async () => {
      const [prolific, quiet, silent] = [await h.account('prolific'), await h.account('quiet'), await h.account()];
      const authors = [prolific, quiet, silent];
      const visibilities = ['public', 'unlisted', 'private', 'direct'] as const;
      const written: Post[] = [];
      const write = async (author: Account, i: number) =>
        written.push(await h.post(author, `head ${i}`, { visibility: visibilities[((i * 5) % 7) % 4]! }));
      for (let i = 0; i < 52; i += 1) await write(prolific, i);
      for (let i = 0; i < 6; i += 1) await write(quiet, 100 + i);
      const allIds = () => written.map((p) => p.id);
      // The store the domain reads through (with the app's entity cache), as home timelines use it.
      const store = () => (h.ctx.microblog as unknown as { store: MicroblogStore }).store;
      // What `postsByAuthors` means, written out: the authors' posts of those visibilities, cursors, limit.
      const expected = (authorIds: string[], shown: readonly string[], page: Page) => {
        const candidates = written
          .filter((p) => authorIds.includes(p.accountId) && shown.includes(p.visibility))
          .filter((p) => (!page.maxId || p.id < page.maxId) && (!page.minId || p.id > page.minId))
          .filter((p) => page.minId || !page.sinceId || p.id > page.sinceId)
          .map((p) => p.id)
          .sort();
        return (page.minId ? candidates.slice(0, page.limit) : candidates.slice(-page.limit)).reverse();
      };
      const property = () =>
        fc.asyncProperty(
          fc.subarray(authors, { minLength: 1 }),
          fc.subarray([...visibilities], { minLength: 1 }),
          fc.record({
            limit: fc.integer({ min: 1, max: 45 }),
            maxId: fc.option(fc.constantFrom(...allIds(), '0', '99999999999999999999')),
            sinceId: fc.option(fc.constantFrom(...allIds(), '0')),
            minId: fc.option(fc.constantFrom(...allIds(), '0')),
          }),
          async (chosen, shown, cursors) => {
            const page = h.page({
              limit: cursors.limit,
              ...(cursors.maxId ? { maxId: cursors.maxId } : {}),
              ...(cursors.sinceId ? { sinceId: cursors.sinceId } : {}),
              ...(cursors.minId ? { minId: cursors.minId } : {}),
            });
            const authorIds = chosen.map((a) => a.id);
            // Twice: the first read may fill the heads, the second is answered from them.
            for (let read = 0; read < 2; read += 1) {
              const got = await store().postsByAuthors(authorIds, shown, page);
              expect(got.map((e) => e.postId)).toEqual(expected(authorIds, shown, page));
            }
          },
        );
      await fc.assert(property(), { numRuns: 60 });
      // New posts and deleted ones are seen at once, the prolific author's head included.
      for (let i = 0; i < 3; i += 1) await write(prolific, 200 + i);
      await write(silent, 300);
      for (const gone of [written[51]!, written[10]!, written.at(-1)!]) {
        await h.ctx.microblog.deletePost(gone.accountId, gone.id);
        written.splice(written.indexOf(gone), 1);
      }
      await fc.assert(property(), { numRuns: 60 });
    });
  });

  describe.skipIf(skip)('home: read-time filters', () => {
    it("pages past stretches of a muted account's posts without stopping early", async () => {
      const [reader, friend, noisy] = [await h.account(), await h.account(), await h.account('noisy')];
      await h.ctx.microblog.follow(reader.id, friend.id);
      await h.ctx.microblog.follow(reader.id, noisy.id);
      const wanted: Post[] = [];
      for (let i = 0; i < 4; i += 1) {
        wanted.push(await h.post(friend, `friend ${i}`));
        for (let j = 0; j < 6; j += 1) await h.post(noisy, `noise ${i}.${j}`);
      }
      await h.ctx.microblog.mute(reader.id, noisy.id);
      const fetch = (page: Page) => h.ctx.microblog.homeTimeline(reader.id, page);
      expect(await pageBackwards(fetch, 3)).toEqual(newestFirst(wanted));
      expect(await pageForwards(fetch, 3, '0')).toEqual(newestFirst(wanted));
      expect(ids(await fetch({ limit: 2 }))).toEqual(newestFirst(wanted).slice(0, 2));
      expect(ids(await fetch({ limit: 2, minId: '0' }))).toEqual(newestFirst(wanted).slice(-2));
      expect(ids(await fetch({ limit: 40, sinceId: wanted[1]!.id }))).toEqual(newestFirst(wanted).slice(0, 2));
    });

    it("pages the public timeline past stretches of muted and blocked accounts' posts", async () => {
      const [reader, friend, muted, blocked] = [
        await h.account(),
        await h.account(),
        await h.account('muted'),
        await h.account('blocked'),
      ];
      const marker = await h.post(friend, 'marker');
      const wanted: Post[] = [];
      for (let i = 0; i < 3; i += 1) {
        wanted.push(await h.post(friend, `public friend ${i}`));
        for (let j = 0; j < 5; j += 1) await h.post(j % 2 ? muted : blocked, `public noise ${i}.${j}`);
      }
      await h.ctx.microblog.mute(reader.id, muted.id);
      await h.ctx.microblog.block(blocked.id, reader.id);
      const fetch = (page: Page) => h.ctx.microblog.publicTimeline(reader.id, page);
      expect(await pageBackwards((page) => fetch({ ...page, sinceId: marker.id }), 2)).toEqual(newestFirst(wanted));
      expect(await pageForwards(fetch, 2, marker.id)).toEqual(newestFirst(wanted));
      // Anonymous readers see everything.
      expect(
        await pageBackwards((page) => h.ctx.microblog.publicTimeline(null, { ...page, sinceId: marker.id }), 40),
      ).toHaveLength(3 * 6);
    });
  });

  describe.skipIf(skip)('public and profile timelines', () => {
    it('public: only public top-level posts, paged without gaps', async () => {
      const [a, b] = [await h.account(), await h.account()];
      // Other tests' posts are older than this one: page down to it only.
      const marker = await h.post(a, 'marker');
      const shown: Post[] = [];
      const hidden: Post[] = [];
      for (let i = 0; i < 12; i += 1) {
        const post = await h.post(i % 2 ? a : b, `public ${i}`);
        shown.push(post);
        hidden.push(await h.post(a, `unlisted ${i}`, { visibility: 'unlisted' }));
        if (i % 4 === 0) {
          hidden.push(await h.post(b, `private ${i}`, { visibility: 'private' }));
          hidden.push(await h.post(b, `@${a.username} direct ${i}`, { visibility: 'direct' }));
          hidden.push(await h.post(a, `reply ${i}`, { inReplyToId: post.id }));
          hidden.push(await h.ctx.microblog.reblog(a.id, post.id, 'web'));
        }
      }
      const fetch = (page: Page) => h.ctx.microblog.publicTimeline(null, { ...page, sinceId: marker.id });
      expect(await pageBackwards(fetch, 5)).toEqual(newestFirst(shown));
      expect(await pageForwards((page) => h.ctx.microblog.publicTimeline(null, page), 4, marker.id)).toEqual(
        newestFirst(shown),
      );
      // The same for a signed-in viewer who follows b (private posts are not public).
      await h.ctx.microblog.follow(a.id, b.id);
      expect(
        await pageBackwards((page) => h.ctx.microblog.publicTimeline(a.id, { ...page, sinceId: marker.id }), 7),
      ).toEqual(newestFirst(shown));
      expect(hidden.length).toBe(12 + 3 * 4);
    });

    it('profile: strangers see public and unlisted posts, followers and the owner private ones too, nobody sees direct ones there', async () => {
      const [owner, follower, stranger, friend] = [
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
      ];
      await h.ctx.microblog.follow(follower.id, owner.id);
      const pub = await h.post(owner, 'public');
      const unl = await h.post(owner, 'unlisted', { visibility: 'unlisted' });
      const priv = await h.post(owner, 'private', { visibility: 'private' });
      await h.post(owner, `@${friend.username} direct`, { visibility: 'direct' });
      const other = await h.post(friend, 'friend post');
      const reply = await h.post(owner, 'reply to friend', { inReplyToId: other.id });
      const selfReply = await h.post(owner, 'reply to self', { inReplyToId: pub.id });
      const boost = await h.ctx.microblog.reblog(owner.id, other.id, 'web');
      const profile = async (viewer: Account | null, options = {}) =>
        ids(await h.ctx.microblog.accountTimeline(viewer?.id ?? null, owner.id, h.page(), options));

      const publicPart = [boost.id, selfReply.id, reply.id, unl.id, pub.id];
      expect(await profile(null)).toEqual(publicPart);
      expect(await profile(stranger)).toEqual(publicPart);
      expect(await profile(friend)).toEqual(publicPart); // being mentioned once does not open the profile
      const withPrivate = [boost.id, selfReply.id, reply.id, priv.id, unl.id, pub.id];
      expect(await profile(follower)).toEqual(withPrivate);
      expect(await profile(owner)).toEqual(withPrivate);
      expect(await profile(follower, { excludeReplies: true })).toEqual([
        boost.id,
        selfReply.id,
        priv.id,
        unl.id,
        pub.id,
      ]);
      expect(await profile(follower, { excludeReblogs: true })).toEqual([
        selfReply.id,
        reply.id,
        priv.id,
        unl.id,
        pub.id,
      ]);
      // Paging a profile.
      expect(await pageBackwards((page) => h.ctx.microblog.accountTimeline(owner.id, owner.id, page), 2)).toEqual(
        withPrivate,
      );
      await domainError(h.ctx.microblog.accountTimeline(null, '999999999999999999', h.page()), 'not_found');
    });
  });

  describe.skipIf(skip)('direct messages', () => {
    it('are visible to their participants only, and listed for each of them', async () => {
      const [a, b, c, follower, outsider] = [
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
        await h.account(),
      ];
      await h.ctx.microblog.follow(follower.id, a.id);
      await h.ctx.microblog.follow(outsider.id, b.id);
      const dm = await h.post(a, `@${b.username} @${c.username} group chat`, { visibility: 'direct' });
      const answer = await h.post(b, 'answer', { inReplyToId: dm.id });
      const other = await h.post(c, `@${a.username} just a and c`, { visibility: 'direct' });
      expect(answer.visibility).toBe('direct');

      for (const participant of [a, b, c])
        expect((await h.ctx.microblog.visiblePost(participant.id, dm.id)).id).toBe(dm.id);
      for (const viewer of [follower, outsider, null])
        await domainError(h.ctx.microblog.visiblePost(viewer?.id ?? null, dm.id), 'not_found');
      await domainError(h.ctx.microblog.visiblePost(b.id, other.id), 'not_found');
      // The reply mentions a (the author replied to) only: c is not part of it.
      await domainError(h.ctx.microblog.visiblePost(c.id, answer.id), 'not_found');

      expect(ids(await h.ctx.microblog.directMessages(a.id, h.page()))).toEqual([other.id, answer.id, dm.id]);
      expect(ids(await h.ctx.microblog.directMessages(b.id, h.page()))).toEqual([answer.id, dm.id]);
      expect(ids(await h.ctx.microblog.directMessages(c.id, h.page()))).toEqual([other.id, dm.id]);
      expect(await h.ctx.microblog.directMessages(follower.id, h.page())).toEqual([]);
      expect(ids(await h.ctx.microblog.directMessages(a.id, h.page({ limit: 1, maxId: other.id })))).toEqual([
        answer.id,
      ]);

      for (const viewer of [follower, outsider]) {
        expect(await h.ctx.microblog.homeTimeline(viewer.id, h.page())).toEqual([]);
        expect(await h.ctx.microblog.accountTimeline(viewer.id, a.id, h.page())).toEqual([]);
      }
      const open = await h.post(a, 'public');
      const dmReply = await h.post(b, `@${a.username} only for a`, { inReplyToId: open.id, visibility: 'direct' });
      for (const viewer of [follower, outsider, c]) {
        expect((await h.ctx.microblog.context(viewer.id, open.id)).descendants).toEqual([]);
      }
      expect(ids((await h.ctx.microblog.context(a.id, open.id)).descendants)).toEqual([dmReply.id]);
      expect(ids(await home(c))).toEqual([other.id, dm.id]);
      expect(ids(await home(follower))).toEqual([open.id]);
      await domainError(h.ctx.microblog.context(outsider.id, dm.id), 'not_found');
      expect(ids((await h.ctx.microblog.context(b.id, dm.id)).descendants)).toEqual([answer.id]);
      expect((await h.ctx.microblog.context(c.id, dm.id)).descendants).toEqual([]);
      expect(ids(await h.ctx.microblog.publicTimeline(null, h.page({ limit: 40 })))).not.toContain(dm.id);
    });
  });

  describe.skipIf(skip)('notifications', () => {
    it('page without gaps or repeats, filter by type, and can be dismissed and cleared', async () => {
      const me = await h.account('popular');
      const post = await h.post(me, 'notice me');
      const expected: string[] = [];
      for (let i = 0; i < 9; i += 1) {
        const fan = await h.account('noter');
        h.clock.advance(1);
        await h.ctx.microblog.follow(fan.id, me.id);
        await h.ctx.microblog.favourite(fan.id, post.id);
        if (i % 3 === 0) await h.ctx.microblog.reblog(fan.id, post.id, 'web');
        if (i % 2 === 0) await h.post(fan, `@${me.username} hi ${i}`);
        expected.push(fan.username);
      }
      const all = await h.ctx.microblog.notifications(me.id, { limit: 80 });
      expect(all).toHaveLength(9 + 9 + 3 + 5);
      const allIds = all.map((n) => n.notification.id);
      expect([...allIds].sort().reverse()).toEqual(allIds);
      expect(new Set(allIds).size).toBe(allIds.length);
      for (const n of all) expect(n.notification.accountId).toBe(me.id);

      const paged: string[] = [];
      let maxId: string | undefined;
      for (;;) {
        const batch = await h.ctx.microblog.notifications(me.id, { limit: 4, maxId });
        if (batch.length === 0) break;
        paged.push(...batch.map((n) => n.notification.id));
        maxId = batch.at(-1)!.notification.id;
      }
      expect(paged).toEqual(allIds);
      const forward: string[] = [];
      let minId = '0';
      for (;;) {
        const batch = await h.ctx.microblog.notifications(me.id, { limit: 5, minId });
        if (batch.length === 0) break;
        forward.unshift(...batch.map((n) => n.notification.id));
        minId = batch[0]!.notification.id;
      }
      expect(forward).toEqual(allIds);

      const follows = await h.ctx.microblog.notifications(me.id, { limit: 80 }, ['follow']);
      expect(follows.map((n) => n.from.username)).toEqual([...expected].reverse());
      const mentionsAndBoosts = await h.ctx.microblog.notifications(me.id, { limit: 80 }, ['mention', 'reblog']);
      expect(mentionsAndBoosts.map((n) => n.notification.type).sort()).toEqual([
        ...Array(5).fill('mention'),
        ...Array(3).fill('reblog'),
      ]);
      expect(await h.ctx.microblog.notifications(me.id, { limit: 80 }, [])).toEqual([]);

      const first = all[0]!.notification.id;
      const stranger = await h.account();
      await domainError(h.ctx.microblog.notification(stranger.id, first), 'not_found');
      await domainError(h.ctx.microblog.dismissNotification(stranger.id, first), 'not_found');
      expect((await h.ctx.microblog.notification(me.id, first)).notification.id).toBe(first);
      await h.ctx.microblog.dismissNotification(me.id, first);
      await domainError(h.ctx.microblog.notification(me.id, first), 'not_found');
      expect(await h.ctx.microblog.notifications(me.id, { limit: 80 })).toHaveLength(all.length - 1);
      await h.ctx.microblog.clearNotifications(me.id);
      expect(await h.ctx.microblog.notifications(me.id, { limit: 80 })).toEqual([]);
    });
  });
});
