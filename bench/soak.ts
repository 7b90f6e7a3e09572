/**
 * Soak (issue 7): a fixed-rate mix of inbound SMS (signed Twilio webhooks), API posts and
 * home-timeline reads against one `sparrow serve` for a set time, sampling the server's
 * memory from /metrics. Loopback only, bounded in time.
 *
 *   npm run bench -- soak [--rate 200] [--duration 60] [--accounts 1000]
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';
import { startServe, writeResults } from './lib.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { rate: { type: 'string', default: '200' }, duration: { type: 'string', default: '60' }, accounts: { type: 'string', default: '1000' }, port: { type: 'string', default: '3919' } },
});
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
const env = {
  PORT: String(PORT), SPARROW_HOST: '127.0.0.1', SPARROW_PUBLIC_URL: publicUrl, SPARROW_DATA_DIR: dataDir, SPARROW_LOG_LEVEL: 'warn',
  SPARROW_SMS_PROVIDER: 'twilio', SPARROW_TWILIO_ACCOUNT_SID: SID, SPARROW_TWILIO_AUTH_TOKEN: TOKEN, SPARROW_TWILIO_FROM: '+15005550006',
  SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9', SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
  SPARROW_SMS_POSTS_PER_MINUTE: '1000', SPARROW_SMS_POSTS_PER_DAY: '100000',
};
const numberOf = (i: number) => `+2547${String(10 + (i % 80)).padStart(2, '0')}${String(100000 + i).slice(-6)}`;

async function seed(): Promise<string[]> {
  const ctx = await createContext(configFor(env));
  const tokens: string[] = [];
  const ids: string[] = [];
  const now = new Date().toISOString();
  await ctx.store.db.transaction().execute(async (tx) => {
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const id = newId();
      ids.push(id);
      await tx.insertInto('accounts').values({ id, username: `soak${i}`, username_key: `soak${i}`, display_name: '', note: '', role: 'user', locked: 0, bot: 0, created_at: now, updated_at: now, suspended_at: null, followers_count: 0, following_count: 0, statuses_count: 0, last_status_at: null }).execute();
      await tx.insertInto('sms_phones').values({ account_id: id, e164: numberOf(i), country: 'KE', verified_at: now }).execute();
      await tx.insertInto('sms_settings').values({ account_id: id, posting: 1, notifications: 1, updated_at: now, pin_hash: null, pin_failures: 0, locked_at: null, lock_reason: null, confirmed_until: null }).execute();
      const token = randomBytes(32).toString('base64url');
      tokens.push(token);
      await tx.insertInto('oauth_tokens').values({ id: newId(), token_hash: createHash('sha256').update(token).digest('hex'), app_id: null, account_id: id, scopes: 'read write follow', created_at: now, revoked_at: null, last_used_at: null }).execute();
    }
  });
  for (let i = 0; i < ACCOUNTS; i += 1) {
    for (let k = 1; k <= 20; k += 1) await ctx.microblog.follow(ids[i]!, ids[(i + k) % ACCOUNTS]!);
  }
  await ctx.sms.policy.setCountry('KE', { posting: true, notifications: true }, { id: 'soak', reason: 'soak' });
  await ctx.close();
  return tokens;
}

async function memory(): Promise<number | null> {
  try {
    const text = await (await fetch(`${publicUrl}/metrics`)).text();
    const match = /^process_resident_memory_bytes\s+(\d+)/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

try {
  const tokens = await seed();
  const stop = await startServe(env);
  try {
    let n = 0;
    const next = () => {
      n += 1;
      const kind = n % 3;
      const token = tokens[n % tokens.length]!;
      if (kind === 0) {
        const params: Record<string, string> = { MessageSid: `SMsoak${n}`, AccountSid: SID, From: numberOf(n % ACCOUNTS), To: '+15005550006', Body: `soak text ${n}` };
        let data = `${publicUrl}/webhooks/sms/twilio`;
        for (const key of Object.keys(params).sort()) data += key + params[key];
        return { method: 'POST' as const, path: '/webhooks/sms/twilio', body: new URLSearchParams(params).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': createHmac('sha1', TOKEN).update(data).digest('base64') } };
      }
      if (kind === 1) {
        return { method: 'POST' as const, path: '/api/v1/statuses', body: JSON.stringify({ status: `soak post ${n}` }), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } };
      }
      return { method: 'GET' as const, path: '/api/v1/timelines/home?limit=20', headers: { authorization: `Bearer ${token}` } };
    };
    const samples: { second: number; rssMb: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      void memory().then((rss) => { if (rss) samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: Math.round(rss / 1e6) }); });
    }, 5_000);
    const result = await autocannon({
      url: publicUrl, connections: 16, duration: DURATION, overallRate: RATE,
      requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
    });
    clearInterval(sampler);
    const failed = result.non2xx + result.errors + result.timeouts;
    const first = samples[0]?.rssMb ?? null;
    const last = samples.at(-1)?.rssMb ?? null;
    const summary = {
      benchmark: 'soak', date: new Date().toISOString(), node: process.version, targetRate: RATE, durationSeconds: DURATION,
      achievedPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, failed,
      memoryMb: { first, last, max: Math.max(...samples.map((s) => s.rssMb)), samples },
    };
    console.log(`soak at ${RATE}/s for ${DURATION}s: ${summary.achievedPerSecond}/s achieved, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, ${failed} failed; RSS ${first} → ${last} MB (max ${summary.memoryMb.max})`);
    writeResults('soak', summary);
  } finally {
    await stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
