import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * Search, hashtags and trends (issue 12) through masto.js and raw HTTP against a real server,
 * on both engines, including the privacy attacks: what a search or a tag timeline must never
 * show to someone a post was not addressed to.
 */

interface Person {
  id: string;
  username: string;
  token: string;
  rest: mastodon.rest.Client;
}

describe.each(ENGINES)('search, hashtags and trends, on $label', ({ name, skip }) => {
  let server: RunningServer;
  let counter = 0;

  const person = async (base: string, scopes = ['read', 'write', 'follow']): Promise<Person> => {
    const username = `${base}${++counter}`;
    const account = await server.ctx.microblog.createAccount({ username, displayName: `${base} Person` });
    const issued = await server.ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
    return {
      id: account.id,
      username,
      token: issued.accessToken,
      rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }),
    };
  };
  const word = (base: string) => `${base}${++counter}x${Math.random().toString(36).slice(2, 7)}`;
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${server.url}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON, checked by the assertions
    return { status: response.status, body: (await response.json()) as any, link: response.headers.get('link') };
  };

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)('parses hashtags into the status, links them in content, and finds them by tag', async () => {
    const author = await person('tagger');
    const tag = word('Cats');
    const status = await author.rest.v1.statuses.create({
      status: `Look #${tag} and #${tag.toLowerCase()} x#no https://e.com/#frag #2024`,
    });
    expect(status.tags).toEqual([{ name: tag, url: `${server.url}/tags/${tag}` }]);
    expect(status.content).toContain(
      `<a href="${server.url}/tags/${tag}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`,
    );
    expect(status.content).not.toContain('tags/no');
    expect(status.content).not.toContain('tags/frag');

    const timeline = await author.rest.v1.timelines.tag.$select(tag.toUpperCase()).list();
    expect(timeline.map((s) => s.id)).toEqual([status.id]);

    const entity = await author.rest.v1.tags.$select(tag.toLowerCase()).fetch();
    // The spelling first seen is kept; identity is case-insensitive.
    expect(entity.name).toBe(tag);
    expect(entity.history).toHaveLength(7);
    expect(entity.history?.[0]).toMatchObject({ uses: '1', accounts: '1' });
    expect(entity.following).toBe(false);
  });

  it.skipIf(skip)(
    'follows and unfollows a tag; followed tags page with Link headers and feed the home timeline',
    async () => {
      const reader = await person('follower');
      const stranger = await person('stranger');
      const tags = [word('alpha'), word('beta'), word('gamma')];
      for (const t of tags) expect((await reader.rest.v1.tags.$select(t).follow()).following).toBe(true);

      const first = await get('/api/v1/followed_tags?limit=2', reader.token);
      expect(first.body.map((t: { name: string }) => t.name)).toEqual([tags[2], tags[1]]);
      const next = /<([^>]+)>; rel="next"/.exec(first.link ?? '')?.[1];
      expect(next).toBeDefined();
      const second = await fetch(next!, { headers: { authorization: `Bearer ${reader.token}` } });
      expect(((await second.json()) as { name: string }[]).map((t) => t.name)).toEqual([tags[0]]);
      const listed = [];
      for await (const page of reader.rest.v1.followedTags.list({ limit: 2 })) listed.push(...page);
      expect(listed.map((t) => t.name)).toEqual([...tags].reverse());

      // A public post with a followed tag from someone the reader does not follow reaches home.
      const publicPost = await stranger.rest.v1.statuses.create({ status: `hello #${tags[0]}` });
      const unlisted = await stranger.rest.v1.statuses.create({ status: `quiet #${tags[0]}`, visibility: 'unlisted' });
      const privatePost = await stranger.rest.v1.statuses.create({
        status: `secret #${tags[0]}`,
        visibility: 'private',
      });
      const home = (await reader.rest.v1.timelines.home.list({ limit: 20 })).map((s) => s.id);
      expect(home).toContain(publicPost.id);
      expect(home).not.toContain(privatePost.id);
      expect(home).not.toContain(unlisted.id);

      // Muting the author hides it again; unfollowing the tag removes it.
      await reader.rest.v1.accounts.$select(stranger.id).mute();
      expect((await reader.rest.v1.timelines.home.list()).map((s) => s.id)).not.toContain(publicPost.id);
      await reader.rest.v1.accounts.$select(stranger.id).unmute();
      expect((await reader.rest.v1.tags.$select(tags[0]!).unfollow()).following).toBe(false);
      expect((await reader.rest.v1.timelines.home.list()).map((s) => s.id)).not.toContain(publicPost.id);
    },
  );

  it.skipIf(skip)(
    'tag timeline shows public posts only, honours any/all/none, blocks and suspension, and pages',
    async () => {
      const viewer = await person('viewer');
      const author = await person('author');
      const blocked = await person('blocked');
      const suspended = await person('suspended');
      const tag = word('news');
      const other = word('sport');
      const p1 = await author.rest.v1.statuses.create({ status: `one #${tag}` });
      const p2 = await author.rest.v1.statuses.create({ status: `two #${tag} #${other}` });
      const p3 = await author.rest.v1.statuses.create({ status: `three #${other}` });
      const hiddenPrivate = await author.rest.v1.statuses.create({ status: `private #${tag}`, visibility: 'private' });
      const hiddenDirect = await author.rest.v1.statuses.create({
        status: `@${viewer.username} direct #${tag}`,
        visibility: 'direct',
      });
      const hiddenUnlisted = await author.rest.v1.statuses.create({
        status: `unlisted #${tag}`,
        visibility: 'unlisted',
      });
      const byBlocked = await blocked.rest.v1.statuses.create({ status: `blocked #${tag}` });
      const bySuspended = await suspended.rest.v1.statuses.create({ status: `suspended #${tag}` });
      await viewer.rest.v1.accounts.$select(viewer.id === blocked.id ? author.id : blocked.id).block();
      await server.ctx.microblog.setSuspended(suspended.id, true);

      const ids = (await viewer.rest.v1.timelines.tag.$select(tag).list({ limit: 40 })).map((s) => s.id);
      expect(ids).toEqual([p2.id, p1.id]);
      for (const hidden of [hiddenPrivate, hiddenDirect, hiddenUnlisted, byBlocked, bySuspended])
        expect(ids).not.toContain(hidden.id);
      // Signed out: the public posts, the blocked author's too (no viewer to block), never the suspended one.
      const anonymous = (await get(`/api/v1/timelines/tag/${tag}`)).body.map((s: { id: string }) => s.id);
      expect(anonymous).toEqual([byBlocked.id, p2.id, p1.id]);

      expect(
        (await get(`/api/v1/timelines/tag/${tag}?any[]=${other}`, viewer.token)).body.map((s: { id: string }) => s.id),
      ).toEqual([p3.id, p2.id, p1.id]);
      expect(
        (await get(`/api/v1/timelines/tag/${tag}?all[]=${other}`, viewer.token)).body.map((s: { id: string }) => s.id),
      ).toEqual([p2.id]);
      expect(
        (await get(`/api/v1/timelines/tag/${tag}?none[]=${other}`, viewer.token)).body.map((s: { id: string }) => s.id),
      ).toEqual([p1.id]);

      const page1 = await get(`/api/v1/timelines/tag/${tag}?limit=1`, viewer.token);
      expect(page1.body.map((s: { id: string }) => s.id)).toEqual([p2.id]);
      const next = /<([^>]+)>; rel="next"/.exec(page1.link ?? '')?.[1];
      const page2 = await fetch(next!, { headers: { authorization: `Bearer ${viewer.token}` } });
      expect(((await page2.json()) as { id: string }[]).map((s) => s.id)).toEqual([p1.id]);
      const newer = await get(`/api/v1/timelines/tag/${tag}?min_id=${p1.id}`, viewer.token);
      expect(newer.body.map((s: { id: string }) => s.id)).toEqual([p2.id]);
      // Deleting a post takes it out of the tag.
      await author.rest.v1.statuses.$select(p2.id).remove();
      expect((await viewer.rest.v1.timelines.tag.$select(tag).list()).map((s) => s.id)).toEqual([p1.id]);
      expect((await get('/api/v1/timelines/tag/%23%23', viewer.token)).status).toBe(404);
    },
  );

  it.skipIf(skip)('searches accounts by username, display name and handle, and follows from the result', async () => {
    const me = await person('searcher');
    const target = await person('zebrafinch');
    await server.ctx.microblog.updateProfile(target.id, { displayName: 'Quentin Plover' });
    const results = await me.rest.v2.search.list({ q: target.username.slice(0, 8), type: 'accounts' });
    expect(results.accounts.map((a) => a.id)).toContain(target.id);
    expect((await me.rest.v2.search.list({ q: 'quentin plo' })).accounts.map((a) => a.id)).toEqual([target.id]);
    const domain = new URL(server.url).host;
    for (const q of [`@${target.username}`, `${target.username}@${domain}`, `@${target.username}@${domain}`]) {
      expect((await me.rest.v1.accounts.search.list({ q })).map((a) => a.id)).toEqual([target.id]);
    }
    expect(await me.rest.v1.accounts.search.list({ q: `${target.username}@elsewhere.example` })).toEqual([]);
    // resolve=true with the profile URL.
    const resolved = await me.rest.v2.search.list({ q: `${server.url}/@${target.username}`, resolve: true });
    expect(resolved.accounts.map((a) => a.id)).toEqual([target.id]);
    await me.rest.v1.accounts.$select(resolved.accounts[0]!.id).follow();
    expect((await me.rest.v1.accounts.search.list({ q: 'quentin', following: true })).map((a) => a.id)).toEqual([
      target.id,
    ]);
    // Blocked either way and suspended accounts are not found.
    await target.rest.v1.accounts.$select(me.id).block();
    expect((await me.rest.v1.accounts.search.list({ q: target.username })).map((a) => a.id)).not.toContain(target.id);
    const gone = await person('vanishing');
    await server.ctx.microblog.setSuspended(gone.id, true);
    expect((await me.rest.v1.accounts.search.list({ q: gone.username })).length).toBe(0);
    // Signed out: accounts only; resolve and offset need a token.
    const anonymous = await get(`/api/v2/search?q=${gone.username.slice(0, 5)}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.statuses).toEqual([]);
    expect((await get(`/api/v2/search?q=x&resolve=true`)).status).toBe(401);
    expect((await get(`/api/v2/search?q=x&offset=2`)).status).toBe(401);
    expect((await get(`/api/v2/search?q=${'x'.repeat(501)}`, me.token)).status).toBe(422);
    expect((await get(`/api/v2/search`, me.token)).status).toBe(422);
  });

  it.skipIf(skip)('full-text search never reveals a post to someone outside its audience', async () => {
    const author = await person('writer');
    const follower = await person('friend');
    const mentioned = await person('named');
    const stranger = await person('outsider');
    const blocker = await person('blocker');
    await follower.rest.v1.accounts.$select(author.id).follow();
    const secret = word('papaya');
    const pub = await author.rest.v1.statuses.create({ status: `public ${secret} news` });
    const unl = await author.rest.v1.statuses.create({ status: `unlisted ${secret}`, visibility: 'unlisted' });
    const priv = await author.rest.v1.statuses.create({ status: `followers ${secret}`, visibility: 'private' });
    const dm = await author.rest.v1.statuses.create({
      status: `@${mentioned.username} direct ${secret}`,
      visibility: 'direct',
    });
    const find = async (who: Person, q = secret) =>
      (await who.rest.v2.search.list({ q, type: 'statuses', limit: 40 })).statuses.map((s) => s.id).sort();

    expect(await find(author)).toEqual([pub.id, unl.id, priv.id, dm.id].sort());
    expect(await find(follower)).toEqual([pub.id, unl.id, priv.id].sort());
    expect(await find(mentioned)).toEqual([pub.id, unl.id, dm.id].sort());
    expect(await find(stranger)).toEqual([pub.id, unl.id].sort());
    // Every word must match; words in any case and order.
    expect(await find(stranger, `NEWS ${secret.toUpperCase()}`)).toEqual([pub.id]);
    // FTS query syntax in the input is only words.
    expect(await find(stranger, `${secret} OR "x" NEAR(a b) *`)).toEqual([]);
    expect(await find(stranger, `followers ${secret}`)).toEqual([]);
    // The follower stops following: the followers-only post is no longer found.
    await follower.rest.v1.accounts.$select(author.id).unfollow();
    expect(await find(follower)).toEqual([pub.id, unl.id].sort());
    // A block either way hides everything by that author.
    await author.rest.v1.accounts.$select(blocker.id).block();
    expect(await find(blocker)).toEqual([]);
    // account_id narrows to one author; unauthenticated search finds no posts.
    expect(
      (await stranger.rest.v2.search.list({ q: secret, type: 'statuses', accountId: stranger.id })).statuses,
    ).toEqual([]);
    expect((await get(`/api/v2/search?q=${secret}&type=statuses`)).body.statuses).toEqual([]);
    // resolve=true with a post URL: only if the viewer may see it.
    const privUrl = `${server.url}/@${author.username}/${priv.id}`;
    expect((await stranger.rest.v2.search.list({ q: privUrl, resolve: true })).statuses).toEqual([]);
    expect((await author.rest.v2.search.list({ q: privUrl, resolve: true })).statuses.map((s) => s.id)).toEqual([
      priv.id,
    ]);
    // Suspension hides the author's posts from search.
    await server.ctx.microblog.setSuspended(author.id, true);
    expect(await find(stranger)).toEqual([]);
    await server.ctx.microblog.setSuspended(author.id, false);
    // Deleted posts leave the index.
    await author.rest.v1.statuses.$select(pub.id).remove();
    expect(await find(stranger)).toEqual([unl.id]);
  });

  it.skipIf(skip)('search pages statuses with max_id and offset, and finds hashtags by prefix', async () => {
    const author = await person('pager');
    const me = await person('reader');
    const w = word('mango');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await author.rest.v1.statuses.create({ status: `${w} number ${i} #${w}tag` })).id);
    const newest = [...ids].reverse();
    const first = await me.rest.v2.search.list({ q: w, type: 'statuses', limit: 2 });
    expect(first.statuses.map((s) => s.id)).toEqual(newest.slice(0, 2));
    const byOffset = await me.rest.v2.search.list({ q: w, type: 'statuses', limit: 2, offset: 2 });
    expect(byOffset.statuses.map((s) => s.id)).toEqual(newest.slice(2, 4));
    const byMaxId = await me.rest.v2.search.list({ q: w, type: 'statuses', limit: 2, maxId: newest[3] });
    expect(byMaxId.statuses.map((s) => s.id)).toEqual([newest[4]]);
    // min_id: the oldest above it, newest first; since_id: the newest above it.
    const byMinId = await me.rest.v2.search.list({ q: w, type: 'statuses', limit: 2, minId: newest[3] });
    expect(byMinId.statuses.map((s) => s.id)).toEqual([newest[1], newest[2]]);
    const bySinceId = await me.rest.v2.search.list({ q: w, type: 'statuses', limit: 2, sinceId: newest[3] });
    expect(bySinceId.statuses.map((s) => s.id)).toEqual([newest[0], newest[1]]);
    const between = await me.rest.v2.search.list({ q: w, type: 'statuses', maxId: newest[0], sinceId: newest[3] });
    expect(between.statuses.map((s) => s.id)).toEqual([newest[1], newest[2]]);

    const tags = await me.rest.v2.search.list({ q: `#${w.slice(0, -2)}`, type: 'hashtags' });
    expect(tags.hashtags.map((t) => t.name)).toContain(`${w}tag`);
    // A tag only ever used in a followers-only post is not listed to others.
    const hush = word('hush');
    await author.rest.v1.statuses.create({ status: `#${hush}secret`, visibility: 'private' });
    expect((await me.rest.v2.search.list({ q: hush, type: 'hashtags' })).hashtags.map((t) => t.name)).not.toContain(
      `${hush}secret`,
    );
  });

  it.skipIf(skip)('features tags with counts, suggests the most used ones, and lists them on the profile', async () => {
    const me = await person('featurer');
    const t = word('garden');
    const first = await me.rest.v1.statuses.create({ status: `#${t} one` });
    const last = await me.rest.v1.statuses.create({ status: `#${t} two` });
    await me.rest.v1.statuses.create({ status: `#${t} private`, visibility: 'private' });
    const suggestions = await me.rest.v1.featuredTags.suggestions.list();
    expect(suggestions.map((s) => s.name)).toContain(t);
    const featured = await me.rest.v1.featuredTags.create({ name: `#${t}` });
    expect(featured).toMatchObject({ name: t, statusesCount: 2, lastStatusAt: last.createdAt.slice(0, 10) });
    expect(featured.url).toBe(`${server.url}/@${me.username}/tagged/${t}`);
    expect((await me.rest.v1.featuredTags.list()).map((f) => f.id)).toEqual([featured.id]);
    const other = await person('visitor');
    expect((await other.rest.v1.accounts.$select(me.id).featuredTags.list()).map((f) => f.name)).toEqual([t]);
    // The profile filtered by the tag (`tagged`): public posts only, newest first.
    const tagged = await other.rest.v1.accounts.$select(me.id).statuses.list({ tagged: t });
    expect(tagged.map((s) => s.id)).toEqual([last.id, first.id]);
    expect((await me.rest.v1.featuredTags.suggestions.list()).map((s) => s.name)).not.toContain(t);
    // Someone else cannot remove it.
    const foreign = await fetch(`${server.url}/api/v1/featured_tags/${featured.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(foreign.status).toBe(404);
    await me.rest.v1.featuredTags.$select(featured.id).remove();
    expect(await me.rest.v1.featuredTags.list()).toEqual([]);
    const bad = await fetch(`${server.url}/api/v1/featured_tags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '###' }),
    });
    expect(bad.status).toBe(422);
  });

  it.skipIf(skip)(
    'trends count distinct accounts, skip suspended and locked accounts, and rank boosted posts',
    async () => {
      const a = await person('trendy');
      const b = await person('trendier');
      const locked = await person('locked');
      await server.ctx.microblog.updateProfile(locked.id, { locked: true });
      const hot = word('hot');
      const solo = word('solo');
      const quiet = word('quiet');
      await a.rest.v1.statuses.create({ status: `#${hot} https://example.org/story?id=1` });
      await b.rest.v1.statuses.create({ status: `#${hot} also https://example.org/story?id=1#top` });
      for (let i = 0; i < 3; i++) await a.rest.v1.statuses.create({ status: `#${solo} again ${i}` });
      await a.rest.v1.statuses.create({ status: `#${quiet}` });
      await locked.rest.v1.statuses.create({ status: `#${quiet}` });
      const popular = await a.rest.v1.statuses.create({ status: 'boost me' });
      await b.rest.v1.statuses.$select(popular.id).reblog();
      await b.rest.v1.statuses.$select(popular.id).favourite();
      const lockedPopular = await locked.rest.v1.statuses.create({ status: 'locked popular' });
      await a.rest.v1.statuses.$select(lockedPopular.id).favourite();

      const names = (await a.rest.v1.trends.tags.list({ limit: 20 })).map((t) => t.name);
      expect(names).toContain(hot);
      expect(names).not.toContain(solo);
      expect(names).not.toContain(quiet);
      expect((await get('/api/v1/trends')).body.map((t: { name: string }) => t.name)).toContain(hot);
      const statuses = (await get('/api/v1/trends/statuses?limit=40')).body.map((s: { id: string }) => s.id);
      expect(statuses).toContain(popular.id);
      expect(statuses).not.toContain(lockedPopular.id);
      const links = (await get('/api/v1/trends/links')).body;
      expect(links.map((l: { url: string }) => l.url)).toContain('https://example.org/story?id=1');
      expect(links[0].history[0].accounts).toBe('2');
    },
  );
});
