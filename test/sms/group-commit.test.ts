import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/sms/providers/twilio.ts';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from '../api/helpers.ts';

/**
 * Group commit of inbound texts (docs/benchmarks.md, "Inbound SMS"): a burst of provider
 * webhooks is handled in shared transactions, each text in its own savepoint, and each webhook
 * is answered only once its text is durable.
 */
const TOKEN = 'group-commit-auth-token';
const PUBLIC_URL = 'https://sparrow.example';
const numberOf = (i: number) => `+2547${String(10 + i).padStart(2, '0')}${String(200000 + i).slice(-6)}`;

function signedWebhook(sid: string, from: string, body: string) {
  const params = { MessageSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: '+15005550006', Body: body };
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

describe.each(ENGINES)('group commit of inbound texts on $label', ({ name, skip }) => {
  let h: ApiHarness;
  const senders: { id: string; e164: string }[] = [];
  const followers: string[] = [];

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
      SPARROW_SMS_POSTS_PER_MINUTE: '1000',
      SPARROW_SMS_POSTS_PER_DAY: '10000',
    });
    await h.ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'group commit test' },
    );
    for (let i = 0; i < 3; i += 1) followers.push((await h.ctx.microblog.createAccount({ username: `reader${i}` })).id);
    for (let i = 0; i < 12; i += 1) {
      const account = await h.ctx.microblog.createAccount({ username: `texter${i}` });
      const e164 = numberOf(i);
      await h.ctx.sms.store.bindPhone({ accountId: account.id, e164, country: 'KE', verifiedAt: new Date() });
      await h.ctx.sms.settings.update(account.id, { posting: true });
      for (const follower of followers) {
        await h.ctx.microblog.follow(follower, account.id);
        await h.ctx.sms.store.subscribe(follower, account.id, new Date());
      }
      senders.push({ id: account.id, e164 });
    }
  }, 60_000);
  afterAll(async () => h?.close());

  const metric = async (metricName: string) => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(new RegExp(`^${metricName} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  };
  const postsWith = async (text: string) =>
    (await h.ctx.store.db.selectFrom('posts').select(['id', 'account_id']).where('text', '=', text).execute()).length;

  it.skipIf(skip)(
    'answers every webhook of a burst after its post committed, in fewer transactions than texts',
    async () => {
      const batchesBefore = await metric('sparrow_sms_inbound_batches');
      const textsBefore = await metric('sparrow_sms_inbound_batched_texts');
      const burst = senders.flatMap((sender, i) =>
        [0, 1, 2].map((k) => ({ sid: `SMburst${i}x${k}`, from: sender.e164, text: `burst ${i}/${k}` })),
      );
      const answers = await Promise.all(burst.map((t) => h.app.inject(signedWebhook(t.sid, t.from, t.text))));
      expect(answers.map((a) => a.statusCode)).toEqual(burst.map(() => 200));
      // Every text is published once, with its fan-out and its SMS notification job.
      for (const t of burst) expect(await postsWith(t.text)).toBe(1);
      const outcomes = await h.ctx.store.db
        .selectFrom('sms_inbound')
        .select(['outcome', 'post_id'])
        .where(
          'provider_message_id',
          'in',
          burst.map((t) => t.sid),
        )
        .execute();
      expect(outcomes).toHaveLength(burst.length);
      expect(outcomes.every((o) => o.outcome === 'posted' && o.post_id)).toBe(true);
      for (const follower of followers) {
        const feed = await h.ctx.store.db
          .selectFrom('home_feed')
          .select('post_id')
          .where('account_id', '=', follower)
          .where(
            'post_id',
            'in',
            outcomes.map((o) => o.post_id!),
          )
          .execute();
        expect(feed).toHaveLength(burst.length);
      }
      const jobs = await h.ctx.store.db
        .selectFrom('sms_fanout_jobs')
        .select('id')
        .where(
          'post_id',
          'in',
          outcomes.map((o) => o.post_id!),
        )
        .execute();
      expect(jobs).toHaveLength(burst.length);
      const texts = (await metric('sparrow_sms_inbound_batched_texts')) - textsBefore;
      const batches = (await metric('sparrow_sms_inbound_batches')) - batchesBefore;
      expect(texts).toBe(burst.length);
      expect(batches).toBeLessThan(texts);
    },
  );

  it.skipIf(skip)('a retried text inside the same burst is handled once (the dedupe sees its own batch)', async () => {
    const sender = senders[0]!;
    const same = signedWebhook('SMtwice', sender.e164, 'only once please');
    const answers = await Promise.all([h.app.inject(same), h.app.inject(same), h.app.inject(same)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(await postsWith('only once please')).toBe(1);
  });

  it.skipIf(skip)(
    'a unit that fails leaves nothing and gets its error; the others of its batch commit once',
    async () => {
      const group = h.ctx.store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
      const runs = new Map<string, number>();
      const write = (id: string) => async () => {
        runs.set(id, (runs.get(id) ?? 0) + 1);
        // A store's own transaction inside a unit becomes a savepoint of the batch.
        await h.ctx.store.db.transaction().execute(async (tx) => {
          await tx.insertInto('sms_opt_outs').values({ e164: id, opted_out_at: new Date().toISOString() }).execute();
        });
        return id;
      };
      const failing = async () => {
        await write('+100000000002')();
        throw new Error('this unit fails after writing');
      };
      const results = await Promise.allSettled([
        group.run(write('+100000000001')),
        group.run(failing),
        group.run(write('+100000000003')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason.message).toBe('this unit fails after writing');
      const kept = await h.ctx.store.db
        .selectFrom('sms_opt_outs')
        .select('e164')
        .where('e164', 'like', '+1000000000%')
        .orderBy('e164')
        .execute();
      expect(kept.map((r) => r.e164)).toEqual(['+100000000001', '+100000000003']);
      // No savepoint per unit: the failure rolled the batch back, and the unit before it ran again
      // in the next batch (written once all the same); the one after it had not run yet.
      expect(group.batches).toBe(2);
      expect(Object.fromEntries(runs)).toEqual({ '+100000000001': 2, '+100000000002': 1, '+100000000003': 1 });
    },
  );

  it.skipIf(skip)(
    'the first unit of a batch fails alone; a nested transaction rolled back inside a unit undoes only its own writes',
    async () => {
      const group = h.ctx.store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
      const optOut = (db: typeof h.ctx.store.db, e164: string) =>
        db.insertInto('sms_opt_outs').values({ e164, opted_out_at: new Date().toISOString() }).execute();
      // Each unit's `db.transaction()` is a savepoint of the same name (unit_tx_1) in one batch.
      const write = (e164: string) => async () => {
        await h.ctx.store.db.transaction().execute((tx) => optOut(tx, e164));
        return e164;
      };
      const failingFirst = async () => {
        await write('+100000000021')();
        await optOut(h.ctx.store.db, '+100000000022');
        throw new Error('the first unit fails after writing');
      };
      const partlyUndone = async () => {
        await optOut(h.ctx.store.db, '+100000000024');
        await h.ctx.store.db
          .transaction()
          .execute(async (tx) => {
            await optOut(tx, '+100000000025');
            throw new Error('undo this part only');
          })
          .catch(() => {});
        await write('+100000000026')();
        return 'partly';
      };
      const results = await Promise.allSettled([
        group.run(failingFirst),
        group.run(write('+100000000023')),
        group.run(partlyUndone),
        group.run(write('+100000000027')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((results[0] as PromiseRejectedResult).reason.message).toBe('the first unit fails after writing');
      const kept = await h.ctx.store.db
        .selectFrom('sms_opt_outs')
        .select('e164')
        .where('e164', 'like', '+1000000000%')
        .where('e164', '>=', '+100000000021')
        .where('e164', '<=', '+100000000029')
        .orderBy('e164')
        .execute();
      expect(kept.map((r) => r.e164)).toEqual(['+100000000023', '+100000000024', '+100000000026', '+100000000027']);
      expect(group.batches).toBe(2);
    },
  );

  it.skipIf(skip)('idle() waits for every unit queued or under way (the store closes after it)', async () => {
    const group = h.ctx.store.groupCommit({ maxBatch: 2, windowMs: 5, unitTimeoutMs: 2_000 });
    const unit = (e164: string) => async () => {
      await new Promise((r) => setTimeout(r, 20));
      await h.ctx.store.db.insertInto('sms_opt_outs').values({ e164, opted_out_at: 'idle' }).execute();
      return e164;
    };
    const settled: string[] = [];
    const numbers = ['+100000000041', '+100000000042', '+100000000043', '+100000000044', '+100000000045'];
    for (const e164 of numbers) void group.run(unit(e164)).then((value) => settled.push(value));
    await group.idle();
    // Every unit committed and its caller heard back (three batches of at most two).
    await new Promise((r) => setImmediate(r));
    expect(settled.sort()).toEqual(numbers);
    expect(group.batches).toBe(3);
    await group.idle();
  });

  it.skipIf(skip)('a unit that outlives its time is rolled back and refused further statements', async () => {
    const group = h.ctx.store.groupCommit({ maxBatch: 10, windowMs: 0, unitTimeoutMs: 100 });
    let lateWrite: Promise<unknown> = Promise.resolve();
    const slow = async () => {
      await h.ctx.store.db.insertInto('sms_opt_outs').values({ e164: '+100000000010', opted_out_at: 'x' }).execute();
      await new Promise((r) => setTimeout(r, 300));
      lateWrite = h.ctx.store.db
        .insertInto('sms_opt_outs')
        .values({ e164: '+100000000011', opted_out_at: 'x' })
        .execute();
      await lateWrite;
    };
    const quick = () => sql`select 1`.execute(h.ctx.store.db).then(() => 'done');
    const [slowResult, quickResult] = await Promise.allSettled([group.run(slow), group.run(quick)]);
    expect(slowResult.status).toBe('rejected');
    expect(quickResult).toEqual({ status: 'fulfilled', value: 'done' });
    await new Promise((r) => setTimeout(r, 400));
    await expect(lateWrite).rejects.toThrow(/ran out of time/);
    const rows = await h.ctx.store.db
      .selectFrom('sms_opt_outs')
      .select('e164')
      .where('e164', 'in', ['+100000000010', '+100000000011'])
      .execute();
    expect(rows).toEqual([]);
  });

  /** A promise with its resolve, to make two units wait for each other. */
  const signal = () => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  };

  it.skipIf(skip || name !== 'postgres')(
    'PostgreSQL: lanes run batches at once, each on its own connection (two units that wait for each other both finish)',
    async () => {
      const group = h.ctx.store.groupCommit({ maxBatch: 10, windowMs: 0, unitTimeoutMs: 2_000, lanes: 2 });
      const first = signal();
      const second = signal();
      const results = await Promise.all([
        group.run(async () => {
          await sql`select 1`.execute(h.ctx.store.db);
          first.open();
          await second.opened;
          return 'first';
        }),
        group.run(async () => {
          await sql`select 1`.execute(h.ctx.store.db);
          second.open();
          await first.opened;
          return 'second';
        }),
      ]);
      expect(results).toEqual(['first', 'second']);
      expect(group.batches).toBe(2);
    },
  );

  it.skipIf(skip)('units of one key (a sender) commit one after another, in the order they came', async () => {
    const group = h.ctx.store.groupCommit({ maxBatch: 3, windowMs: 0, unitTimeoutMs: 2_000, lanes: 4 });
    const started: number[] = [];
    let running = 0;
    let overlapped = false;
    const unit = (i: number) => async () => {
      started.push(i);
      running += 1;
      if (running > 1) overlapped = true;
      await sql`select 1`.execute(h.ctx.store.db);
      await new Promise((r) => setTimeout(r, 2));
      running -= 1;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => group.run(unit(i), '+254700000001')));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(overlapped).toBe(false);
  });

  it.skipIf(skip || name !== 'postgres')(
    'PostgreSQL: two lanes that deadlock lose nothing: the unit PostgreSQL picks is run again once the other committed',
    async () => {
      const rows = ['+100000000031', '+100000000032'];
      await h.ctx.store.db
        .insertInto('sms_opt_outs')
        .values(rows.map((e164) => ({ e164, opted_out_at: 'start' })))
        .execute();
      const group = h.ctx.store.groupCommit({ maxBatch: 10, windowMs: 0, unitTimeoutMs: 10_000, lanes: 2 });
      const touch = (e164: string, by: string) =>
        h.ctx.store.db
          .updateTable('sms_opt_outs')
          .set((eb) => ({ opted_out_at: eb('opted_out_at', '||', `,${by}`) }))
          .where('e164', '=', e164)
          .execute();
      const aLocked = signal();
      const bLocked = signal();
      const attempts = { a: 0, b: 0 };
      // Each locks one row, waits until the other locked the other, then wants the other's row.
      const crossing =
        (self: 'a' | 'b', mine: string, theirs: string, locked: typeof aLocked, other: typeof aLocked) => async () => {
          attempts[self] += 1;
          await touch(mine, self);
          locked.open();
          await other.opened;
          await touch(theirs, self);
          return self;
        };
      const results = await Promise.allSettled([
        group.run(crossing('a', rows[0]!, rows[1]!, aLocked, bLocked)),
        group.run(crossing('b', rows[1]!, rows[0]!, bLocked, aLocked)),
      ]);
      expect(results).toEqual([
        { status: 'fulfilled', value: 'a' },
        { status: 'fulfilled', value: 'b' },
      ]);
      // One of them lost the deadlock and ran a second time; each wrote both rows exactly once.
      expect(attempts.a + attempts.b).toBe(3);
      const after = await h.ctx.store.db
        .selectFrom('sms_opt_outs')
        .select(['e164', 'opted_out_at'])
        .where('e164', 'in', rows)
        .orderBy('e164')
        .execute();
      for (const row of after) expect(row.opted_out_at.split(',').slice(1).sort()).toEqual(['a', 'b']);
    },
    20_000,
  );
});
