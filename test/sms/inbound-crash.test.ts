import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { operatorActor } from '../../src/security/index.ts';
import { twilioSignature } from '../../src/sms/providers/twilio.ts';
import { contextWithStorage } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';

const SID = `AC${'0'.repeat(31)}7`;
const TOKEN = 'inbound-crash-token';
const numberOf = (i: number) => `+2547${String(10 + i).padStart(2, '0')}${String(300000 + i).slice(-6)}`;

/**
 * `sparrow serve` killed with SIGKILL while a burst of inbound texts is being group-committed:
 * every webhook answered 200 has its post after the restart, and the provider's retries of the
 * others (no answer, or an error) publish each of those exactly once.
 */
describe('inbound texts when the server is killed mid-burst (group commit, SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-inbound-crash-'));
  let env: Record<string, string>;
  let url: string;
  let server: ChildProcess | null = null;

  const start = async () => {
    const child = spawn(process.execPath, ['bin/sparrow.js', 'serve'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve ended early (${code})`)));
    });
    server = child;
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      PORT: String(port),
      SPARROW_HOST: '127.0.0.1',
      SPARROW_PUBLIC_URL: url,
      SPARROW_DATA_DIR: dir,
      SPARROW_LOG_LEVEL: 'error',
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: SID,
      SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
      SPARROW_TWILIO_FROM: '+15005550006',
      SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
      SPARROW_SMS_POSTS_PER_MINUTE: '1000',
      SPARROW_SMS_POSTS_PER_DAY: '100000',
    };
    const setup = await contextWithStorage(configFor(env), { oneShot: true });
    await setup.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'crash test' },
    );
    const reader = await setup.microblog.createAccount({ username: 'reader' });
    for (let i = 0; i < 8; i += 1) {
      const account = await setup.microblog.createAccount({ username: `crash${i}` });
      await setup.sms.store.bindPhone({
        accountId: account.id,
        e164: numberOf(i),
        country: 'KE',
        verifiedAt: new Date(),
      });
      await setup.sms.settings.update(account.id, { posting: true });
      await setup.microblog.follow(reader.id, account.id);
    }
    await setup.dispose();
    await start();
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (i: number): Promise<number> => {
    const params = {
      MessageSid: `SMcrash${i}`,
      AccountSid: SID,
      From: numberOf(i % 8),
      To: '+15005550006',
      Body: `crash text ${i}`,
    };
    const map = new Map(Object.entries(params).map(([k, v]) => [k, [v]]));
    try {
      const res = await fetch(`${url}/webhooks/sms/twilio`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(TOKEN, `${url}/webhooks/sms/twilio`, map),
        },
        body: new URLSearchParams(params).toString(),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };

  it('loses no acknowledged text and publishes each retried one once', async () => {
    const status = new Map<number, number>();
    let next = 0;
    let killed = false;
    const sender = async () => {
      while (!killed) {
        const i = next++;
        status.set(i, await send(i));
      }
    };
    const senders = Array.from({ length: 16 }, sender);
    // Let batches form, then kill the server in the middle of them.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if ([...status.values()].filter((s) => s === 200).length >= 150) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    server!.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);
    await new Promise((r) =>
      server!.exitCode !== null || server!.signalCode !== null ? r(null) : server!.once('exit', r),
    );
    const acknowledged = [...status].filter(([, s]) => s === 200).map(([i]) => i);
    const unanswered = [...status].filter(([, s]) => s !== 200).map(([i]) => i);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);

    await start();
    // The provider retries what it got no 2xx for (and may retry others too: those must be no-ops).
    for (const i of [...unanswered, ...acknowledged.slice(0, 20)]) expect(await send(i)).toBe(200);

    const check = await contextWithStorage(configFor(env), { oneShot: true });
    try {
      const rows = await check.store.db
        .selectFrom('posts')
        .select('text')
        .where('text', 'like', 'crash text %')
        .execute();
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.text, (counts.get(row.text) ?? 0) + 1);
      const lost = acknowledged.filter((i) => !counts.has(`crash text ${i}`));
      const twice = [...counts].filter(([, n]) => n > 1);
      console.info(
        `killed mid-burst: ${status.size} texts sent, ${acknowledged.length} acknowledged, ${unanswered.length} retried, ${lost.length} acknowledged but lost`,
      );
      expect(lost).toEqual([]);
      expect(twice).toEqual([]);
      expect(counts.size).toBe(status.size);
    } finally {
      await check.dispose();
      server!.kill('SIGTERM');
    }
  }, 120_000);
});
