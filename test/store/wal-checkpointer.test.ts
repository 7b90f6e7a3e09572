import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { SAFETY_NET_PAGES } from '../../src/store/wal-checkpointer.ts';
import { until } from '../helpers/until.ts';

// Serving processes checkpoint SQLite's WAL from a worker thread, not inside commits on the
// event loop (src/store/wal-checkpointer.ts). A checkpoint copies committed pages from the WAL
// into the database file, so the file growing while the writer is still far below its own
// (safety-net) checkpoint threshold shows the thread at work.
describe('SQLite WAL checkpoints in the background', () => {
  const dirs: string[] = [];
  let store: StoreConnection | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const open = (backgroundCheckpoints: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'sparrow-wal-'));
    dirs.push(dir);
    const file = join(dir, 'sparrow.sqlite');
    store = openDatabase({ engine: 'sqlite', location: file }, { backgroundCheckpoints });
    return file;
  };
  const sqlite = () => (store!.driver as { sqlite: SQLite.Database }).sqlite;
  /** ~2 MB of committed rows in several commits: far below the writer's own threshold. */
  const write = async () => {
    await sql`create table if not exists filler (id integer primary key, body text)`.execute(store!.db);
    for (let commit = 0; commit < 8; commit += 1)
      await store!.db.transaction().execute(async (tx) => {
        for (let i = 0; i < 64; i += 1) await sql`insert into filler (body) values (${'x'.repeat(4000)})`.execute(tx);
      });
  };

  it('copies committed pages into the database file without a commit doing it', async () => {
    const file = open(true);
    expect(sqlite().pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
    const before = statSync(file).size;
    await write();
    await until(
      'the background checkpoint to copy the new pages into the database file',
      () => statSync(file).size > before + 1_000_000,
    );
    // Every row is there, read back through the writer's connection.
    expect(Number((await sql<{ n: number }>`select count(*) as n from filler`.execute(store!.db)).rows[0]!.n)).toBe(
      512,
    );
  });

  it('leaves the usual inline checkpoints alone when not asked (CLI commands, tests)', async () => {
    const file = open(false);
    expect(sqlite().pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    const before = statSync(file).size;
    await write();
    // 2 MB is below 1,000 pages of WAL: nothing has checkpointed it yet.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(statSync(file).size).toBeLessThan(before + 1_000_000);
  });

  it('stops its thread when the store closes, with everything committed in the database file', async () => {
    const file = open(true);
    await write();
    await store!.close();
    store = null;
    expect(statSync(file).size).toBeGreaterThan(2_000_000);
  });
});
