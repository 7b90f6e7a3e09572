import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from './helpers.ts';

const TEXTER = '+254712340001';
const REFUSED = '+254712340002';

/**
 * Finding 5 of issue 11 by SMS: FOLLOW @locked sends a request, and the locked account's
 * posts come by text (FOLLOW's promise) only once it accepts; a pending requester gets no
 * followers-only post by fan-out or by GET.
 */
describe.each(ENGINES)('following a locked account by SMS on $label', ({ name, skip }) => {
  let h: SmsHarness;
  let owner: SmsUser;
  let texter: SmsUser;
  let refused: SmsUser;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
    owner = await h.user('keeper');
    texter = await h.smsUser('texter', TEXTER, 'KE');
    refused = await h.smsUser('refused', REFUSED, 'KE');
    const locked = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/accounts/update_credentials',
      headers: owner.auth,
      payload: { locked: true },
    });
    expect(locked.json().locked).toBe(true);
  });
  afterAll(async () => h?.close());

  const texts = async (number: string) => (await h.inbox(number)).map((m) => m.text);
  const lastText = async (number: string) => (await texts(number)).at(-1) ?? null;
  const postAs = async (user: SmsUser, status: string, visibility = 'private') => {
    h.clock.advance(1000);
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: user.auth,
      payload: { status, visibility },
    });
    expect(res.statusCode).toBe(200);
    await h.drain();
  };
  const answer = async (requester: SmsUser, verb: 'authorize' | 'reject') => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/v1/follow_requests/${requester.id}/${verb}`,
      headers: owner.auth,
    });
    expect(res.statusCode).toBe(200);
  };

  it.skipIf(skip)(
    'FOLLOW sends a request; nothing followers-only arrives until acceptance, then posts come by text',
    async () => {
      await postAs(owner, 'secret before the request');
      expect((await h.text(TEXTER, 'FOLLOW @keeper')).outcome).toBe('command');
      expect(await lastText(TEXTER)).toBe(
        '@keeper approves followers: request sent. Their posts will come by text once they accept. UNFOLLOW @keeper to cancel.',
      );
      const [relationship] = await h.ctx.microblog.relationships(texter.id, [owner.id]);
      expect(relationship).toMatchObject({ following: false, requested: true });

      await postAs(owner, 'secret while pending');
      await postAs(owner, 'public while pending', 'public');
      expect((await texts(TEXTER)).filter((t) => t.includes('keeper:'))).toEqual([]);
      // GET shows what anyone may see, not the followers-only posts.
      await h.text(TEXTER, 'GET @keeper');
      expect(await lastText(TEXTER)).toMatch(/^@keeper: public while pending/);
      await h.text(TEXTER, 'ON @keeper');
      expect(await lastText(TEXTER)).toBe(
        '@keeper has not accepted your follow request yet. Their posts will come by text once they do.',
      );
      expect((await texts(TEXTER)).some((t) => t.includes('secret'))).toBe(false);

      await answer(texter, 'authorize');
      await postAs(owner, 'secret once accepted');
      expect(await lastText(TEXTER)).toMatch(/^@keeper: secret once accepted/);
      await h.text(TEXTER, 'GET @keeper');
      expect(await lastText(TEXTER)).toMatch(/^@keeper: secret once accepted/);
    },
  );

  it.skipIf(skip)('a rejected request takes its texts with it, even if a later request is accepted', async () => {
    await h.text(REFUSED, 'FOLLOW @keeper');
    await answer(refused, 'reject');
    await postAs(owner, 'secret after the rejection');
    expect((await texts(REFUSED)).some((t) => t.includes('secret'))).toBe(false);
    await h.text(REFUSED, 'GET @keeper');
    expect(await lastText(REFUSED)).toMatch(/^@keeper: public while pending/);

    // Asked again from an app (not by SMS) and accepted: texts were not asked for this time.
    await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${owner.id}/follow`, headers: refused.auth });
    await answer(refused, 'authorize');
    await postAs(owner, 'secret for the new follower');
    expect((await texts(REFUSED)).some((t) => t.includes('secret'))).toBe(false);
    // UNFOLLOW by text also withdraws a pending request.
    await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${owner.id}/unfollow`, headers: refused.auth });
    await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${owner.id}/follow`, headers: refused.auth });
    await h.text(REFUSED, 'UNFOLLOW @keeper');
    const [relationship] = await h.ctx.microblog.relationships(refused.id, [owner.id]);
    expect(relationship).toMatchObject({ following: false, requested: false });
  });
});
