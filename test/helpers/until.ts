/**
 * Waiting in tests for something another part of the system does in its own time (a queue
 * worker, another server, a child process): one poller for every suite, so timeouts and
 * failure messages read the same everywhere.
 */
interface UntilOptions {
  /** How long to wait before failing; generous, since full runs share two cores. */
  timeoutMs?: number;
  intervalMs?: number;
  /** What to add to the failure message about the state at the time (outboxes, queues …). */
  explain?: () => unknown;
}

/**
 * Polls `probe` until it returns something truthy and returns that; fails naming `what`
 * after the timeout (a number is the timeout in milliseconds).
 */
export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: UntilOptions | number = {},
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const {
    timeoutMs = 30_000,
    intervalMs = 100,
    explain,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, null | undefined | false | 0 | ''>;
    if (Date.now() > deadline) {
      const state = explain ? `; ${JSON.stringify(await explain())}` : '';
      throw new Error(`timed out waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls `probe` until `ok` accepts its value and returns that value; the failure shows the last one. */
export async function settles<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  let last: T | undefined;
  try {
    await until(what, async () => ok((last = await probe())), timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${JSON.stringify(last)}`);
  }
  return last as T;
}
