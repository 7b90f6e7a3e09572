import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Post, PostView, Visibility } from '../../src/core/index.ts';
import { DomainError } from '../../src/shared/errors.ts';
import { ENGINES } from '../helpers/context.ts';
import { coreHarness, type CoreHarness } from './helpers.ts';

/**
 * The home timeline read (which skips work when a page needs none: no audience check beyond
 * the list when every post is within its audience, no copies when nothing is hidden or
 * filtered) shows exactly the feed entries that the single-post path shows the viewer: for
 * random follows, posts of every visibility, mentions, boosts, and afterwards unfollows,
 * blocks either way, mutes, a suspension and a warn or hide filter. The single post is
 * `postView(viewer, id, 'home')` (audience and blocks by `canView`, suspension, the viewer's
 * home filters); mutes and blocks of a boosted author are the home timeline's own rule, as is
 * a followers-only boost of the viewer's own post reaching them.
 */
const visibilities: Visibility[] = ['public', 'unlisted', 'private', 'direct'];

const scenario = fc.record({
  follows: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  posts: fc.array(
    fc.record({
      author: fc.integer({ min: 0, max: 3 }),
      visibility: fc.constantFrom(...visibilities),
      mentionsViewer: fc.boolean(),
      spoon: fc.boolean(),
      boostOf: fc.option(fc.nat(), { nil: null }),
      // An entry in the viewer's feed whatever the fan-out decided (one written under an older
      // rule, or before a follow ended): the read must still hold it to the audience rules.
      stale: fc.boolean(),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  after: fc.array(
    fc.record({
      other: fc.integer({ min: 1, max: 3 }),
      change: fc.constantFrom('unfollow', 'block', 'blockedBy', 'mute', 'suspend'),
    }),
    { maxLength: 3 },
  ),
  filter: fc.constantFrom(null, 'warn' as const, 'hide' as const),
});

describe.each(ENGINES)('home read rules on $label', ({ name, skip }) => {
  let h: CoreHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await coreHarness(name);
  });
  afterAll(async () => h?.ctx.dispose());

  it.skipIf(skip)(
    'home shows what the single-post path shows, for random graphs, posts and rules',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const mb = h.ctx.microblog;
          const viewer = await h.account('hv');
          const others = [await h.account('ha'), await h.account('hb'), await h.account('hc')];
          const people: Account[] = [viewer, ...others];
          for (let i = 0; i < 3; i += 1) if (s.follows[i]) await mb.follow(viewer.id, others[i]!.id);
          if (s.filter) {
            await h.ctx.filters.create(viewer.id, {
              title: 'Spoons',
              context: ['home'],
              action: s.filter,
              keywords: [{ keyword: 'spoon', wholeWord: true }],
            });
          }
          const written: Post[] = [];
          const staleWanted = new Set<string>();
          for (const p of s.posts) {
            const before = written.length;
            const author = people[p.author]!;
            h.clock.advance(1);
            if (p.boostOf !== null && written.length > 0) {
              const target = written[p.boostOf % written.length]!;
              try {
                written.push(
                  await mb.reblog(author.id, target.id, 'web', p.visibility === 'private' ? 'private' : 'public'),
                );
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
              }
            } else {
              const text = `${p.mentionsViewer && author !== viewer ? `@${viewer.username} ` : ''}${p.spoon ? 'a spoon' : 'a fork'}`;
              written.push(await h.post(author, text, { visibility: p.visibility }));
            }
            if (p.stale && written.length > before) staleWanted.add(written.at(-1)!.id);
          }
          // Suspensions last: a suspended account takes no new follows, blocks or mutes.
          const changes = [...s.after].sort((a, b) => Number(a.change === 'suspend') - Number(b.change === 'suspend'));
          for (const { other, change } of changes) {
            const target = people[other]!;
            if (change === 'unfollow') await mb.unfollow(viewer.id, target.id);
            else if (change === 'block') await mb.block(viewer.id, target.id);
            else if (change === 'blockedBy') await mb.block(target.id, viewer.id);
            else if (change === 'mute') await mb.mute(viewer.id, target.id);
            else await mb.setSuspended(target.id, true);
          }

          const inFeed = new Set(
            (
              await h.ctx.store.db
                .selectFrom('home_feed')
                .select('post_id')
                .where('account_id', '=', viewer.id)
                .execute()
            ).map((r) => r.post_id),
          );
          // A boost asked twice answers the same post: each post once.
          const stale = [...new Map(written.map((p) => [p.id, p])).values()].filter(
            (p) => staleWanted.has(p.id) && !inFeed.has(p.id),
          );
          if (stale.length > 0)
            await h.ctx.store.db
              .insertInto('home_feed')
              .values(stale.map((p) => ({ account_id: viewer.id, post_id: p.id, author_id: p.accountId })))
              .execute();
          const feed = (
            await h.ctx.store.db
              .selectFrom('home_feed')
              .select('post_id')
              .where('account_id', '=', viewer.id)
              .orderBy('post_id', 'desc')
              .execute()
          ).map((r) => r.post_id);
          const hidden = new Set(
            (
              await mb.relationships(
                viewer.id,
                others.map((o) => o.id),
              )
            )
              .filter((r) => r.blocking || r.blockedBy || r.muting)
              .map((r) => r.id),
          );
          const expected: string[] = [];
          for (const id of feed) {
            const post = written.find((p) => p.id === id)!;
            if (hidden.has(post.accountId)) continue;
            const original = post.reblogOfId ? written.find((p) => p.id === post.reblogOfId)! : null;
            if (original && hidden.has(original.accountId)) continue;
            let view: PostView | null;
            try {
              view = await mb.postView(viewer.id, id, 'home');
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              // A followers-only boost of the viewer's own post reaches them all the same (and the
              // viewer's own posts are never filtered).
              view = original?.accountId === viewer.id ? ((await mb.postViews(viewer.id, [id]))[0] ?? null) : null;
            }
            if (view) expected.push(`${id}${view.filtered?.length ? ' filtered' : ''}`);
          }
          const home = await mb.homeTimeline(viewer.id, h.page({ limit: 40 }));
          expect(home.map((v) => `${v.post.id}${v.filtered?.length ? ' filtered' : ''}`)).toEqual(expected);
        }),
        { numRuns: name === 'sqlite' ? 60 : 20 },
      );
    },
    120_000,
  );
});
