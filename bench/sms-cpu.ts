/**
 * The inbound SMS path measured in one process (issue 14): seeds what `npm run bench -- sms`
 * seeds (2,000 accounts with verified numbers, each followed by 20 others who all asked for its
 * posts by SMS), builds two servers on the same store — one from another checkout's code
 * (`--baseline-tree DIR`) and one from this tree — and sends each correctly signed Twilio
 * webhooks through `app.inject` (signature check, trust gate, post, fan-out, group commit: the
 * whole route, no sockets), 32 concurrent callers, in alternating rounds. For each server: the
 * median over rounds of CPU per text (`process.cpuUsage`, user + sys) and the SQL statements
 * per text (every better-sqlite3 statement execution counted, batch statements included).
 *
 *   npm run bench -- sms-cpu [--baseline-tree DIR] [--texts 2000 --rounds 5 --concurrency 32]
 *   npm run bench -- sms-cpu --profile /tmp/sms.cpuprofile   (the measured rounds of this tree only)
 *
 * A baseline tree is e.g. `git archive <commit> | tar -x -C DIR` plus a node_modules symlink.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { buildServer } from '../src/app/http-server.ts';
import { composeApp, createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';
import { operatorActor } from '../src/security/index.ts';
import { writeResults } from './lib.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    accounts: { type: 'string', default: '2000' },
    followers: { type: 'string', default: '20' },
    texts: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    'baseline-tree': { type: 'string' },
    // A CPU profile of this tree's measured rounds only (not the seeding, not the baseline).
    profile: { type: 'string' },
  },
});
const num = (raw: string, name: string) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive whole number`);
    process.exit(2);
  }
  return value;
};
const ACCOUNTS = num(values.accounts, 'accounts');
const FOLLOWERS = num(values.followers, 'followers');
const TEXTS = num(values.texts, 'texts');
const ROUNDS = num(values.rounds, 'rounds');
const CONCURRENCY = num(values.concurrency, 'concurrency');
if (FOLLOWERS >= ACCOUNTS) {
  console.error('--followers must be fewer than --accounts');
  process.exit(2);
}

// Count every statement execution of better-sqlite3 in this process (SPARROW_BENCH_STATEMENT_TIMES=1:
// also time each statement text, printed at the end, to see which ones the CPU goes to).
let statements = 0;
const statementTimes = process.env.SPARROW_BENCH_STATEMENT_TIMES ? new Map<string, { n: number; ns: bigint }>() : null;
{
  const probe = new SQLite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = proto[method]!;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      statements += 1;
      if (process.env.SPARROW_BENCH_TRACE) console.log(`SQL ${this.source.replace(/\s+/g, ' ').slice(0, 160)}`);
      if (!statementTimes) return original.apply(this, args);
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const source = this.source.replace(/\s+/g, ' ').slice(0, 140);
        const entry = statementTimes.get(source) ?? { n: 0, ns: 0n };
        entry.n += 1;
        entry.ns += process.hrtime.bigint() - started;
        statementTimes.set(source, entry);
      }
    };
  }
  probe.close();
}

const SID = 'AC' + '0'.repeat(32);
const TOKEN = 'bench-auth-token';
const publicUrl = 'http://127.0.0.1:3919';
const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-bench-sms-cpu-'));
const env = {
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
};

/** Kenyan mobile numbers +2547AABBBBBB, unique per account (as bench/sms-inbound.ts). */
const numberOf = (i: number) => `+2547${String(10 + (i % 80)).padStart(2, '0')}${String(100000 + i).slice(-6)}`;

async function seed(): Promise<void> {
  const started = performance.now();
  const { context: ctx, storage } = await composeApp(configFor(env));
  const db = storage.connection.db;
  const now = new Date().toISOString();
  const ids: string[] = [];
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < ACCOUNTS; i += 1) {
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
          followers_count: FOLLOWERS,
          following_count: FOLLOWERS,
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
    // Each account is followed by the next FOLLOWERS accounts (a ring), all of them by SMS too.
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const rows = [];
      for (let k = 1; k <= FOLLOWERS; k += 1) {
        rows.push({ id: newId(), account_id: ids[(i + k) % ACCOUNTS]!, target_account_id: ids[i]!, created_at: now });
      }
      await tx.insertInto('follows').values(rows).execute();
      await tx
        .insertInto('sms_subscriptions')
        .values(rows.map((r) => ({ account_id: r.account_id, target_id: r.target_account_id, created_at: now })))
        .execute();
    }
  });
  await ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('bench'), reason: 'bench' },
  );
  await ctx.close();
  console.log(
    `seeded ${ACCOUNTS} accounts with phones, ${ACCOUNTS * FOLLOWERS} follows, all by SMS, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

const PATH = '/webhooks/sms/twilio';
/** A distinct, correctly signed Twilio webhook (HMAC-SHA1 over the URL and the sorted fields). */
function signed(index: number): { body: string; headers: Record<string, string> } {
  const params: Record<string, string> = {
    MessageSid: `SM${index.toString(16).padStart(32, '0')}`,
    AccountSid: SID,
    From: numberOf(index % ACCOUNTS),
    To: '+15005550006',
    Body: `Bench post number ${index} from the field`,
    NumMedia: '0',
  };
  let data = `${publicUrl}${PATH}`;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  const signature = createHmac('sha1', TOKEN).update(data).digest('base64');
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  };
}

try {
  await seed();
  type App = Awaited<ReturnType<typeof buildServer>>;
  const servers: { name: string; app: App; close: () => Promise<void> }[] = [];
  for (const tree of [null, ...(values['baseline-tree'] ? [values['baseline-tree']] : [])]) {
    const code = tree
      ? {
          buildServer: ((await import(join(tree, 'src/app/http-server.ts'))) as { buildServer: typeof buildServer })
            .buildServer,
          createContext: ((await import(join(tree, 'src/app/context.ts'))) as { createContext: typeof createContext })
            .createContext,
          configFor: ((await import(join(tree, 'src/config/config.ts'))) as { configFor: typeof configFor }).configFor,
        }
      : { buildServer, createContext, configFor };
    const ctx = await code.createContext(code.configFor(env));
    const app = await code.buildServer(ctx);
    await app.ready();
    servers.push({
      name: tree ? `baseline (${tree})` : 'this tree',
      app,
      close: async () => (await app.close(), await ctx.close()),
    });
  }

  // Webhooks are signed before a round starts, so the client's HMAC is not counted as the server's CPU.
  let next = 0;
  const round = async (app: App) => {
    const requests = Array.from({ length: TEXTS }, () => signed(next++));
    let cursor = 0;
    const before = process.cpuUsage();
    const statementsBefore = statements;
    const caller = async () => {
      while (cursor < requests.length) {
        const request = requests[cursor++]!;
        const response = await app.inject({ method: 'POST', url: PATH, ...request });
        if (response.statusCode >= 300) throw new Error(`webhook: ${response.statusCode} ${response.body}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, caller));
    const used = process.cpuUsage(before);
    return { cpu: (used.user + used.system) / 1000 / TEXTS, statements: (statements - statementsBefore) / TEXTS };
  };

  const session = values.profile ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
  }
  const samples: Record<string, { cpu: number[]; statements: number[] }> = {};
  for (let r = 0; r <= ROUNDS; r += 1) {
    // Round 0 warms every cache and the JIT; it is not counted.
    for (const server of r % 2 === 0 ? servers : [...servers].reverse()) {
      const profiling = session && r > 0 && server.name === 'this tree';
      if (profiling) await session.post('Profiler.start');
      const figures = await round(server.app);
      if (profiling) {
        const { profile } = await session.post('Profiler.stop');
        if (r === ROUNDS || r === ROUNDS - 1) writeFileSync(values.profile!, JSON.stringify(profile));
      }
      if (r === 0) continue;
      const entry = (samples[server.name] ??= { cpu: [], statements: [] });
      entry.cpu.push(figures.cpu);
      entry.statements.push(figures.statements);
      console.log(
        `round ${r} ${server.name}: ${figures.cpu.toFixed(3)} ms CPU/text, ${figures.statements.toFixed(1)} statements/text`,
      );
    }
  }
  session?.disconnect();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary: Record<string, { cpuMsPerText: number; statementsPerText: number; rounds: number[] }> = {};
  console.log('\nserver                                            CPU ms/text  statements/text');
  for (const [server, s] of Object.entries(samples)) {
    summary[server] = {
      cpuMsPerText: Number(median(s.cpu).toFixed(3)),
      statementsPerText: Number(median(s.statements).toFixed(2)),
      rounds: s.cpu.map((x) => Number(x.toFixed(3))),
    };
    console.log(
      `${server.padEnd(48)} ${summary[server].cpuMsPerText.toFixed(3).padStart(11)}  ${String(summary[server].statementsPerText).padStart(15)}`,
    );
  }
  if (statementTimes) {
    const texts = TEXTS * (ROUNDS + 1) * servers.length;
    console.log('\nstatement (all servers, all rounds)          µs per text   executions per text');
    for (const [source, { n, ns }] of [...statementTimes].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 40))
      console.log(
        `${(Number(ns) / 1000 / texts).toFixed(1).padStart(8)}  ${(n / texts).toFixed(2).padStart(6)}  ${source}`,
      );
  }
  const after = summary['this tree'];
  const before = Object.entries(summary).find(([name]) => name !== 'this tree')?.[1];
  if (after && before)
    console.log(`this tree / baseline, CPU per text: ${(after.cpuMsPerText / before.cpuMsPerText).toFixed(2)}`);
  writeResults('sms-cpu', {
    benchmark: 'sms-cpu',
    date: new Date().toISOString(),
    node: process.version,
    accounts: ACCOUNTS,
    followersPerAccount: FOLLOWERS,
    texts: TEXTS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    baselineTree: values['baseline-tree'] ?? null,
    servers: summary,
  });
  for (const server of servers) await server.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
