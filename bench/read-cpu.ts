/**
 * Read paths measured in one process (issue 14), where the machine's other load matters least:
 * seeds the benchmark graph (bench/seed-graph.ts, small by default), builds two servers on the
 * same store — one with the settings given by `--baseline` (default: every cache off,
 * `SPARROW_ENTITY_CACHE_SIZE=0`) and one as configured — and reads the home timeline,
 * notifications, account statuses and thread context through `app.inject` in alternating
 * rounds. For each route and server: the median over rounds of CPU per read
 * (`process.cpuUsage`, user + sys) and the SQL statements per read (every better-sqlite3
 * statement execution counted). No HTTP sockets: this is the server's own work per read.
 *
 *   npm run bench -- read-cpu [--accounts N --posts N --readers N --reads N --rounds N --baseline K=V,…]
 *   npm run bench -- read-cpu --only-after --routes home --profile /tmp/home.cpuprofile
 *   npm run bench -- read-cpu --routes healthz,home   (healthz: the empty route, no reading)
 *   npm run bench -- read-cpu --store DIR            (a store kept by `npm run bench -- --keep`: full scale)
 *
 * `--baseline-tree DIR` builds the baseline server from another checkout's code (e.g.
 * `git archive HEAD | tar -x -C DIR` plus a node_modules symlink), so a code change is compared
 * with the code before it in one process; `--encoding br` (or `gzip`, `gzip, br` …) sends that
 * Accept-Encoding with every read.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '../src/app/http-server.ts';
import { createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { type SeededGraph, seedGraph } from './seed-graph.ts';
import { writeResults } from './lib.ts';
import { watchStatements } from './statements.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    accounts: { type: 'string', default: '4000' },
    posts: { type: 'string', default: '40000' },
    readers: { type: 'string', default: '400' },
    follows: { type: 'string', default: '100' },
    reads: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '5' },
    baseline: { type: 'string', default: 'SPARROW_ENTITY_CACHE_SIZE=0' },
    'only-after': { type: 'boolean', default: false },
    gzip: { type: 'boolean', default: false },
    encoding: { type: 'string' },
    'baseline-tree': { type: 'string' },
    routes: { type: 'string', default: 'home,notifications,account,context' },
    // A CPU profile of the measured rounds only (not the seeding), written to this file.
    profile: { type: 'string' },
    // A store kept by the home bench (`npm run bench -- --keep`): read at its scale (the full
    // one takes ~10 minutes to seed), unseeded and unchanged apart from what reads write.
    store: { type: 'string' },
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
const READS = num(values.reads, 'reads');
const ROUNDS = num(values.rounds, 'rounds');

// Count every statement execution of better-sqlite3 in this process; SPARROW_BENCH_TRACE=1 also
// times them per statement text, printed at the end.
const watch = watchStatements({ time: Boolean(process.env.SPARROW_BENCH_TRACE) });
process.on('exit', () => {
  for (const { source, executions, ns } of watch.byTime().slice(0, 15))
    console.log(
      `${(Number(ns) / 1e6).toFixed(0).padStart(7)} ms ${String(executions).padStart(7)}× ${(Number(ns) / executions / 1e3).toFixed(1).padStart(7)} µs  ${source}`,
    );
});

/** The readers of a store kept by the home bench (its bench-graph.json). */
function keptGraph(dir: string): SeededGraph {
  const file = join(dir, 'bench-graph.json');
  if (!existsSync(file)) {
    console.error(`--store ${dir}: no bench-graph.json there (keep a store with \`npm run bench -- --keep\` first)`);
    process.exit(2);
  }
  const { tokens, readerIds, replies } = JSON.parse(readFileSync(file, 'utf8')) as SeededGraph;
  return { tokens, readerIds, replies };
}

const dataDir = values.store ?? mkdtempSync(join(tmpdir(), 'sparrow-bench-read-cpu-'));
const env = {
  SPARROW_PUBLIC_URL: 'http://127.0.0.1:3918',
  SPARROW_DATA_DIR: dataDir,
  SPARROW_LOG_LEVEL: 'warn',
  SPARROW_FANOUT_MAX_FOLLOWERS: '10000',
  SPARROW_HOME_FEED_LENGTH: '800',
  SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
};

try {
  const seeded = values.store
    ? keptGraph(values.store)
    : await seedGraph(env, {
        accounts: num(values.accounts, 'accounts'),
        posts: num(values.posts, 'posts'),
        follows: num(values.follows, 'follows'),
        readers: num(values.readers, 'readers'),
        fanoutMax: 10_000,
        feedLength: 800,
      });
  const baselineSettings = Object.fromEntries(
    values.baseline
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  const servers: { name: string; app: Awaited<ReturnType<typeof buildServer>>; close: () => Promise<void> }[] = [];
  for (const [name, settings] of [
    ['after', {}],
    ...(values['only-after']
      ? []
      : [[`baseline (${values['baseline-tree'] ? 'tree, ' : ''}${values.baseline})`, baselineSettings]]),
  ] as [string, Record<string, string>][]) {
    const tree = name === 'after' ? null : values['baseline-tree'];
    const code = tree
      ? {
          buildServer: ((await import(join(tree, 'src/app/http-server.ts'))) as { buildServer: typeof buildServer })
            .buildServer,
          createContext: ((await import(join(tree, 'src/app/context.ts'))) as { createContext: typeof createContext })
            .createContext,
          configFor: ((await import(join(tree, 'src/config/config.ts'))) as { configFor: typeof configFor }).configFor,
        }
      : { buildServer, createContext, configFor };
    const ctx = await code.createContext(code.configFor({ ...env, ...settings }));
    const app = await code.buildServer(ctx);
    await app.ready();
    servers.push({ name, app, close: async () => (await app.close(), await ctx.close()) });
  }
  const { tokens, readerIds, replies } = seeded;
  const allRoutes: Record<string, (i: number) => string> = {
    // The empty route: what every request pays (hooks, token check, logging, metrics), no reading.
    healthz: () => '/healthz',
    home: () => '/api/v1/timelines/home?limit=20',
    notifications: () => '/api/v1/notifications?limit=20',
    account: (i) => `/api/v1/accounts/${readerIds[(i * 7) % readerIds.length]}/statuses?limit=20`,
    context: (i) => `/api/v1/statuses/${replies[i % replies.length]}/context`,
  };
  const routes = Object.fromEntries(
    values.routes.split(',').map((name) => {
      const path = allRoutes[name];
      if (!path) throw new Error(`--routes takes some of ${Object.keys(allRoutes).join(', ')}`);
      return [name, path] as const;
    }),
  );
  const acceptEncoding = values.encoding ?? (values.gzip ? 'gzip' : undefined);
  const session = values.profile ? new Session() : null;
  const samples: Record<string, Record<string, { cpu: number[]; statements: number[]; bytes: number }>> = {};
  for (let round = 0; round <= ROUNDS; round += 1) {
    if (round === 1 && session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    // Round 0 warms every cache and JIT; it is not counted.
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      for (const [route, path] of Object.entries(routes)) {
        let bytes = 0;
        const before = process.cpuUsage();
        const statementsBefore = watch.count;
        for (let i = 0; i < READS; i += 1) {
          const response = await server.app.inject({
            method: 'GET',
            url: path(i),
            headers: {
              authorization: `Bearer ${tokens[i % tokens.length]}`,
              ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}),
            },
          });
          if (response.statusCode !== 200) throw new Error(`${route}: ${response.statusCode} ${response.body}`);
          bytes += response.rawPayload.byteLength;
        }
        const used = process.cpuUsage(before);
        if (round === 0) continue;
        const entry = ((samples[server.name] ??= {})[route] ??= { cpu: [], statements: [], bytes: 0 });
        entry.cpu.push((used.user + used.system) / 1000 / READS);
        entry.statements.push((watch.count - statementsBefore) / READS);
        entry.bytes = Math.round(bytes / READS);
      }
    }
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(values.profile!, JSON.stringify(profile));
    session.disconnect();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary: Record<
    string,
    Record<string, { cpuMsPerRead: number; statementsPerRead: number; bytes: number }>
  > = {};
  console.log('\nserver                                   route           CPU ms/read  statements/read  bytes');
  for (const [server, byRoute] of Object.entries(samples))
    for (const [route, s] of Object.entries(byRoute)) {
      const figures = {
        cpuMsPerRead: Number(median(s.cpu).toFixed(3)),
        statementsPerRead: Number(median(s.statements).toFixed(2)),
        bytes: s.bytes,
      };
      (summary[server] ??= {})[route] = figures;
      console.log(
        `${server.padEnd(40)} ${route.padEnd(15)} ${figures.cpuMsPerRead.toFixed(3).padStart(11)}  ${String(figures.statementsPerRead).padStart(15)}  ${figures.bytes}`,
      );
    }
  writeResults('read-cpu', {
    benchmark: 'read-cpu',
    date: new Date().toISOString(),
    node: process.version,
    reads: READS,
    rounds: ROUNDS,
    encoding: acceptEncoding ?? null,
    baselineTree: values['baseline-tree'] ?? null,
    servers: summary,
  });
  for (const server of servers) await server.close();
} finally {
  if (!values.store) rmSync(dataDir, { recursive: true, force: true });
}
