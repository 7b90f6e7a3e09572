import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/sms/providers/twilio.ts';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from '../api/helpers.ts';

/**
 * `REPLY @user text` by a signed provider webhook: the reply goes under @user's latest post the
 * texter may see, mentions the author (who is notified), and the texter gets a short answer.
 */
const TOKEN = 'reply-e2e-auth-token';
const PUBLIC_URL = 'https://sparrow.example';
const KE = '+254712340077';
let sids = 0;

function signedWebhook(from: string, body: string) {
  sids += 1;
  const params = {
    MessageSid: `SMreply${sids}`,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: from,
    To: '+15005550006',
    Body: body,
  };
  const map = new Map(Object.entries(params).map(([k, v]) => [k, [v]]));
  return {
    method: 'POST' as const,
    url: '/webhooks/sms/twilio',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/sms/twilio`, map),
    },
    payload: new URLSearchParams(params).toString(),
  };
}

interface Status {
  id: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  content: string;
  mentions: { username: string }[];
}

describe.each(ENGINES)('REPLY by text on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let texter: { id: string; auth: { authorization: string } };
  let ana: { id: string; auth: { authorization: string } };

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name, {
      SPARROW_PUBLIC_URL: PUBLIC_URL,
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
      SPARROW_TWILIO_FROM: '+15005550006',
      SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
    });
    await h.ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'reply test' },
    );
    texter = await h.user('wanjiru');
    ana = await h.user('ana');
    await h.user('quiet');
    await h.ctx.sms.store.bindPhone({ accountId: texter.id, e164: KE, country: 'KE', verifiedAt: new Date() });
    await h.ctx.sms.settings.update(texter.id, { posting: true });
  }, 60_000);
  afterAll(async () => h?.close());

  const send = async (text: string) => {
    const res = await h.app.inject(signedWebhook(KE, text));
    expect(res.statusCode).toBe(200);
    await h.ctx.background.idle();
  };
  const lastAnswer = async () => (await h.ctx.sms.store.messagesTo(KE, 1))[0]?.text;
  const statusesOf = async (id: string) =>
    (await h.app.inject({ url: `/api/v1/accounts/${id}/statuses`, headers: texter.auth })).json() as Status[];
  const postAs = async (who: { auth: { authorization: string } }, status: string, visibility = 'public') => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: who.auth,
      payload: { status, visibility },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as Status;
  };

  it.skipIf(skip)('threads under the latest post the texter may see and notifies its author', async () => {
    await postAs(ana, 'First post of the week');
    const latest = await postAs(ana, 'The borehole in Kitui is working again');
    // Newer, but only for ana's followers: the texter does not follow her, so it is not the one answered.
    await postAs(ana, 'Only for my followers', 'private');

    await send('REPLY @ana Great news, thank you');
    const [reply] = await statusesOf(texter.id);
    expect(reply?.in_reply_to_id).toBe(latest.id);
    expect(reply?.in_reply_to_account_id).toBe(ana.id);
    expect(reply?.mentions.map((m) => m.username)).toEqual(['ana']);
    expect(reply?.content).toContain('Great news, thank you');
    expect(await lastAnswer()).toBe('Replied to @ana.');

    const notifications = (
      await h.app.inject({ url: '/api/v1/notifications?types[]=mention', headers: ana.auth })
    ).json() as { type: string; status: Status }[];
    expect(notifications.map((n) => [n.type, n.status.id])).toEqual([['mention', reply!.id]]);

    // A text that already names the author is not prefixed a second time; lower case with the @ works too.
    await send('reply @ana well said @ana');
    const [second] = await statusesOf(texter.id);
    expect(second?.in_reply_to_id).toBe(latest.id);
    expect((second?.content.match(/@<span>ana<\/span>/g) ?? []).length).toBe(1);
  });

  it.skipIf(skip)('answers a clear refusal or the usage, and leaves ordinary sentences as posts', async () => {
    const before = (await statusesOf(texter.id)).length;
    await send('REPLY @quiet hello there');
    expect(await lastAnswer()).toBe('No post of @quiet you can reply to.');
    await send('REPLY @nobody hello there');
    expect(await lastAnswer()).toBe('No account @nobody.');
    await send('REPLY @ana');
    expect(await lastAnswer()).toBe('Try: REPLY @user text');
    expect((await statusesOf(texter.id)).length).toBe(before);

    await send('Reply soon please');
    const [post] = await statusesOf(texter.id);
    expect(post?.in_reply_to_id).toBeNull();
    expect(post?.content).toContain('Reply soon please');
  });
});
