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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { load, startServe, writeResults } from './lib.ts';
import { seedTexters, signedWebhook, textersEnv, WEBHOOK_PATH } from './texters.ts';

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

const publicUrl = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-bench-sms-'));
const env = {
  ...textersEnv(publicUrl, dataDir),
  PORT: String(port),
  SPARROW_HOST: '127.0.0.1',
  SPARROW_WORKERS: values.workers,
};
const signed = (index: number) => signedWebhook(publicUrl, index, accounts);

try {
  await seedTexters(env, { accounts, followers, smsSubscribers });
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
      url: `${publicUrl}${WEBHOOK_PATH}`,
      method: 'POST',
      duration,
      connections,
      serverPid: stop.pid,
      requests: [{ setupRequest: (request) => ({ ...request, method: 'POST', ...signed(counter++) }) }],
    });
    const light = await load('inbound SMS, one connection (service latency)', {
      url: `${publicUrl}${WEBHOOK_PATH}`,
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
          url: `${publicUrl}${WEBHOOK_PATH}`,
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
