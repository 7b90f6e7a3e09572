import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

type User = Awaited<ReturnType<ApiHarness['user']>>;

describe.each(ENGINES)('Mastodon API on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let alice: User;
  let bob: User;
  let readOnly: User;

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name);
    alice = await h.user('alice');
    bob = await h.user('bob');
    readOnly = await h.user('reader', 'read');
  });
  afterAll(async () => h?.close());

  const post = (user: User, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: { ...user.auth, ...headers }, payload });
  const statusCount = async (user: User) =>
    (await h.app.inject({ method: 'GET', url: '/api/v1/accounts/verify_credentials', headers: user.auth })).json()
      .statuses_count as number;

  it.skipIf(skip)('creates a status from JSON and from a form, recording the client app as source', async () => {
    const json = await post(alice, {
      status: 'from json',
      visibility: 'unlisted',
      sensitive: true,
      spoiler_text: 'cw',
    });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({
      visibility: 'unlisted',
      sensitive: true,
      spoiler_text: 'cw',
      application: { name: expect.stringMatching(/^Test App/) },
    });
    const form = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: { ...alice.auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'status=from+a+form&sensitive=false',
    });
    expect(form.statusCode).toBe(200);
    expect(form.json().content).toBe('<p>from a form</p>');
  });

  it.skipIf(skip)('escapes markup in posts', async () => {
    const res = await post(alice, { status: '<script>alert(1)</script> & "quotes"' });
    expect(res.json().content).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</p>');
  });

  it.skipIf(skip)('rejects oversized posts with 422 and writes nothing', async () => {
    const before = await statusCount(alice);
    const res = await post(alice, { status: '🐦'.repeat(281) });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatch(/too long/);
    expect(await statusCount(alice)).toBe(before);
    // 280 graphemes, even of multi-code-point emoji, fit.
    expect((await post(alice, { status: '👍🏽'.repeat(280) })).statusCode).toBe(200);
  });

  it.skipIf(skip)(
    'answers malformed JSON, bad types and unsupported features with 4xx and writes nothing',
    async () => {
      const before = await statusCount(alice);
      const malformed = await h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: { ...alice.auth, 'content-type': 'application/json' },
        payload: '{"status": "x"',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toEqual({ error: 'Request body is not valid JSON' });
      expect((await post(alice, { status: ['array'] })).statusCode).toBe(422);
      expect((await post(alice, { status: 'x', visibility: 'everyone' })).statusCode).toBe(422);
      expect((await post(alice, { status: 'x', media_ids: ['1'] })).statusCode).toBe(422);
      expect((await post(alice, { status: 'x', in_reply_to_id: 'not-an-id' })).statusCode).toBe(422);
      expect((await post(alice, { status: 'x', in_reply_to_id: '999999999999999999' })).statusCode).toBe(404);
      expect((await post(alice, { status: '   ' })).statusCode).toBe(422);
      const tooLarge = await h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: { ...alice.auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ status: 'x'.repeat(300_000) }),
      });
      expect(tooLarge.statusCode).toBe(413);
      expect(await statusCount(alice)).toBe(before);
    },
  );

  it.skipIf(skip)('enforces authentication and scopes', async () => {
    const anonymous = await h.app.inject({ method: 'POST', url: '/api/v1/statuses', payload: { status: 'x' } });
    expect(anonymous.statusCode).toBe(401);
    const badToken = await h.app.inject({
      method: 'GET',
      url: '/api/v1/timelines/home',
      headers: { authorization: 'Bearer not-a-real-token-at-all' },
    });
    expect(badToken.statusCode).toBe(401);
    const before = await statusCount(readOnly);
    const wrongScope = await post(readOnly, { status: 'should not post' });
    expect(wrongScope.statusCode).toBe(403);
    expect(wrongScope.json().error).toMatch(/scope/);
    expect(await statusCount(readOnly)).toBe(before);
    expect(
      (await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${alice.id}/follow`, headers: readOnly.auth }))
        .statusCode,
    ).toBe(403);
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/v1/timelines/home', headers: readOnly.auth })).statusCode,
    ).toBe(200);
  });

  it.skipIf(skip)('answers unknown ids with 404', async () => {
    for (const url of [
      '/api/v1/statuses/123456789012345678',
      '/api/v1/statuses/abc',
      '/api/v1/accounts/123456789012345678',
      '/api/v1/notifications/123456789012345678',
      '/api/v1/nothing-here',
    ]) {
      const res = await h.app.inject({ method: 'GET', url, headers: alice.auth });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toHaveProperty('error');
    }
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/accounts/123456789012345678/follow', headers: alice.auth }))
        .statusCode,
    ).toBe(404);
    expect(
      (await h.app.inject({ method: 'DELETE', url: '/api/v1/statuses/123456789012345678', headers: alice.auth }))
        .statusCode,
    ).toBe(404);
  });

  it.skipIf(skip)('honours Idempotency-Key: a retried request creates one post', async () => {
    const before = await statusCount(bob);
    const first = await post(bob, { status: 'only once' }, { 'idempotency-key': 'retry-1' });
    const second = await post(bob, { status: 'only once' }, { 'idempotency-key': 'retry-1' });
    expect(second.json().id).toBe(first.json().id);
    expect(await statusCount(bob)).toBe(before + 1);
    // Keys are per account: another user's identical key is independent.
    const other = await post(alice, { status: 'only once' }, { 'idempotency-key': 'retry-1' });
    expect(other.json().id).not.toBe(first.json().id);
  });

  it.skipIf(skip)('paginates the home timeline with max_id, since_id and min_id and Link headers', async () => {
    const reader = await h.user('pager');
    const author = await h.user('author');
    await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${author.id}/follow`, headers: reader.auth });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await post(author, { status: `post ${i}` })).json().id);
    const newestFirst = [...ids].reverse();

    const first = await h.app.inject({ method: 'GET', url: '/api/v1/timelines/home?limit=3', headers: reader.auth });
    expect(first.json().map((s: { id: string }) => s.id)).toEqual(newestFirst.slice(0, 3));
    const link = String(first.headers.link);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    expect(next).toContain(`max_id=${newestFirst[2]}`);
    const second = await h.app.inject({
      method: 'GET',
      url: new URL(next).pathname + new URL(next).search,
      headers: reader.auth,
    });
    expect(second.json().map((s: { id: string }) => s.id)).toEqual(newestFirst.slice(3, 6));

    const since = await h.app.inject({
      method: 'GET',
      url: `/api/v1/timelines/home?since_id=${ids[2]}&limit=2`,
      headers: reader.auth,
    });
    expect(since.json().map((s: { id: string }) => s.id)).toEqual(newestFirst.slice(0, 2));
    const min = await h.app.inject({
      method: 'GET',
      url: `/api/v1/timelines/home?min_id=${ids[2]}&limit=2`,
      headers: reader.auth,
    });
    expect(min.json().map((s: { id: string }) => s.id)).toEqual([ids[4], ids[3]]);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/timelines/home?limit=abc', headers: reader.auth });
    expect(bad.statusCode).toBe(422);
  });

  it.skipIf(skip)('serves the public timeline without a token, without private posts', async () => {
    const pub = (await post(bob, { status: 'public hello' })).json().id;
    const priv = (await post(bob, { status: 'followers only', visibility: 'private' })).json().id;
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/timelines/public?limit=40' });
    expect(res.statusCode).toBe(200);
    const ids = res.json().map((s: { id: string }) => s.id);
    expect(ids).toContain(pub);
    expect(ids).not.toContain(priv);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/statuses/${priv}` })).statusCode).toBe(404);
  });

  it.skipIf(skip)('favourites, reblogs and deletes with counts and the deleted text returned', async () => {
    const original = (await post(alice, { status: 'boost me' })).json();
    const fav = await h.app.inject({
      method: 'POST',
      url: `/api/v1/statuses/${original.id}/favourite`,
      headers: bob.auth,
    });
    expect(fav.json()).toMatchObject({ favourited: true, favourites_count: 1 });
    await h.app.inject({ method: 'POST', url: `/api/v1/statuses/${original.id}/favourite`, headers: bob.auth });
    const reblog = await h.app.inject({
      method: 'POST',
      url: `/api/v1/statuses/${original.id}/reblog`,
      headers: bob.auth,
    });
    expect(reblog.json().reblog).toMatchObject({
      id: original.id,
      reblogs_count: 1,
      reblogged: true,
      favourites_count: 1,
    });
    const forbidden = await h.app.inject({
      method: 'DELETE',
      url: `/api/v1/statuses/${original.id}`,
      headers: bob.auth,
    });
    expect(forbidden.statusCode).toBe(403);
    const deleted = await h.app.inject({
      method: 'DELETE',
      url: `/api/v1/statuses/${original.id}`,
      headers: alice.auth,
    });
    expect(deleted.json().text).toBe('boost me');
    expect(
      (await h.app.inject({ method: 'GET', url: `/api/v1/statuses/${reblog.json().id}`, headers: bob.auth }))
        .statusCode,
    ).toBe(404);
  });

  it.skipIf(skip)('looks accounts up and reports relationships', async () => {
    const lookup = await h.app.inject({ method: 'GET', url: '/api/v1/accounts/lookup?acct=@Alice' });
    expect(lookup.json()).toMatchObject({ id: alice.id, username: 'alice', acct: 'alice' });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/accounts/lookup?acct=nobody' })).statusCode).toBe(404);
    await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${alice.id}/follow`, headers: bob.auth });
    const rel = await h.app.inject({
      method: 'GET',
      url: `/api/v1/accounts/relationships?id[]=${alice.id}`,
      headers: bob.auth,
    });
    expect(rel.json()).toEqual([expect.objectContaining({ id: alice.id, following: true, followed_by: false })]);
    const unfollow = await h.app.inject({
      method: 'POST',
      url: `/api/v1/accounts/${alice.id}/unfollow`,
      headers: bob.auth,
    });
    expect(unfollow.json().following).toBe(false);
    expect(
      (await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${bob.id}/follow`, headers: bob.auth })).statusCode,
    ).toBe(422);
  });

  it.skipIf(skip)('returns only allowlisted fields', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/accounts/${alice.id}` });
    const body = res.json();
    expect(Object.keys(body)).not.toContain('username_key');
    expect(Object.keys(body)).not.toContain('role');
    expect(body).not.toHaveProperty('email');
  });
});

describe.each(ENGINES)('timeline cursors on $label', ({ name, skip }) => {
  it.skipIf(skip)('compare as numbers, whatever their length', async () => {
    const h = await apiHarness(name);
    try {
      const user = await h.user('cursor');
      await h.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: user.auth, payload: { status: 'one' } });
      const home = (query: string) =>
        h.app.inject({ url: `/api/v1/timelines/home?${query}`, headers: user.auth }).then((r) => r.json() as unknown[]);
      expect(await home('max_id=9')).toHaveLength(0);
      expect(await home('since_id=9')).toHaveLength(1);
      expect(await home('since_id=99999999999999999999')).toHaveLength(0);
      expect(await home('max_id=99999999999999999999')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
