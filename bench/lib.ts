import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** A running server child process: call it to stop it; `pid` is what its CPU time is read from. */
export type Server = (() => Promise<void>) & { pid: number };

/** Starts `sparrow serve` as a child process (so the load generator does not share its event loop). */
export function startServe(env: Record<string, string>): Promise<Server> {
  // SPARROW_BENCH_PROFILE=<dir> writes a V8 CPU profile of the server (open it in Chrome DevTools).
  const profile = process.env.SPARROW_BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SPARROW_BENCH_PROFILE}`]
    : [];
  // SPARROW_BENCH_STATEMENTS=<dir> writes the server's SQLite statements by time spent (statement-trace.ts).
  const statements = process.env.SPARROW_BENCH_STATEMENTS ? ['--import', './bench/statement-trace.ts'] : [];
  return startChild([...profile, ...statements, 'bin/sparrow.js', 'serve'], env);
}

/**
 * The limit of this machine for a body of `bytes`: a minimal node:http server answering every
 * request with the same prebuilt JSON body (no routing, no framework, no storage).
 */
export function startStaticServer(port: number, bytes: number): Promise<Server> {
  return startChild(['bench/static-server.ts', String(port), String(bytes)], {});
}

/**
 * A Fastify 5 app with a route like the empty route and one answering a prebuilt body of
 * `bytes`, and nothing else (bench/bare-fastify.ts).
 */
export function startBareFastify(port: number, bytes = 0): Promise<Server> {
  return startChild(['bench/bare-fastify.ts', String(port), String(bytes)], {});
}

function startChild(args: string[], env: Record<string, string>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        // Stopping twice is fine (the second call finds it ended).
        const stop = () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.on('exit', () => done());
            child.kill('SIGTERM');
          });
        resolve(Object.assign(stop, { pid: child.pid! }));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGTERM') reject(new Error(`server exited with ${code}`));
    });
  });
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU of a process and all its descendants (cluster workers), in milliseconds. */
export function processTreeCpuMs(rootPid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at the last ')'.
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while listing
    }
  }
  let ticks = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, stat] of stats) if (stat.ppid === pid) pending.push(child);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** User + system CPU of every PostgreSQL and Redis server process on the machine, in milliseconds. */
export function storeServersCpuMs(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
      if (name !== 'postgres' && name !== 'redis-server') continue;
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while listing
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
  /** Server CPU (user + sys of its processes) per answered request, when a server pid was given. */
  cpuMsPerRequest: number | null;
  /** Average response body size in bytes. */
  bytesPerResponse: number;
}

export async function load(title: string, options: autocannon.Options & { serverPid?: number }): Promise<LoadResult> {
  const { serverPid, ...rest } = options;
  const cpuBefore = serverPid ? processTreeCpuMs(serverPid) : 0;
  const result = await autocannon({ ...rest, title });
  const cpuAfter = serverPid ? processTreeCpuMs(serverPid) : 0;
  const failed = result.non2xx + result.errors + result.timeouts;
  const total = result.requests.total || 1;
  const summary = {
    perSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed,
    cpuMsPerRequest: serverPid ? Number(((cpuAfter - cpuBefore) / total).toFixed(3)) : null,
    // Includes the status line and headers autocannon counts; good enough to compare bodies.
    bytesPerResponse: Math.round(result.throughput.total / total),
  };
  console.log(
    `${title}: ${summary.perSecond} req/s, p50 ${summary.p50} ms, p99 ${summary.p99} ms` +
      (summary.cpuMsPerRequest !== null ? `, ${summary.cpuMsPerRequest} ms server CPU/req` : '') +
      `, ${summary.bytesPerResponse} B/resp${failed ? `, ${failed} failed` : ''}`,
  );
  return summary;
}

export function writeResults(name: string, summary: Record<string, unknown>): void {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${name}-${new Date().toISOString().slice(0, 10)}.json`;
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
