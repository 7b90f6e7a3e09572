import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, redisUrl, testSchemaName, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

/**
 * Two `sparrow serve` processes sharing PostgreSQL and Redis, each running the background
 * loop (SMS outbox, poll endings, scheduled posts): every due scheduled post is published
 * once and every ended poll announced once, whichever instance gets there first.
 */
describe.skipIf(!postgresUrl || !redisUrl)('scheduled posts and poll endings on two instances', () => {
  const schema = testSchemaName('extras');
  const processes: ChildProcess[] = [];
  let env: Record<string, string>;
  let admin: TestContext;
  const urls: string[] = [];

  const start = async (port: number) => {
    const child = spawn(process.execPath, ['bin/sparrow.js', 'serve'], {
      env: { ...process.env, ...env, PORT: String(port), SPARROW_PUBLIC_URL: `http://127.0.0.1:${port}` },
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
    await until('serve to start', async () => /listening/.test(output), 30_000);
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
      SPARROW_SMS_DISPATCH_IN_SERVE: 'true',
      SPARROW_HOST: '127.0.0.1',
    };
    admin = await contextWithStorage(configFor(env)); // migrates before the processes start
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      urls.push(`http://127.0.0.1:${port}`);
      await start(port);
    }
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

  const json = async (url: string, token: string, body: unknown) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const tokenFor = async (username: string) => {
    const account = await admin.microblog.createAccount({ username });
    const issued = await admin.oauth.issueToken({ appId: null, accountId: account.id, scopes: ['read', 'write'] });
    return { id: account.id, token: issued.accessToken };
  };

  it('publishes each due scheduled post exactly once', async () => {
    const [a, b] = urls as [string, string];
    const author = await tokenFor('planner');
    const at = new Date(Date.now() + 10 * 60_000).toISOString();
    for (let i = 0; i < 12; i += 1) {
      const made = await json(`${i % 2 ? a : b}/api/v1/statuses`, author.token, {
        status: `scheduled ${i}`,
        scheduled_at: at,
      });
      expect(made.status).toBe(200);
    }
    // Make them all due at once: both instances' loops now race for them.
    await sql`update scheduled_posts set scheduled_at = ${new Date(Date.now() - 1000).toISOString()}`.execute(
      admin.store.db,
    );
    await until('every scheduled post to be published', async () => {
      const left = await sql<{ n: string }>`select count(*) as n from scheduled_posts`.execute(admin.store.db);
      return Number(left.rows[0]!.n) === 0;
    });
    const posts = await sql<{ text: string }>`select text from posts where account_id = ${author.id}`.execute(
      admin.store.db,
    );
    expect(posts.rows.map((r) => r.text).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `scheduled ${i}`).sort());
  }, 60_000);

  it('announces each ended poll once to its author and every voter', async () => {
    const [a, b] = urls as [string, string];
    const author = await tokenFor('pollster');
    const voters = [await tokenFor('voter1'), await tokenFor('voter2'), await tokenFor('voter3')];
    const pollIds: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const made = await json(`${i % 2 ? a : b}/api/v1/statuses`, author.token, {
        status: `poll ${i}`,
        poll: { options: ['yes', 'no'], expires_in: 300 },
      });
      const pollId = (made.body.poll as { id: string }).id;
      pollIds.push(pollId);
      for (const [j, voter] of voters.entries())
        expect(
          (await json(`${j % 2 ? b : a}/api/v1/polls/${pollId}/votes`, voter.token, { choices: [j % 2] })).status,
        ).toBe(200);
    }
    await sql`update polls set expires_at = ${new Date(Date.now() - 1000).toISOString()}`.execute(admin.store.db);
    await until('every poll to be announced', async () => {
      const left = await sql<{ n: string }>`select count(*) as n from polls where expiry_notified_at is null`.execute(
        admin.store.db,
      );
      return Number(left.rows[0]!.n) === 0;
    });
    const notes = await sql<{ account_id: string; post_id: string }>`
      select account_id, post_id from notifications where type = 'poll'`.execute(admin.store.db);
    // One per poll for the author and each of the three voters: 6 × 4, no duplicates.
    expect(notes.rows.length).toBe(24);
    expect(new Set(notes.rows.map((r) => `${r.account_id}:${r.post_id}`)).size).toBe(24);
    expect(notes.rows.filter((r) => r.account_id === author.id).length).toBe(6);
  }, 60_000);
});
