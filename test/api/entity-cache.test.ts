import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { buildServer } from '../../src/app/http-server.ts';
import { cachingDialect, EntityCache } from '../../src/store/entity-cache.ts';
import { configFor } from '../../src/config/config.ts';
import { ENGINES, contextWithStorage, redisUrl, testSchemaName, type TestContext } from '../helpers/context.ts';
import { freePort, startServer, type RunningServer } from '../helpers/server.ts';

/**
 * The in-process cache of posts and accounts (src/store/entity-cache.ts) must never serve a
 * stale or forbidden body: each test warms the cache by reading, changes something, and reads
 * again at once — on one instance, from another process on the same SQLite file, and through a
 * second instance sharing PostgreSQL and Redis.
 */
const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes
type Json = any;

interface Person {
  id: string;
  auth: { authorization: string };
}

async function person(ctx: TestContext, username: string): Promise<Person> {
  const account = await ctx.microblog.createAccount({ username });
  const token = await ctx.oauth.issueToken({
    appId: null,
    accountId: account.id,
    scopes: ['read', 'write', 'follow'],
  });
  return { id: account.id, auth: { authorization: `Bearer ${token.accessToken}` } };
}

async function json(url: string, who: Person, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    ...init,
    headers: { ...who.auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  return { status: response.status, body: await response.json() };
}

const post = async (base: string, who: Person, status: string, visibility = 'public') =>
  (await json(`${base}/api/v1/statuses`, who, { method: 'POST', body: JSON.stringify({ status, visibility }) })).body
    .id as string;

const homeIds = async (base: string, who: Person) =>
  ((await json(`${base}/api/v1/timelines/home`, who)).body as { id: string }[]).map((s) => s.id);

/** The scenarios, run against a writer's instance (`w`) and a reader's (`r`): the same one, or two. */
function scenarios(instances: () => { w: string; r: string; ctx: TestContext; readerCtx: TestContext }) {
  let n = 0;
  const pair = async () => {
    n += 1;
    const { ctx } = instances();
    const author = await person(ctx, `author${n}`);
    const reader = await person(ctx, `reader${n}`);
    await ctx.microblog.follow(reader.id, author.id);
    return { author, reader };
  };

  it('serves an edited post and a renamed author fresh, right after the change', async () => {
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const id = await post(w, author, 'First version');
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).body.content).toContain('First version');
    expect((await json(`${r}/api/v1/timelines/home`, reader)).body[0].content).toContain('First version');
    // An edit as any write path does it: through the store's database handle.
    await ctx.store.db
      .updateTable('posts')
      .set({ text: 'Second version', edited_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    const after = (await json(`${r}/api/v1/statuses/${id}`, reader)).body;
    expect(after.content).toContain('Second version');
    expect(after.edited_at).not.toBeNull();
    expect((await json(`${r}/api/v1/timelines/home`, reader)).body[0].content).toContain('Second version');
    // Raw SQL the cache cannot read ids from drops everything it keeps.
    await sql`update posts set text = ${'Third version'} where id = ${id}`.execute(ctx.store.db);
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).body.content).toContain('Third version');

    await json(`${w}/api/v1/accounts/update_credentials`, author, {
      method: 'PATCH',
      body: JSON.stringify({ display_name: 'Renamed Author' }),
    });
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).body.account.display_name).toBe('Renamed Author');
  });

  it('keeps counts current: favourites and replies show at once', async () => {
    const { w, r } = instances();
    const { author, reader } = await pair();
    const id = await post(w, author, 'Count me');
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).body.favourites_count).toBe(0);
    await json(`${w}/api/v1/statuses/${id}/favourite`, author, { method: 'POST' });
    await json(`${w}/api/v1/statuses`, author, {
      method: 'POST',
      body: JSON.stringify({ status: 'a reply', in_reply_to_id: id }),
    });
    const after = (await json(`${r}/api/v1/statuses/${id}`, reader)).body;
    expect(after.favourites_count).toBe(1);
    expect(after.replies_count).toBe(1);
  });

  it('never serves a deleted post, nor boosts of it', async () => {
    const { w, r } = instances();
    const { author, reader } = await pair();
    const booster = await person(instances().ctx, `booster${n}`);
    await instances().ctx.microblog.follow(reader.id, booster.id);
    const id = await post(w, author, 'Soon gone');
    await json(`${w}/api/v1/statuses/${id}/reblog`, booster, { method: 'POST' });
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(200);
    expect(await homeIds(r, reader)).toEqual([id]);
    const boosts = `${r}/api/v1/accounts/${booster.id}/statuses`;
    expect((await json(boosts, reader)).body.map((s: { reblog: { id: string } }) => s.reblog.id)).toEqual([id]);
    expect((await json(`${w}/api/v1/statuses/${id}`, author, { method: 'DELETE' })).status).toBe(200);
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(404);
    expect(await homeIds(r, reader)).toEqual([]);
    expect((await json(boosts, reader)).body).toEqual([]);
  });

  it("never serves a suspended author's posts", async () => {
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const id = await post(w, author, 'Before the suspension');
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(200);
    await ctx.microblog.setSuspended(author.id, true);
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(404);
    expect(await homeIds(r, reader)).toEqual([]);
    expect((await json(`${r}/api/v1/accounts/${author.id}`, reader)).status).toBe(404);
  });

  it('never serves a post to someone its author blocked, once blocked', async () => {
    const { w, r } = instances();
    const { author, reader } = await pair();
    const id = await post(w, author, 'Before the block');
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(200);
    expect(await homeIds(r, reader)).toEqual([id]);
    await json(`${w}/api/v1/accounts/${reader.id}/block`, author, { method: 'POST' });
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(404);
    expect(await homeIds(r, reader)).toEqual([]);
  });

  it('never serves a followers-only post to a non-follower, though a follower just read it', async () => {
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const stranger = await person(ctx, `stranger${n}`);
    const id = await post(w, author, 'For followers only', 'private');
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(200);
    expect((await json(`${r}/api/v1/statuses/${id}`, stranger)).status).toBe(404);
    expect((await json(`${r}/api/v1/accounts/${author.id}/statuses`, stranger)).body).toEqual([]);
    // The follower leaves: the post they had just read is no longer theirs to read.
    await json(`${w}/api/v1/accounts/${author.id}/unfollow`, reader, { method: 'POST' });
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(404);
    // A post turned followers-only later (a visibility change) stops reaching strangers at once.
    const open = await post(w, author, 'Open for now');
    expect((await json(`${r}/api/v1/statuses/${open}`, stranger)).status).toBe(200);
    await ctx.store.db.updateTable('posts').set({ visibility: 'private' }).where('id', '=', open).execute();
    expect((await json(`${r}/api/v1/statuses/${open}`, stranger)).status).toBe(404);
  });
  // ── Per-viewer state kept in process (issue 14): each is warmed by a read, changed, read at once ──

  it("shows what is written to a home feed at once, though the reader's feed was just read", async () => {
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const other = await person(ctx, `backfilled${n}`);
    // Each read keeps the reader's newest feed entries (the home head); each write must reach it.
    expect(await homeIds(r, reader)).toEqual([]);
    const first = await post(w, author, 'Fanned out');
    expect(await homeIds(r, reader)).toEqual([first]);
    const earlier = await post(w, other, 'Before the follow');
    expect(await homeIds(r, reader)).toEqual([first]);
    await json(`${w}/api/v1/accounts/${other.id}/follow`, reader, { method: 'POST' });
    expect(await homeIds(r, reader)).toEqual([earlier, first]);
    await json(`${w}/api/v1/accounts/${other.id}/unfollow`, reader, { method: 'POST' });
    expect(await homeIds(r, reader)).toEqual([first]);
    const second = (await ctx.microblog.post(author.id, { text: 'Through the store', source: 'web' })).id;
    expect(await homeIds(r, reader)).toEqual([second, first]);
    await json(`${w}/api/v1/statuses/${first}`, author, { method: 'DELETE' });
    expect(await homeIds(r, reader)).toEqual([second]);
    // Raw SQL (as the maintenance loop trims feeds): whose feeds it wrote cannot be told.
    await sql`delete from home_feed where account_id = ${reader.id}`.execute(ctx.store.db);
    expect(await homeIds(r, reader)).toEqual([]);
  });

  it('refuses a revoked token at once, though it was just used', async () => {
    const { w, r, ctx } = instances();
    const { reader } = await pair();
    expect((await json(`${r}/api/v1/timelines/home`, reader)).status).toBe(200);
    expect((await json(`${w}/api/v1/timelines/home`, reader)).status).toBe(200);
    await ctx.oauth.revokeAllSessions(reader.id);
    expect((await json(`${r}/api/v1/timelines/home`, reader)).status).toBe(401);
    expect((await json(`${w}/api/v1/timelines/home`, reader)).status).toBe(401);
  });

  it('refuses a token revoked by a raw SQL statement at once', async () => {
    const { w, r, ctx } = instances();
    const { reader } = await pair();
    expect((await json(`${r}/api/v1/timelines/home`, reader)).status).toBe(200);
    await sql`update oauth_tokens set revoked_at = ${new Date().toISOString()} where account_id = ${reader.id}`.execute(
      ctx.store.db,
    );
    expect((await json(`${r}/api/v1/timelines/home`, reader)).status).toBe(401);
    expect((await json(`${w}/api/v1/timelines/home`, reader)).status).toBe(401);
  });

  it('hides a muted or blocked author at once, and shows them again when undone', async () => {
    const { w, r } = instances();
    const { author, reader } = await pair();
    const id = await post(w, author, 'Loud post');
    expect(await homeIds(r, reader)).toEqual([id]);
    await json(`${w}/api/v1/accounts/${author.id}/mute`, reader, { method: 'POST' });
    expect(await homeIds(r, reader)).toEqual([]);
    await json(`${w}/api/v1/accounts/${author.id}/unmute`, reader, { method: 'POST' });
    expect(await homeIds(r, reader)).toEqual([id]);
    // The reader blocks the author: gone from home, profile and thread alike.
    expect((await json(`${r}/api/v1/accounts/${author.id}/statuses`, reader)).body).toHaveLength(1);
    await json(`${w}/api/v1/accounts/${author.id}/block`, reader, { method: 'POST' });
    expect(await homeIds(r, reader)).toEqual([]);
    expect((await json(`${r}/api/v1/accounts/${author.id}/statuses`, reader)).body).toEqual([]);
    expect((await json(`${r}/api/v1/statuses/${id}/context`, reader)).status).toBe(404);
  });

  it("applies a viewer's new filter and exclusive list at once", async () => {
    const { w, r } = instances();
    const { author, reader } = await pair();
    const id = await post(w, author, `A secret${n} word`);
    expect(await homeIds(r, reader)).toEqual([id]);
    const filter = await json(`${w}/api/v2/filters`, reader, {
      method: 'POST',
      body: JSON.stringify({
        title: 'no secrets',
        context: ['home'],
        filter_action: 'warn',
        keywords_attributes: [{ keyword: `secret${n}` }],
      }),
    });
    expect(filter.status).toBe(200);
    const warned = (await json(`${r}/api/v1/timelines/home`, reader)).body;
    expect(warned[0].filtered[0].keyword_matches).toEqual([`secret${n}`]);
    await json(`${w}/api/v2/filters/${filter.body.id}`, reader, {
      method: 'PUT',
      body: JSON.stringify({ filter_action: 'hide' }),
    });
    expect(await homeIds(r, reader)).toEqual([]);
    await json(`${w}/api/v2/filters/${filter.body.id}`, reader, { method: 'DELETE' });
    expect(await homeIds(r, reader)).toEqual([id]);
    const list = await json(`${w}/api/v1/lists`, reader, {
      method: 'POST',
      body: JSON.stringify({ title: 'apart', exclusive: true }),
    });
    await json(`${w}/api/v1/lists/${list.body.id}/accounts`, reader, {
      method: 'POST',
      body: JSON.stringify({ account_ids: [author.id] }),
    });
    expect(await homeIds(r, reader)).toEqual([]);
  });

  it('brings a followed hashtag into home at once, and a new follow shows followers-only posts', async () => {
    const { w, r, ctx } = instances();
    const { reader } = await pair();
    const stranger = await person(ctx, `tagger${n}`);
    const tagged = await post(w, stranger, `about #cachetag${n}`);
    const closed = await post(w, stranger, 'only for my followers', 'private');
    expect(await homeIds(r, reader)).toEqual([]);
    expect((await json(`${r}/api/v1/accounts/${stranger.id}/statuses`, reader)).body).toHaveLength(1);
    await json(`${w}/api/v1/tags/cachetag${n}/follow`, reader, { method: 'POST' });
    expect(await homeIds(r, reader)).toEqual([tagged]);
    await json(`${w}/api/v1/accounts/${stranger.id}/follow`, reader, { method: 'POST' });
    const profile = (await json(`${r}/api/v1/accounts/${stranger.id}/statuses`, reader)).body;
    expect(profile.map((s: { id: string }) => s.id)).toEqual([closed, tagged]);
  });

  it("shows the viewer's own favourite, boost, bookmark and pin at once, and leaves others' flags alone", async () => {
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const other = await person(ctx, `onlooker${n}`);
    await ctx.microblog.follow(other.id, author.id);
    const id = await post(w, author, 'Flag me');
    const flags = async (who: Person) => {
      const status = (await json(`${r}/api/v1/timelines/home`, who)).body.find((s: { id: string }) => s.id === id);
      return [status.favourited, status.reblogged, status.bookmarked];
    };
    const act = (action: string, who = reader) => json(`${w}/api/v1/statuses/${id}/${action}`, who, { method: 'POST' });
    // Warm: both viewers' flags read (and kept) before each change.
    expect(await flags(reader)).toEqual([false, false, false]);
    expect(await flags(other)).toEqual([false, false, false]);
    await act('favourite');
    expect(await flags(reader)).toEqual([true, false, false]);
    expect(await flags(other)).toEqual([false, false, false]);
    await act('reblog');
    expect(await flags(reader)).toEqual([true, true, false]);
    await act('bookmark');
    expect(await flags(reader)).toEqual([true, true, true]);
    expect(await flags(other)).toEqual([false, false, false]);
    await act('unfavourite');
    expect(await flags(reader)).toEqual([false, true, true]);
    await act('unreblog');
    expect(await flags(reader)).toEqual([false, false, true]);
    await act('unbookmark');
    expect(await flags(reader)).toEqual([false, false, false]);
    // The other viewer's own favourite, through the scenario's context (another process or instance).
    await ctx.microblog.favourite(other.id, id);
    expect(await flags(other)).toEqual([true, false, false]);
    expect(await flags(reader)).toEqual([false, false, false]);
    await ctx.microblog.reblog(other.id, id, 'web');
    expect(await flags(other)).toEqual([true, true, false]);
    await ctx.microblog.unfavourite(other.id, id);
    await ctx.microblog.unreblog(other.id, id);
    expect(await flags(other)).toEqual([false, false, false]);
    // Pins: the author's own post, read as a single status and in the author's home.
    const pinned = async () => (await json(`${r}/api/v1/statuses/${id}`, author)).body.pinned;
    expect(await pinned()).toBe(false);
    await act('pin', author);
    expect(await pinned()).toBe(true);
    await act('unpin', author);
    expect(await pinned()).toBe(false);
    await ctx.microblog.pin(author.id, id);
    expect(await pinned()).toBe(true);
    // The post deleted, its favourites and pin with it: gone from the favourites list at once.
    await ctx.microblog.favourite(reader.id, id);
    expect(await flags(reader)).toEqual([true, false, false]);
    await json(`${w}/api/v1/statuses/${id}`, author, { method: 'DELETE' });
    expect((await json(`${r}/api/v1/favourites`, reader)).body).toEqual([]);
    expect((await json(`${r}/api/v1/statuses/${id}`, reader)).status).toBe(404);
  });

  it('shows flags on posts older and newer than the newest one the viewer flagged, at once, however it moves', async () => {
    // Posts newer than every one the viewer flagged are answered without reading flags: each
    // change below moves that newest post (up, down, to none) and every post must read right.
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const older = await post(w, author, 'Older, favourited');
    await json(`${w}/api/v1/statuses/${older}/favourite`, reader, { method: 'POST' });
    const middle = await post(w, author, 'Newer than every flag');
    const newest = await post(w, author, 'Newest');
    const flags = async () => {
      const home = (await json(`${r}/api/v1/timelines/home`, reader)).body as Json[];
      return [older, middle, newest].map((id) => {
        const status = home.find((s) => s.id === id);
        return [status.favourited, status.reblogged, status.bookmarked].map((on) => (on ? 1 : 0)).join('');
      });
    };
    expect(await flags()).toEqual(['100', '000', '000']);
    await json(`${w}/api/v1/statuses/${newest}/bookmark`, reader, { method: 'POST' });
    expect(await flags()).toEqual(['100', '000', '001']);
    // Through the scenario's context (another process or instance): a boost of the middle one.
    await ctx.microblog.reblog(reader.id, middle, 'web');
    expect(await flags()).toEqual(['100', '010', '001']);
    await json(`${w}/api/v1/statuses/${newest}/unbookmark`, reader, { method: 'POST' });
    expect(await flags()).toEqual(['100', '010', '000']);
    await ctx.microblog.unreblog(reader.id, middle);
    expect(await flags()).toEqual(['100', '000', '000']);
    await ctx.microblog.unfavourite(reader.id, older);
    expect(await flags()).toEqual(['000', '000', '000']);
    const later = await post(w, author, 'Later still');
    await ctx.microblog.favourite(reader.id, later);
    const home = (await json(`${r}/api/v1/timelines/home`, reader)).body as Json[];
    expect(home.find((s) => s.id === later).favourited).toBe(true);
    expect(await flags()).toEqual(['000', '000', '000']);
  });

  it('answers home, profile and thread with the same status JSON as a single status', async () => {
    const { w, r, ctx } = instances();
    const { author, reader } = await pair();
    const other = await person(ctx, `mentioned${n}`);
    const root = await post(w, author, `Hello @mentioned${n} about #jsontag${n} https://example.org`);
    const reply = (
      await json(`${w}/api/v1/statuses`, author, {
        method: 'POST',
        body: JSON.stringify({
          status: 'poll time',
          in_reply_to_id: root,
          poll: { options: ['a', 'b'], expires_in: 600 },
        }),
      })
    ).body.id as string;
    await json(`${w}/api/v1/statuses/${reply}/favourite`, reader, { method: 'POST' });
    await json(`${w}/api/v1/statuses/${root}/bookmark`, reader, { method: 'POST' });
    await json(`${w}/api/v1/statuses/${root}/reblog`, other, { method: 'POST' });
    const single = async (id: string) => (await json(`${r}/api/v1/statuses/${id}`, reader)).body;
    // Twice: the first read renders, the second assembles from what it kept.
    for (let round = 0; round < 2; round += 1) {
      const home = (await json(`${r}/api/v1/timelines/home`, reader)).body as { id: string }[];
      expect(home.map((s) => s.id)).toEqual([reply, root]);
      for (const status of home) expect(status).toEqual(await single(status.id));
      const profile = (await json(`${r}/api/v1/accounts/${author.id}/statuses`, reader)).body as { id: string }[];
      for (const status of profile) expect(status).toEqual(await single(status.id));
      const thread = (await json(`${r}/api/v1/statuses/${reply}/context`, reader)).body;
      expect(thread.ancestors).toEqual([await single(root)]);
      const boosts = (await json(`${r}/api/v1/accounts/${other.id}/statuses`, reader)).body;
      expect(boosts[0].reblog).toEqual(await single(root));
      expect(boosts[0].content).toBe('');
    }
    expect((await single(reply)).favourited).toBe(true);
    expect((await single(root)).bookmarked).toBe(true);
    expect((await single(reply)).poll.options).toHaveLength(2);
  });
}

describe.each(ENGINES)('entity cache on one instance on $label', ({ name, skip }) => {
  let server: RunningServer;
  beforeAll(async () => {
    if (skip || (name === 'postgres' && !redisUrl)) return;
    // PostgreSQL keeps the cache only with Redis (to hear other instances).
    server = await startServer(name, name === 'postgres' ? { SPARROW_REDIS_URL: redisUrl! } : {});
  });
  afterAll(async () => server?.close());
  describe.skipIf(skip || (name === 'postgres' && !redisUrl))('', () => {
    it('is on, and serves repeated reads from memory', async () => {
      const reader = await person(server.ctx, 'hitter');
      const id = await post(server.url, reader, 'hit me');
      await json(`${server.url}/api/v1/statuses/${id}`, reader);
      const hits = async () =>
        Number(/^sparrow_entity_cache_hits (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())![1]);
      const before = await hits();
      for (let i = 0; i < 3; i += 1)
        expect((await json(`${server.url}/api/v1/statuses/${id}`, reader)).status).toBe(200);
      // Each read finds the post and its author in memory.
      expect(await hits()).toBeGreaterThanOrEqual(before + 6);
    });
    scenarios(() => ({ w: server.url, r: server.url, ctx: server.ctx, readerCtx: server.ctx }));
  });
});

describe('entity cache with another process writing the same SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-cache-'));
  const file = join(dir, 'sparrow.sqlite');
  let server: RunningServer;
  let other: TestContext;
  beforeAll(async () => {
    server = await startServer('sqlite', { SPARROW_DATABASE_URL: `sqlite:${file}` });
    // A second process on the same file, as `sparrow accounts suspend …` or another worker would be.
    other = await contextWithStorage(configFor({ SPARROW_DATABASE_URL: `sqlite:${file}` }), { oneShot: true });
  });
  afterAll(async () => {
    await other?.dispose();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // Reads go to the server; writes by the scenarios' context go through the other connection.
  scenarios(() => ({ w: server.url, r: server.url, ctx: other, readerCtx: server.ctx }));
});

describe.skipIf(!postgresUrl || !redisUrl)('entity cache across two instances (PostgreSQL + Redis)', () => {
  const schema = testSchemaName('cache');
  const instances: { ctx: TestContext; url: string; close(): Promise<void> }[] = [];
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const ctx = await contextWithStorage(
        configFor({ SPARROW_DATABASE_URL: postgresUrl!, SPARROW_REDIS_URL: redisUrl!, PORT: String(port) }),
        { schema, poolSize: 3 },
      );
      const app = await buildServer(ctx);
      await app.listen({ host: '127.0.0.1', port });
      instances.push({
        ctx,
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          await app.close();
          await ctx.dispose();
        },
      });
    }
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
  });
  // Writes through instance A (HTTP and its store), reads through instance B, whose cache is warm.
  scenarios(() => ({
    w: instances[0]!.url,
    r: instances[1]!.url,
    ctx: instances[0]!.ctx,
    readerCtx: instances[1]!.ctx,
  }));
});

describe('entity cache: which raw SQL statements drop kept state', () => {
  // A real SQLite database behind the watching dialect, and a token kept the way the store keeps it.
  const cache = new EntityCache(100);
  const db = new Kysely<Record<string, Record<string, unknown>>>({
    dialect: cachingDialect(new SqliteDialect({ database: new SQLite(':memory:') }), cache),
  });
  let loads = 0;
  const token = () =>
    cache.memo('token', 'hash', ['oauth_tokens', 'oauth_apps'], async () => {
      loads += 1;
      return (await sql<{ revoked_at: string | null }>`select revoked_at from oauth_tokens`.execute(db)).rows[0];
    });
  beforeAll(async () => {
    await sql`create table oauth_tokens (id text primary key, revoked_at text)`.execute(db);
    await sql`create table push_deliveries (id text primary key, token_id text, status text)`.execute(db);
    await sql`insert into oauth_tokens (id, revoked_at) values ('t1', null)`.execute(db);
    await sql`insert into push_deliveries (id, token_id, status) values ('d1', 't1', 'queued')`.execute(db);
  });
  afterAll(async () => db.destroy());

  it('keeps a token over a write that only reads the tokens table, and drops it when that table is written', async () => {
    await token();
    const warm = loads;
    await token();
    expect(loads).toBe(warm);
    // Like the push deliveries' lease: it writes push_deliveries, choosing rows by a join on tokens.
    await sql`update push_deliveries set status = 'sending' where id in (
      select d.id from push_deliveries d join oauth_tokens t on t.id = d.token_id where t.revoked_at is null)`.execute(
      db,
    );
    await token();
    expect(loads).toBe(warm);
    await sql`update oauth_tokens set revoked_at = 'now' where id = 't1'`.execute(db);
    expect(await token()).toEqual({ revoked_at: 'now' });
    expect(loads).toBe(warm + 1);
    await sql`insert into oauth_tokens (id, revoked_at) select 't2', null`.execute(db);
    await token();
    expect(loads).toBe(warm + 2);
  });
});
