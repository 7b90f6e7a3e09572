import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Page, Visibility } from '../../src/core/index.ts';
import type { MicroblogStore } from '../../src/core/ports.ts';
import { DomainError } from '../../src/shared/errors.ts';
import { applyPage, newestFirst } from '../../src/store/paging.ts';
import { ENGINES, redisUrl } from '../helpers/context.ts';
import { coreHarness, type CoreHarness } from './helpers.ts';

/**
 * The viewer's 40 newest home feed entries kept in memory (`homeFeed` in
 * src/store/microblog-store.ts): across random sequences of posts and boosts fanned out to
 * followers, follows (backfill) and unfollows, blocks and unblocks, deleted posts and trimmed
 * feeds, every page — any limit and cursor — read twice (the first may fill the head, the
 * second is cut from it) is the page the statement reads from `home_feed`.
 */
const VIEWERS = 3;
const ACCOUNTS = 7;

type Action =
  | { kind: 'post'; author: number; visibility: Visibility; reply: boolean }
  | { kind: 'boost'; booster: number; post: number }
  | { kind: 'follow' | 'unfollow' | 'block' | 'unblock'; viewer: number; target: number }
  | { kind: 'delete'; post: number }
  | { kind: 'trim' };

/** A cursor: none, an entry of the viewer's feed (by position), any post, or past either end. */
type Cursor = { at: 'feed' | 'post'; index: number } | { at: 'edge'; id: string } | null;

describe.each(ENGINES)('the home head on $label', ({ name, skip }) => {
  // PostgreSQL keeps the entity cache only with Redis (to hear other instances).
  const unavailable = skip || (name === 'postgres' && !redisUrl);
  let h: CoreHarness;
  let accounts: Account[];
  /** Posts still there, oldest first. */
  const posts: { id: string; authorId: string }[] = [];
  beforeAll(async () => {
    if (unavailable) return;
    h = await coreHarness(name, name === 'postgres' ? { SPARROW_REDIS_URL: redisUrl! } : {});
    accounts = [];
    for (let i = 0; i < ACCOUNTS; i += 1) accounts.push(await h.account(i < VIEWERS ? 'viewer' : 'author'));
    // Viewer 0 follows everyone, viewer 1 the first two authors, viewer 2 nobody yet.
    for (let j = 1; j < ACCOUNTS; j += 1) await h.ctx.microblog.follow(accounts[0]!.id, accounts[j]!.id);
    for (const j of [VIEWERS, VIEWERS + 1]) await h.ctx.microblog.follow(accounts[1]!.id, accounts[j]!.id);
    // Feeds longer than a head, so that pages reach past it.
    for (let i = 0; i < 55; i += 1) await write(VIEWERS + (i % 3), 'public', false);
  });
  afterAll(async () => h?.ctx.dispose());

  /** The store the domain reads through, with the app's entity cache. */
  const store = () => (h.ctx.microblog as unknown as { store: MicroblogStore & { cache: unknown } }).store;

  async function write(author: number, visibility: Visibility, reply: boolean): Promise<void> {
    const inReplyTo = reply ? posts.at(-1) : undefined;
    const post = await h.post(accounts[author]!, `post ${posts.length}`, {
      visibility,
      ...(inReplyTo ? { inReplyToId: inReplyTo.id } : {}),
    });
    posts.push({ id: post.id, authorId: post.accountId });
  }

  /** Domain refusals (following someone blocked, boosting a post one cannot see) are no failures. */
  const allowRefusal = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  };

  async function apply(action: Action): Promise<void> {
    const account = (i: number) => accounts[i % ACCOUNTS]!;
    const m = h.ctx.microblog;
    switch (action.kind) {
      case 'post':
        return allowRefusal(() => write(action.author, action.visibility, action.reply));
      case 'boost': {
        const target = posts[action.post % Math.max(1, posts.length)];
        if (!target) return;
        return allowRefusal(async () => {
          const boost = await m.reblog(account(action.booster).id, target.id, 'web');
          posts.push({ id: boost.id, authorId: boost.accountId });
        });
      }
      case 'delete': {
        const target = posts[action.post % Math.max(1, posts.length)];
        if (!target) return;
        // Its boosts go with it: found before it is deleted (afterwards they are gone too, and a
        // later delete of one, still listed here, would be refused as not found).
        const gone = new Set([target.id]);
        for (const p of await h.ctx.store.db
          .selectFrom('posts')
          .select('id')
          .where('reblog_of_id', '=', target.id)
          .execute())
          gone.add(p.id);
        await m.deletePost(target.authorId, target.id);
        for (let i = posts.length - 1; i >= 0; i -= 1) if (gone.has(posts[i]!.id)) posts.splice(i, 1);
        return;
      }
      case 'trim':
        await store().trimHomeFeeds(45);
        return;
      default: {
        const viewer = account(action.viewer);
        const target = account(action.target);
        if (viewer.id === target.id) return;
        return allowRefusal(() => m[action.kind](viewer.id, target.id));
      }
    }
  }

  /** What the statement reads for a page of a viewer's feed. */
  const statement = async (viewerId: string, page: Page) =>
    newestFirst(
      await applyPage(
        h.ctx.store.db
          .selectFrom('home_feed')
          .select(['post_id as postId', 'author_id as authorId'])
          .where('account_id', '=', viewerId),
        'post_id',
        page,
      ).execute(),
      page,
    );

  async function check(viewer: number, limit: number, cursors: Record<'maxId' | 'sinceId' | 'minId', Cursor>) {
    const viewerId = accounts[viewer]!.id;
    const feed = (await statement(viewerId, { limit: 1000 })).map((e) => e.postId);
    const idOf = (cursor: Cursor): string | undefined => {
      if (!cursor) return undefined;
      if (cursor.at === 'edge') return cursor.id;
      const ids = cursor.at === 'feed' ? feed : posts.map((p) => p.id);
      return ids.length > 0 ? ids[cursor.index % ids.length] : undefined;
    };
    const page: Page = { limit };
    for (const key of ['maxId', 'sinceId', 'minId'] as const) {
      const id = idOf(cursors[key]);
      if (id) page[key] = id;
    }
    const expected = await statement(viewerId, page);
    // Twice: the first read may fill the head, the second is answered from it.
    for (let read = 0; read < 2; read += 1) expect(await store().homeFeed(viewerId, page)).toEqual(expected);
  }

  const cursor = fc.oneof(
    fc.constant(null),
    fc.record({ at: fc.constantFrom('feed' as const, 'post' as const), index: fc.nat({ max: 100 }) }),
    fc.record({ at: fc.constant('edge' as const), id: fc.constantFrom('0', '99999999999999999999') }),
  );
  const account = fc.nat({ max: ACCOUNTS - 1 });
  const viewer = fc.nat({ max: VIEWERS - 1 });
  const action: fc.Arbitrary<Action> = fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('post' as const),
        author: account,
        visibility: fc.constantFrom<Visibility>('public', 'unlisted', 'private', 'direct'),
        reply: fc.boolean(),
      }),
      weight: 6,
    },
    { arbitrary: fc.record({ kind: fc.constant('boost' as const), booster: account, post: fc.nat() }), weight: 1 },
    {
      arbitrary: fc.record({
        kind: fc.constantFrom('follow' as const, 'unfollow' as const, 'block' as const, 'unblock' as const),
        viewer,
        target: account,
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), post: fc.nat() }), weight: 2 },
    { arbitrary: fc.constant({ kind: 'trim' as const }), weight: 1 },
  );
  const step = fc.record({
    action,
    viewer,
    limit: fc.oneof(fc.integer({ min: 1, max: 45 }), fc.constant(20)),
    cursors: fc.record({
      maxId: fc.oneof(fc.constant(null), cursor),
      sinceId: fc.oneof(fc.constant(null), fc.constant(null), cursor),
      minId: fc.oneof(fc.constant(null), fc.constant(null), cursor),
    }),
  });

  it.skipIf(unavailable)("keeps the heads of viewers a post does not reach, and reads the others' again", async () => {
    const [everyone, two, none] = accounts.slice(0, VIEWERS).map((a) => a.id) as [string, string, string];
    await write(2, 'public', false);
    const read = () => Promise.all([everyone, two, none].map((id) => store().homeFeed(id, { limit: 20 })));
    const before = await read();
    // Followed by viewer 0 only.
    await write(VIEWERS + 2, 'public', false);
    const after = await read();
    expect(after[0]![0]!.postId).toBe(posts.at(-1)!.id);
    expect(after[0]![1]).not.toBe(before[0]![0]);
    // The same entries, kept in memory.
    expect(after[1]![0]).toBe(before[1]![0]);
    expect(after[2]![0]).toBe(before[2]![0]);
  });

  it.skipIf(unavailable)(
    'answers every page as the statement does, across fan-out, follows, blocks and deletes',
    async () => {
      expect(store().cache).not.toBeNull();
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          for (const { action, viewer, limit, cursors } of steps) {
            await apply(action);
            // Every viewer's first page (warm heads for the next write), then the step's own page.
            for (let v = 0; v < VIEWERS; v += 1) await check(v, 20, { maxId: null, sinceId: null, minId: null });
            await check(viewer, limit, cursors);
          }
        }),
        { numRuns: name === 'postgres' ? 15 : 30 },
      );
    },
  );
});
