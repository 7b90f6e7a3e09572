import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { operatorActor } from '../../src/security/index.ts';
import { contextWithStorage, type TestContext } from '../helpers/context.ts';
import { until } from '../helpers/until.ts';

const SID = 'AC00000000000000000000000000000009';
const TOKEN = 'crash-test-token';

/** Twilio's REST API on loopback, slow enough that a kill lands mid-send. */
async function slowTwilio(delayMs: number) {
  const received: string[] = [];
  const recipients: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () =>
      setTimeout(() => {
        received.push(new URLSearchParams(body).get('Body') ?? '');
        recipients.push(new URLSearchParams(body).get('To') ?? '');
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ sid: `SM${received.length}`, status: 'queued' }));
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    recipients,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('SMS worker killed with SIGKILL mid-send', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof slowTwilio>>;
  let web: TestContext;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparrow-crash-'));
    api = await slowTwilio(15);
    env = {
      SPARROW_DATA_DIR: dir,
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: SID,
      SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
      SPARROW_TWILIO_FROM: '+15005550006',
      SPARROW_TWILIO_API_BASE_URL: api.url,
      SPARROW_SMS_LEASE_SECONDS: '2',
      SPARROW_LOG_LEVEL: 'warn',
    };
    web = await contextWithStorage(configFor(env));
    await web.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'test setup' },
    );
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await web?.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = async () => {
    const child = spawn(process.execPath, ['bin/sparrow.js', 'worker'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    await until('worker start', () => output.includes('worker running'));
    return child;
  };

  it('delivers every queued message after a restart, none twice beyond the one in flight', async () => {
    const texts = Array.from({ length: 120 }, (_, i) => `notification ${i}`);
    await web.sms.outbox.enqueue(
      texts.map((text) => ({
        to: '+254712345678',
        country: 'KE',
        text,
        messageClass: 'content',
        purpose: 'post_notification',
      })),
    );
    const first = await startWorker();
    await until('part of the queue sent', () => api.received.length >= 30);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));
    const sentBeforeCrash = api.received.length;
    expect(sentBeforeCrash).toBeLessThan(texts.length);

    await startWorker();
    await until('every message delivered', () => texts.every((t) => api.received.includes(t)), 30_000);
    await until('outbox settled', async () => (await web.sms.store.outboxCounts()).sending === undefined);
    const counts = new Map<string, number>();
    for (const body of api.received) counts.set(body, (counts.get(body) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    // The dispatcher sends one message at a time: at most the one in flight at the kill goes twice.
    expect(duplicates).toBeLessThanOrEqual(1);
    expect((await web.sms.store.outboxCounts()).sent).toBe(texts.length);
  }, 60_000);
});

describe('SMS fan-out killed between queuing a batch and advancing its job', () => {
  const FOLLOWERS = 520; // one full batch of 500, then the rest
  let dir: string;
  let api: Awaited<ReturnType<typeof slowTwilio>>;
  let web: TestContext;
  let env: Record<string, string>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparrow-fanout-crash-'));
    api = await slowTwilio(0);
    env = {
      SPARROW_DATA_DIR: dir,
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: SID,
      SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
      SPARROW_TWILIO_FROM: '+15005550006',
      SPARROW_TWILIO_API_BASE_URL: api.url,
      SPARROW_SMS_LEASE_SECONDS: '2',
      SPARROW_SMS_THROUGHPUT: '2000',
      SPARROW_LOG_LEVEL: 'warn',
    };
    web = await contextWithStorage(configFor(env));
    await web.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'test setup' },
    );
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await web?.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = async (script: string, ready: string) => {
    const child = spawn(process.execPath, [script, 'worker'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    await until('worker start', () => output.includes(ready));
    return { child, output: () => output };
  };

  it('sends each follower the post once: the batch and the job move together or not at all', async () => {
    const author = await web.microblog.createAccount({ username: 'newsdesk' });
    const numbers: string[] = [];
    for (let i = 0; i < FOLLOWERS; i += 1) {
      const follower = await web.microblog.createAccount({ username: `reader${i}` });
      const e164 = `+2547${String(10_000_000 + i).padStart(8, '0')}`;
      numbers.push(e164);
      await web.microblog.follow(follower.id, author.id);
      await web.sms.store.bindPhone({ accountId: follower.id, e164, country: 'KE', verifiedAt: new Date() });
      await web.sms.subscriptions.subscribe(follower.id, author);
    }
    await web.microblog.post(author.id, { text: 'Road closed at the market today', source: 'web' });

    // The first worker dies at the exact point between the two writes.
    const crashing = await startWorker('test/fixtures/fanout-crash-worker.ts', 'worker running');
    await new Promise((resolve) => crashing.child.on('exit', resolve));
    expect(crashing.output()).toContain('killed between queuing the batch and advancing the job');
    const sentBeforeCrash = api.recipients.length;

    // A healthy worker takes over once the lease has run out.
    await startWorker('bin/sparrow.js', 'worker running');
    await until('every follower texted', () => new Set(api.recipients).size === FOLLOWERS, 40_000);
    await until('outbox settled', async () => {
      const counts = await web.sms.store.outboxCounts();
      return counts.queued === undefined && counts.sending === undefined;
    });
    const perNumber = new Map<string, number>();
    for (const to of api.recipients) perNumber.set(to, (perNumber.get(to) ?? 0) + 1);
    const duplicated = [...perNumber.values()].filter((n) => n > 1).length;
    // The notifier runs between sends, so nothing was in flight at the kill: no one may get it twice.
    expect(sentBeforeCrash).toBe(0);
    expect(duplicated).toBe(0);
    expect(numbers.every((n) => perNumber.get(n) === 1)).toBe(true);
    expect((await web.sms.store.outboxCounts()).sent).toBe(FOLLOWERS);
  }, 120_000);
});
