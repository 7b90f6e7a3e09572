import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

type User = Awaited<ReturnType<ApiHarness['user']>>;

/**
 * Finding 5 of issue 11, played from outside through the client API: a locked account's
 * followers-only posts must reach only followers it accepted.
 */
describe.each(ENGINES)('locked accounts and follow requests over the API on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let n = 0;
  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name);
  });
  afterAll(async () => h?.close());

  const user = (prefix: string) => h.user(`${prefix}${(n += 1)}`);
  const call = (who: User, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
    h.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });
  const lock = async (who: User) =>
    expect((await call(who, 'PATCH', '/api/v1/accounts/update_credentials', { locked: true })).json().locked).toBe(
      true,
    );
  const postAs = async (who: User, status: string, visibility = 'private') => {
    const res = await call(who, 'POST', '/api/v1/statuses', { status, visibility });
    expect(res.statusCode).toBe(200);
    return res.json().id as string;
  };
  const texts = (statuses: { content: string; reblog: { content: string } | null }[]) =>
    statuses.map((s) => s.content || s.reblog?.content || '');

  it.skipIf(skip)(
    'the attack: following a locked account gives a request, and the requester sees nothing followers-only',
    async () => {
      const owner = await user('locked');
      const stranger = await user('stranger');
      await lock(owner);
      // Posts from before and after the follow: backfill and fan-out must both hold the line.
      const before = await postAs(owner, 'secret from before');
      const follow = await call(stranger, 'POST', `/api/v1/accounts/${owner.id}/follow`);
      expect(follow.statusCode).toBe(200);
      expect(follow.json()).toMatchObject({ id: owner.id, following: false, requested: true });
      const after = await postAs(owner, 'secret from after');
      await postAs(owner, 'hello world', 'public');

      const profile = (await call(stranger, 'GET', `/api/v1/accounts/${owner.id}/statuses`)).json();
      expect(texts(profile)).toEqual(['<p>hello world</p>']);
      const home = (await call(stranger, 'GET', '/api/v1/timelines/home')).json();
      expect(texts(home).filter((t) => t.includes('secret'))).toEqual([]);
      for (const id of [before, after]) {
        expect((await call(stranger, 'GET', `/api/v1/statuses/${id}`)).statusCode).toBe(404);
        expect((await call(stranger, 'GET', `/api/v1/statuses/${id}/context`)).statusCode).toBe(404);
      }
      const relationship = (await call(stranger, 'GET', `/api/v1/accounts/relationships?id[]=${owner.id}`)).json();
      expect(relationship[0]).toMatchObject({ following: false, requested: true, followed_by: false });
      const account = (await call(stranger, 'GET', `/api/v1/accounts/${owner.id}`)).json();
      expect(account.followers_count).toBe(0);
    },
  );
});
