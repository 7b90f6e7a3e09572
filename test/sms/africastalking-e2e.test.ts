import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { operatorActor } from '../../src/security/index.ts';
import { until as waitFor } from '../helpers/until.ts';

const USERNAME = 'sparrow-app';
const API_KEY = 'atsk_test_key_0123456789';
const SECRET = 'cb-secret-0123456789abcdef';
const SHORT_CODE = '22384';
const KE = '+254712345678';

interface Sent {
  to: string;
  message: string;
  from: string | null;
  linkId: string | null;
  bulkSMSMode: string | null;
  messageId: string;
}

/** A stand-in for Africa's Talking's messaging API on loopback, checking what the real one checks. */
async function fakeAfricasTalking(): Promise<{ url: string; sent: Sent[]; close(): Promise<void> }> {
  const sent: Sent[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (req.url !== '/version1/messaging' || req.method !== 'POST' || req.headers.apikey !== API_KEY) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('The supplied authentication is invalid');
        return;
      }
      if (form.get('username') !== USERNAME || req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('Invalid request');
        return;
      }
      const to = form.get('to') ?? '';
      if (!/^\+\d{8,15}$/.test(to)) {
        res.writeHead(201, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            SMSMessageData: {
              Message: 'Sent to 0/1 Total Cost: 0',
              Recipients: [{ statusCode: 403, number: to, status: 'InvalidPhoneNumber', cost: '0', messageId: 'None' }],
            },
          }),
        );
        return;
      }
      const messageId = `ATXid_${String(sent.length + 1).padStart(8, '0')}`;
      sent.push({
        to,
        message: form.get('message') ?? '',
        from: form.get('from'),
        linkId: form.get('linkId'),
        bulkSMSMode: form.get('bulkSMSMode'),
        messageId,
      });
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          SMSMessageData: {
            Message: 'Sent to 1/1 Total Cost: KES 0.8000',
            Recipients: [{ statusCode: 101, number: to, status: 'Success', cost: 'KES 0.8000', messageId }],
          },
        }),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, sent, close: () => new Promise((r) => server.close(() => r())) };
}

const settings = (api: string, extra: Record<string, string> = {}) => ({
  SPARROW_SMS_PROVIDER: 'africastalking',
  SPARROW_AFRICASTALKING_USERNAME: USERNAME,
  SPARROW_AFRICASTALKING_API_KEY: API_KEY,
  SPARROW_AFRICASTALKING_FROM: SHORT_CODE,
  SPARROW_AFRICASTALKING_API_BASE_URL: api,
  SPARROW_AFRICASTALKING_CALLBACK_SECRET: SECRET,
  ...extra,
});

describe.each(ENGINES)("Africa's Talking end to end on $label", ({ name, skip }) => {
  let api: Awaited<ReturnType<typeof fakeAfricasTalking>>;
  let server: RunningServer;
  let background: { stop(): Promise<void> };
  let n = 0;

  beforeAll(async () => {
    if (skip) return;
    api = await fakeAfricasTalking();
    server = await startServer(name, settings(api.url), { dispatcher: { baseBackoffMs: 200, maxBackoffMs: 2_000 } });
    background = await server.ctx.startBackgroundWork({ inProcessWithWeb: false });
  });
  afterAll(async () => {
    await background?.stop();
    await server?.close();
    await api?.close();
  });

  /** An incoming message exactly as Africa's Talking posts it: form fields, the secret in the path. */
  const inbound = (
    text: string,
    options: { id?: string; secret?: string; linkId?: string; from?: string; headers?: Record<string, string> } = {},
  ) => {
    n += 1;
    const fields: Record<string, string> = {
      from: options.from ?? KE,
      to: SHORT_CODE,
      text,
      date: '2026-12-04 10:00:00',
      id: options.id ?? `in-${n}-${Math.random().toString(36).slice(2)}`,
      networkCode: '63902',
    };
    if (options.linkId) fields.linkId = options.linkId;
    return fetch(`${server.url}/webhooks/sms/africastalking/${options.secret ?? SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      body: new URLSearchParams(fields).toString(),
    });
  };

  const until = (probe: () => boolean | Promise<boolean>) =>
    waitFor('the provider to be sent the texts', probe, {
      timeoutMs: 20_000,
      intervalMs: 50,
      explain: () => ({ sent: api.sent }),
    });
  const inboundCount = async () =>
    Number(
      (
        await server.ctx.store.db
          .selectFrom('sms_inbound')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.skipIf(skip)(
    'posts and follows by callback, sends through the messaging API, and applies delivery reports',
    async () => {
      const { ctx } = server;
      const amina = await ctx.microblog.createAccount({ username: 'amina' });
      const bob = await ctx.microblog.createAccount({ username: 'bob' });
      await ctx.sms.store.bindPhone({ accountId: amina.id, e164: KE, country: 'KE', verifiedAt: new Date() });
      await ctx.sms.settings.update(amina.id, { posting: true });
      await ctx.sms.policy.setCountry(
        'KE',
        { posting: true, notifications: true },
        { actor: operatorActor('test'), reason: 'test setup' },
      );

      const posted = await inbound('Habari kutoka Kisumu');
      expect(posted.status).toBe(200);
      expect((await ctx.microblog.accountTimeline(null, amina.id, { limit: 5 }))[0]?.post).toMatchObject({
        text: 'Habari kutoka Kisumu',
        source: 'sms',
      });

      expect((await inbound('FOLLOW @bob')).status).toBe(200);
      await until(() => api.sent.some((m) => m.to === KE && m.message.startsWith('You follow @bob')));
      expect(api.sent.find((m) => m.message.startsWith('You follow @bob'))).toMatchObject({
        from: SHORT_CODE,
        linkId: null,
      });

      await ctx.microblog.post(bob.id, { text: 'Market opens at 7', source: 'web' });
      await until(() => api.sent.some((m) => m.to === KE && m.message === '@bob: Market opens at 7'));
      const notification = api.sent.find((m) => m.message === '@bob: Market opens at 7')!;

      // A delivery report: form fields id, status, phoneNumber, networkCode (failureReason on failure).
      const report = await fetch(`${server.url}/webhooks/sms/africastalking/${SECRET}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          id: notification.messageId,
          status: 'Success',
          phoneNumber: KE,
          networkCode: '63902',
          retryCount: '0',
        }).toString(),
      });
      expect(report.status).toBe(200);
      await until(
        async () =>
          (await ctx.sms.store.messagesTo(KE, 20)).find((m) => m.providerMessageId === notification.messageId)
            ?.status === 'delivered',
      );

      // A failed report keeps its reason.
      await ctx.microblog.post(bob.id, { text: 'Rain later', source: 'web' });
      await until(() => api.sent.some((m) => m.message === '@bob: Rain later'));
      const rain = api.sent.find((m) => m.message === '@bob: Rain later')!;
      await fetch(`${server.url}/webhooks/sms/africastalking/${SECRET}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          id: rain.messageId,
          status: 'Failed',
          phoneNumber: KE,
          failureReason: 'UserInBlackList',
        }).toString(),
      });
      await until(async () => {
        const row = (await ctx.sms.store.messagesTo(KE, 20)).find((m) => m.providerMessageId === rain.messageId);
        return row?.status === 'undelivered' && (row.lastError ?? '').includes('UserInBlackList');
      });
    },
    90_000,
  );

  it.skipIf(skip)('answers a premium short-code text with its linkId (on-demand, subscriber billed)', async () => {
    expect((await inbound('HELP', { linkId: 'SampleLinkId123', from: '+254700000123' })).status).toBe(200);
    await until(() => api.sent.some((m) => m.to === '+254700000123'));
    expect(api.sent.find((m) => m.to === '+254700000123')).toMatchObject({
      linkId: 'SampleLinkId123',
      bulkSMSMode: '0',
    });
  });

  it.skipIf(skip)('acts once on a replayed message id, answering 200 each time', async () => {
    const { ctx } = server;
    const amina = (await ctx.microblog.lookup('amina'))!;
    const before = (await ctx.microblog.account(amina.id)).statusesCount;
    const results = await Promise.all([1, 2, 3].map(() => inbound('said once', { id: 'ATXid_replayed' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    // A replay long after (an attacker who captured the request) is still answered once only.
    expect((await inbound('said once', { id: 'ATXid_replayed' })).status).toBe(200);
    expect((await ctx.microblog.account(amina.id)).statusesCount).toBe(before + 1);
  });

  it.skipIf(skip)(
    'refuses forged callbacks (no secret, wrong secret, other paths) with 403, storing nothing',
    async () => {
      const before = await inboundCount();
      expect((await inbound('forged', { secret: 'cb-secret-0123456789abcdeX' })).status).toBe(403);
      expect((await inbound('forged', { secret: 'short' })).status).toBe(403);
      const bare = await fetch(`${server.url}/webhooks/sms/africastalking`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ from: KE, to: SHORT_CODE, text: 'no secret', id: 'x1' }).toString(),
      });
      expect(bare.status).toBe(403);
      const status = await fetch(`${server.url}/webhooks/sms/africastalking/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id: 'ATXid_00000001', status: 'Failed' }).toString(),
      });
      expect(status.status).toBe(403);
      expect(await inboundCount()).toBe(before);
      // Nothing of the delivery reports was believed either.
      expect(
        (await server.ctx.sms.store.messagesTo(KE, 50)).find((m) => m.providerMessageId === 'ATXid_00000001')?.status,
      ).not.toBe('failed');
      expect((await fetch(`${server.url}/webhooks/sms/twilio/${SECRET}`, { method: 'POST', body: 'x' })).status).toBe(
        404,
      );
    },
  );
});

describe.each(ENGINES)("Africa's Talking source allowlist on $label", ({ name, skip }) => {
  let api: Awaited<ReturnType<typeof fakeAfricasTalking>>;
  let server: RunningServer;

  beforeAll(async () => {
    if (skip) return;
    api = await fakeAfricasTalking();
    // Behind a reverse proxy we run: the caller is the first X-Forwarded-For address.
    server = await startServer(
      name,
      settings(api.url, {
        SPARROW_AFRICASTALKING_ALLOWED_SOURCES: '203.0.113.0/24, 2001:db8::/32',
        SPARROW_TRUST_PROXY: 'true',
      }),
    );
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  const post = (forwardedFor: string | null, id: string) =>
    fetch(`${server.url}/webhooks/sms/africastalking/${SECRET}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      },
      body: new URLSearchParams({
        from: '+254711000222',
        to: SHORT_CODE,
        text: 'hello',
        id,
        date: '2026-12-04',
      }).toString(),
    });

  it.skipIf(skip)('accepts callbacks from allowed addresses only, even with the right secret', async () => {
    expect((await post('203.0.113.9', 'allow-1')).status).toBe(200);
    expect((await post('2001:db8::7', 'allow-2')).status).toBe(200);
    expect((await post('198.51.100.4', 'deny-1')).status).toBe(403);
    expect((await post(null, 'deny-2')).status).toBe(403);
    const stored = await server.ctx.store.db.selectFrom('sms_inbound').select('provider_message_id').execute();
    expect(stored.map((r) => r.provider_message_id).sort()).toEqual(['allow-1', 'allow-2']);
  });
});
