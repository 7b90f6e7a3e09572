import SQLite from 'better-sqlite3';

/** Statement executions of better-sqlite3 in this process, counted and, when asked, timed per statement text. */
export interface StatementWatch {
  /** Statements executed so far (batch statements included). */
  readonly count: number;
  /** Nanoseconds spent inside statements so far (only when timing). */
  readonly ns: bigint;
  /** Per statement text (whitespace folded), executions and nanoseconds, costliest first (only when timing). */
  byTime(): { source: string; executions: number; ns: bigint }[];
}

/**
 * Wraps the execution methods of better-sqlite3's statements, once per process: the benches that
 * run servers in process (read-cpu, sms-cpu) count statements per request with it, and
 * statement-trace.ts times those of a served process.
 */
export function watchStatements(options: { time: boolean; log?: boolean }): StatementWatch {
  let count = 0;
  let total = 0n;
  const times = new Map<string, { executions: number; ns: bigint }>();
  const probe = new SQLite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = proto[method]!;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      count += 1;
      if (options.log) console.log(`SQL ${this.source.replace(/\s+/g, ' ').slice(0, 160)}`);
      if (!options.time) return original.apply(this, args);
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const source = this.source.replace(/\s+/g, ' ').slice(0, 200);
        const entry = times.get(source) ?? { executions: 0, ns: 0n };
        const spent = process.hrtime.bigint() - started;
        entry.executions += 1;
        entry.ns += spent;
        total += spent;
        times.set(source, entry);
      }
    };
  }
  probe.close();
  return {
    get count() {
      return count;
    },
    get ns() {
      return total;
    },
    byTime: () =>
      [...times]
        .map(([source, { executions, ns }]) => ({ source, executions, ns }))
        .sort((a, b) => Number(b.ns - a.ns)),
  };
}
