import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/app/http-server.ts';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { operatorActor } from '../../src/security/index.ts';
import { until } from '../helpers/until.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries, when installed (the CI machine has them). */
function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().at(-1);
  const bin = version ? join(root, version, 'bin') : null;
  return bin && existsSync(join(bin, 'pg_ctl')) ? bin : null;
}

const PG_BIN = postgresBin();
// PostgreSQL refuses to run as root; as root the cluster runs as the `postgres` user.
const AS_ROOT = process.getuid?.() === 0;
const canRunPostgres = PG_BIN !== null && (!AS_ROOT || existsSync('/usr/sbin/runuser'));
const canRunRedis = existsSync('/usr/bin/redis-server');

async function asPostgres(command: string, args: string[]): Promise<void> {
  if (AS_ROOT) await run('/usr/sbin/runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 60_000 });
  else await run(command, args, { timeout: 60_000 });
}

/** A PostgreSQL cluster of this test's own, so restarting it disturbs nothing else. */
async function privatePostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-pg-'));
  if (AS_ROOT) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    chownSync(dir, Number(stdout.trim()), -1);
  }
  const port = await freePort();
  await asPostgres(join(PG_BIN!, 'initdb'), [
    '-D',
    join(dir, 'data'),
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (...args: string[]) =>
    asPostgres(join(PG_BIN!, 'pg_ctl'), [
      '-D',
      join(dir, 'data'),
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      options,
      ...args,
    ]);
  await ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctl('-m', 'fast', 'restart'),
    async destroy() {
      await ctl('-m', 'immediate', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis server of this test's own, to stop and start again. */
async function privateRedis() {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      '/usr/bin/redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    for (let i = 0; i < 100; i += 1) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('redis did not start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const running = child;
      if (!running) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
      child = null;
    },
    start,
  };
}

const PHONE = '+254712345670';

describe.skipIf(!canRunPostgres)(
  `PostgreSQL restarted while texts arrive${canRunPostgres ? '' : ' (skipped: needs Debian PostgreSQL binaries)'}`,
  () => {
    let cluster: Awaited<ReturnType<typeof privatePostgres>>;
    let ctx: TestContext;
    let url: string;
    let close: () => Promise<void>;

    beforeAll(async () => {
      cluster = await privatePostgres();
      const port = await freePort();
      ctx = await contextWithStorage(
        configFor({
          SPARROW_DATABASE_URL: cluster.url,
          PORT: String(port),
          SPARROW_SMS_PROVIDER: 'console',
          SPARROW_SMS_POSTS_PER_MINUTE: '1000',
          SPARROW_SMS_POSTS_PER_DAY: '100000',
        }),
        { poolSize: 4 },
      );
      const app = await buildServer(ctx);
      await app.listen({ host: '127.0.0.1', port });
      url = `http://127.0.0.1:${port}`;
      close = async () => {
        await app.close();
        await ctx.close();
      };
      const account = await ctx.microblog.createAccount({ username: 'steady' });
      await ctx.sms.store.bindPhone({ accountId: account.id, e164: PHONE, country: 'KE', verifiedAt: new Date() });
      await ctx.sms.settings.update(account.id, { posting: true });
      await ctx.sms.policy.setCountry(
        'KE',
        { posting: true, notifications: true },
        { actor: operatorActor('test'), reason: 'fault test' },
      );
    }, 120_000);
    afterAll(async () => {
      await close?.();
      await cluster?.destroy();
    });

    it('loses no accepted text, refuses rather than half-accepting during the restart, and recovers', async () => {
      const results: { text: string; status: number }[] = [];
      const send = async (i: number) => {
        const text = `steady post ${i}`;
        try {
          const res = await fetch(`${url}/api/v1/sparrow/dev/sms`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ from: PHONE, text }),
          });
          await res.arrayBuffer();
          results.push({ text, status: res.status });
        } catch {
          results.push({ text, status: 0 });
        }
      };
      let i = 0;
      const traffic = (async () => {
        const until = Date.now() + 6000;
        while (Date.now() < until) {
          await Promise.all([send(i++), send(i++)]);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 1000));
      await cluster.restart();
      await traffic;

      // Recovered: new texts are accepted again.
      await until('texts accepted after the restart', async () => {
        await send(i++);
        return results.at(-1)!.status === 202;
      });
      const accepted = results.filter((r) => r.status === 202);
      const refused = results.filter((r) => r.status !== 202);
      expect(accepted.length).toBeGreaterThan(20);
      // Whatever was not accepted was refused outright (the provider retries those), never answered 2xx.
      expect(refused.every((r) => r.status === 0 || r.status >= 500)).toBe(true);
      const account = await ctx.microblog.lookup('steady');
      const posts = await ctx.microblog.accountTimeline(null, account!.id, { limit: 40 });
      const published = new Set<string>();
      let page = posts;
      while (page.length > 0) {
        for (const item of page) published.add(item.post.text);
        page = await ctx.microblog.accountTimeline(null, account!.id, { limit: 40, maxId: page.at(-1)!.post.id });
      }
      const lost = accepted.filter((r) => !published.has(r.text));
      console.info(
        `PostgreSQL restart: ${results.length} texts sent, ${accepted.length} accepted, ${refused.length} refused, ${lost.length} accepted but lost`,
      );
      expect(lost).toEqual([]);
    }, 120_000);
  },
);

describe.skipIf(!canRunRedis)(`Redis lost and back${canRunRedis ? '' : ' (skipped: needs redis-server)'}`, () => {
  it('fails closed for security sends while Redis is down, keeps posting working, and recovers', async () => {
    const redis = await privateRedis();
    const ctx = await contextWithStorage(
      configFor({
        SPARROW_DATABASE_URL: 'sqlite::memory:',
        SPARROW_REDIS_URL: redis.url,
        SPARROW_SMS_PROVIDER: 'console',
      }),
    );
    const app = await buildServer(ctx);
    try {
      const account = await ctx.microblog.createAccount({ username: 'redisless' });
      const token = (await ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes: ['read', 'write'] }))
        .accessToken;
      const auth = { authorization: `Bearer ${token}` };
      const codeSent = async (number: string) => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/phone',
          headers: auth,
          payload: { number },
        });
        expect(res.statusCode).toBe(202);
        await ctx.background.idle();
        return (await ctx.sms.store.messagesTo(number, 5)).length > 0;
      };
      expect(await codeSent('+254712399101')).toBe(true);

      await redis.stop();
      expect(await codeSent('+254712399102')).toBe(false);
      // Posting does not depend on Redis: the streaming event is lost, the post is not.
      const post = await app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: auth,
        payload: { status: 'still here without redis' },
      });
      expect(post.statusCode).toBe(200);

      await redis.start();
      let n = 103;
      await until('security sends after Redis is back', async () =>
        codeSent(`+25471240${String(n++).padStart(4, '0')}`),
      );
    } finally {
      await app.close();
      await ctx.close();
      await redis.stop();
    }
  }, 60_000);
});
