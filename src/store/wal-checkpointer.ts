import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * SQLite checkpoints on a thread of their own. In WAL mode a commit only appends to the WAL
 * (with `synchronous = NORMAL`, without an fsync); the checkpoint that copies those pages into
 * the database file and fsyncs it runs, by default, inside whichever commit finds the WAL past
 * 1,000 pages — on the event loop, so every request in flight waits for the disk with it, and a
 * burst of webhooks batched into that commit waits longest (issue 14: p99 of inbound texts). A
 * serving process instead runs PASSIVE checkpoints every `intervalMs` from a worker thread with
 * its own connection, which never blocks the writer or the readers; the main connection keeps
 * an inline checkpoint only as a safety net past `SAFETY_NET_PAGES` (should the thread fall
 * behind or fail). Durability is unchanged: a checkpoint only copies what is already committed.
 */
export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** Pages of WAL past which a commit still checkpoints itself (~40 MB at 4 KB pages). */
export const SAFETY_NET_PAGES = 10_000;

export function startWalCheckpointer(
  file: string,
  options: { intervalMs?: number; onFailure?: (message: string) => void } = {},
): WalCheckpointer {
  const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
    workerData: { file, intervalMs: options.intervalMs ?? 200 },
  });
  // The process may end without stopping it (a crash test's kill, a CLI error path).
  worker.unref();
  worker.on('message', (message: { failed?: string }) => {
    if (message.failed) options.onFailure?.(message.failed);
  });
  worker.on('error', (error) => options.onFailure?.(String(error)));
  return {
    async stop() {
      // Held again while it stops: an unreferenced thread's exit would not keep the process
      // waiting for it (a pending top-level await then ends the process with code 13).
      worker.ref();
      const exited = once(worker, 'exit');
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2_000);
      timeout.unref();
      await exited;
      clearTimeout(timeout);
    },
  };
}
