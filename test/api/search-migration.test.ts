import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Migrator, type Migration } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/app/http-server.ts';
import { configFor } from '../../src/config/config.ts';
import { Microblog } from '../../src/core/index.ts';
import { openDatabase, type StoreConnection } from '../../src/store/database.ts';
import { newId } from '../../src/shared/ids.ts';
import { KyselyMicroblogStore } from '../../src/store/microblog-store.ts';
import { KyselyPostExtrasStore } from '../../src/store/post-extras-store.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { contextWithStorage, ENGINES, testSchemaName, type TestContext } from '../helpers/context.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

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
 * A store migrated up to `last` only (as the previous release left it), its microblog over it,
 * and what opens it again with every migration: the config, the schema (PostgreSQL) and the
 * folder to remove (SQLite).
 */
async function storeAt(engine: string, label: string, last: string) {
  let dir: string | null = null;
  let env: Record<string, string>;
  let schema: string | undefined;
  if (engine === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), `sparrow-${label}-`));
    env = { SPARROW_DATABASE_URL: `sqlite:${join(dir, 'sparrow.db')}` };
  } else {
    schema = testSchemaName(label.replace(/-/g, '_'));
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    env = { SPARROW_DATABASE_URL: postgresUrl! };
  }
  const config = configFor(env);
  const old = openDatabase(config.database, schema ? { schema, poolSize: 2 } : {});
  await migrateUpTo(old, last);
  const microblog = new Microblog(
    new KyselyMicroblogStore(old.db),
    { domain: 'test.local', maxPostLength: 500, fanoutMaxFollowers: 1000 },
    systemClock,
    new KyselyPostExtrasStore(old.db, old.engine),
  );
  /** Closes the old store and opens the app on it, migrating the rest. */
  const reopen = async () => {
    await old.close();
    const ctx = await contextWithStorage(config, schema ? { schema, poolSize: 4 } : {});
    const app = await buildServer(ctx);
    await app.ready();
    return { ctx, app };
  };
  return { dir, old, microblog, reopen };
}

/** Posts written before migration 0014 get their hashtags and a full-text entry when it runs. */
describe.each(ENGINES)('migration 0014 backfills tags and the search index on $label', ({ name, skip }) => {
  let dir: string | null = null;
  let ctx: TestContext;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    const store = await storeAt(name, 'search-migration', '0012_bookmarks_pins');
    const { old, microblog } = store;
    dir = store.dir;
    const author = await microblog.createAccount({ username: 'oldauthor' });
    const reader = await microblog.createAccount({ username: 'oldreader' });
    // Rows as the previous release wrote them (it knew no tags).
    const insert = async (text: string, visibility: 'public' | 'private') => {
      const id = newId();
      const now = new Date().toISOString();
      await old.db
        .insertInto('posts')
        .values({
          id,
          account_id: author.id,
          text,
          spoiler_text: '',
          sensitive: 0,
          visibility,
          language: null,
          source: 'web',
          in_reply_to_id: null,
          in_reply_to_account_id: null,
          reblog_of_id: null,
          created_at: now,
          edited_at: null,
          replies_count: 0,
          reblogs_count: 0,
          favourites_count: 0,
        })
        .execute();
      return id;
    };
    ids.public = await insert('Old times #Nostalgia with marmalade', 'public');
    ids.private = await insert('Hidden #nostalgia marmalade', 'private');
    ids.reader = reader.id;
    ({ ctx, app } = await store.reopen());
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('old posts are in their tag timeline and found by their words, audience kept', async () => {
    const issued = await ctx.oauth.issueToken({ appId: null, accountId: ids.reader!, scopes: ['read'] });
    const headers = { authorization: `Bearer ${issued.accessToken}` };
    const timeline = await app.inject({ url: '/api/v1/timelines/tag/nostalgia', headers });
    expect(timeline.json().map((s: { id: string }) => s.id)).toEqual([ids.public]);
    const tag = await app.inject({ url: '/api/v1/tags/NOSTALGIA', headers });
    expect(tag.json().name).toBe('Nostalgia');
    const search = await app.inject({ url: '/api/v2/search?q=marmalade&type=statuses', headers });
    expect(search.json().statuses.map((s: { id: string }) => s.id)).toEqual([ids.public]);
  });
});

/** Accounts made before migration 0029 are found by their display names through its indexes. */
describe.each(ENGINES)('migration 0029 indexes existing accounts for search on $label', ({ name, skip }) => {
  let dir: string | null = null;
  let ctx: TestContext;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    const store = await storeAt(name, 'account-search-migration', '0028_remote_profile_images');
    const { microblog } = store;
    dir = store.dir;
    const named = await microblog.createAccount({ username: 'wren' });
    await microblog.updateProfile(named.id, { displayName: 'Marmaduke Ölund' });
    ids.named = named.id;
    ids.other = (await microblog.createAccount({ username: 'marmalade' })).id;
    ({ ctx, app } = await store.reopen());
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('finds old accounts by a part of their display name, and by username prefix', async () => {
    const found = async (q: string) =>
      (await app.inject({ url: `/api/v2/search?type=accounts&q=${encodeURIComponent(q)}` }))
        .json()
        .accounts.map((a: { id: string }) => a.id);
    expect(await found('aduke')).toEqual([ids.named]);
    expect(await found('MARMA')).toEqual([ids.other, ids.named]);
    expect(await found('marmal')).toEqual([ids.other]);
  });
});
