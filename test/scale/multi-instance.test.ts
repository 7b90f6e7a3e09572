import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, redisUrl, testSchemaName, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

/**
 * The scaled-out shape on loopback: two `sparrow serve` processes (not sending SMS) and two
 * `sparrow worker` processes sharing PostgreSQL and Redis, driven only through HTTP.
 */
describe.skipIf(!postgresUrl || !redisUrl)('two serve instances and two workers on PostgreSQL + Redis', () => {
  const schema = testSchemaName('multi');
  const processes: ChildProcess[] = [];
  let env: Record<string, string>;
  let admin: TestContext;
  const urls: string[] = [];

  const start = async (command: 'serve' | 'worker', extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['bin/sparrow.js', command], {
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    processes.push(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    await until(`${command} to start`, async () => /listening|worker running/.test(output), 30_000);
  };

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    const url = new URL(postgresUrl!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env = {
      SPARROW_DATABASE_URL: url.toString(),
      SPARROW_REDIS_URL: redisUrl!,
      SPARROW_SMS_PROVIDER: 'console',
      SPARROW_LOG_LEVEL: 'warn',
      SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
      SPARROW_HOST: '127.0.0.1',
      SPARROW_SMS_POSTS_PER_MINUTE: '3',
      SPARROW_SMS_THROUGHPUT: '200',
    };
    admin = await contextWithStorage(configFor(env)); // migrates before the processes start
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      urls.push(`http://127.0.0.1:${port}`);
      await start('serve', { PORT: String(port), SPARROW_PUBLIC_URL: `http://127.0.0.1:${port}` });
    }
    await start('worker');
    await start('worker');
  }, 90_000);

  afterAll(async () => {
    await Promise.all(
      processes.map(
        (child) =>
          new Promise((resolve) => {
            child.on('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    await admin?.close();
  });

  const json = async (url: string, init: RequestInit & { token?: string } = {}) => {
    const response = await fetch(url, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
  };

  it('shares the kill switch, per-number limits and the outbox across instances, sending nothing twice', async () => {
    const [a, b] = urls as [string, string];
    const root = await admin.identity.register({
      username: 'root',
      email: 'root@example.org',
      password: 'correct horse battery',
      role: 'admin',
    });
    const rootToken = (
      await admin.oauth.issueToken({
        appId: null,
        accountId: root.id,
        scopes: ['read', 'write', 'admin:read', 'admin:write'],
      })
    ).accessToken;
    const author = await admin.microblog.createAccount({ username: 'author' });
    const number = '+254712345678';
    await admin.sms.store.bindPhone({ accountId: author.id, e164: number, country: 'KE', verifiedAt: new Date() });
    await admin.sms.settings.update(author.id, { posting: true });

    // Policy set through instance A applies to texts arriving at instance B.
    expect(
      (
        await json(`${a}/api/v1/admin/sparrow/sms_policy`, {
          method: 'PUT',
          token: rootToken,
          body: JSON.stringify({ country: 'KE', posting: true, notifications: true, reason: 'pilot' }),
        })
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 2_200));
    const text = (instance: string, body: string) =>
      json(`${instance}/api/v1/sparrow/dev/sms`, {
        method: 'POST',
        body: JSON.stringify({ from: number, text: body }),
      });
    expect((await text(b, 'through B')).body).toMatchObject({ outcome: 'posted' });

    // Per-number limits hold across instances: 3 a minute, wherever they arrive.
    const outcomes = [];
    for (const [i, instance] of [a, b, a].entries())
      outcomes.push(((await text(instance, `burst ${i}`)).body as { outcome: string }).outcome);
    expect(outcomes).toEqual(['posted', 'posted', 'held']);

    // 150 content messages for two competing workers: each goes out exactly once.
    const texts = Array.from({ length: 150 }, (_, i) => `fan-out ${i}`);
    const ids = await admin.sms.outbox.enqueue(
      texts.map((t) => ({
        to: '+254722000001',
        country: 'KE',
        text: t,
        messageClass: 'content',
        purpose: 'post_notification',
      })),
    );
    await until('all sent', async () => {
      const rows = await admin.store.db
        .selectFrom('sms_outbox')
        .select(['status', 'attempts', 'provider_message_id'])
        .where('id', 'in', ids)
        .execute();
      return rows.every((r) => r.status === 'sent') && rows;
    });
    const rows = await admin.store.db
      .selectFrom('sms_outbox')
      .select(['attempts', 'provider_message_id', 'lease_owner'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.provider_message_id)).size).toBe(150);

    // The kill switch set through instance B stops content everywhere within 5 s; codes still go out.
    const switched = await json(`${b}/api/v1/admin/sparrow/kill_switch`, {
      method: 'POST',
      token: rootToken,
      body: JSON.stringify({ enabled: true, reason: 'drill' }),
    });
    expect(switched.status).toBe(200);
    const at = Date.now();
    await until(
      'posting refused on A',
      async () => ((await text(a, 'during the drill')).body as { outcome: string }).outcome === 'refused_kill_switch',
    );
    expect(Date.now() - at).toBeLessThan(5_000);
    // From 5 s after the switch, no process sends content any more.
    await new Promise((r) => setTimeout(r, Math.max(0, at + 5_000 - Date.now())));
    const [content, code] = await admin.sms.outbox.enqueue([
      {
        to: '+254722000002',
        country: 'KE',
        text: 'content during drill',
        messageClass: 'content',
        purpose: 'post_notification',
      },
      {
        to: '+254722000002',
        country: 'KE',
        text: 'Your Sparrow code is 000111.',
        messageClass: 'security',
        purpose: 'phone_verification',
      },
    ]);
    await until('workers settle', async () => {
      const [c, s] = await Promise.all([admin.sms.store.outboxMessage(content!), admin.sms.store.outboxMessage(code!)]);
      return c?.status === 'suppressed' && s?.status === 'sent';
    });
  }, 90_000);
});
