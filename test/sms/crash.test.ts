import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { operatorActor } from '../../src/security/index.ts';
import { contextWithStorage, type TestContext } from '../helpers/context.ts';

const SID = 'AC00000000000000000000000000000009';
const TOKEN = 'crash-test-token';

/** Twilio's REST API on loopback, slow enough that a kill lands mid-send. */
async function slowTwilio(delayMs: number) {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () =>
      setTimeout(() => {
        received.push(new URLSearchParams(body).get('Body') ?? '');
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
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
