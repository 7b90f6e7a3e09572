import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import {
  EarlyReceiptReconciler,
  OutboxDispatcher,
  type OutboundSms,
  type SendResult,
  type SmsProvider,
} from '../../src/sms/index.ts';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';
import { operatorActor } from '../../src/security/index.ts';

/** A provider double at the provider seam: records sends and fails on demand. */
class ScriptedProvider implements SmsProvider {
  readonly name = 'console' as const;
  sent: OutboundSms[] = [];
  script: SendResult[] = [];
  async send(message: OutboundSms): Promise<SendResult> {
    const next = this.script.shift();
    if (next && !next.ok) return next;
    this.sent.push(message);
    return { ok: true, providerMessageId: `p-${message.id}` };
  }
}

const KE = '+254712345678';

describe.each(ENGINES)('SMS outbox on $label', ({ name, skip }) => {
  let ctx: TestContext;
  let clock: ManualClock;
  let provider: ScriptedProvider;

  beforeAll(async () => {
    if (skip) return;
    clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
    provider = new ScriptedProvider();
    ctx = await testContext(name, {}, { clock, smsProvider: provider });
    await ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'test setup' },
    );
  });
  afterAll(async () => ctx?.dispose());

  const dispatcher = (owner: string, options = {}) =>
    new OutboxDispatcher(ctx.sms.store, provider, ctx.sms.policy, clock, {
      owner,
      throughputPerSecond: 10_000,
      ...options,
    });
  const content = (text: string) => ({
    to: KE,
    country: 'KE',
    text,
    messageClass: 'content' as const,
    purpose: 'command_reply',
  });

  it.skipIf(skip)(
    'sends after a crash: messages claimed but never settled are claimed again when the lease ends',
    async () => {
      const [id] = await ctx.sms.outbox.enqueue([content('survives a crash')]);
      // A worker claims the message and dies before sending it.
      const claimed = await ctx.sms.store.claimDue({
        owner: 'crashed',
        now: clock.now(),
        leaseUntil: new Date(clock.now().getTime() + 60_000),
        limit: 10,
      });
      expect(claimed.map((m) => m.id)).toEqual([id]);
      const survivor = dispatcher('survivor');
      expect(await survivor.runOnce()).toBe(0); // still leased to the crashed worker
      clock.advance(61_000);
      expect(await survivor.runOnce()).toBe(1);
      expect(await ctx.sms.store.outboxMessage(id!)).toMatchObject({
        status: 'sent',
        provider: 'console',
        providerMessageId: `p-${id}`,
      });
      // The crashed worker's late settlement cannot overwrite the survivor's.
      await ctx.sms.store.markRetry(id!, 'crashed', 'late', clock.now(), clock.now());
      expect((await ctx.sms.store.outboxMessage(id!))?.status).toBe('sent');
    },
  );

  it.skipIf(skip)('also resends after a real restart: a new context on the same store picks the queue up', async () => {
    const [id] = await ctx.sms.outbox.enqueue([content('queued before restart')]);
    const fresh = dispatcher('after-restart');
    expect(await fresh.runOnce()).toBeGreaterThanOrEqual(1);
    expect((await ctx.sms.store.outboxMessage(id!))?.status).toBe('sent');
  });

  it.skipIf(skip)('retries retryable failures with exponential backoff, then gives up', async () => {
    const worker = dispatcher('retrier', { maxAttempts: 3, baseBackoffMs: 10_000, maxBackoffMs: 1_000_000 });
    provider.script = [
      { ok: false, retryable: true, error: 'HTTP 503' },
      { ok: false, retryable: true, error: 'HTTP 503' },
    ];
    const [id] = await ctx.sms.outbox.enqueue([content('try again')]);
    await worker.runOnce();
    let message = await ctx.sms.store.outboxMessage(id!);
    expect(message).toMatchObject({ status: 'queued', attempts: 1, lastError: 'HTTP 503' });
    const firstDelay = message!.nextAttemptAt.getTime() - clock.now().getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(5_000);
    expect(firstDelay).toBeLessThanOrEqual(10_000);
    expect(await worker.runOnce()).toBe(0); // not due yet
    clock.advance(firstDelay);
    await worker.runOnce();
    message = await ctx.sms.store.outboxMessage(id!);
    const secondDelay = message!.nextAttemptAt.getTime() - clock.now().getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(10_000);
    expect(secondDelay).toBeLessThanOrEqual(20_000);
    clock.advance(secondDelay);
    await worker.runOnce();
    expect(await ctx.sms.store.outboxMessage(id!)).toMatchObject({ status: 'sent', attempts: 3 });

    provider.script = [
      { ok: false, retryable: true, error: 'down' },
      { ok: false, retryable: true, error: 'down' },
      { ok: false, retryable: true, error: 'down' },
    ];
    const [doomed] = await ctx.sms.outbox.enqueue([content('never makes it')]);
    for (let i = 0; i < 3; i += 1) {
      await worker.runOnce();
      clock.advance(1_000_000);
    }
    expect(await ctx.sms.store.outboxMessage(doomed!)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'down',
    });
  });

  it.skipIf(skip)('does not retry permanent failures', async () => {
    provider.script = [{ ok: false, retryable: false, error: '21211 invalid To number' }];
    const [id] = await ctx.sms.outbox.enqueue([content('bad number')]);
    await dispatcher('permanent').runOnce();
    expect(await ctx.sms.store.outboxMessage(id!)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it.skipIf(skip)('applies delivery receipts, never moving a final state back', async () => {
    const [id] = await ctx.sms.outbox.enqueue([content('receipt me')]);
    await dispatcher('receipts').runOnce();
    const providerMessageId = `p-${id}`;
    expect(
      await ctx.sms.outbox.applyReceipt('console', { providerMessageId, status: 'delivered', errorCode: null }),
    ).toBe(true);
    expect((await ctx.sms.store.outboxMessage(id!))?.status).toBe('delivered');
    await ctx.sms.outbox.applyReceipt('console', { providerMessageId, status: 'sent', errorCode: null });
    expect((await ctx.sms.store.outboxMessage(id!))?.status).toBe('delivered');
    expect(
      await ctx.sms.outbox.applyReceipt('console', {
        providerMessageId: 'unknown',
        status: 'failed',
        errorCode: '30003',
      }),
    ).toBe(false);
    expect(
      await ctx.sms.outbox.applyReceipt('twilio', { providerMessageId, status: 'failed', errorCode: '30003' }),
    ).toBe(false);
  });

  it.skipIf(skip)('keeps a receipt that overtakes the send and applies it when the send is recorded', async () => {
    const [id] = await ctx.sms.outbox.enqueue([content('fast network')]);
    const claimed = await ctx.sms.store.claimDue({
      owner: 'racer',
      now: clock.now(),
      leaseUntil: new Date(clock.now().getTime() + 60_000),
      limit: 100,
    });
    expect(claimed.map((m) => m.id)).toContain(id);
    // The provider's "delivered" arrives before the dispatcher stored the provider's id.
    expect(
      await ctx.sms.outbox.applyReceipt('console', {
        providerMessageId: 'SMfast',
        status: 'delivered',
        errorCode: null,
      }),
    ).toBe(false);
    await ctx.sms.store.markSent(id!, 'racer', 'console', 'SMfast', clock.now());
    expect(await ctx.sms.store.outboxMessage(id!)).toMatchObject({ status: 'delivered', providerMessageId: 'SMfast' });
    for (const other of claimed.filter((m) => m.id !== id))
      await ctx.sms.store.markRetry(other.id, 'racer', 'released', clock.now(), clock.now());
    clock.advance(2 * 3600_000);
    await ctx.sms.outbox.applyReceipt('console', { providerMessageId: 'SMnever', status: 'failed', errorCode: null });
    clock.advance(2 * 3600_000);
    expect((await ctx.maintenance()).earlyReceiptsExpired).toBeGreaterThanOrEqual(1);
    expect(await ctx.store.db.selectFrom('sms_early_receipts').selectAll().execute()).toEqual([]);
  });

  it.skipIf(skip)(
    'applies a receipt that crossed the send bookkeeping (stored early just after the send looked)',
    async () => {
      const [id] = await ctx.sms.outbox.enqueue([content('crossing')]);
      const claimed = await ctx.sms.store.claimDue({
        owner: 'crosser',
        now: clock.now(),
        leaseUntil: new Date(clock.now().getTime() + 60_000),
        limit: 100,
      });
      for (const other of claimed.filter((m) => m.id !== id))
        await ctx.sms.store.markRetry(other.id, 'crosser', 'released', clock.now(), clock.now());
      // The receipt found no message, the send was recorded (finding no early receipt), then the receipt was kept early.
      await ctx.sms.store.markSent(id!, 'crosser', 'console', 'SMcross', clock.now());
      await ctx.store.db
        .insertInto('sms_early_receipts')
        .values({
          provider: 'console',
          provider_message_id: 'SMcross',
          status: 'delivered',
          error: null,
          received_at: clock.now().toISOString(),
        })
        .execute();
      expect(await ctx.sms.store.outboxMessage(id!)).toMatchObject({ status: 'sent' });
      const reconciler = new EarlyReceiptReconciler(ctx.sms.store, clock);
      expect(await reconciler.runOnce()).toBe(1);
      expect(await ctx.sms.store.outboxMessage(id!)).toMatchObject({
        status: 'delivered',
        providerMessageId: 'SMcross',
      });
      expect(await reconciler.runOnce()).toBe(0);
      expect(
        await ctx.store.db
          .selectFrom('sms_early_receipts')
          .where('provider_message_id', '=', 'SMcross')
          .selectAll()
          .execute(),
      ).toEqual([]);
    },
  );

  it.skipIf(skip)('claims security messages before a backlog of content', async () => {
    await ctx.sms.outbox.enqueue(Array.from({ length: 30 }, (_, i) => content(`backlog ${i}`)));
    await ctx.sms.outbox.enqueue([
      {
        to: KE,
        country: 'KE',
        text: 'Your Sparrow code is 123456.',
        messageClass: 'security',
        purpose: 'phone_verification',
      },
    ]);
    const batch = await ctx.sms.store.claimDue({
      owner: 'prio',
      now: clock.now(),
      leaseUntil: new Date(clock.now().getTime() + 60_000),
      limit: 5,
    });
    expect(batch[0]?.messageClass).toBe('security');
    clock.advance(61_000);
    while ((await dispatcher('drain').runOnce()) > 0) {
      /* drain */
    }
  });

  it.skipIf(skip)('never hands one message to two workers claiming at the same time', async () => {
    provider.sent = [];
    const ids = await ctx.sms.outbox.enqueue(Array.from({ length: 60 }, (_, i) => content(`parallel ${i}`)));
    const workers = Array.from({ length: 4 }, (_, i) => dispatcher(`w${i}`, { batchSize: 7 }));
    for (let round = 0; round < 20; round += 1) {
      const handled = await Promise.all(workers.map((w) => w.runOnce()));
      if (handled.every((n) => n === 0)) break;
    }
    const sentIds = provider.sent.map((m) => m.id).filter((id) => ids.includes(id));
    expect(sentIds.length).toBe(60);
    expect(new Set(sentIds).size).toBe(60);
  });

  it.skipIf(skip)('caps throughput per provider connection', async () => {
    provider.sent = [];
    await ctx.sms.outbox.enqueue(Array.from({ length: 6 }, (_, i) => content(`capped ${i}`)));
    const capped = new OutboxDispatcher(ctx.sms.store, provider, ctx.sms.policy, clock, {
      owner: 'capped',
      throughputPerSecond: 3,
    });
    const started = performance.now();
    while ((await capped.runOnce()) > 0) {
      /* drain */
    }
    // 6 messages at 3/s need at least one full window after the first 3.
    expect(provider.sent.length).toBe(6);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe.each(ENGINES)('SMS inbound crash safety on $label', ({ name, skip }) => {
  it.skipIf(skip)('a provider retry finishes a message whose first handling died half-way, and acts once', async () => {
    const clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
    const ctx = await testContext(name, {}, { clock });
    try {
      const account = await ctx.microblog.createAccount({ username: 'amina' });
      await ctx.sms.store.bindPhone({ accountId: account.id, e164: KE, country: 'KE', verifiedAt: clock.now() });
      await ctx.sms.store.updateSettings(account.id, { posting: true }, clock.now());
      await ctx.sms.policy.setCountry('KE', { posting: true }, { actor: operatorActor('test'), reason: 'test setup' });
      // The first delivery was recorded, then the process died before handling it.
      await ctx.sms.store.recordInbound({
        id: '117000000000000001',
        provider: 'twilio',
        providerMessageId: 'SM1',
        from: KE,
        to: 'x',
        text: 'survives',
        receivedAt: clock.now(),
      });
      const early = await ctx.sms.channel.receive('twilio', {
        providerMessageId: 'SM1',
        from: KE,
        to: 'x',
        text: 'survives',
      });
      expect(early.duplicate).toBe(true); // too soon to tell a crash from a slow first attempt
      clock.advance(61_000);
      const retry = await ctx.sms.channel.receive('twilio', {
        providerMessageId: 'SM1',
        from: KE,
        to: 'x',
        text: 'survives',
      });
      expect(retry).toMatchObject({ duplicate: false, outcome: 'posted' });
      clock.advance(61_000);
      expect(
        (await ctx.sms.channel.receive('twilio', { providerMessageId: 'SM1', from: KE, to: 'x', text: 'survives' }))
          .duplicate,
      ).toBe(true);
      expect((await ctx.microblog.account(account.id)).statusesCount).toBe(1);
    } finally {
      await ctx.dispose();
    }
  });
});

describe.each(ENGINES)('SMS notification fan-out on $label', ({ name, skip }) => {
  it.skipIf(skip)(
    'sends one notification to each of 1,200 SMS followers in batches, none twice, none to STOPped or OFF numbers',
    async () => {
      const clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
      const provider = new ScriptedProvider();
      const ctx = await testContext(name, {}, { clock, smsProvider: provider });
      try {
        await ctx.sms.policy.setCountry(
          'KE',
          { posting: true, notifications: true },
          { actor: operatorActor('test'), reason: 'test setup' },
        );
        const star = await ctx.microblog.createAccount({ username: 'star' });
        const now = clock.now().toISOString();
        const followers: { id: string; e164: string }[] = [];
        for (let i = 0; i < 1200; i += 1) {
          const account = await ctx.microblog.createAccount({ username: `fan${i}` });
          followers.push({ id: account.id, e164: `+25471${String(1000000 + i).slice(-7)}` });
        }
        await ctx.store.db.transaction().execute(async (tx) => {
          for (const [i, f] of followers.entries()) {
            await tx
              .insertInto('follows')
              .values({
                id: `9${String(i).padStart(17, '0')}`,
                account_id: f.id,
                target_account_id: star.id,
                created_at: now,
              })
              .execute();
            await tx
              .insertInto('sms_phones')
              .values({ account_id: f.id, e164: f.e164, country: 'KE', verified_at: now })
              .execute();
            await tx
              .insertInto('sms_subscriptions')
              .values({ account_id: f.id, target_id: star.id, created_at: now })
              .execute();
          }
        });
        await ctx.sms.store.optOut(followers[0]!.e164, clock.now());
        await ctx.sms.store.updateSettings(followers[1]!.id, { notifications: false }, clock.now());

        await ctx.microblog.post(star.id, { text: 'Big news', source: 'web' });
        const worker = new OutboxDispatcher(
          ctx.sms.store,
          provider,
          ctx.sms.policy,
          clock,
          { owner: 'fan-out', throughputPerSecond: 100_000, batchSize: 200 },
          {},
          [ctx.sms.notifier],
        );
        let rounds = 0;
        while ((await worker.runOnce()) + (await ctx.sms.notifier.runOnce()) > 0) rounds += 1;
        const recipients = provider.sent.filter((m) => m.text === '@star: Big news').map((m) => m.to);
        expect(recipients.length).toBe(1198);
        expect(new Set(recipients).size).toBe(1198);
        expect(recipients).not.toContain(followers[0]!.e164);
        expect(recipients).not.toContain(followers[1]!.e164);
        expect(rounds).toBeGreaterThan(3); // worked through in batches, not one giant step
      } finally {
        await ctx.dispose();
      }
    },
    60_000,
  );

  it.skipIf(skip)(
    'a worker that stalled past its lease queues nothing: the job’s new holder sends the batch once',
    async () => {
      const clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
      const ctx = await testContext(name, {}, { clock, smsProvider: new ScriptedProvider() });
      try {
        await ctx.sms.policy.setCountry(
          'KE',
          { posting: true, notifications: true },
          { actor: operatorActor('test'), reason: 'test setup' },
        );
        const star = await ctx.microblog.createAccount({ username: 'star' });
        for (let i = 0; i < 3; i += 1) {
          const fan = await ctx.microblog.createAccount({ username: `fan${i}` });
          await ctx.microblog.follow(fan.id, star.id);
          await ctx.sms.store.bindPhone({
            accountId: fan.id,
            e164: `+25471100000${i}`,
            country: 'KE',
            verifiedAt: clock.now(),
          });
          await ctx.sms.subscriptions.subscribe(fan.id, star);
        }
        await ctx.microblog.post(star.id, { text: 'Big news', source: 'web' });
        // Worker A claims the job, then stalls (a long GC pause, a frozen VM) past its lease.
        const stalled = await ctx.sms.store.claimFanoutJob(clock.now(), new Date(clock.now().getTime() + 60_000));
        expect(stalled).not.toBeNull();
        clock.advance(61_000);
        // Worker B takes the job over and queues the batch.
        expect(await ctx.sms.notifier.runOnce()).toBe(3);
        // A wakes up and tries to queue the same batch and move the job: refused, nothing queued.
        const late = await ctx.sms.outbox.enqueueWith(
          [
            {
              to: '+254711000000',
              country: 'KE',
              text: '@star: Big news',
              messageClass: 'content',
              purpose: 'post_notification',
            },
          ],
          (rows) => ctx.sms.store.queueFanoutBatch(stalled!, rows, { afterAccountId: null, done: true }, clock.now()),
        );
        expect(late).toBe(false);
        expect((await ctx.sms.store.outboxCounts()).queued).toBe(3);
      } finally {
        await ctx.dispose();
      }
    },
  );
});
