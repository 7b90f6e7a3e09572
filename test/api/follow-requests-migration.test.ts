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
 * A store left by the release before follow requests: following a locked account made a
 * follow at once (the hole of issue 11, finding 5), and the follower's materialised home
 * feed holds the locked account's followers-only posts. Migration 0006 must close it.
 */
describe.each(ENGINES)('migrating follows of locked accounts on $label', ({ name, skip }) => {
  let dir: string | null = null;
  let ctx: TestContext;
  let app: Awaited<ReturnType<typeof buildServer>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    let env: Record<string, string>;
    let schema: string | undefined;
    if (name === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'sparrow-follow-migration-'));
      env = { SPARROW_DATABASE_URL: `sqlite:${join(dir, 'sparrow.db')}` };
    } else {
      schema = testSchemaName('follow_migration');
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      env = { SPARROW_DATABASE_URL: postgresUrl! };
    }
    const config = configFor(env);
    const old = openDatabase(config.database, schema ? { schema, poolSize: 2 } : {});
    await migrateUpTo(old, '0005_privacy');
    // What the previous release's follow did: a follow row at once, with backfill and fan-out.
    const store = new KyselyMicroblogStore(old.db);
    const microblog = new Microblog(
      store,
      { domain: 'test.local', maxPostLength: 500, fanoutMaxFollowers: 1000 },
      systemClock,
      new KyselyPostExtrasStore(old.db, old.engine),
    );
    const owner = await microblog.createAccount({ username: 'lockedowner' });
    const open = await microblog.createAccount({ username: 'openowner' });
    const follower = await microblog.createAccount({ username: 'earlyfollower' });
    await microblog.updateProfile(owner.id, { locked: true });
    await microblog.post(owner.id, { text: 'secret before the follow', source: 'web', visibility: 'private' });
    await microblog.post(open.id, { text: 'open and for followers', source: 'web', visibility: 'private' });
    for (const target of [owner, open]) {
      await store.follow({
        id: newId(),
        accountId: follower.id,
        targetId: target.id,
        backfill: 40,
        notification: null,
      });
    }
    await microblog.post(owner.id, { text: 'secret after the follow', source: 'web', visibility: 'private' });
    await old.close();
    Object.assign(ids, { owner: owner.id, open: open.id, follower: follower.id });

    ctx = await contextWithStorage(config, schema ? { schema, poolSize: 4 } : {});
    app = await buildServer(ctx);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tokenOf = async (accountId: string) => {
    const issued = await ctx.oauth.issueToken({ appId: null, accountId, scopes: ['read', 'write', 'follow'] });
    return { authorization: `Bearer ${issued.accessToken}` };
  };

  it.skipIf(skip)(
    'turns each unapproved follow into a pending request the owner can accept, and empties the leaked home feed',
    async () => {
      const follower = await tokenOf(ids.follower!);
      const owner = await tokenOf(ids.owner!);
      const home = async () =>
        (await app.inject({ method: 'GET', url: '/api/v1/timelines/home', headers: follower }))
          .json()
          .map((s: { content: string }) => s.content);
      expect(await home()).toEqual(['<p>open and for followers</p>']);
      const profile = await app.inject({
        method: 'GET',
        url: `/api/v1/accounts/${ids.owner}/statuses`,
        headers: follower,
      });
      expect(profile.json()).toEqual([]);
      const relationships = await app.inject({
        method: 'GET',
        url: `/api/v1/accounts/relationships?id[]=${ids.owner}&id[]=${ids.open}`,
        headers: follower,
      });
      expect(relationships.json()).toMatchObject([
        { id: ids.owner, following: false, requested: true },
        { id: ids.open, following: true, requested: false },
      ]);
      const account = await app.inject({ method: 'GET', url: `/api/v1/accounts/${ids.owner}`, headers: follower });
      expect(account.json().followers_count).toBe(0);
      const waiting = await app.inject({ method: 'GET', url: '/api/v1/follow_requests', headers: owner });
      expect(waiting.json().map((a: { id: string }) => a.id)).toEqual([ids.follower]);
      const notifications = await app.inject({ method: 'GET', url: '/api/v1/notifications', headers: owner });
      expect(notifications.json().map((x: { type: string }) => x.type)).toEqual(['follow_request']);

      await app.inject({ method: 'POST', url: `/api/v1/follow_requests/${ids.follower}/authorize`, headers: owner });
      expect(await home()).toEqual([
        '<p>secret after the follow</p>',
        '<p>open and for followers</p>',
        '<p>secret before the follow</p>',
      ]);
    },
  );
});
