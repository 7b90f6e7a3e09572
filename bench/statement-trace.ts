/**
 * Loaded into a benchmarked `sparrow serve` (`SPARROW_BENCH_STATEMENTS=<dir>`, see lib.ts): times
 * every better-sqlite3 statement the server runs and writes the statements that took the most
 * time, with their counts, to `<dir>/statements-<pid>.txt` every two seconds and at exit. Under
 * HTTP load at full scale this showed what warm in-process reads hid (docs/benchmarks.md, issue 14
 * 2026-12-06: a memo that had outgrown itself ran its statement on 61% of home reads).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchStatements } from './statements.ts';

const dir = process.env.SPARROW_BENCH_STATEMENTS;
if (dir) {
  const watch = watchStatements({ time: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `statements-${process.pid}.txt`);
  const write = () =>
    writeFileSync(
      file,
      watch
        .byTime()
        .slice(0, 40)
        .map(
          ({ source, executions, ns }) =>
            `${(Number(ns) / 1e6).toFixed(0).padStart(7)} ms ${String(executions).padStart(8)}× ${(Number(ns) / executions / 1e3).toFixed(1).padStart(8)} µs  ${source}`,
        )
        .join('\n'),
    );
  setInterval(write, 2000).unref();
  process.on('exit', write);
}
