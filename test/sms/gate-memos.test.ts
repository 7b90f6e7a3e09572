import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/app/http-server.ts';
import { configFor } from '../../src/config/config.ts';
import { twilioSignature } from '../../src/sms/providers/twilio.ts';
import { operatorActor } from '../../src/security/index.ts';
import { contextWithStorage, redisUrl, testSchemaName, type TestContext } from '../helpers/context.ts';

/**
 * What every inbound text reads — the number's binding, the owner's gate settings (posting on,
 * PIN, lock), whether anyone follows the author by SMS — is kept in the entity cache's memos
 * (src/store/sms-store.ts). Each test here first lets a text fill those memos, then changes the
 * state the way the owner, the SIM-swap step or a re-binding does, and sends the next text
 * through the signed webhook: the decision must be the one the changed state gives, never the
 * kept one — on one instance, with another process writing the same SQLite file (a CLI command, a
 * worker), and with the change made on another PostgreSQL + Redis instance than the one texted.
 */
const TOKEN = 'gate-memos-auth-token';
const PUBLIC_URL = 'https://sparrow.example';
const SID = `AC${'0'.repeat(32)}`;
const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;
const ENV = {
  SPARROW_PUBLIC_URL: PUBLIC_URL,
  SPARROW_SMS_PROVIDER: 'twilio',
  SPARROW_TWILIO_ACCOUNT_SID: SID,
  SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
  SPARROW_TWILIO_FROM: '+15005550006',
  SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
  SPARROW_SMS_POSTS_PER_MINUTE: '1000',
  SPARROW_SMS_POSTS_PER_DAY: '100000',
};
let messageNumber = 0;
let numberSeq = 0;
let userSeq = 0;

function signedWebhook(from: string, body: string) {
  const params = {
    MessageSid: `SM-gate-memo-${++messageNumber}`,
    AccountSid: SID,
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
    sid: params.MessageSid,
  };
}

/** The server the texts go to (its caches warm), and the context that changes the state (maybe another process). */
interface Setup {
  receiver: { ctx: TestContext; app: FastifyInstance };
  writer: TestContext;
}

async function serverOn(ctx: TestContext) {
  const app = await buildServer(ctx);
  await app.ready();
  await ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('test'), reason: 'gate memo test' },
  );
  return { ctx, app };
}

function scenarios(setup: () => Setup) {
  let h: { ctx: TestContext; app: FastifyInstance };
  let w: TestContext;
  beforeAll(() => {
    ({ receiver: h, writer: w } = setup());
  });

  /** An account with a verified number and SMS posting on. */
  async function texter(name: string): Promise<{ id: string; e164: string }> {
    const account = await w.microblog.createAccount({ username: `${name}${++userSeq}` });
    const e164 = `+2547123${String(40000 + ++numberSeq).slice(-5)}`;
    await w.sms.store.bindPhone({ accountId: account.id, e164, country: 'KE', verifiedAt: new Date() });
    await w.sms.settings.update(account.id, { posting: true });
    return { id: account.id, e164 };
  }

  /** Sends a text through the signed webhook to the receiver; what the server recorded of it. */
  async function text(from: string, body: string) {
    const { sid, ...request } = signedWebhook(from, body);
    const response = await h.app.inject(request);
    expect(response.statusCode).toBeLessThan(300);
    return h.ctx.store.db
      .selectFrom('sms_inbound')
      .select(['outcome', 'account_id', 'post_id'])
      .where('provider_message_id', '=', sid)
      .executeTakeFirstOrThrow();
  }

  it('a number re-bound to another account posts as the new owner from the next text', async () => {
    const ana = await texter('memo_ana');
    const ben = await texter('memo_ben');
    expect(await text(ana.e164, 'first from the old owner')).toMatchObject({ outcome: 'posted', account_id: ana.id });
    expect(await text(ana.e164, 'second from the old owner')).toMatchObject({ outcome: 'posted', account_id: ana.id });

    // Ana lets the number go; Ben (who moves to it) verifies it.
    await w.sms.store.unbindPhone(ana.id);
    await w.sms.store.unbindPhone(ben.id);
    expect(await text(ana.e164, 'nobody owns this number now')).toMatchObject({
      outcome: 'unknown_number',
      account_id: null,
      post_id: null,
    });
    await w.sms.store.bindPhone({ accountId: ben.id, e164: ana.e164, country: 'KE', verifiedAt: new Date() });
    expect(await text(ana.e164, 'now from the new owner')).toMatchObject({ outcome: 'posted', account_id: ben.id });
  });

  it('a SIM-swap freeze refuses the very next text, and the unlock lets the one after through', async () => {
    const cy = await texter('memo_cy');
    expect(await text(cy.e164, 'all fine')).toMatchObject({ outcome: 'posted' });
    expect(await text(cy.e164, 'still fine')).toMatchObject({ outcome: 'posted' });

    // What the SIM-swap step does on a "swapped" answer.
    await w.sms.store.lockPosting(cy.id, 'sim_swap', new Date());
    expect(await text(cy.e164, 'the attacker writes')).toMatchObject({ outcome: 'refused_locked', post_id: null });
    expect(await text(cy.e164, 'and again')).toMatchObject({ outcome: 'refused_locked', post_id: null });

    // The owner clears it with a non-SMS factor (what `owner.unlock` writes once the factor checked out).
    await w.sms.store.unlockPosting(cy.id, new Date());
    expect(await text(cy.e164, 'back to normal')).toMatchObject({ outcome: 'posted', account_id: cy.id });
  });

  it('"this wasn\'t me" locks SMS posting for the next text', async () => {
    const di = await texter('memo_di');
    expect(await text(di.e164, 'a post the owner did not write')).toMatchObject({ outcome: 'posted' });
    await w.sms.owner.notMe(di.id);
    expect(await text(di.e164, 'another one')).toMatchObject({ outcome: 'refused_locked', post_id: null });
  });

  it('turning SMS posting off, or setting a PIN, applies to the next text', async () => {
    const ed = await texter('memo_ed');
    expect(await text(ed.e164, 'posting is on')).toMatchObject({ outcome: 'posted' });
    await w.sms.settings.update(ed.id, { posting: false });
    expect(await text(ed.e164, 'posting is off')).toMatchObject({ outcome: 'refused_settings', post_id: null });
    await w.sms.settings.update(ed.id, { posting: true });
    expect(await text(ed.e164, 'posting is on again')).toMatchObject({ outcome: 'posted' });

    await w.sms.owner.setPin(ed.id, '4719');
    expect(await text(ed.e164, 'no PIN given')).toMatchObject({ outcome: 'refused_pin', post_id: null });
    expect(await text(ed.e164, '4719 with the PIN')).toMatchObject({ outcome: 'posted' });
  });

  it('a language the owner chooses answers the very next text, and clearing it the one after', async () => {
    const gil = await texter('memo_gil');
    const kofi = await w.microblog.createAccount({ username: `memo_kofi${++userSeq}` });
    const lastReply = async () => (await h.ctx.sms.store.messagesTo(gil.e164, 1))[0]?.text;
    // The number's first clear language (French) sets it; replies follow it.
    expect(await text(gil.e164, 'Bonjour tout le monde, je suis au marché')).toMatchObject({ outcome: 'posted' });
    await text(gil.e164, `SUIVRE @${kofi.username}`);
    expect(await lastReply()).toMatch(/^Vous suivez @/);
    await text(gil.e164, `UNFOLLOW @${kofi.username}`);
    expect(await lastReply()).toMatch(/^Vous ne suivez plus @/);

    await w.sms.languages.setForAccount(gil.id, 'sw');
    await text(gil.e164, `SUIVRE @${kofi.username}`);
    expect(await lastReply()).toMatch(/^Unamfuata @/);
    await w.sms.languages.setForAccount(gil.id, null);
    await text(gil.e164, `UNFOLLOW @${kofi.username}`);
    expect(await lastReply()).toMatch(/^Vous ne suivez plus @/);
  });

  it('a removed SMS subscription gets no notification job for the next post, a new one does', async () => {
    const fay = await texter('memo_fay');
    const reader = await w.microblog.createAccount({ username: `memo_reader${++userSeq}` });
    await w.microblog.follow(reader.id, fay.id);
    const jobsFor = async (postId: string | null) =>
      (await h.ctx.store.db.selectFrom('sms_fanout_jobs').select('id').where('post_id', '=', postId!).execute()).length;

    // Nobody follows Fay by SMS yet: no job (and "nobody" is what gets kept).
    const first = await text(fay.e164, 'nobody gets this by SMS');
    expect(await jobsFor(first.post_id)).toBe(0);
    const second = await text(fay.e164, 'still nobody');
    expect(await jobsFor(second.post_id)).toBe(0);

    await w.sms.subscriptions.subscribe(reader.id, await w.microblog.account(fay.id));
    const third = await text(fay.e164, 'the reader gets this one');
    expect(await jobsFor(third.post_id)).toBe(1);
    const fourth = await text(fay.e164, 'and this one');
    expect(await jobsFor(fourth.post_id)).toBe(1);

    await w.sms.subscriptions.unsubscribe(reader.id, fay.id);
    const fifth = await text(fay.e164, 'the reader asked to stop');
    expect(await jobsFor(fifth.post_id)).toBe(0);
  });
}

describe('inbound texts decide on fresh gate state (SQLite, one process)', () => {
  let receiver: Setup['receiver'];
  beforeAll(async () => {
    receiver = await serverOn(await contextWithStorage(configFor({ ...ENV, SPARROW_DATABASE_URL: 'sqlite::memory:' })));
  });
  afterAll(async () => {
    await receiver?.app.close();
    await receiver?.ctx.dispose();
  });
  scenarios(() => ({ receiver, writer: receiver.ctx }));
});

describe('inbound texts decide on fresh gate state (SQLite, another process writing the same file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-gate-memos-'));
  const url = `sqlite:${join(dir, 'sparrow.sqlite')}`;
  let receiver: Setup['receiver'];
  let writer: TestContext;
  beforeAll(async () => {
    receiver = await serverOn(await contextWithStorage(configFor({ ...ENV, SPARROW_DATABASE_URL: url })));
    // As `sparrow …` on the command line, or another worker, would be.
    writer = await contextWithStorage(configFor({ ...ENV, SPARROW_DATABASE_URL: url }), { oneShot: true });
  });
  afterAll(async () => {
    await writer?.dispose();
    await receiver?.app.close();
    await receiver?.ctx.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  scenarios(() => ({ receiver, writer }));
});

describe.skipIf(!postgresUrl || !redisUrl)('inbound texts decide on fresh gate state (PostgreSQL + Redis)', () => {
  const schema = testSchemaName('gatememo');
  const contexts: TestContext[] = [];
  let receiver: Setup['receiver'];
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    for (let i = 0; i < 2; i += 1)
      contexts.push(
        await contextWithStorage(
          configFor({ ...ENV, SPARROW_DATABASE_URL: postgresUrl!, SPARROW_REDIS_URL: redisUrl! }),
          { schema, poolSize: 3 },
        ),
      );
    receiver = await serverOn(contexts[1]!);
  }, 60_000);
  afterAll(async () => {
    await receiver?.app.close();
    for (const ctx of contexts) await ctx.dispose();
  });
  describe('one instance', () => {
    scenarios(() => ({ receiver, writer: receiver.ctx }));
  });
  describe('the change made on another instance', () => {
    scenarios(() => ({ receiver, writer: contexts[0]! }));
  });
});
