// The thread of `startWalCheckpointer` (wal-checkpointer.ts): its own connection to the SQLite
// file, copying committed WAL frames into the database now and then (PASSIVE: it never waits for
// the writer or readers, nor makes them wait).
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new SQLite(file);
db.pragma('busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let failures = 0;
const timer = setInterval(() => {
  try {
    checkpoint.run();
    failures = 0;
  } catch (error) {
    // Reported once per run of failures; the writer's own safety-net checkpoints still bound the WAL.
    if (failures++ === 0) parentPort?.postMessage({ failed: String(error) });
  }
}, intervalMs);
parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try {
    checkpoint.run();
  } finally {
    db.close();
    parentPort?.close();
  }
});
