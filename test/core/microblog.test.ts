import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Page } from '../../src/core/index.ts';
import { countGraphemes, extractMentions, postLength } from '../../src/core/text.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { isWellFormedId, newId } from '../../src/shared/ids.ts';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';

describe('post text rules', () => {
  it('counts characters as people see them', () => {
    expect(countGraphemes('👍🏽')).toBe(1);
    expect(countGraphemes('👨‍👩‍👧‍👦')).toBe(1);
    expect(countGraphemes('é')).toBe(1); // e + combining acute
    expect(countGraphemes('🇰🇪')).toBe(1);
    expect(postLength('see https://example.org/a/very/long/path/that/goes/on/and/on')).toBe(4 + 23);
  });

  it('finds mentions but not e-mail addresses', () => {
    expect(extractMentions('hi @bob and @Carol@sparrow.example, mail x@y.org').map((m) => m.username)).toEqual([
      'bob',
      'Carol',
    ]);
    expect(extractMentions('@bob @bob @BOB').length).toBe(1); // usernames are case-insensitive
  });

  it('property: length is never negative and never shrinks as text grows', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 5 }),
        (text, more) => {
          const before = postLength(text);
          expect(before).toBeGreaterThanOrEqual(0);
          expect(postLength(`${text} ${more}`)).toBeGreaterThanOrEqual(before);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('ids', () => {
  it('are well formed, unique and time ordered both as strings and as numbers', () => {
    const clock = new ManualClock(new Date('2026-11-25T00:00:00Z'));
    const ids: string[] = [];
    for (let i = 0; i < 2000; i += 1) {
      if (i % 100 === 0) clock.advance(1);
      ids.push(newId(clock.now().getTime()));
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isWellFormedId(id)).toBe(true);
    const sortedAsText = [...ids].sort();
    const sortedAsNumbers = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(sortedAsText).toEqual(sortedAsNumbers);
    expect(ids[0]! < ids.at(-1)!).toBe(true);
  });

  it('reject junk', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        if (!/^\d{1,19}$/.test(value)) expect(isWellFormedId(value)).toBe(false);
      }),
    );
    for (const junk of ['', 'abc', '1;drop table', '-1', '1e9', null, 12, {}]) expect(isWellFormedId(junk)).toBe(false);
  });
});

describe.each(ENGINES)('microblog core on $label', ({ name, skip }) => {
  let ctx: TestContext;
  const page = (extra: Partial<Page> = {}): Page => ({ limit: 20, ...extra });
  const texts = async (views: Promise<{ post: { text: string } }[]>) => (await views).map((v) => v.post.text);
  let n = 0;
  const account = (prefix = 'user'): Promise<Account> =>
    ctx.microblog.createAccount({ username: `${prefix}${(n += 1)}` });

  beforeAll(async () => {
    if (skip) return;
    ctx = await testContext(
      name,
      { SPARROW_FANOUT_MAX_FOLLOWERS: '2', SPARROW_HOME_FEED_LENGTH: '40' },
      { clock: new ManualClock(new Date('2026-11-25T08:00:00Z')) },
    );
  });
  afterAll(async () => ctx?.dispose());
  const tick = () => (ctx.clock as ManualClock).advance(1000);

  it.skipIf(skip)('enforces the 280-character limit and blank posts, writing nothing when refused', async () => {
    const a = await account();
    await expect(ctx.microblog.post(a.id, { text: '   ', source: 'web' })).rejects.toThrow(/blank/);
    await expect(ctx.microblog.post(a.id, { text: 'x'.repeat(281), source: 'web' })).rejects.toThrow(/too long/);
    await expect(ctx.microblog.post(a.id, { text: 'ok', source: 'web', spoilerText: 'w'.repeat(279) })).rejects.toThrow(
      /too long/,
    );
    expect((await ctx.microblog.account(a.id)).statusesCount).toBe(0);
    const atLimit = await ctx.microblog.post(a.id, { text: '🇰🇪'.repeat(280), source: 'sms' });
    expect(atLimit.source).toBe('sms');
    expect((await ctx.microblog.account(a.id)).statusesCount).toBe(1);
  });

  it.skipIf(skip)('records the source and honours idempotency keys', async () => {
    const a = await account();
    const first = await ctx.microblog.post(a.id, { text: 'once', source: 'api:Tusky', idempotencyKey: 'k1' });
    const again = await ctx.microblog.post(a.id, { text: 'once', source: 'api:Tusky', idempotencyKey: 'k1' });
    expect(again.id).toBe(first.id);
    expect(first.source).toBe('api:Tusky');
    expect((await ctx.microblog.account(a.id)).statusesCount).toBe(1);
  });

  it.skipIf(skip)("threads replies, mentions the parent's author and notifies mentioned accounts", async () => {
    const a = await account();
    const b = await account();
    const root = await ctx.microblog.post(a.id, { text: 'root', source: 'web' });
    tick();
    const reply = await ctx.microblog.post(b.id, { text: 'a reply', source: 'web', inReplyToId: root.id });
    tick();
    const nested = await ctx.microblog.post(a.id, {
      text: `thanks @${b.username} and @nobody_here`,
      source: 'web',
      inReplyToId: reply.id,
    });
    expect(reply.mentionIds).toEqual([a.id]);
    const thread = await ctx.microblog.context(null, reply.id);
    expect(thread.ancestors.map((v) => v.post.id)).toEqual([root.id]);
    expect(thread.descendants.map((v) => v.post.id)).toEqual([nested.id]);
    const mentions = await ctx.microblog.notifications(b.id, page(), ['mention']);
    expect(mentions.map((v) => v.notification.postId)).toEqual([nested.id]);
    expect((await ctx.microblog.postView(null, root.id)).post.repliesCount).toBe(1);
  });

  it.skipIf(skip)('counts favourites and reblogs once, notifies, and refuses reblogs of private posts', async () => {
    const a = await account();
    const b = await account();
    const post = await ctx.microblog.post(a.id, { text: 'like me', source: 'web' });
    await ctx.microblog.favourite(b.id, post.id);
    await ctx.microblog.favourite(b.id, post.id);
    await ctx.microblog.reblog(b.id, post.id, 'web');
    await ctx.microblog.reblog(b.id, post.id, 'web');
    let view = await ctx.microblog.postView(b.id, post.id);
    expect([view.post.favouritesCount, view.post.reblogsCount, view.favourited, view.reblogged]).toEqual([
      1,
      1,
      true,
      true,
    ]);
    const types = (await ctx.microblog.notifications(a.id, page())).map((v) => v.notification.type).sort();
    expect(types).toEqual(['favourite', 'reblog']);
    await ctx.microblog.unfavourite(b.id, post.id);
    await ctx.microblog.unreblog(b.id, post.id);
    view = await ctx.microblog.postView(b.id, post.id);
    expect([view.post.favouritesCount, view.post.reblogsCount]).toEqual([0, 0]);
    const secret = await ctx.microblog.post(a.id, { text: 'followers only', source: 'web', visibility: 'private' });
    await ctx.microblog.follow(b.id, a.id);
    await expect(ctx.microblog.reblog(b.id, secret.id, 'web')).rejects.toThrow(/can’t be boosted/);
  });

  it.skipIf(skip)(
    'blocks cut follows both ways and stop interaction; mutes hide from home but not from profiles',
    async () => {
      const a = await account();
      const b = await account();
      const c = await account();
      await ctx.microblog.follow(a.id, b.id);
      await ctx.microblog.follow(b.id, a.id);
      await ctx.microblog.block(a.id, b.id);
      const rel = await ctx.microblog.relationship(a.id, b.id);
      expect([rel.following, rel.followedBy, rel.blocking]).toEqual([false, false, true]);
      await expect(ctx.microblog.follow(b.id, a.id)).rejects.toThrow(/can’t follow/);
      const post = await ctx.microblog.post(a.id, { text: 'blocked cannot reply', source: 'web' });
      await expect(ctx.microblog.post(b.id, { text: 'reply', source: 'web', inReplyToId: post.id })).rejects.toThrow(
        /does not exist/,
      );
      await ctx.microblog.post(b.id, { text: `hey @${a.username}`, source: 'web' });
      expect((await ctx.microblog.notifications(a.id, page(), ['mention'])).length).toBe(0);

      await ctx.microblog.follow(a.id, c.id);
      tick();
      await ctx.microblog.post(c.id, { text: 'muted soon', source: 'web' });
      await ctx.microblog.mute(a.id, c.id);
      expect(await texts(ctx.microblog.homeTimeline(a.id, page()))).not.toContain('muted soon');
      expect(await texts(ctx.microblog.accountTimeline(a.id, c.id, page()))).toContain('muted soon');
      await ctx.microblog.unmute(a.id, c.id);
      expect(await texts(ctx.microblog.homeTimeline(a.id, page()))).toContain('muted soon');
    },
  );

  it.skipIf(skip)(
    'builds home timelines by fan-out, and merges accounts above the fan-out limit at read time',
    async () => {
      const reader = await account('reader');
      const normal = await account('normal');
      const celebrity = await account('celebrity');
      for (let i = 0; i < 3; i += 1) await ctx.microblog.follow((await account('fan')).id, celebrity.id); // 3 > limit of 2
      await ctx.microblog.follow(reader.id, normal.id);
      await ctx.microblog.follow(reader.id, celebrity.id);
      tick();
      await ctx.microblog.post(normal.id, { text: 'fanned out', source: 'web' });
      tick();
      await ctx.microblog.post(celebrity.id, { text: 'pulled at read time', source: 'web' });
      tick();
      await ctx.microblog.post(reader.id, { text: 'my own', source: 'web' });
      (ctx.clock as ManualClock).advance(31_000); // the list of accounts merged at read time is refreshed every 30 s
      const celebrityFeedRows = await ctx.store.db
        .selectFrom('home_feed')
        .select('account_id')
        .where('author_id', '=', celebrity.id)
        .execute();
      expect(celebrityFeedRows.map((r) => r.account_id)).toEqual([celebrity.id]); // only the author's own feed
      expect(await texts(ctx.microblog.homeTimeline(reader.id, page()))).toEqual([
        'my own',
        'pulled at read time',
        'fanned out',
      ]);

      await ctx.microblog.unfollow(reader.id, normal.id);
      await ctx.microblog.unfollow(reader.id, celebrity.id);
      expect(await texts(ctx.microblog.homeTimeline(reader.id, page()))).toEqual(['my own']);
      // Following again brings recent posts back.
      await ctx.microblog.follow(reader.id, normal.id);
      expect(await texts(ctx.microblog.homeTimeline(reader.id, page()))).toContain('fanned out');
    },
  );

  it.skipIf(skip)('paginates without gaps or repeats, in both directions', async () => {
    const reader = await account('pager');
    const author = await account('prolific');
    await ctx.microblog.follow(reader.id, author.id);
    const ids: string[] = [];
    for (let i = 0; i < 45; i += 1) {
      tick();
      ids.push((await ctx.microblog.post(author.id, { text: `post ${i}`, source: 'web' })).id);
    }
    const seen: string[] = [];
    let maxId: string | undefined;
    for (;;) {
      const batch = await ctx.microblog.homeTimeline(reader.id, page({ limit: 7, maxId }));
      if (batch.length === 0) break;
      seen.push(...batch.map((v) => v.post.id));
      maxId = batch.at(-1)!.post.id;
    }
    expect(seen).toEqual([...ids].reverse());
    const newer = await ctx.microblog.homeTimeline(reader.id, page({ limit: 5, minId: ids[9] }));
    expect(newer.map((v) => v.post.id)).toEqual(ids.slice(10, 15).reverse());
    const since = await ctx.microblog.homeTimeline(reader.id, page({ limit: 5, sinceId: ids[40] }));
    expect(since.map((v) => v.post.id)).toEqual(ids.slice(41).reverse());
  });

  it.skipIf(skip)('removes deleted posts everywhere and trims feeds to their length', async () => {
    const reader = await account('trim');
    const author = await account('deleter');
    await ctx.microblog.follow(reader.id, author.id);
    const doomed = await ctx.microblog.post(author.id, { text: 'doomed', source: 'web' });
    await ctx.microblog.deletePost(author.id, doomed.id);
    expect(await texts(ctx.microblog.homeTimeline(reader.id, page()))).not.toContain('doomed');
    await expect(
      ctx.microblog.deletePost(
        reader.id,
        (await ctx.microblog.post(author.id, { text: 'not yours', source: 'web' })).id,
      ),
    ).rejects.toThrow(/only delete your own/);
    // The feed keeps at most SPARROW_HOME_FEED_LENGTH (40 here, the minimum) entries after maintenance.
    for (let i = 0; i < 45; i += 1) await ctx.microblog.post(author.id, { text: `filler ${i}`, source: 'web' });
    const trimmed = await ctx.maintenance();
    expect(trimmed.homeFeedEntriesTrimmed).toBeGreaterThan(0);
    const rows = await ctx.store.db
      .selectFrom('home_feed')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', reader.id)
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBeLessThanOrEqual(ctx.config.homeFeedLength);
  });

  it.skipIf(skip)('keeps private and direct posts to their audiences', async () => {
    const a = await account();
    const follower = await account();
    const stranger = await account();
    const friend = await account();
    await ctx.microblog.follow(follower.id, a.id);
    const priv = await ctx.microblog.post(a.id, { text: 'followers only', source: 'web', visibility: 'private' });
    const dm = await ctx.microblog.post(a.id, {
      text: `@${friend.username} secret`,
      source: 'web',
      visibility: 'direct',
    });
    expect(await texts(ctx.microblog.publicTimeline(null, page({ limit: 40 })))).not.toContain('followers only');
    expect(await texts(ctx.microblog.accountTimeline(stranger.id, a.id, page()))).not.toContain('followers only');
    expect(await texts(ctx.microblog.accountTimeline(follower.id, a.id, page()))).toContain('followers only');
    await expect(ctx.microblog.visiblePost(stranger.id, priv.id)).rejects.toThrow();
    await expect(ctx.microblog.visiblePost(follower.id, dm.id)).rejects.toThrow();
    expect((await ctx.microblog.visiblePost(friend.id, dm.id)).id).toBe(dm.id);
    expect(await texts(ctx.microblog.directMessages(friend.id, page()))).toEqual([`@${friend.username} secret`]);
    expect(await texts(ctx.microblog.homeTimeline(follower.id, page()))).not.toContain(`@${friend.username} secret`);
  });
});
