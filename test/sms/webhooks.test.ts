import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { androidGatewaySignature } from '../../src/sms/providers/android-gateway.ts';
import { vonageSignature } from '../../src/sms/providers/vonage.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from '../api/helpers.ts';
import { operatorActor } from '../../src/security/index.ts';

const KE = '+254712345678';

async function readyToText(h: ApiHarness) {
  const account = await h.ctx.microblog.createAccount({ username: 'amina' });
  await h.ctx.sms.store.bindPhone({ accountId: account.id, e164: KE, country: 'KE', verifiedAt: new Date() });
  await h.ctx.sms.settings.update(account.id, { posting: true });
  await h.ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('test'), reason: 'test setup' },
  );
  return account;
}
const inboundRows = async (h: ApiHarness) =>
  Number(
    (
      await h.ctx.store.db
        .selectFrom('sms_inbound')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(ENGINES)('Vonage and Android gateway webhooks on $label', ({ name, skip }) => {
  describe.skipIf(skip)('vonage', () => {
    let h: ApiHarness;
    const SECRET = 'vonage-signature-secret';
    beforeAll(async () => {
      h = await apiHarness(name, {
        SPARROW_SMS_PROVIDER: 'vonage',
        SPARROW_VONAGE_API_KEY: 'key',
        SPARROW_VONAGE_API_SECRET: 'secret',
        SPARROW_VONAGE_SIGNATURE_SECRET: SECRET,
        SPARROW_VONAGE_FROM: 'Sparrow',
      });
    });
    afterAll(async () => h?.close());

    const signed = (text: string, messageId: string) => {
      const params: Record<string, string> = {
        msisdn: KE.slice(1),
        to: '447700900000',
        messageId,
        text,
        type: 'text',
        'message-timestamp': new Date().toISOString().slice(0, 19).replace('T', ' '),
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce: `n-${messageId}`,
      };
      return { ...params, sig: vonageSignature(params, SECRET, 'sha256') };
    };

    it('accepts a signed inbound SMS (JSON and GET), once per message id', async () => {
      const account = await readyToText(h);
      const json = await h.app.inject({
        method: 'POST',
        url: '/webhooks/sms/vonage',
        payload: signed('Jambo from Vonage', 'V-1'),
      });
      expect(json.statusCode).toBeLessThan(300);
      await h.app.inject({ method: 'POST', url: '/webhooks/sms/vonage', payload: signed('Jambo from Vonage', 'V-1') });
      const query = new URLSearchParams(signed('Second via GET', 'V-2')).toString();
      expect((await h.app.inject({ method: 'GET', url: `/webhooks/sms/vonage?${query}` })).statusCode).toBeLessThan(
        300,
      );
      const posts = await h.ctx.microblog.accountTimeline(null, account.id, { limit: 5 });
      expect(posts.map((p) => p.post.text)).toEqual(['Second via GET', 'Jambo from Vonage']);
    });

    it('refuses unsigned, forged and tampered webhooks with 403 and stores nothing', async () => {
      const before = await inboundRows(h);
      const forged = signed('forged', 'V-3');
      forged.sig = vonageSignature({ ...forged, sig: '' }, 'wrong-secret', 'sha256');
      expect((await h.app.inject({ method: 'POST', url: '/webhooks/sms/vonage', payload: forged })).statusCode).toBe(
        403,
      );
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: '/webhooks/sms/vonage',
            payload: { ...signed('original', 'V-4'), text: 'tampered' },
          })
        ).statusCode,
      ).toBe(403);
      const { sig: _sig, ...unsigned } = signed('unsigned', 'V-5');
      expect((await h.app.inject({ method: 'POST', url: '/webhooks/sms/vonage', payload: unsigned })).statusCode).toBe(
        403,
      );
      expect(await inboundRows(h)).toBe(before);
    });
  });

  describe.skipIf(skip)('android-gateway', () => {
    let h: ApiHarness;
    const KEY = 'gateway-signing-key';
    beforeAll(async () => {
      h = await apiHarness(name, {
        SPARROW_SMS_PROVIDER: 'android-gateway',
        SPARROW_ANDROID_GATEWAY_URL: 'http://127.0.0.1:9/api',
        SPARROW_ANDROID_GATEWAY_USERNAME: 'sms',
        SPARROW_ANDROID_GATEWAY_PASSWORD: 'pw',
        SPARROW_ANDROID_GATEWAY_SIGNING_KEY: KEY,
      });
    });
    afterAll(async () => h?.close());

    const event = (id: string, text: string) =>
      JSON.stringify({
        id,
        webhookId: 'wh-1',
        deviceId: 'dev-1',
        event: 'sms:received',
        payload: {
          messageId: 'm',
          message: text,
          phoneNumber: KE,
          sender: KE,
          simNumber: 1,
          receivedAt: new Date().toISOString(),
        },
      });
    const post = (body: string, key = KEY, timestamp = String(Math.floor(Date.now() / 1000))) =>
      h.app.inject({
        method: 'POST',
        url: '/webhooks/sms/android-gateway',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-timestamp': timestamp,
          'x-signature': androidGatewaySignature(key, Buffer.from(body), timestamp),
        },
      });

    it('accepts a signed event once and refuses forged, stale and tampered ones', async () => {
      const account = await readyToText(h);
      const body = event('evt-1', 'From an Android gateway');
      expect((await post(body)).statusCode).toBeLessThan(300);
      expect((await post(body)).statusCode).toBeLessThan(300);
      const posts = await h.ctx.microblog.accountTimeline(null, account.id, { limit: 5 });
      expect(posts.map((p) => p.post.text)).toEqual(['From an Android gateway']);

      const before = await inboundRows(h);
      expect((await post(event('evt-2', 'forged'), 'wrong-key')).statusCode).toBe(403);
      expect((await post(event('evt-3', 'stale'), KEY, String(Math.floor(Date.now() / 1000) - 3600))).statusCode).toBe(
        403,
      );
      const timestamp = String(Math.floor(Date.now() / 1000));
      const tampered = await h.app.inject({
        method: 'POST',
        url: '/webhooks/sms/android-gateway',
        payload: event('evt-4', 'tampered'),
        headers: {
          'content-type': 'application/json',
          'x-timestamp': timestamp,
          'x-signature': androidGatewaySignature(KEY, Buffer.from(event('evt-4', 'original')), timestamp),
        },
      });
      expect(tampered.statusCode).toBe(403);
      expect(await inboundRows(h)).toBe(before);
    });
  });
});
