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
 *   SPARROW_BENCH_STATEMENT_TIMES=1 npm run bench -- sms-cpu   (also the time inside SQLite per text, and per statement)
 *
 * A baseline tree is e.g. `git archive <commit> | tar -x -C DIR` plus a node_modules symlink.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '../src/app/http-server.ts';
import { createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { writeResults } from './lib.ts';
import { watchStatements } from './statements.ts';
import { seedTexters, signedWebhook, textersEnv, WEBHOOK_PATH } from './texters.ts';

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
const watch = watchStatements({
  time: Boolean(process.env.SPARROW_BENCH_STATEMENT_TIMES),
  log: Boolean(process.env.SPARROW_BENCH_TRACE),
});

const publicUrl = 'http://127.0.0.1:3919';
const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-bench-sms-cpu-'));
const env = textersEnv(publicUrl, dataDir);
const signed = (index: number) => signedWebhook(publicUrl, index, ACCOUNTS);

try {
  await seedTexters(env, { accounts: ACCOUNTS, followers: FOLLOWERS, smsSubscribers: FOLLOWERS });
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
    const statementsBefore = watch.count;
    const statementNsBefore = watch.ns;
    const caller = async () => {
      while (cursor < requests.length) {
        const request = requests[cursor++]!;
        const response = await app.inject({ method: 'POST', url: WEBHOOK_PATH, ...request });
        if (response.statusCode >= 300) throw new Error(`webhook: ${response.statusCode} ${response.body}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, caller));
    const used = process.cpuUsage(before);
    return {
      cpu: (used.user + used.system) / 1000 / TEXTS,
      statements: (watch.count - statementsBefore) / TEXTS,
      // Time inside SQLite's statements (timed only when asked): the share of a text no code above the store can save.
      sqlite: Number(watch.ns - statementNsBefore) / 1e6 / TEXTS,
    };
  };

  const session = values.profile ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
  }
  const timing = Boolean(process.env.SPARROW_BENCH_STATEMENT_TIMES);
  const samples: Record<string, { cpu: number[]; statements: number[]; sqlite: number[] }> = {};
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
      const entry = (samples[server.name] ??= { cpu: [], statements: [], sqlite: [] });
      entry.cpu.push(figures.cpu);
      entry.statements.push(figures.statements);
      entry.sqlite.push(figures.sqlite);
      console.log(
        `round ${r} ${server.name}: ${figures.cpu.toFixed(3)} ms CPU/text, ${figures.statements.toFixed(1)} statements/text` +
          (timing ? `, ${figures.sqlite.toFixed(3)} ms in SQLite statements/text` : ''),
      );
    }
  }
  session?.disconnect();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary: Record<
    string,
    { cpuMsPerText: number; statementsPerText: number; sqliteMsPerText: number | null; rounds: number[] }
  > = {};
  console.log('\nserver                                            CPU ms/text  statements/text  SQLite ms/text');
  for (const [server, s] of Object.entries(samples)) {
    summary[server] = {
      cpuMsPerText: Number(median(s.cpu).toFixed(3)),
      statementsPerText: Number(median(s.statements).toFixed(2)),
      sqliteMsPerText: timing ? Number(median(s.sqlite).toFixed(3)) : null,
      rounds: s.cpu.map((x) => Number(x.toFixed(3))),
    };
    console.log(
      `${server.padEnd(48)} ${summary[server].cpuMsPerText.toFixed(3).padStart(11)}  ${String(summary[server].statementsPerText).padStart(15)}  ${(summary[server].sqliteMsPerText?.toFixed(3) ?? '—').padStart(14)}`,
    );
  }
  if (process.env.SPARROW_BENCH_STATEMENT_TIMES) {
    const texts = TEXTS * (ROUNDS + 1) * servers.length;
    console.log('\nstatement (all servers, all rounds)          µs per text   executions per text');
    for (const { source, executions, ns } of watch.byTime().slice(0, 40))
      console.log(
        `${(Number(ns) / 1000 / texts).toFixed(1).padStart(8)}  ${(executions / texts).toFixed(2).padStart(6)}  ${source}`,
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
