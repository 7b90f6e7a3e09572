import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Starts `sparrow serve` as a child process (so the load generator does not share its event loop). */
export function startServe(env: Record<string, string>): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    // SPARROW_BENCH_PROFILE=<dir> writes a V8 CPU profile of the server (open it in Chrome DevTools).
    const profile = process.env.SPARROW_BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SPARROW_BENCH_PROFILE}`]
      : [];
    const child = spawn(process.execPath, [...profile, 'bin/sparrow.js', 'serve'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        resolve(
          () =>
            new Promise((done) => {
              child.on('exit', () => done());
              child.kill('SIGTERM');
            }),
        );
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

export async function load(title: string, options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ ...options, title });
  const failed = result.non2xx + result.errors + result.timeouts;
  const summary = {
    perSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed,
  };
  console.log(
    `${title}: ${summary.perSecond} req/s, p50 ${summary.p50} ms, p99 ${summary.p99} ms${failed ? `, ${failed} failed` : ''}`,
  );
  return summary;
}

export function writeResults(name: string, summary: Record<string, unknown>): void {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${name}-${new Date().toISOString().slice(0, 10)}.json`;
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
