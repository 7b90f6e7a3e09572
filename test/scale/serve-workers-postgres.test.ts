import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { operatorActor } from '../../src/security/index.ts';
import { contextWithStorage, redisUrl, testSchemaName, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

/**
 * `sparrow serve --workers 3` on PostgreSQL + Redis: three processes on one port, and the work
 * that must happen once — the SMS dispatcher (with scheduled posts and SMS fan-out on the same
 * loop) and housekeeping — runs in exactly one of them.
 */
describe.skipIf(!postgresUrl || !redisUrl)('sparrow serve --workers 3 on PostgreSQL + Redis', () => {
  const schema = testSchemaName('workers');
  let child: ChildProcess;
  let output = '';
  let url: string;
  let admin: TestContext;
  let token: string;
  let authorId: string;
  const NUMBER = '+254712345670';
  const READER = '+254712345671';

  const leaders = () =>
    output
      .split('\n')
      .filter((line) => line.includes('this worker sends SMS and runs housekeeping'))
      .map((line) => (JSON.parse(line) as { pid: number }).pid);

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    const database = new URL(postgresUrl!);
    database.searchParams.set('options', `-c search_path=${schema}`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      SPARROW_DATABASE_URL: database.toString(),
      SPARROW_REDIS_URL: redisUrl!,
      SPARROW_SMS_PROVIDER: 'console',
      SPARROW_LOG_LEVEL: 'info',
      SPARROW_HOST: '127.0.0.1',
      PORT: String(port),
      SPARROW_PUBLIC_URL: url,
      SPARROW_SMS_POSTS_PER_MINUTE: '100',
      SPARROW_SMS_THROUGHPUT: '500',
    };
    admin = await contextWithStorage(configFor(env), { oneShot: true }); // migrates first
    const author = await admin.microblog.createAccount({ username: 'author' });
    authorId = author.id;
    const reader = await admin.microblog.createAccount({ username: 'reader' });
    await admin.sms.store.bindPhone({ accountId: author.id, e164: NUMBER, country: 'KE', verifiedAt: new Date() });
    await admin.sms.store.bindPhone({ accountId: reader.id, e164: READER, country: 'KE', verifiedAt: new Date() });
    await admin.sms.settings.update(author.id, { posting: true });
    await admin.sms.settings.update(reader.id, { notifications: true });
    await admin.microblog.follow(reader.id, author.id);
    await admin.sms.store.subscribe(reader.id, author.id, new Date());
    await admin.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'workers test' },
    );
    token = (await admin.oauth.issueToken({ appId: null, accountId: author.id, scopes: ['read', 'write'] }))
      .accessToken;
    child = spawn(process.execPath, ['bin/sparrow.js', 'serve', '--workers', '3'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await until('three processes listening', async () => output.includes('3 processes'), 90_000);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await admin?.close();
  });

  it('has exactly one leader', () => {
    expect(leaders()).toHaveLength(1);
  });

  it('publishes a scheduled post once and texts it to an SMS follower once', async () => {
    const scheduled = await fetch(`${url}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'posted by the leader', scheduled_at: new Date(Date.now() + 6 * 60_000) }),
    });
    expect(scheduled.status).toBe(200);
    // Due now (as if the time had come): every process sees it, one publishes it.
    await admin.store.db
      .updateTable('scheduled_posts')
      .set({ scheduled_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    const published = await until('scheduled post published', async () => {
      const rows = await admin.store.db
        .selectFrom('posts')
        .select('id')
        .where('text', '=', 'posted by the leader')
        .execute();
      return rows.length > 0 && rows;
    });
    const texted = await until('the follower texted', async () => {
      const messages = (await admin.sms.store.messagesTo(READER, 50)).filter((m) =>
        m.text.includes('posted by the leader'),
      );
      return messages.some((m) => m.status === 'sent') && messages;
    });
    // Give the other processes every chance to do it again.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(published).toHaveLength(1);
    const rows = await admin.store.db
      .selectFrom('posts')
      .select('id')
      .where('text', '=', 'posted by the leader')
      .execute();
    expect(rows).toHaveLength(1);
    const messages = (await admin.sms.store.messagesTo(READER, 50)).filter((m) =>
      m.text.includes('posted by the leader'),
    );
    expect(messages).toHaveLength(1);
    expect(texted[0]!.attempts).toBe(1);
    const account = (await (await fetch(`${url}/api/v1/accounts/${authorId}`)).json()) as { statuses_count: number };
    expect(account.statuses_count).toBe(1);
  }, 60_000);

  it('sends 120 queued messages once each, from one process', async () => {
    const ids = await admin.sms.outbox.enqueue(
      Array.from({ length: 120 }, (_, i) => ({
        to: '+254722000001',
        country: 'KE',
        text: `queued ${i}`,
        messageClass: 'content' as const,
        purpose: 'post_notification',
      })),
    );
    await until('all sent', async () => {
      const rows = await admin.store.db.selectFrom('sms_outbox').select('status').where('id', 'in', ids).execute();
      return rows.every((r) => r.status === 'sent');
    });
    const rows = await admin.store.db
      .selectFrom('sms_outbox')
      .select(['attempts', 'lease_owner', 'provider_message_id'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.provider_message_id)).size).toBe(120);
    expect(new Set(rows.map((r) => r.lease_owner?.split(':')[1])).size).toBe(1);
  }, 60_000);

  it('answers texts through every process, and a kill switch set through any of them stops content within 5 s', async () => {
    const text = async (body: string) =>
      (
        (await (
          await fetch(`${url}/api/v1/sparrow/dev/sms`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', connection: 'close' },
            body: JSON.stringify({ from: NUMBER, text: body }),
          })
        ).json()) as { outcome: string }
      ).outcome;
    const outcomes = [];
    for (let i = 0; i < 6; i += 1) outcomes.push(await text(`through the workers ${i}`));
    expect(outcomes.every((o) => o === 'posted')).toBe(true);
    await admin.sms.policy.setKillSwitch(true, { actor: operatorActor('test'), reason: 'drill' });
    const at = Date.now();
    // Every process (new connections land anywhere) refuses within 5 s.
    await until('all refuse', async () => {
      const seen = await Promise.all([text('drill 1'), text('drill 2'), text('drill 3'), text('drill 4')]);
      return seen.every((o) => o === 'refused_kill_switch');
    });
    expect(Date.now() - at).toBeLessThan(5_000);
  }, 60_000);
});
