/**
 * Inbound SMS benchmark (issue 3): signed Twilio webhooks → trust gate → published post with
 * home-timeline fan-out, measured over HTTP against the same server's empty route.
 *
 *   npm run bench -- sms [--accounts 2000] [--followers 20] [--sms-subscribers 20] [--duration 15] [--connections 32]
 *                        [--baseline SPARROW_SMS_INBOUND_BATCH=0] [--workers N]
 *
 * `--baseline ENV=VALUE[,…]` measures the inbound route again on a server restarted with those
 * settings, after the main measurement, for a before/after pair inside one run (e.g. group commit
 * off). `--workers N` runs `sparrow serve --workers N`.
 *
 * Every follower of an account follows it; the first `--sms-subscribers` of them also asked
 * for its posts by SMS (FOLLOW / ON), so each post records an SMS notification job too.
 *
 * The server runs as a real `sparrow serve` child process on a seeded SQLite store; the
 * load generator (autocannon) runs in this process, so both share the machine's cores.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { load, startServe, writeResults } from './lib.ts';
import { composeApp } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';
import { operatorActor } from '../src/security/index.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    accounts: { type: 'string', default: '2000' },
    followers: { type: 'string', default: '20' },
    'sms-subscribers': { type: 'string', default: '20' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    port: { type: 'string', default: '3917' },
    baseline: { type: 'string' },
    workers: { type: 'string', default: '1' },
  },
});
const accounts = Number(values.accounts);
const followers = Number(values.followers);
const smsSubscribers = Number(values['sms-subscribers']);
const duration = Number(values.duration);
const connections = Number(values.connections);
const port = Number(values.port);
if (
  ![accounts, followers, duration, connections, port].every((n) => Number.isInteger(n) && n > 0) ||
  followers >= accounts ||
  !Number.isInteger(smsSubscribers) ||
  smsSubscribers < 0 ||
  smsSubscribers > followers
) {
  console.error(
    'accounts, followers, duration, connections and port must be positive whole numbers, followers < accounts, 0 ≤ sms-subscribers ≤ followers',
  );
  process.exit(2);
}

const SID = 'AC' + '0'.repeat(32);
const TOKEN = 'bench-auth-token';
const publicUrl = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-bench-sms-'));
const env = {
  PORT: String(port),
  SPARROW_HOST: '127.0.0.1',
  SPARROW_PUBLIC_URL: publicUrl,
  SPARROW_DATA_DIR: dataDir,
  SPARROW_LOG_LEVEL: 'warn',
  SPARROW_SMS_PROVIDER: 'twilio',
  SPARROW_TWILIO_ACCOUNT_SID: SID,
  SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
  SPARROW_TWILIO_FROM: '+15005550006',
  // Replies go nowhere: this measures the inbound path, not a provider's REST API.
  SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
  // Measure the pipeline, not the per-number limits (they would hold part of the load).
  SPARROW_SMS_POSTS_PER_MINUTE: '1000',
  SPARROW_SMS_POSTS_PER_DAY: '100000',
  SPARROW_WORKERS: values.workers,
};

/** Kenyan mobile numbers +2547AABBBBBB, unique per account. */
const numberOf = (i: number) => `+2547${String(10 + (i % 80)).padStart(2, '0')}${String(100000 + i).slice(-6)}`;

async function seed(): Promise<void> {
  const started = performance.now();
  const { context: ctx, storage } = await composeApp(configFor(env));
  const db = storage.connection.db;
  const now = new Date().toISOString();
  const ids: string[] = [];
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < accounts; i += 1) {
      const id = newId();
      ids.push(id);
      await tx
        .insertInto('accounts')
        .values({
          id,
          username: `user${i}`,
          username_key: `user${i}`,
          display_name: `User ${i}`,
          note: '',
          role: 'user',
          locked: 0,
          bot: 0,
          created_at: now,
          updated_at: now,
          suspended_at: null,
          followers_count: followers,
          following_count: followers,
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
    }
    // Each account is followed by the next `followers` accounts (a ring), so every post fans out to that many feeds.
    for (let i = 0; i < accounts; i += 1) {
      const rows = [];
      for (let k = 1; k <= followers; k += 1) {
        rows.push({ id: newId(), account_id: ids[(i + k) % accounts]!, target_account_id: ids[i]!, created_at: now });
      }
      await tx.insertInto('follows').values(rows).execute();
      if (smsSubscribers > 0) {
        await tx
          .insertInto('sms_subscriptions')
          .values(
            rows
              .slice(0, smsSubscribers)
              .map((r) => ({ account_id: r.account_id, target_id: r.target_account_id, created_at: now })),
          )
          .execute();
      }
    }
  });
  await ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('bench'), reason: 'bench' },
  );
  await ctx.close();
  console.log(
    `seeded ${accounts} accounts with phones, ${accounts * followers} follows (${accounts * smsSubscribers} by SMS) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function signed(index: number): { body: string; headers: Record<string, string> } {
  const params: Record<string, string> = {
    MessageSid: `SM${index.toString(16).padStart(32, '0')}`,
    AccountSid: SID,
    From: numberOf(index % accounts),
    To: '+15005550006',
    Body: `Bench post number ${index} from the field`,
    NumMedia: '0',
  };
  let data = `${publicUrl}/webhooks/sms/twilio`;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  const signature = createHmac('sha1', TOKEN).update(data).digest('base64');
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  };
}

try {
  await seed();
  const stop = await startServe(env);
  try {
    let counter = 0;
    await load('warm-up', { url: `${publicUrl}/healthz`, duration: 3, connections });
    const empty = await load('empty route (GET /healthz)', {
      url: `${publicUrl}/healthz`,
      duration,
      connections,
      serverPid: stop.pid,
    });
    const sms = await load('inbound SMS (signed Twilio webhook → post + fan-out)', {
      url: `${publicUrl}/webhooks/sms/twilio`,
      method: 'POST',
      duration,
      connections,
      serverPid: stop.pid,
      requests: [{ setupRequest: (request) => ({ ...request, method: 'POST', ...signed(counter++) }) }],
    });
    const light = await load('inbound SMS, one connection (service latency)', {
      url: `${publicUrl}/webhooks/sms/twilio`,
      method: 'POST',
      duration: Math.min(duration, 10),
      connections: 1,
      requests: [{ setupRequest: (request) => ({ ...request, method: 'POST', ...signed(counter++) }) }],
    });
    let baseline: { setting: string; smsPerSecond: number; p99: number; cpuMsPerRequest: number | null } | null = null;
    if (values.baseline) {
      await stop();
      const extra = Object.fromEntries(
        values.baseline.split(',').map((pair) => pair.split('=', 2) as [string, string]),
      );
      const again = await startServe({ ...env, ...extra });
      try {
        await load('warm-up (baseline)', { url: `${publicUrl}/healthz`, duration: 2, connections });
        const result = await load(`inbound SMS with ${values.baseline}`, {
          url: `${publicUrl}/webhooks/sms/twilio`,
          method: 'POST',
          duration,
          connections,
          serverPid: again.pid,
          requests: [{ setupRequest: (request) => ({ ...request, method: 'POST', ...signed(counter++) }) }],
        });
        baseline = {
          setting: values.baseline,
          smsPerSecond: result.perSecond,
          p99: result.p99,
          cpuMsPerRequest: result.cpuMsPerRequest,
        };
      } finally {
        await again();
      }
    }
    const summary = {
      benchmark: 'sms-inbound',
      date: new Date().toISOString(),
      node: process.version,
      accounts,
      followersPerAccount: followers,
      smsSubscribersPerAccount: smsSubscribers,
      durationSeconds: duration,
      connections,
      smsPerSecond: sms.perSecond,
      smsP50Ms: sms.p50,
      smsP99Ms: sms.p99,
      smsFailed: sms.failed,
      smsCpuMsPerRequest: sms.cpuMsPerRequest,
      emptyCpuMsPerRequest: empty.cpuMsPerRequest,
      oneConnectionP50Ms: light.p50,
      oneConnectionP99Ms: light.p99,
      emptyRoutePerSecond: empty.perSecond,
      emptyP99Ms: empty.p99,
      ratioToEmptyRoute: Number((sms.perSecond / empty.perSecond).toFixed(3)),
      messagesSent: counter,
      workers: Number(values.workers),
      baseline,
      baselineRatioToEmptyRoute: baseline ? Number((baseline.smsPerSecond / empty.perSecond).toFixed(3)) : null,
    };
    console.log(
      `\nratio inbound SMS / empty route: ${summary.ratioToEmptyRoute} (${summary.smsPerSecond} / ${summary.emptyRoutePerSecond} req/s)`,
    );
    writeResults('sms-inbound', summary);
  } finally {
    await stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
