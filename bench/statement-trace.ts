/**
 * Loaded into a benchmarked `sparrow serve` (`SPARROW_BENCH_STATEMENTS=<dir>`, see lib.ts): times
 * every better-sqlite3 statement the server runs and writes the statements that took the most
 * time, with their counts, to `<dir>/statements-<pid>.txt` every two seconds and at exit. Under
 * HTTP load at full scale this showed what warm in-process reads hid (docs/benchmarks.md, issue 14
 * 2026-12-06: a memo that had outgrown itself ran its statement on 61% of home reads).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type SQLiteDatabase from 'better-sqlite3';

const dir = process.env.SPARROW_BENCH_STATEMENTS;
if (dir) {
  const SQLite = createRequire(import.meta.url)('better-sqlite3') as typeof SQLiteDatabase;
  const times = new Map<string, { count: number; ns: bigint }>();
  const probe = new SQLite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = proto[method]!;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      const start = process.hrtime.bigint();
      const result = original.apply(this, args);
      const key = this.source.replace(/\s+/g, ' ').slice(0, 200);
      const seen = times.get(key) ?? { count: 0, ns: 0n };
      seen.count += 1;
      seen.ns += process.hrtime.bigint() - start;
      times.set(key, seen);
      return result;
    };
  }
  probe.close();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `statements-${process.pid}.txt`);
  const write = () =>
    writeFileSync(
      file,
      [...times]
        .sort((a, b) => Number(b[1].ns - a[1].ns))
        .slice(0, 40)
        .map(
          ([sql, { count, ns }]) =>
            `${(Number(ns) / 1e6).toFixed(0).padStart(7)} ms ${String(count).padStart(8)}× ${(Number(ns) / count / 1e3).toFixed(1).padStart(8)} µs  ${sql}`,
        )
        .join('\n'),
    );
  setInterval(write, 2000).unref();
  process.on('exit', write);
}
