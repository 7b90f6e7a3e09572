/**
 * Home-timeline benchmark (issue 2): seeds a synthetic social graph into a fresh SQLite
 * store and measures `GET /api/v1/timelines/home` over HTTP, as many different users,
 * against the same server's empty route.
 *
 *   npm run bench                       100k accounts, 1M posts, ~200 follows each
 *   npm run bench -- --scale small      10k accounts, 100k posts, ~200 follows each
 *   npm run bench -- --accounts N --posts N --follows N --readers N --duration S --connections C
 *
 * Seeding writes the tables directly (the product's own code would take hours for 20M
 * follows), exactly as the product lays them out: follower counts, skewed popularity (a
 * few hundred accounts above the fan-out limit, merged at read time), and materialised
 * home feeds (newest `SPARROW_HOME_FEED_LENGTH` entries from followed accounts under the
 * limit) for the accounts that read during the run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';
import { load, startServe, writeResults } from './lib.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    scale: { type: 'string', default: 'full' },
    accounts: { type: 'string' },
    posts: { type: 'string' },
    follows: { type: 'string' },
    readers: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    port: { type: 'string', default: '3918' },
    keep: { type: 'boolean', default: false },
  },
});
if (values.scale !== 'full' && values.scale !== 'small') {
  console.error('--scale must be full or small');
  process.exit(2);
}
const small = values.scale === 'small';
const num = (raw: string | undefined, fallback: number, name: string) => {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive whole number`);
    process.exit(2);
  }
  return value;
};
const ACCOUNTS = num(values.accounts, small ? 10_000 : 100_000, 'accounts');
const POSTS = num(values.posts, small ? 100_000 : 1_000_000, 'posts');
const FOLLOWS = Math.min(num(values.follows, 200, 'follows'), ACCOUNTS - 1);
const READERS = Math.min(num(values.readers, 2000, 'readers'), ACCOUNTS);
const DURATION = num(values.duration, 15, 'duration');
const CONNECTIONS = num(values.connections, 32, 'connections');
const PORT = num(values.port, 3918, 'port');
const FANOUT_MAX = 10_000;
const FEED_LENGTH = 800;

const dataDir = mkdtempSync(join(tmpdir(), 'sparrow-bench-home-'));
const publicUrl = `http://127.0.0.1:${PORT}`;
const env = {
  PORT: String(PORT),
  SPARROW_HOST: '127.0.0.1',
  SPARROW_PUBLIC_URL: publicUrl,
  SPARROW_DATA_DIR: dataDir,
  SPARROW_LOG_LEVEL: 'warn',
  SPARROW_FANOUT_MAX_FOLLOWERS: String(FANOUT_MAX),
  SPARROW_HOME_FEED_LENGTH: String(FEED_LENGTH),
  SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
};

/** A deterministic generator, so runs seed the same graph. */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(): Promise<string[]> {
  const started = performance.now();
  const ctx = await createContext(configFor(env)); // runs the real migrations
  await ctx.close();
  const db = new SQLite(join(dataDir, 'sparrow.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const random = rng(42);
  const now = Date.now();
  const iso = new Date(now).toISOString();

  // Accounts, created a year ago in id order.
  const accountIds: string[] = [];
  const insertAccount =
    db.prepare(`insert into accounts (id, username, username_key, display_name, note, role, locked, bot, created_at, updated_at,
    suspended_at, followers_count, following_count, statuses_count, last_status_at) values (?, ?, ?, ?, '', 'user', 0, 0, ?, ?, null, 0, 0, 0, null)`);
  db.transaction(() => {
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const id = newId(now - 365 * 86400_000 + i);
      accountIds.push(id);
      insertAccount.run(id, `user${i}`, `user${i}`, `User ${i}`, iso, iso);
    }
  })();

  // Follows with skewed popularity: account k is chosen with density ~ k^-0.6, so a few
  // hundred accounts gather more than the fan-out limit and are merged at read time.
  const insertFollow = db.prepare(
    'insert or ignore into follows (id, account_id, target_account_id, created_at) values (?, ?, ?, ?)',
  );
  let followId = BigInt(newId(now - 200 * 86400_000));
  db.transaction(() => {
    for (let a = 0; a < ACCOUNTS; a += 1) {
      const chosen = new Set<number>();
      while (chosen.size < FOLLOWS) {
        const target = Math.floor(ACCOUNTS * random() ** 2.5);
        if (target !== a) chosen.add(target);
      }
      for (const target of chosen) {
        followId += 1n;
        insertFollow.run(String(followId), accountIds[a], accountIds[target], iso);
      }
    }
  })();
  console.log(`  accounts and ${ACCOUNTS * FOLLOWS} follows in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  // Posts over the last 30 days, authors uniform, ids in time order.
  const insertPost =
    db.prepare(`insert into posts (id, account_id, text, spoiler_text, sensitive, visibility, language, source, in_reply_to_id,
    in_reply_to_account_id, reblog_of_id, created_at, edited_at, replies_count, reblogs_count, favourites_count)
    values (?, ?, ?, '', 0, ?, null, 'web', null, null, null, ?, null, 0, 0, 0)`);
  const words = [
    'rain',
    'market',
    'matatu',
    'school',
    'harvest',
    'river',
    'price',
    'news',
    'music',
    'football',
    'road',
    'clinic',
  ];
  const start = now - 30 * 86400_000;
  db.transaction(() => {
    for (let p = 0; p < POSTS; p += 1) {
      const at = start + Math.floor((p / POSTS) * 30 * 86400_000);
      const author = accountIds[Math.floor(random() * ACCOUNTS)]!;
      const text = Array.from(
        { length: 6 + Math.floor(random() * 20) },
        () => words[Math.floor(random() * words.length)],
      ).join(' ');
      insertPost.run(newId(at), author, text, random() < 0.9 ? 'public' : 'private', new Date(at).toISOString());
    }
  })();
  console.log(`  ${POSTS} posts at ${((performance.now() - started) / 1000).toFixed(0)} s`);

  db.exec(`
    update accounts set
      followers_count = (select count(*) from follows where target_account_id = accounts.id),
      following_count = (select count(*) from follows where account_id = accounts.id),
      statuses_count = (select count(*) from posts where account_id = accounts.id),
      last_status_at = (select max(created_at) from posts where account_id = accounts.id);
  `);
  const celebrities = db.prepare('select count(*) as n from accounts where followers_count > ?').get(FANOUT_MAX) as {
    n: number;
  };

  // Readers: spread over the id range; each gets a token and a materialised feed.
  const readers = Array.from({ length: READERS }, (_, i) => accountIds[Math.floor((i * ACCOUNTS) / READERS)]!);
  const fillFeed = db.prepare(`insert or ignore into home_feed (account_id, post_id, author_id)
    select ?, p.id, p.account_id from follows f join accounts a on a.id = f.target_account_id join posts p on p.account_id = f.target_account_id
     where f.account_id = ? and a.followers_count <= ? and p.visibility in ('public', 'unlisted', 'private')
     order by p.id desc limit ?`);
  const insertToken =
    db.prepare(`insert into oauth_tokens (id, token_hash, app_id, account_id, scopes, created_at, revoked_at, last_used_at)
    values (?, ?, null, ?, 'read write follow', ?, null, null)`);
  const tokens: string[] = [];
  db.transaction(() => {
    for (const reader of readers) {
      fillFeed.run(reader, reader, FANOUT_MAX, FEED_LENGTH);
      const token = randomBytes(32).toString('base64url');
      tokens.push(token);
      insertToken.run(newId(), createHash('sha256').update(token).digest('hex'), reader, iso);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('analyze');
  db.close();
  console.log(
    `seeded ${ACCOUNTS} accounts, ${POSTS} posts, ~${FOLLOWS} follows each (${celebrities.n} accounts above the fan-out limit of ${FANOUT_MAX}), ${READERS} reader feeds in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return tokens;
}

try {
  const tokens = await seed();
  const stop = await startServe(env);
  try {
    let next = 0;
    const rotating: autocannon.Request[] = [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ];
    await load('warm-up', {
      url: `${publicUrl}/api/v1/timelines/home?limit=20`,
      duration: 5,
      connections: CONNECTIONS,
      requests: rotating,
    });
    const empty = await load('empty route (GET /healthz)', {
      url: `${publicUrl}/healthz`,
      duration: DURATION,
      connections: CONNECTIONS,
    });
    const home = await load('home timeline (GET /api/v1/timelines/home?limit=20, rotating users)', {
      url: `${publicUrl}/api/v1/timelines/home?limit=20`,
      duration: DURATION,
      connections: CONNECTIONS,
      requests: rotating,
    });
    // At saturation, latency is mostly queueing (connections / rate); one connection shows the service time.
    const light = await load('home timeline, one connection (service latency)', {
      url: `${publicUrl}/api/v1/timelines/home?limit=20`,
      duration: Math.min(DURATION, 10),
      connections: 1,
      requests: rotating,
    });
    const summary = {
      benchmark: 'home-timeline',
      date: new Date().toISOString(),
      node: process.version,
      scale: values.scale,
      accounts: ACCOUNTS,
      posts: POSTS,
      followsPerAccount: FOLLOWS,
      readers: READERS,
      durationSeconds: DURATION,
      connections: CONNECTIONS,
      homePerSecond: home.perSecond,
      homeP50Ms: home.p50,
      homeP99Ms: home.p99,
      homeFailed: home.failed,
      oneConnectionP50Ms: light.p50,
      oneConnectionP99Ms: light.p99,
      emptyRoutePerSecond: empty.perSecond,
      emptyP99Ms: empty.p99,
      ratioToEmptyRoute: Number((home.perSecond / empty.perSecond).toFixed(3)),
    };
    console.log(
      `\nratio home timeline / empty route: ${summary.ratioToEmptyRoute} (${summary.homePerSecond} / ${summary.emptyRoutePerSecond} req/s)`,
    );
    writeResults(`home-timeline-${values.scale}`, summary);
  } finally {
    await stop();
  }
} finally {
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  else console.log(`store kept in ${dataDir}`);
}
