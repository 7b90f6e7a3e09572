import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Temporal } from '@js-temporal/polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { migrateToLatest, openDatabase, type StoreConnection } from '../../src/store/index.ts';
import { KyselyFederationKv } from '../../src/store/federation-kv.ts';
import { KyselyFederationQueue } from '../../src/store/federation-queue.ts';
import { ManualClock, systemClock } from '../../src/shared/clock.ts';
import { ENGINES, testSchemaName } from '../helpers/context.ts';
import pg from 'pg';

/**
 * Fedify's key-value store and message queue on Sparrow's own database (issue 13): what
 * Fedify relies on (TTL, compare-and-swap, prefix listing; at-least-once delivery, delays,
 * ordering keys) and what Sparrow adds (two processes never handle one message at once; a
 * message survives a crash and a restart).
 */
describe.each(ENGINES)('federation key-value store and queue on $label', ({ name, skip }) => {
  /** Two connections to one database, as two processes on one machine would have. */
  let first: StoreConnection;
  let second: StoreConnection;

  beforeAll(async () => {
    if (skip) return;
    if (name === 'sqlite') {
      const file = join(mkdtempSync(join(tmpdir(), 'sparrow-fed-')), 'store.sqlite');
      const config = configFor({ SPARROW_DATABASE_URL: `sqlite:${file}` }).database;
      first = openDatabase(config);
      second = openDatabase(config);
    } else {
      const url = process.env.SPARROW_TEST_DATABASE_URL as string;
      const schema = testSchemaName('fed');
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const config = configFor({ SPARROW_DATABASE_URL: url }).database;
      first = openDatabase(config, { schema, poolSize: 4 });
      second = openDatabase(config, { schema, poolSize: 4 });
    }
    await migrateToLatest(first);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it.skipIf(skip)('keeps values by key, forgets them after their time to live, and lists by prefix', async () => {
    const clock = new ManualClock(new Date('2026-12-04T12:00:00Z'));
    const kv = new KyselyFederationKv(first.db, clock);
    await kv.set(['doc', 'https://a.example/x'], { name: 'x' });
    await kv.set(['doc', 'https://a.example/y%_'], [1, 2, 3], { ttl: Temporal.Duration.from({ minutes: 5 }) });
    await kv.set(['Doc', 'upper'], 'case matters');
    await kv.set(['doc'], 'the prefix itself');
    await kv.set(['document', 'other'], 'not under ["doc"]');
    expect(await kv.get(['doc', 'https://a.example/x'])).toEqual({ name: 'x' });
    expect(await kv.get(['doc', 'missing'])).toBeUndefined();

    const listed = async (prefix?: readonly [string, ...string[]]) => {
      const keys: string[] = [];
      for await (const entry of kv.list(prefix)) keys.push(JSON.stringify(entry.key));
      return keys.sort();
    };
    expect(await listed(['doc'])).toEqual(
      ['["doc"]', '["doc","https://a.example/x"]', '["doc","https://a.example/y%_"]'].sort(),
    );
    expect(await listed(['doc', 'https://a.example/y%_'])).toEqual(['["doc","https://a.example/y%_"]']);

    clock.advance(6 * 60_000);
    expect(await kv.get(['doc', 'https://a.example/y%_'])).toBeUndefined();
    expect(await listed(['doc'])).toEqual(['["doc"]', '["doc","https://a.example/x"]'].sort());
    expect(await kv.purgeExpired()).toBe(1);

    await kv.delete(['doc', 'https://a.example/x']);
    expect(await kv.get(['doc', 'https://a.example/x'])).toBeUndefined();
    expect((await listed()).length).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(skip)('compare-and-swap succeeds for exactly one of two racing writers', async () => {
    const kv1 = new KyselyFederationKv(first.db, systemClock);
    const kv2 = new KyselyFederationKv(second.db, systemClock);
    const key = ['lock', `k${Date.now()}`] as const;
    const claims = await Promise.all([kv1.cas(key, undefined, 'one'), kv2.cas(key, undefined, 'two')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = await kv1.get<string>(key);
    expect(['one', 'two']).toContain(holder);
    expect(await kv2.cas(key, 'nobody', 'three')).toBe(false);
    expect(await kv2.cas(key, holder, { next: true })).toBe(true);
    expect(await kv1.get(key)).toEqual({ next: true });
  });

  it.skipIf(skip)('delivers every message once across two listening processes, delays and orders them', async () => {
    const handled: string[] = [];
    const inFlight = new Set<string>();
    let overlapping = false;
    const handler = (who: string) => async (message: unknown) => {
      const { id, key } = message as { id: string; key?: string };
      if (key) {
        if (inFlight.has(key)) overlapping = true;
        inFlight.add(key);
      }
      await new Promise((r) => setTimeout(r, 2));
      handled.push(`${id}`);
      if (key) inFlight.delete(key);
      void who;
    };
    const queue1 = new KyselyFederationQueue(first.db, first.engine, systemClock, { pollMillis: 50 });
    const queue2 = new KyselyFederationQueue(second.db, second.engine, systemClock, { pollMillis: 50 });
    const stop = new AbortController();
    const listening = Promise.all([
      queue1.listen(handler('one'), { signal: stop.signal }),
      queue2.listen(handler('two'), { signal: stop.signal }),
    ]);
    const plain = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}` }));
    await queue1.enqueueMany(plain.slice(0, 20));
    await queue2.enqueueMany(plain.slice(20));
    for (let i = 0; i < 10; i++) await queue1.enqueue({ id: `o${i}`, key: 'inbox-a' }, { orderingKey: 'inbox-a' });
    await queue2.enqueue({ id: 'late' }, { delay: Temporal.Duration.from({ milliseconds: 600 }) });
    const started = Date.now();
    while (handled.length < 51 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await listening;
    expect(handled.sort()).toEqual(
      [...plain.map((m) => m.id), ...Array.from({ length: 10 }, (_, i) => `o${i}`), 'late'].sort(),
    );
    expect(new Set(handled).size).toBe(handled.length);
    expect(overlapping).toBe(false);
    expect((await queue1.getDepth()).queued).toBe(0);
  });

  it.skipIf(skip)('hands a message to another process when its holder dies, and keeps it over a restart', async () => {
    const clock = new ManualClock(new Date());
    const crashed = new KyselyFederationQueue(first.db, first.engine, clock, { leaseMillis: 30_000, pollMillis: 20 });
    await crashed.enqueue({ id: 'survivor' });
    expect(await crashed.getDepth()).toEqual({ queued: 1, ready: 1, delayed: 0 });
    // The first listener claims the message and "dies" inside the handler.
    const dying = new AbortController();
    const dead = crashed.listen(
      async () => {
        dying.abort();
        await new Promise(() => {}); // never returns: the process is gone
      },
      { signal: dying.signal },
    );
    void dead;
    while (!dying.signal.aborted) await new Promise((r) => setTimeout(r, 10));

    // A restarted process (a new queue on another connection) does not take it while leased…
    const restarted = new KyselyFederationQueue(second.db, second.engine, clock, { pollMillis: 20 });
    const got: unknown[] = [];
    const stop = new AbortController();
    const listening = restarted.listen(async (m) => void got.push(m), { signal: stop.signal });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([]);
    // …and does once the lease has run out.
    clock.advance(31_000);
    const started = Date.now();
    while (got.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await listening;
    expect(got).toEqual([{ id: 'survivor' }]);
    expect((await restarted.getDepth()).queued).toBe(0);
  });

  it.skipIf(skip)('retries a message whose handler fails, with back-off, then gives up', async () => {
    const clock = new ManualClock(new Date());
    const errors: unknown[] = [];
    const queue = new KyselyFederationQueue(first.db, first.engine, clock, {
      pollMillis: 20,
      maxAttempts: 3,
      onError: (e) => errors.push(e),
    });
    await queue.enqueue({ id: 'flaky' });
    let calls = 0;
    const stop = new AbortController();
    const listening = queue.listen(
      () => {
        calls++;
        throw new Error('remote said 500');
      },
      { signal: stop.signal },
    );
    for (let attempt = 1; attempt <= 3; attempt++) {
      const started = Date.now();
      while (calls < attempt && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 10));
      clock.advance(60 * 60_000);
    }
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await listening;
    expect(calls).toBe(3);
    expect(errors).toHaveLength(3);
    expect((await queue.getDepth()).queued).toBe(0);
  });
});
