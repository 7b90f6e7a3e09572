import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Migrator, type Migration } from 'kysely/migration';
import { buildServer } from '../../src/app/http-server.ts';
import { configFor } from '../../src/config/config.ts';
import { Microblog } from '../../src/core/index.ts';
import { openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { KyselyMicroblogStore } from '../../src/store/microblog-store.ts';
import { KyselyPostExtrasStore } from '../../src/store/post-extras-store.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { contextWithStorage, testSchemaName } from './context.ts';

/** Migrates a store up to (and including) `last`, as a server of an older release left it. */
async function migrateUpTo(connection: StoreConnection, last: string): Promise<void> {
  const all = await migrationProvider.getMigrations();
  const older: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(all)) if (name <= last) older[name] = migration;
  const migrator = new Migrator({
    db: connection.db,
    provider: { getMigrations: async () => older },
    ...(connection.schema ? { migrationTableSchema: connection.schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/**
 * A store migrated up to `last` only (as the previous release left it), its microblog and store
 * over it, and what opens it again with every migration: `reopen` closes it and builds the app
 * on it; `dir` is the folder to remove afterwards (SQLite).
 */
export async function storeAt(engine: string, label: string, last: string) {
  let dir: string | null = null;
  let env: Record<string, string>;
  let schema: string | undefined;
  if (engine === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), `sparrow-${label}-`));
    env = { SPARROW_DATABASE_URL: `sqlite:${join(dir, 'sparrow.db')}` };
  } else {
    const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL!;
    schema = testSchemaName(label.replace(/-/g, '_'));
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    env = { SPARROW_DATABASE_URL: postgresUrl };
  }
  const config = configFor(env);
  const old = openDatabase(config.database, schema ? { schema, poolSize: 2 } : {});
  await migrateUpTo(old, last);
  const store = new KyselyMicroblogStore(old.db);
  const microblog = new Microblog(
    store,
    { domain: 'test.local', maxPostLength: 500, fanoutMaxFollowers: 1000 },
    systemClock,
    new KyselyPostExtrasStore(old.db, old.engine),
  );
  const reopen = async () => {
    await old.close();
    const ctx = await contextWithStorage(config, schema ? { schema, poolSize: 4 } : {});
    const app = await buildServer(ctx);
    await app.ready();
    return { ctx, app };
  };
  return { dir, old, store, microblog, reopen };
}
