/**
 * Soak (issue 7): a fixed-rate mix of inbound SMS (signed Twilio webhooks), API posts and
 * home-timeline reads against one `sparrow serve` for a set time, sampling the server's
 * memory from /metrics. Loopback only, bounded in time.
 *
 *   npm run bench -- soak [--rate 200] [--duration 60] [--accounts 1000]
 *                         [--store sqlite|postgres] [--instances 1|2] [--peak]
 *
 * `--peak` sends as fast as the server answers (no rate cap) to find the sustainable peak;
 * `--store postgres` uses PostgreSQL + Redis (SPARROW_BENCH_DATABASE_URL, default the local
 * `test` database in a fresh schema; SPARROW_BENCH_REDIS_URL, default local Redis), and
 * `--instances 2` runs two `serve` processes sharing them, the load split between them.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { composeApp } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';
import { processTreeCpuMs, startServe, storeServersCpuMs, writeResults } from './lib.ts';
import { operatorActor } from '../src/security/index.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '60' },
    accounts: { type: 'string', default: '1000' },
    port: { type: 'string', default: '3919' },
    store: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1' },
    peak: { type: 'boolean', default: false },
  },
});
const STORE = values.store;
const INSTANCES = Number(values.instances);
if (STORE !== 'sqlite' && STORE !== 'postgres') {
  console.error('--store must be sqlite or postgres');
  process.exit(2);
}
if (INSTANCES !== 1 && INSTANCES !== 2) {
  console.error('--instances must be 1 or 2');
  process.exit(2);
}
if (STORE === 'sqlite' && INSTANCES === 2) {
  console.error('two instances need --store postgres (the embedded store is for one process)');
  process.exit(2);
}
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const ACCOUNTS = Number(values.accounts);
const PORT = Number(values.port);
if (![RATE, DURATION, ACCOUNTS, PORT].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('rate, duration, accounts and port must be positive whole numbers');
  process.exit(2);
}

const SID = 'AC' + '1'.repeat(32);
const TOKEN = 'soak-auth-token';
const publicUrl = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-soak-'));
const benchDatabase = process.env.SPARROW_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `sparrow_soak_${Date.now().toString(36)}`;
const storeEnv: Record<string, string> = {};
if (STORE === 'postgres') {
  const url = new URL(benchDatabase);
  url.searchParams.set('options', `-c search_path=${schema}`);
  storeEnv.SPARROW_DATABASE_URL = url.toString();
  storeEnv.SPARROW_REDIS_URL = process.env.SPARROW_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
}
const env: Record<string, string> = {
  ...storeEnv,
  PORT: String(PORT),
  SPARROW_HOST: '127.0.0.1',
  SPARROW_PUBLIC_URL: publicUrl,
  SPARROW_DATA_DIR: dataDir,
  SPARROW_LOG_LEVEL: 'warn',
  SPARROW_SMS_PROVIDER: 'twilio',
  SPARROW_TWILIO_ACCOUNT_SID: SID,
  SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
  SPARROW_TWILIO_FROM: '+15005550006',
  SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
  SPARROW_SMS_POSTS_PER_MINUTE: '1000',
  SPARROW_SMS_POSTS_PER_DAY: '100000',
};
const numberOf = (i: number) => `+2547${String(10 + (i % 80)).padStart(2, '0')}${String(100000 + i).slice(-6)}`;

async function seed(): Promise<string[]> {
  const { context: ctx, storage } = await composeApp(configFor(env));
  const tokens: string[] = [];
  const ids: string[] = [];
  const now = new Date().toISOString();
  await storage.connection.db.transaction().execute(async (tx) => {
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const id = newId();
      ids.push(id);
      await tx
        .insertInto('accounts')
        .values({
          id,
          username: `soak${i}`,
          username_key: `soak${i}`,
          display_name: '',
          note: '',
          role: 'user',
          locked: 0,
          bot: 0,
          created_at: now,
          updated_at: now,
          suspended_at: null,
          followers_count: 0,
          following_count: 0,
          statuses_count: 0,
          last_status_at: null,
        })
        .execute();
      await tx
        .insertInto('sms_phones')
        .values({ account_id: id, e164: numberOf(i), country: 'KE', verified_at: now })
        .execute();
      await tx
        .insertInto('sms_settings')
        .values({
          account_id: id,
          posting: 1,
          notifications: 1,
          updated_at: now,
          pin_hash: null,
          pin_failures: 0,
          locked_at: null,
          lock_reason: null,
          confirmed_until: null,
        })
        .execute();
      const token = randomBytes(32).toString('base64url');
      tokens.push(token);
      await tx
        .insertInto('oauth_tokens')
        .values({
          id: newId(),
          token_hash: createHash('sha256').update(token).digest('hex'),
          app_id: null,
          account_id: id,
          scopes: 'read write follow',
          created_at: now,
          revoked_at: null,
          last_used_at: null,
        })
        .execute();
    }
  });
  // Followers in parallel (each one's follows in order): on PostgreSQL every follow is a few
  // round trips, and one at a time the seed took minutes.
  let nextFollower = 0;
  const followAll = async () => {
    for (let i = nextFollower++; i < ACCOUNTS; i = nextFollower++) {
      for (let k = 1; k <= 20; k += 1) await ctx.microblog.follow(ids[i]!, ids[(i + k) % ACCOUNTS]!);
    }
  };
  await Promise.all(Array.from({ length: 8 }, followAll));
  await ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('soak'), reason: 'soak' },
  );
  await ctx.close();
  return tokens;
}

async function memory(url = publicUrl): Promise<number | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const match = /^process_resident_memory_bytes\s+(\d+)/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Per route: seconds spent answering and requests answered so far (the server's own histogram). */
async function routeTimes(url: string): Promise<Map<string, { seconds: number; count: number }>> {
  const times = new Map<string, { seconds: number; count: number }>();
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const match of text.matchAll(
      /^sparrow_http_request_duration_seconds_(sum|count)\{route="([^"]*)"\}\s+(\S+)/gm,
    )) {
      const entry = times.get(match[2]!) ?? { seconds: 0, count: 0 };
      if (match[1] === 'sum') entry.seconds += Number(match[3]);
      else entry.count += Number(match[3]);
      times.set(match[2]!, entry);
    }
  } catch {
    // No figures from this instance: the summary line says so.
  }
  return times;
}

/** Mean time the server took per request of each route between two readings, in ms. */
function meanTimes(
  before: Map<string, { seconds: number; count: number }>[],
  after: Map<string, { seconds: number; count: number }>[],
): Record<string, { meanMs: number; requests: number }> {
  const sums = new Map<string, { seconds: number; count: number }>();
  after.forEach((times, i) => {
    for (const [route, { seconds, count }] of times) {
      const start = before[i]?.get(route) ?? { seconds: 0, count: 0 };
      const sum = sums.get(route) ?? { seconds: 0, count: 0 };
      sum.seconds += seconds - start.seconds;
      sum.count += count - start.count;
      sums.set(route, sum);
    }
  });
  const means: Record<string, { meanMs: number; requests: number }> = {};
  for (const [route, { seconds, count }] of sums)
    if (count > 0 && route !== '/metrics')
      means[route] = { meanMs: Number(((seconds * 1000) / count).toFixed(1)), requests: count };
  return means;
}

async function withSchema<T>(run: () => Promise<T>): Promise<T> {
  if (STORE !== 'postgres') return run();
  const admin = new pg.Client({ connectionString: benchDatabase });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  try {
    return await run();
  } finally {
    await admin.query(`drop schema ${schema} cascade`).catch(() => {});
    await admin.end();
  }
}

try {
  await withSchema(async () => {
    const tokens = await seed();
    const ports = Array.from({ length: INSTANCES }, (_, i) => PORT + i);
    const stops = await Promise.all(ports.map((port) => startServe({ ...env, PORT: String(port) })));
    try {
      let n = 0;
      const next = () => {
        n += 1;
        const kind = n % 3;
        const token = tokens[n % tokens.length]!;
        if (kind === 0) {
          const params: Record<string, string> = {
            MessageSid: `SMsoak${n}`,
            AccountSid: SID,
            From: numberOf(n % ACCOUNTS),
            To: '+15005550006',
            Body: `soak text ${n}`,
          };
          // Every instance checks signatures against the configured public URL, as behind one proxy.
          let data = `${publicUrl}/webhooks/sms/twilio`;
          for (const key of Object.keys(params).sort()) data += key + params[key];
          return {
            method: 'POST' as const,
            path: '/webhooks/sms/twilio',
            body: new URLSearchParams(params).toString(),
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': createHmac('sha1', TOKEN).update(data).digest('base64'),
            },
          };
        }
        if (kind === 1) {
          return {
            method: 'POST' as const,
            path: '/api/v1/statuses',
            body: JSON.stringify({ status: `soak post ${n}` }),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          };
        }
        return {
          method: 'GET' as const,
          path: '/api/v1/timelines/home?limit=20',
          headers: { authorization: `Bearer ${token}` },
        };
      };
      const samples: { second: number; rssMb: number }[] = [];
      const started = Date.now();
      const sampler = setInterval(() => {
        void Promise.all(ports.map((port) => memory(`http://127.0.0.1:${port}`))).then((values) => {
          const rss = values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
          if (rss) samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: Math.round(rss / 1e6) });
        });
      }, 5_000);
      const serverCpu = () => stops.reduce((sum, stop) => sum + processTreeCpuMs(stop.pid), 0);
      const cpuBefore = { server: serverCpu(), stores: storeServersCpuMs() };
      const urls = ports.map((port) => `http://127.0.0.1:${port}`);
      const timesBefore = await Promise.all(urls.map(routeTimes));
      const results = await Promise.all(
        ports.map((port) =>
          autocannon({
            url: `http://127.0.0.1:${port}`,
            connections: values.peak ? 32 / INSTANCES : 16 / INSTANCES,
            duration: DURATION,
            ...(values.peak ? {} : { overallRate: Math.max(1, Math.round(RATE / INSTANCES)) }),
            requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
          }),
        ),
      );
      clearInterval(sampler);
      // The time each kind of request took in the server: in this closed loop (a connection sends
      // its next request once answered), the slowest kind holds connections and sets the rate.
      const routes = meanTimes(timesBefore, await Promise.all(urls.map(routeTimes)));
      const total = results.reduce((sum, r) => sum + r.requests.total, 0) || 1;
      const cpuMsPerRequest = {
        server: Number(((serverCpu() - cpuBefore.server) / total).toFixed(3)),
        // PostgreSQL and Redis are shared with whatever else runs on the machine: an upper bound.
        stores: STORE === 'postgres' ? Number(((storeServersCpuMs() - cpuBefore.stores) / total).toFixed(3)) : null,
      };
      const failed = results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
      const achieved = results.reduce((sum, r) => sum + r.requests.average, 0);
      const first = samples[0]?.rssMb ?? null;
      const last = samples.at(-1)?.rssMb ?? null;
      const summary = {
        benchmark: 'soak',
        date: new Date().toISOString(),
        node: process.version,
        store: STORE,
        instances: INSTANCES,
        peak: values.peak,
        targetRate: values.peak ? null : RATE,
        durationSeconds: DURATION,
        achievedPerSecond: Math.round(achieved),
        p50Ms: Math.max(...results.map((r) => r.latency.p50)),
        p99Ms: Math.max(...results.map((r) => r.latency.p99)),
        failed,
        cpuMsPerRequest,
        routes,
        memoryMb: { first, last, max: samples.length ? Math.max(...samples.map((s) => s.rssMb)) : null, samples },
      };
      const label = `${STORE}${STORE === 'postgres' ? ' + redis' : ''}, ${INSTANCES} instance${INSTANCES > 1 ? 's' : ''}`;
      console.log(
        `soak ${values.peak ? 'at peak' : `at ${RATE}/s`} for ${DURATION}s (${label}): ${summary.achievedPerSecond}/s achieved, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, ${failed} failed; server CPU ${cpuMsPerRequest.server} ms/req${cpuMsPerRequest.stores !== null ? ` (+ PostgreSQL/Redis ${cpuMsPerRequest.stores})` : ''}; RSS ${first} → ${last} MB (max ${summary.memoryMb.max})`,
      );
      console.log(
        `server time per request: ${
          Object.entries(routes)
            .map(([route, { meanMs }]) => `${route} ${meanMs} ms`)
            .join(', ') || 'not available (no /metrics figures)'
        }`,
      );
      writeResults(`soak-${STORE}-${INSTANCES}${values.peak ? '-peak' : ''}`, summary);
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
  });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
