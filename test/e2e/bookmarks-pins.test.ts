import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * Bookmarks, pins and favourited_by / reblogged_by (issue 12), driven through masto.js and
 * raw HTTP against a real server, on both engines.
 */

interface Person {
  id: string;
  token: string;
  rest: mastodon.rest.Client;
}

async function collect<T>(paginator: AsyncIterable<T[]>, maxPages = 20): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of paginator) {
    pages.push(page);
    if (pages.length >= maxPages) break;
  }
  return pages;
}

describe.each(ENGINES)('bookmarks, pins and who favourited or boosted, on $label', ({ name, skip }) => {
  let server: RunningServer;
  let counter = 0;

  const person = async (username: string, scopes = ['read', 'write', 'follow']): Promise<Person> => {
    const account = await server.ctx.microblog.createAccount({ username });
    const issued = await server.ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
    return {
      id: account.id,
      token: issued.accessToken,
      rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }),
    };
  };
  const fresh = (base: string) => `${base}${++counter}`;
  const get = (path: string, token?: string) =>
    fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  /** Follows `rel="next"` links from the first page until an empty page, returning each page's ids. */
  const followPages = async (path: string, token: string): Promise<string[][]> => {
    const pages: string[][] = [];
    let url: string | undefined = `${server.url}${path}`;
    while (url && pages.length < 10) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const ids = ((await response.json()) as { id: string }[]).map((a) => a.id);
      if (ids.length === 0) break;
      pages.push(ids);
      url = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return pages;
  };

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)('bookmarks a post, shows it in the list paged by bookmark id, and removes it', async () => {
    const reader = await person(fresh('reader'));
    const author = await person(fresh('author'));
    await reader.rest.v1.accounts.$select(author.id).follow();
    const posts: string[] = [];
    for (let i = 0; i < 4; i++) posts.push((await author.rest.v1.statuses.create({ status: `post ${i}` })).id);

    // Saved oldest post last: the list follows bookmark order, not post order.
    const order = [posts[1]!, posts[2]!, posts[0]!];
    for (const id of order) {
      const saved = await reader.rest.v1.statuses.$select(id).bookmark();
      expect([saved.id, saved.bookmarked]).toEqual([id, true]);
    }
    // Bookmarking again changes nothing.
    expect((await reader.rest.v1.statuses.$select(posts[0]!).bookmark()).bookmarked).toBe(true);

    const pages = await collect(reader.rest.v1.bookmarks.list({ limit: 2 }));
    expect(pages[0]!.length).toBe(2);
    expect(pages.flat().map((s) => s.id)).toEqual([...order].reverse());
    expect(pages.flat().every((s) => s.bookmarked)).toBe(true);

    // The Link cursor is the bookmark id: paging by post id would skip or repeat posts.
    const first = await get('/api/v1/bookmarks?limit=1', reader.token);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeTruthy();
    expect(new URL(next!).searchParams.get('max_id')).not.toBe(posts[0]);
    const second = (await (await fetch(next!, { headers: { authorization: `Bearer ${reader.token}` } })).json()) as {
      id: string;
    }[];
    expect(second.map((s) => s.id)).toEqual([posts[2]]);

    // `bookmarked` is the viewer's own: set everywhere the reader sees the post, never for others.
    const home = await reader.rest.v1.timelines.home.list({ limit: 10 });
    expect(Object.fromEntries(home.map((s) => [s.id, s.bookmarked]))).toEqual({
      [posts[0]!]: true,
      [posts[1]!]: true,
      [posts[2]!]: true,
      [posts[3]!]: false,
    });
    expect((await reader.rest.v1.statuses.$select(posts[1]!).fetch()).bookmarked).toBe(true);
    expect((await author.rest.v1.statuses.$select(posts[1]!).fetch()).bookmarked).toBe(false);
    expect((await author.rest.v1.bookmarks.list()).length).toBe(0);

    const removed = await reader.rest.v1.statuses.$select(posts[1]!).unbookmark();
    expect([removed.id, removed.bookmarked]).toEqual([posts[1], false]);
    expect((await reader.rest.v1.bookmarks.list()).map((s) => s.id)).toEqual([posts[0], posts[2]]);

    // A boost bookmarks the boosted post, shown inside the boost too.
    const booster = await person(fresh('booster'));
    await reader.rest.v1.accounts.$select(booster.id).follow();
    const boost = await booster.rest.v1.statuses.$select(posts[3]!).reblog();
    const savedViaBoost = await reader.rest.v1.statuses.$select(boost.id).bookmark();
    expect([savedViaBoost.id, savedViaBoost.bookmarked]).toEqual([posts[3], true]);
    const boostSeen = await reader.rest.v1.statuses.$select(boost.id).fetch();
    expect([boostSeen.id, boostSeen.reblog?.id, boostSeen.reblog?.bookmarked]).toEqual([boost.id, posts[3], true]);

    // A deleted post leaves the list.
    await author.rest.v1.statuses.$select(posts[3]!).remove();
    expect((await reader.rest.v1.bookmarks.list()).map((s) => s.id)).toEqual([posts[0], posts[2]]);
  });

  it.skipIf(skip)(
    'never shows a bookmark its owner may no longer see, and cannot save one it never could',
    async () => {
      const reader = await person(fresh('reader'));
      const author = await person(fresh('author'));
      const stranger = await person(fresh('stranger'));
      await reader.rest.v1.accounts.$select(author.id).follow();
      const secret = await author.rest.v1.statuses.create({ status: 'followers only', visibility: 'private' });
      const open = await author.rest.v1.statuses.create({ status: 'for everyone' });
      await reader.rest.v1.statuses.$select(secret.id).bookmark();
      await reader.rest.v1.statuses.$select(open.id).bookmark();
      expect((await reader.rest.v1.bookmarks.list()).map((s) => s.id)).toEqual([open.id, secret.id]);

      // A stranger cannot bookmark (or learn about) a followers-only post.
      const probe = await fetch(`${server.url}/api/v1/statuses/${secret.id}/bookmark`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stranger.token}` },
      });
      expect(probe.status).toBe(404);
      expect((await stranger.rest.v1.bookmarks.list()).length).toBe(0);

      // The follow ends: the followers-only post leaves the reader's bookmarks.
      await reader.rest.v1.accounts.$select(author.id).unfollow();
      expect((await reader.rest.v1.bookmarks.list()).map((s) => s.id)).toEqual([open.id]);

      // The author blocks the reader: nothing of theirs is shown any more.
      await author.rest.v1.accounts.$select(reader.id).block();
      expect((await reader.rest.v1.bookmarks.list()).map((s) => s.id)).toEqual([]);
      // The bookmark can still be removed, without showing the post again.
      const unsaved = await fetch(`${server.url}/api/v1/statuses/${open.id}/unbookmark`, {
        method: 'POST',
        headers: { authorization: `Bearer ${reader.token}` },
      });
      expect(unsaved.status).toBe(404);
      await author.rest.v1.accounts.$select(reader.id).unblock();
      expect((await reader.rest.v1.bookmarks.list()).map((s) => s.id)).toEqual([]);

      // The list needs a token with the bookmarks scope.
      expect((await get('/api/v1/bookmarks')).status).toBe(401);
      const narrow = await person(fresh('narrow'), ['read:statuses']);
      expect((await get('/api/v1/bookmarks', narrow.token)).status).toBe(403);
    },
  );

  it.skipIf(skip)('lists who favourited and who boosted a post, newest first, page by page', async () => {
    const author = await person(fresh('author'));
    const fans = [await person(fresh('fan')), await person(fresh('fan')), await person(fresh('fan'))];
    const post = await author.rest.v1.statuses.create({ status: 'like me' });
    for (const fan of fans) {
      await fan.rest.v1.statuses.$select(post.id).favourite();
      await fan.rest.v1.statuses.$select(post.id).reblog();
    }
    const newestFirst = fans.map((f) => f.id).reverse();

    const favPages = await followPages(`/api/v1/statuses/${post.id}/favourited_by?limit=2`, author.token);
    expect(favPages.map((p) => p.length)).toEqual([2, 1]);
    expect(favPages.flat()).toEqual(newestFirst);
    const boostPages = await followPages(`/api/v1/statuses/${post.id}/reblogged_by?limit=2`, author.token);
    expect(boostPages.flat()).toEqual(newestFirst);
    expect((await author.rest.v1.statuses.$select(post.id).rebloggedBy.list()).map((a) => a.id)).toEqual(newestFirst);

    // Without a token, for a public post; through a boost's id, the boosted post's lists.
    const anonymous = await get(`/api/v1/statuses/${post.id}/favourited_by`);
    expect(anonymous.status).toBe(200);
    expect(((await anonymous.json()) as { id: string }[]).map((a) => a.id)).toEqual(newestFirst);
    const boosts = await author.rest.v1.notifications.list({ types: ['reblog'] });
    expect(boosts.length).toBe(3);
    const boostId = (await fans[0]!.rest.v1.accounts.$select(fans[0]!.id).statuses.list())[0]!.id;
    expect((await author.rest.v1.statuses.$select(boostId).favouritedBy.list()).map((a) => a.id)).toEqual(newestFirst);

    // Blocked either way: the blocked account is left out of the viewer's lists.
    await author.rest.v1.accounts.$select(fans[1]!.id).block();
    const afterBlock = newestFirst.filter((id) => id !== fans[1]!.id);
    expect((await author.rest.v1.statuses.$select(post.id).favouritedBy.list()).map((a) => a.id)).toEqual(afterBlock);
    expect((await author.rest.v1.statuses.$select(post.id).rebloggedBy.list()).map((a) => a.id)).toEqual(afterBlock);
    expect((await get(`/api/v1/statuses/${post.id}/favourited_by`, fans[1]!.token)).status).toBe(404);
  });

  it.skipIf(skip)('keeps who liked or boosted a followers-only post or boost to its audience', async () => {
    const author = await person(fresh('author'));
    const follower = await person(fresh('follower'));
    const stranger = await person(fresh('stranger'));
    await follower.rest.v1.accounts.$select(author.id).follow();
    const secret = await author.rest.v1.statuses.create({ status: 'followers only', visibility: 'private' });
    await follower.rest.v1.statuses.$select(secret.id).favourite();
    expect((await follower.rest.v1.statuses.$select(secret.id).favouritedBy.list()).map((a) => a.id)).toEqual([
      follower.id,
    ]);
    for (const path of ['favourited_by', 'reblogged_by']) {
      expect((await get(`/api/v1/statuses/${secret.id}/${path}`, stranger.token)).status).toBe(404);
      expect((await get(`/api/v1/statuses/${secret.id}/${path}`)).status).toBe(404);
    }

    // A followers-only boost of a public post is listed only to the booster's followers.
    const open = await author.rest.v1.statuses.create({ status: 'public' });
    const quietBooster = await person(fresh('quiet'));
    const fanOfBooster = await person(fresh('fanofquiet'));
    await fanOfBooster.rest.v1.accounts.$select(quietBooster.id).follow();
    await quietBooster.rest.v1.statuses.$select(open.id).reblog({ visibility: 'private' });
    const seenBy = async (who: Person | null) => {
      const response = await get(`/api/v1/statuses/${open.id}/reblogged_by`, who?.token);
      return ((await response.json()) as { id: string }[]).map((a) => a.id);
    };
    expect(await seenBy(fanOfBooster)).toEqual([quietBooster.id]);
    expect(await seenBy(quietBooster)).toEqual([quietBooster.id]);
    expect(await seenBy(author)).toEqual([quietBooster.id]);
    expect(await seenBy(stranger)).toEqual([]);
    expect(await seenBy(null)).toEqual([]);
  });

  it.skipIf(skip)('pins up to five own public or unlisted posts and shows them on the profile', async () => {
    const owner = await person(fresh('owner'));
    const other = await person(fresh('other'));
    const posts: string[] = [];
    for (let i = 0; i < 6; i++) {
      posts.push(
        (await owner.rest.v1.statuses.create({ status: `pin me ${i}`, visibility: i % 2 ? 'unlisted' : 'public' })).id,
      );
    }
    for (const id of posts.slice(0, 5)) {
      const pinned = await owner.rest.v1.statuses.$select(id).pin();
      expect([pinned.id, pinned.pinned]).toEqual([id, true]);
    }
    await expect(owner.rest.v1.statuses.$select(posts[5]!).pin()).rejects.toThrow(/at most 5/);
    // Pinning again is not a sixth pin.
    expect((await owner.rest.v1.statuses.$select(posts[0]!).pin()).pinned).toBe(true);

    const pinnedIds = async (viewer: Person | null) => {
      const response = await get(`/api/v1/accounts/${owner.id}/statuses?pinned=true`, viewer?.token);
      expect(response.status).toBe(200);
      return ((await response.json()) as { id: string; pinned: boolean }[]).map((s) => [s.id, s.pinned]);
    };
    expect(await pinnedIds(owner)).toEqual(
      posts
        .slice(0, 5)
        .reverse()
        .map((id) => [id, true]),
    );
    // Others see the pins; `pinned` is only ever set for the owner, as in Mastodon.
    expect(await pinnedIds(other)).toEqual(
      posts
        .slice(0, 5)
        .reverse()
        .map((id) => [id, false]),
    );
    expect(await pinnedIds(null)).toEqual(
      posts
        .slice(0, 5)
        .reverse()
        .map((id) => [id, false]),
    );
    const viaMasto = await other.rest.v1.accounts.$select(owner.id).statuses.list({ pinned: true });
    expect(viaMasto.length).toBe(5);

    const unpinned = await owner.rest.v1.statuses.$select(posts[2]!).unpin();
    expect([unpinned.id, unpinned.pinned]).toEqual([posts[2], false]);
    await owner.rest.v1.statuses.$select(posts[1]!).remove();
    expect((await pinnedIds(owner)).map(([id]) => id)).toEqual([posts[4], posts[3], posts[0]]);
    expect((await owner.rest.v1.statuses.$select(posts[5]!).pin()).pinned).toBe(true);

    // Someone else's post, a boost, a followers-only or direct post cannot be pinned.
    const theirs = await other.rest.v1.statuses.create({ status: 'not yours' });
    await expect(owner.rest.v1.statuses.$select(theirs.id).pin()).rejects.toThrow(/own posts/);
    const boost = await owner.rest.v1.statuses.$select(theirs.id).reblog();
    await expect(owner.rest.v1.statuses.$select(boost.id).pin()).rejects.toThrow(/Boosts/);
    await owner.rest.v1.statuses.$select(posts[5]!).unpin();
    for (const visibility of ['private', 'direct'] as const) {
      const hidden = await owner.rest.v1.statuses.create({ status: `${visibility} one`, visibility });
      await expect(owner.rest.v1.statuses.$select(hidden.id).pin()).rejects.toThrow(/public and unlisted/);
    }
    // A blocked viewer sees no pins.
    await owner.rest.v1.accounts.$select(other.id).block();
    expect(await pinnedIds(other)).toEqual([]);
  });
});
