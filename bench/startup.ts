/**
 * `npm run bench -- startup [--runs 7]`: how long the `sparrow` executable takes to be useful.
 * - `--help`: the CLI loading its code and printing (what every operator command pays);
 * - `serve` on a fresh data directory (migrations included) until `GET /healthz` answers 200;
 * - `serve` again on that directory (the usual restart).
 * Each is the median of N runs on this machine with this Node.js; compare runs only on one machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from './lib.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  console.error('--runs must be a whole number from 1 to 50');
  process.exit(2);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]!);
}

function timeHelp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['bin/sparrow.js', '--help'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`--help exited ${code}`)),
    );
  });
}

let nextPort = 39_000 + Math.floor(Math.random() * 1000);

/** Spawns `sparrow serve` and polls /healthz until it answers 200; then stops the server. */
async function timeServe(dataDir: string): Promise<number> {
  const port = nextPort++;
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/sparrow.js', 'serve'], {
    env: { ...process.env, PORT: String(port), SPARROW_DATA_DIR: dataDir, SPARROW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  try {
    for (let attempt = 0; attempt < 3000; attempt++) {
      if (exited) throw new Error('server exited before answering');
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (response.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('server did not answer /healthz within 15 s');
  } finally {
    if (!exited) {
      const done = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await done;
    }
  }
}

const help: number[] = [];
const fresh: number[] = [];
const restart: number[] = [];
for (let i = 0; i < runs; i++) {
  help.push(await timeHelp());
  const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-startup-'));
  try {
    fresh.push(await timeServe(dataDir));
    restart.push(await timeServe(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
const summary = {
  node: process.version,
  runs,
  helpMs: median(help),
  serveFreshMs: median(fresh),
  serveRestartMs: median(restart),
};
console.log(
  `Node ${summary.node}, median of ${runs}: sparrow --help ${summary.helpMs} ms; serve until /healthz 200: fresh data dir ${summary.serveFreshMs} ms, restart ${summary.serveRestartMs} ms`,
);
writeResults('startup', summary);
