import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient } from '../web/helpers.ts';

/**
 * One domain failure, one HTTP status, whichever interface reports it: the API answers
 * `{"error": …}` and the web its page, with the same status.
 */
describe.each(ENGINES)('domain errors map to one status for API and web on $label', ({ name, skip }) => {
  let h: SmsHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name, { SPARROW_SMS_POSTS_PER_MINUTE: '1', SPARROW_SMS_POSTS_PER_DAY: '1000' });
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('discarding an already-discarded held text answers the same status on API and web', async () => {
    const user = await h.smsUser('heldtwice', '+254766123456', 'KE');
    for (let i = 0; i < 3; i += 1) await h.text('+254766123456', `burst ${i}`);
    const holds = (await h.app.inject({ url: '/api/v1/sparrow/sms_holds', headers: user.auth })).json() as {
      id: string;
    }[];
    expect(holds.length).toBe(2);
    const discard = (id: string) =>
      h.app.inject({ method: 'POST', url: `/api/v1/sparrow/sms_holds/${id}/discard`, headers: user.auth });
    expect((await discard(holds[0]!.id)).statusCode).toBe(200);
    const api = await discard(holds[0]!.id);

    // The same person in a browser: a web session for the same account.
    const browser = new FormClient(h.app);
    const { accessToken } = await h.ctx.oauth.issueToken({
      appId: null,
      accountId: user.id,
      scopes: ['read', 'write', 'follow', 'push'],
      session: { kind: 'web', ip: '127.0.0.1', agent: 'test' },
    });
    browser.cookies.set('sparrow_session', accessToken);
    expect((await browser.get('/settings/sms/holds')).statusCode).toBe(200);
    expect((await browser.post(`/settings/sms/holds/${holds[1]!.id}/discard`)).statusCode).toBe(303);
    const web = await browser.post(`/settings/sms/holds/${holds[1]!.id}/discard`);

    expect(api.json().error).toBe('This text was already released or discarded');
    expect(web.body).toContain('This text was already released or discarded');
    expect(web.statusCode).toBe(api.statusCode);
    expect(api.statusCode).toBe(422);
  });
});
