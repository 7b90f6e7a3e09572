import { createServer, type Server } from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { operatorActor } from '../../src/security/index.ts';
import { until as waitFor } from '../helpers/until.ts';

const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'twilio-auth-token-for-tests';
const FROM = '+15005550006';
const KE = '+254712345678';

interface Sent {
  to: string;
  body: string;
  sid: string;
}

/** A stand-in for Twilio's REST API on loopback, checking what a real one would. */
async function fakeTwilioApi(): Promise<{ url: string; sent: Sent[]; close(): Promise<void> }> {
  const sent: Sent[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const expectedAuth = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
      if (
        req.url !== `/2010-04-01/Accounts/${SID}/Messages.json` ||
        req.method !== 'POST' ||
        req.headers.authorization !== expectedAuth
      ) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: 20003, message: 'Authenticate' }));
        return;
      }
      const form = new URLSearchParams(body);
      const sid = `SM${String(sent.length + 1).padStart(32, '0')}`;
      sent.push({ to: form.get('To') ?? '', body: form.get('Body') ?? '', sid });
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid, status: 'queued', from: form.get('From') }));
    });
  });
  // Keep connections open longer than the client's pool does, so a reused socket is never closed under it.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, sent, close: () => new Promise((r) => server.close(() => r())) };
}

describe.each(ENGINES)('Twilio end to end on $label', ({ name, skip }) => {
  let api: Awaited<ReturnType<typeof fakeTwilioApi>>;
  let server: RunningServer;
  let background: { stop(): Promise<void> };
  let messageNumber = 0;

  beforeAll(async () => {
    if (skip) return;
    api = await fakeTwilioApi();
    server = await startServer(
      name,
      {
        SPARROW_SMS_PROVIDER: 'twilio',
        SPARROW_TWILIO_ACCOUNT_SID: SID,
        SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
        SPARROW_TWILIO_FROM: FROM,
        SPARROW_TWILIO_API_BASE_URL: api.url,
        // A send that fails for a passing reason (a kept-alive socket closing under load) is retried within a second here.
      },
      { dispatcher: { baseBackoffMs: 200, maxBackoffMs: 2_000 } },
    );
    background = await server.ctx.startBackgroundWork({ inProcessWithWeb: false });
  });
  afterAll(async () => {
    await background?.stop();
    await server?.close();
    await api?.close();
  });

  /** Sends an inbound SMS exactly as Twilio would: form-encoded, signed with the auth token. */
  const inbound = async (
    from: string,
    body: string,
    options: { sid?: string; signWith?: string; tamper?: boolean } = {},
  ) => {
    messageNumber += 1;
    const params = {
      MessageSid: options.sid ?? `SMin${messageNumber}`,
      AccountSid: SID,
      From: from,
      To: FROM,
      Body: body,
      NumMedia: '0',
    };
    const url = `${server.url}/webhooks/sms/twilio`;
    const signature = twilio.getExpectedTwilioSignature(options.signWith ?? TOKEN, url, params);
    const sent = options.tamper ? { ...params, Body: `${body}!` } : params;
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(sent).toString(),
    });
  };

  // Generous: under a full parallel test run on two cores the dispatcher can be slow to get a turn.
  const until = (probe: () => boolean | Promise<boolean>) =>
    waitFor('the provider to be sent the texts', probe, {
      timeoutMs: 20_000,
      intervalMs: 50,
      explain: async () => ({
        sent: api.sent,
        outbox: await server.ctx.store.db
          .selectFrom('sms_outbox')
          .select(['to_number', 'text', 'status', 'attempts', 'last_error', 'next_attempt_at', 'lease_owner'])
          .execute()
          .catch((e) => String(e)),
        fanOutJobs: await server.ctx.store.db
          .selectFrom('sms_fanout_jobs')
          .selectAll()
          .execute()
          .catch((e) => String(e)),
      }),
    });

  it.skipIf(skip)(
    "posts and follows by signed webhook, and delivers the followed account's post through the REST API",
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

      const posted = await inbound(KE, 'Habari from Kisumu');
      expect(posted.status).toBe(200);
      expect(posted.headers.get('content-type')).toMatch(/xml/);
      expect(await posted.text()).toContain('<Response></Response>');
      expect((await ctx.microblog.accountTimeline(null, amina.id, { limit: 5 }))[0]?.post).toMatchObject({
        text: 'Habari from Kisumu',
        source: 'sms',
      });

      expect((await inbound(KE, 'FOLLOW @bob')).status).toBe(200);
      await until(() => api.sent.some((m) => m.to === KE && m.body.startsWith('You follow @bob')));

      await ctx.microblog.post(bob.id, { text: 'Market opens at 7', source: 'web' });
      await until(() => api.sent.some((m) => m.to === KE && m.body === '@bob: Market opens at 7'));

      // Twilio's status callback, signed the same way, marks the message delivered.
      const delivered = api.sent.find((m) => m.body === '@bob: Market opens at 7')!;
      const statusUrl = `${server.url}/webhooks/sms/twilio/status`;
      const statusParams = {
        MessageSid: delivered.sid,
        MessageStatus: 'delivered',
        AccountSid: SID,
        To: KE,
        From: FROM,
      };
      const receipt = await fetch(statusUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, statusUrl, statusParams),
        },
        body: new URLSearchParams(statusParams).toString(),
      });
      expect(receipt.status).toBeLessThan(300);
      // Whether the receipt or the dispatcher's own bookkeeping lands first, the message ends delivered.
      await until(
        async () =>
          (await ctx.sms.store.messagesTo(KE, 10)).find((m) => m.providerMessageId === delivered.sid)?.status ===
          'delivered',
      );
    },
    90_000,
  );

  it.skipIf(skip)('sends a verification code through Twilio and keeps no copy of it once sent', async () => {
    const { ctx } = server;
    const user = await ctx.microblog.createAccount({ username: 'coder' });
    await ctx.sms.phones.request(user.id, '+254733123456', { ip: '127.0.0.1' });
    await until(() => api.sent.some((m) => m.to === '+254733123456'));
    const code = /(\d{6})/.exec(api.sent.find((m) => m.to === '+254733123456')!.body)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await until(async () => (await ctx.sms.store.messagesTo('+254733123456', 5))[0]?.status === 'sent');
    const stored = (await ctx.sms.store.messagesTo('+254733123456', 5))[0]!;
    expect(stored.text).not.toContain(code!);
    expect(stored.messageClass).toBe('security');
    // The code still works: it is kept as a keyed hash, not as text.
    expect((await ctx.sms.phones.verify(user.id, code!)).e164).toBe('+254733123456');
  });

  it.skipIf(skip)('acts once when Twilio retries the same MessageSid', async () => {
    const { ctx } = server;
    const amina = (await ctx.microblog.lookup('amina'))!;
    const before = (await ctx.microblog.account(amina.id)).statusesCount;
    const results = await Promise.all([1, 2, 3].map(() => inbound(KE, 'retried by Twilio', { sid: 'SMretry1' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await ctx.microblog.account(amina.id)).statusesCount).toBe(before + 1);
  });

  it.skipIf(skip)('refuses unsigned, wrongly signed and tampered requests with 403, storing nothing', async () => {
    const { ctx } = server;
    const count = async () =>
      Number(
        (
          await ctx.store.db
            .selectFrom('sms_inbound')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    expect((await inbound(KE, 'forged', { signWith: 'not-the-token' })).status).toBe(403);
    expect((await inbound(KE, 'tampered', { tamper: true })).status).toBe(403);
    const unsigned = await fetch(`${server.url}/webhooks/sms/twilio`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ MessageSid: 'SMx', From: KE, To: FROM, Body: 'no signature' }).toString(),
    });
    expect(unsigned.status).toBe(403);
    expect(await count()).toBe(before);
    // Other providers' webhooks do not exist on a Twilio installation.
    expect((await fetch(`${server.url}/webhooks/sms/vonage`, { method: 'POST', body: 'x' })).status).toBe(404);
  });
});
