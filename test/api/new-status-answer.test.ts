import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

/**
 * The answer to `POST /api/v1/statuses` is built from what was just written instead of read
 * back (src/core/microblog.ts, `postAndView`): it must be exactly what reading the post answers
 * right after, for plain posts, mentions, replies, polls and idempotent replays, on both engines.
 */
describe.each(ENGINES)('the answer to a new status on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let author: Awaited<ReturnType<ApiHarness['user']>>;
  let friends: Awaited<ReturnType<ApiHarness['user']>>[];

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name);
    author = await h.user('writer');
    friends = [await h.user('friend1'), await h.user('friend2')];
    for (const friend of friends) await h.ctx.microblog.follow(friend.id, author.id);
  });
  afterAll(async () => h?.close());

  const create = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: { ...author.auth, ...headers },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    return response.json() as Record<string, unknown> & { id: string; account: { statuses_count: number } };
  };
  const read = async (id: string) =>
    (await h.app.inject({ method: 'GET', url: `/api/v1/statuses/${id}`, headers: author.auth })).json() as Record<
      string,
      unknown
    >;

  it.skipIf(skip)('is what reading the post answers right after, whatever the post carries', async () => {
    const parent = await h.ctx.microblog.post(friends[0]!.id, { text: 'a question', source: 'web' });
    const bodies: Record<string, unknown>[] = [
      { status: 'plain words' },
      { status: 'hello @friend1 and @friend2', visibility: 'unlisted' },
      { status: 'an answer', in_reply_to_id: parent.id },
      { status: 'pick one', poll: { options: ['yes', 'no'], expires_in: 3600 } },
      { status: 'for my followers', visibility: 'private', spoiler_text: 'cw', sensitive: true },
    ];
    let count = (await read((await create({ status: 'first' })).id)) as { account: { statuses_count: number } };
    for (const body of bodies) {
      const answer = await create(body);
      expect(answer).toEqual(await read(answer.id));
      // Its author's counts are the ones after this post.
      expect(answer.account.statuses_count).toBe(count.account.statuses_count + 1);
      count = answer;
    }
  });

  it.skipIf(skip)('replays an idempotency key with the stored post, favourited by then', async () => {
    const first = await create({ status: 'once' }, { 'idempotency-key': 'key-1' });
    await h.ctx.microblog.favourite(author.id, first.id);
    const again = await create({ status: 'once' }, { 'idempotency-key': 'key-1' });
    expect(again.id).toBe(first.id);
    expect(again.favourited).toBe(true);
    expect(again).toEqual(await read(first.id));
  });
});
