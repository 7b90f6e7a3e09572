import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/core/index.ts';
import { postLength } from '../../src/core/text.ts';
import { ENGINES } from '../helpers/context.ts';
import { coreHarness, domainError, ids, texts, type CoreHarness } from './helpers.ts';

describe.each(ENGINES)('posts on $label', ({ name, skip }) => {
  let h: CoreHarness;
  beforeAll(async () => {
    if (skip) return;
    // A domain of its own, so `@user@domain` mentions can be told from other servers'.
    h = await coreHarness(name, { SPARROW_PUBLIC_URL: 'https://sparrow.example' });
  });
  afterAll(async () => h?.ctx.dispose());

  const postCount = async (a: Account) => (await h.ctx.microblog.account(a.id)).statusesCount;
  const rowsOf = async (a: Account) =>
    (await h.ctx.store.db.selectFrom('posts').select('text').where('account_id', '=', a.id).execute()).map(
      (r) => r.text,
    );

  describe.skipIf(skip)('length and content', () => {
    it('accepts 280 characters as people count them, and refuses 281 without writing anything', async () => {
      const a = await h.account();
      const cases: [string, string][] = [
        ['👨‍👩‍👧‍👦'.repeat(280), '👨‍👩‍👧‍👦'], // ZWJ sequences: 7 code points, 1 character
        ['👍🏿'.repeat(280), '👍🏿'], // skin tone modifier
        ['e\u0301'.repeat(280), 'e\u0301'], // combining marks
        ['🇰🇪'.repeat(280), '🇰🇪'],
        [`${'x'.repeat(256)} https://example.org/${'long/'.repeat(60)}`, '!'], // 256 + 1 + 23 = 280
      ];
      for (const [atLimit, oneMore] of cases) {
        expect(postLength(atLimit)).toBe(280);
        const error = await domainError(h.post(a, `${atLimit}${oneMore}`), 'invalid');
        expect(error.message).toMatch(/too long: 281 characters, at most 280/);
        expect(error.details).toMatchObject({ field: 'status', length: 281 });
      }
      expect(await postCount(a)).toBe(0);
      expect(await rowsOf(a)).toEqual([]);
      for (const [atLimit] of cases) expect((await h.post(a, atLimit)).text).toBe(atLimit);
      expect(await postCount(a)).toBe(cases.length);
    });

    it('counts the content warning towards the limit', async () => {
      const a = await h.account();
      await domainError(h.post(a, 'x'.repeat(200), { spoilerText: 'w'.repeat(81) }), 'invalid');
      expect((await h.post(a, 'x'.repeat(200), { spoilerText: 'w'.repeat(80) })).spoilerText).toBe('w'.repeat(80));
      expect(await postCount(a)).toBe(1);
    });

    it('refuses empty and blank posts, and trims what it keeps', async () => {
      const a = await h.account();
      for (const blank of ['', '   ', '\n\t \r\n', '\u3000']) {
        expect((await domainError(h.post(a, blank), 'invalid')).details).toMatchObject({ field: 'status' });
      }
      // A content warning alone is not a post.
      await domainError(h.post(a, ' ', { spoilerText: 'cw' }), 'invalid');
      expect(await postCount(a)).toBe(0);
      const post = await h.post(a, '  two\r\nlines \n');
      expect(post.text).toBe('two\nlines');
    });

    it('refuses unknown visibilities and malformed languages, writing nothing', async () => {
      const a = await h.account();
      await domainError(h.post(a, 'x', { visibility: 'everyone' as never }), 'invalid');
      await domainError(h.post(a, 'x', { language: 'not a language' }), 'invalid');
      expect(await postCount(a)).toBe(0);
      expect((await h.post(a, 'x', { language: ' PT-br ' })).language).toBe('pt-br');
    });

    it('property: a text accepted at the limit is refused one character over', async () => {
      const a = await h.account('prop');
      // Texts that start with a visible character (trimming would shorten them) and hold no links.
      const body = fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
        .filter((s) => s.trim() === s && !s.includes('://') && postLength(`${s} `) <= 279);
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(body, async (start) => {
          // Pad with x after a space: each x is then one character of its own.
          const atLimit = `${start} ${'x'.repeat(280 - postLength(`${start} `))}`;
          expect(postLength(atLimit)).toBe(280);
          const before = await postCount(a);
          await domainError(h.post(a, `${atLimit}x`), 'invalid');
          expect(await postCount(a)).toBe(before);
          const post = await h.post(a, atLimit);
          expect(post.text).toBe(atLimit.replace(/\r\n?/g, '\n'));
          accepted += 1;
        }),
        { numRuns: 25 },
      );
      expect(await postCount(a)).toBe(accepted);
    });
  });

  describe.skipIf(skip)('source and idempotency', () => {
    it('records where each post came from', async () => {
      const a = await h.account();
      const sources = ['web', 'sms', 'api:Tusky', 'api:Elk for iOS'] as const;
      for (const source of sources) {
        const post = await h.post(a, `via ${source}`, { source });
        expect(post.source).toBe(source);
        expect((await h.ctx.microblog.visiblePost(null, post.id)).source).toBe(source);
      }
      expect((await h.ctx.microblog.lastPostFrom(a.id, 'sms'))?.text).toBe('via sms');
      expect((await h.ctx.microblog.lastPostFrom(a.id, 'api:Tusky'))?.text).toBe('via api:Tusky');
      const reblog = await h.ctx.microblog.reblog(a.id, (await h.post(await h.account(), 'boost me')).id, 'sms');
      expect(reblog.source).toBe('sms');
      // A boost is not a post to UNDO.
      expect((await h.ctx.microblog.lastPostFrom(a.id, 'sms'))?.text).toBe('via sms');
    });

    it('returns the same post for a repeated idempotency key, per account, and frees the key when the post is deleted', async () => {
      const a = await h.account();
      const b = await h.account();
      const first = await h.post(a, 'once', { idempotencyKey: 'key-1', source: 'api:Tusky' });
      // A retry, even with other content, is the same request: the first post is the answer.
      const retry = await h.post(a, 'once, edited by a confused client', { idempotencyKey: 'key-1' });
      expect(retry.id).toBe(first.id);
      expect(retry.text).toBe('once');
      // A retry of a request that was refused is a new attempt (the refusal stored nothing).
      await domainError(h.post(a, 'y'.repeat(300), { idempotencyKey: 'key-2' }), 'invalid');
      const second = await h.post(a, 'fits now', { idempotencyKey: 'key-2' });
      expect(second.id).not.toBe(first.id);
      // Keys belong to one account.
      const other = await h.post(b, 'same key', { idempotencyKey: 'key-1' });
      expect(other.id).not.toBe(first.id);
      expect(other.accountId).toBe(b.id);
      expect(await postCount(a)).toBe(2);
      expect(await rowsOf(a)).toHaveLength(2);
      // Once the post is gone the key may be used again.
      await h.ctx.microblog.deletePost(a.id, first.id);
      const again = await h.post(a, 'once more', { idempotencyKey: 'key-1' });
      expect(again.id).not.toBe(first.id);
      expect(again.text).toBe('once more');
    });

    it('answers concurrent requests with one idempotency key with one post', async () => {
      const a = await h.account();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => h.post(a, 'racing', { idempotencyKey: 'race' })),
      );
      expect(new Set(results.map((p) => p.id)).size).toBe(1);
      expect(await postCount(a)).toBe(1);
    });
  });

  describe.skipIf(skip)('replies and mentions', () => {
    it('threads replies: ancestors root first, descendants depth-first, counts kept', async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      const root = await h.post(a, 'root');
      const r1 = await h.post(b, 'r1', { inReplyToId: root.id });
      const r1a = await h.post(a, 'r1a', { inReplyToId: r1.id });
      const r2 = await h.post(c, 'r2', { inReplyToId: root.id });
      const r1a1 = await h.post(c, 'r1a1', { inReplyToId: r1a.id });
      expect([r1.inReplyToId, r1.inReplyToAccountId]).toEqual([root.id, a.id]);

      const fromLeaf = await h.ctx.microblog.context(null, r1a1.id);
      expect(ids(fromLeaf.ancestors)).toEqual([root.id, r1.id, r1a.id]);
      expect(fromLeaf.descendants).toEqual([]);
      const fromRoot = await h.ctx.microblog.context(null, root.id);
      expect(fromRoot.ancestors).toEqual([]);
      expect(new Set(ids(fromRoot.descendants))).toEqual(new Set([r1.id, r1a.id, r2.id, r1a1.id]));
      // Depth-first, each branch in reply order (how Mastodon clients expect to indent a thread).
      expect(ids(fromRoot.descendants)).toEqual([r1.id, r1a.id, r1a1.id, r2.id]);
      // Every descendant comes after the post it replies to.
      const order = ids(fromRoot.descendants);
      for (const view of fromRoot.descendants) {
        if (view.post.inReplyToId !== root.id)
          expect(order.indexOf(view.post.inReplyToId!)).toBeLessThan(order.indexOf(view.post.id));
      }
      const middle = await h.ctx.microblog.context(null, r1.id);
      expect(ids(middle.ancestors)).toEqual([root.id]);
      expect(new Set(ids(middle.descendants))).toEqual(new Set([r1a.id, r1a1.id]));

      expect((await h.ctx.microblog.visiblePost(null, root.id)).repliesCount).toBe(2);
      expect((await h.ctx.microblog.visiblePost(null, r1.id)).repliesCount).toBe(1);
      await h.ctx.microblog.deletePost(c.id, r2.id);
      expect((await h.ctx.microblog.visiblePost(null, root.id)).repliesCount).toBe(1);
      // A reply whose parent is gone still stands, with a thread that starts at the gap.
      await h.ctx.microblog.deletePost(b.id, r1.id);
      expect(ids((await h.ctx.microblog.context(null, r1a1.id)).ancestors)).toEqual([r1a.id]);
    });

    it('refuses replies to posts that do not exist, are boosts, or the author may not see', async () => {
      const [a, b] = [await h.account(), await h.account()];
      const secret = await h.post(a, 'followers only', { visibility: 'private' });
      const boost = await h.ctx.microblog.reblog(a.id, (await h.post(b, 'original')).id, 'web');
      for (const parent of ['1234567890', boost.id, secret.id]) {
        await domainError(h.post(b, 'reply', { inReplyToId: parent }), 'not_found');
      }
      expect(await postCount(b)).toBe(1);
      // Once b follows a, b may reply to the private post.
      await h.ctx.microblog.follow(b.id, a.id);
      expect((await h.post(b, 'reply', { inReplyToId: secret.id })).inReplyToId).toBe(secret.id);
    });

    it('replies to a direct message stay direct', async () => {
      const [a, b] = [await h.account(), await h.account()];
      const dm = await h.post(a, `@${b.username} psst`, { visibility: 'direct' });
      const reply = await h.post(b, 'ok', { inReplyToId: dm.id, visibility: 'public' });
      expect(reply.visibility).toBe('direct');
      expect(reply.mentionIds).toEqual([a.id]);
    });

    it('notifies each mentioned account once; unknown, remote and self mentions are no error and notify nobody', async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      const post = await h.post(
        a,
        `hi @${b.username} @${b.username.toUpperCase()} @${c.username}@sparrow.example @${a.username} @ghost_nobody @${c.username}@elsewhere.example`,
      );
      expect(new Set(post.mentionIds)).toEqual(new Set([b.id, c.id, a.id]));
      for (const target of [b, c]) {
        const notes = await h.ctx.microblog.notifications(target.id, h.page());
        expect(notes.map((n) => [n.notification.type, n.from.id, n.post?.post.id])).toEqual([
          ['mention', a.id, post.id],
        ]);
      }
      expect(await h.ctx.microblog.notifications(a.id, h.page())).toEqual([]);
      const view = await h.ctx.microblog.postView(null, post.id);
      expect(view.mentions.map((m) => m.username).sort()).toEqual([a.username, b.username, c.username].sort());
    });

    it('mentions the author of the post replied to, and notifies them', async () => {
      const [a, b] = [await h.account(), await h.account()];
      const root = await h.post(a, 'root');
      const reply = await h.post(b, 'no handle typed', { inReplyToId: root.id });
      expect(reply.mentionIds).toEqual([a.id]);
      const own = await h.post(a, 'replying to myself', { inReplyToId: root.id });
      expect(own.mentionIds).toEqual([]);
      const notes = await h.ctx.microblog.notifications(a.id, h.page());
      expect(notes.map((n) => [n.notification.type, n.post?.post.id])).toEqual([['mention', reply.id]]);
    });
  });

  describe.skipIf(skip)('favourites and boosts', () => {
    it('counts a favourite once, notifies once, and takes both back on un-favourite', async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      const post = await h.post(a, 'like me');
      for (let i = 0; i < 3; i += 1) await h.ctx.microblog.favourite(b.id, post.id);
      await Promise.all([h.ctx.microblog.favourite(c.id, post.id), h.ctx.microblog.favourite(c.id, post.id)]);
      expect((await h.ctx.microblog.visiblePost(null, post.id)).favouritesCount).toBe(2);
      expect((await h.ctx.microblog.postView(b.id, post.id)).favourited).toBe(true);
      expect((await h.ctx.microblog.postView(a.id, post.id)).favourited).toBe(false);
      let notes = await h.ctx.microblog.notifications(a.id, h.page(), ['favourite']);
      expect(notes.map((n) => n.from.id).sort()).toEqual([b.id, c.id].sort());

      await h.ctx.microblog.unfavourite(b.id, post.id);
      await h.ctx.microblog.unfavourite(b.id, post.id); // twice: still one less, not two
      const after = await h.ctx.microblog.postView(b.id, post.id);
      expect([after.post.favouritesCount, after.favourited]).toEqual([1, false]);
      notes = await h.ctx.microblog.notifications(a.id, h.page(), ['favourite']);
      expect(notes.map((n) => n.from.id)).toEqual([c.id]);
      // Liking your own post counts but notifies nobody.
      await h.ctx.microblog.favourite(a.id, post.id);
      expect((await h.ctx.microblog.visiblePost(null, post.id)).favouritesCount).toBe(2);
      expect(await h.ctx.microblog.notifications(a.id, h.page(), ['favourite'])).toHaveLength(1);
    });

    it('favouriting or un-favouriting a boost acts on the original', async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      const post = await h.post(a, 'original');
      const boost = await h.ctx.microblog.reblog(b.id, post.id, 'web');
      const liked = await h.ctx.microblog.favourite(c.id, boost.id);
      expect([liked.id, liked.favouritesCount]).toEqual([post.id, 1]);
      expect((await h.ctx.microblog.unfavourite(c.id, boost.id)).favouritesCount).toBe(0);
    });

    it('counts a boost once, notifies, shows it to the booster, and takes it back', async () => {
      const [a, b] = [await h.account(), await h.account()];
      const post = await h.post(a, 'boost me');
      const boost = await h.ctx.microblog.reblog(b.id, post.id, 'web');
      expect(boost.reblogOfId).toBe(post.id);
      expect((await h.ctx.microblog.reblog(b.id, post.id, 'web')).id).toBe(boost.id);
      // Boosting the boost is boosting the original, which b has done already.
      expect((await h.ctx.microblog.reblog(b.id, boost.id, 'web')).id).toBe(boost.id);
      const view = await h.ctx.microblog.postView(b.id, post.id);
      expect([view.post.reblogsCount, view.reblogged]).toEqual([1, true]);
      expect(await postCount(b)).toBe(1);
      const boostView = await h.ctx.microblog.postView(null, boost.id);
      expect([boostView.author.id, boostView.reblog?.post.id, boostView.reblog?.author.id]).toEqual([
        b.id,
        post.id,
        a.id,
      ]);
      const notes = await h.ctx.microblog.notifications(a.id, h.page(), ['reblog']);
      // The notification is about the boosted post (Mastodon's `status`), not the boost wrapper.
      expect(notes.map((n) => [n.from.id, n.post?.post.id, n.post?.reblog])).toEqual([[b.id, post.id, null]]);

      await h.ctx.microblog.unreblog(b.id, post.id);
      await h.ctx.microblog.unreblog(b.id, post.id);
      const after = await h.ctx.microblog.postView(b.id, post.id);
      expect([after.post.reblogsCount, after.reblogged]).toEqual([0, false]);
      expect(await postCount(b)).toBe(0);
      await domainError(h.ctx.microblog.visiblePost(null, boost.id), 'not_found');
      expect(await h.ctx.microblog.notifications(a.id, h.page(), ['reblog'])).toEqual([]);
    });

    it('refuses to boost private posts of others and direct messages; authors may boost their own private posts', async () => {
      const [a, follower, friend] = [await h.account(), await h.account(), await h.account()];
      await h.ctx.microblog.follow(follower.id, a.id);
      const secret = await h.post(a, 'followers only', { visibility: 'private' });
      const dm = await h.post(a, `@${friend.username} just us`, { visibility: 'direct' });
      const refused = await domainError(h.ctx.microblog.reblog(follower.id, secret.id, 'web'), 'forbidden');
      expect(refused.message).toMatch(/can’t be boosted/);
      await domainError(h.ctx.microblog.reblog(friend.id, dm.id, 'web'), 'forbidden');
      await domainError(h.ctx.microblog.reblog(a.id, dm.id, 'web'), 'forbidden');
      // Someone who can't see it can't learn it exists.
      await domainError(h.ctx.microblog.reblog(friend.id, secret.id, 'web'), 'not_found');
      expect(await h.ctx.microblog.visiblePost(null, secret.id).catch(() => null)).toBeNull();
      expect((await h.ctx.microblog.postView(a.id, secret.id)).post.reblogsCount).toBe(0);
      expect(await postCount(follower)).toBe(0);
      const own = await h.ctx.microblog.reblog(a.id, secret.id, 'web');
      expect(own.visibility).toBe('private');
      expect(await h.ctx.microblog.notifications(a.id, h.page(), ['reblog'])).toEqual([]);
    });

    it('deleting a post removes its boosts, favourites and notifications, and fixes every counter', async () => {
      const [a, b, c] = [await h.account(), await h.account(), await h.account()];
      const post = await h.post(a, 'short-lived');
      await h.ctx.microblog.reblog(b.id, post.id, 'web');
      await h.ctx.microblog.reblog(c.id, post.id, 'web');
      await h.ctx.microblog.favourite(b.id, post.id);
      await h.post(c, `@${a.username} nice`, { inReplyToId: post.id });
      expect(await h.ctx.microblog.notifications(a.id, h.page())).toHaveLength(4);
      expect([await postCount(a), await postCount(b), await postCount(c)]).toEqual([1, 1, 2]);

      const deleted = await h.ctx.microblog.deletePost(a.id, post.id);
      expect(deleted.id).toBe(post.id);
      expect([await postCount(a), await postCount(b), await postCount(c)]).toEqual([0, 0, 1]);
      // Only the reply's mention remains, and it still shows.
      const notes = await h.ctx.microblog.notifications(a.id, h.page());
      expect(notes.map((n) => n.notification.type)).toEqual(['mention']);
      expect(
        await h.ctx.store.db.selectFrom('favourites').select('id').where('post_id', '=', post.id).execute(),
      ).toEqual([]);
      expect(
        await h.ctx.store.db.selectFrom('posts').select('id').where('reblog_of_id', '=', post.id).execute(),
      ).toEqual([]);
      await domainError(h.ctx.microblog.deletePost(a.id, post.id), 'not_found');
    });

    it('lets only the author, a moderator or an admin delete a post', async () => {
      const [a, b] = [await h.account(), await h.account()];
      const moderator = await h.ctx.microblog.createAccount({
        username: `mod${Date.now() % 100000}`,
        role: 'moderator',
      });
      const post = await h.post(a, 'mine');
      const hidden = await h.post(a, 'followers only', { visibility: 'private' });
      expect((await domainError(h.ctx.microblog.deletePost(b.id, post.id), 'forbidden')).message).toMatch(
        /only delete your own/,
      );
      // A post b can't see is "not found" for b, not "forbidden".
      await domainError(h.ctx.microblog.deletePost(b.id, hidden.id), 'not_found');
      expect(await postCount(a)).toBe(2);
      await h.ctx.microblog.deletePost(moderator.id, post.id);
      await h.ctx.microblog.deletePost(moderator.id, hidden.id);
      expect(await postCount(a)).toBe(0);
      expect(texts(await h.ctx.microblog.accountTimeline(a.id, a.id, h.page()))).toEqual([]);
    });
  });
});
