/**
 * Home-timeline benchmark (issues 2 and 14): seeds a synthetic social graph into a fresh
 * SQLite store and measures `GET /api/v1/timelines/home` over HTTP, as many different users,
 * against two limits of the same machine in the same run: the server's empty route, and a
 * minimal node:http server answering a prebuilt body of the same size as the home page
 * (bench/static-server.ts). Then notifications, account statuses, thread context, search
 * (when the server has it) and posting a status. For every route it also reports the
 * server's CPU time per request (user + sys of the server process tree over the window).
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
import { type LoadResult, load, startServe, startStaticServer, writeResults } from './lib.ts';

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
    only: { type: 'string' },
    // e.g. --baseline SPARROW_ENTITY_CACHE_SIZE=0: after the routes, the home timeline again on a
    // server started with these settings, for a before/after pair in the same run.
    baseline: { type: 'string' },
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

const replies: string[] = [];
let readerIds: string[] = [];

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
    values (?, ?, ?, '', 0, ?, null, 'web', ?, ?, null, ?, null, 0, 0, 0)`);
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
  // One post in ten answers one of the 1,000 before it, so threads exist for the context route.
  const recent: { id: string; author: string; public: boolean }[] = [];
  db.transaction(() => {
    for (let p = 0; p < POSTS; p += 1) {
      const at = start + Math.floor((p / POSTS) * 30 * 86400_000);
      const author = accountIds[Math.floor(random() * ACCOUNTS)]!;
      const text = Array.from(
        { length: 6 + Math.floor(random() * 20) },
        () => words[Math.floor(random() * words.length)],
      ).join(' ');
      const id = newId(at);
      const parent = recent.length > 0 && random() < 0.1 ? recent[Math.floor(random() * recent.length)]! : null;
      const visibility = random() < 0.9 ? 'public' : 'private';
      // Public replies to public posts: every reader may open those threads.
      if (parent?.public && visibility === 'public' && replies.length < READERS) replies.push(id);
      insertPost.run(
        id,
        author,
        text,
        visibility,
        parent?.id ?? null,
        parent?.author ?? null,
        new Date(at).toISOString(),
      );
      recent.push({ id, author, public: visibility === 'public' });
      if (recent.length > 1000) recent.shift();
    }
  })();
  db.exec(`update posts set replies_count = (select count(*) from posts r where r.in_reply_to_id = posts.id)
    where id in (select in_reply_to_id from posts where in_reply_to_id is not null)`);
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
  readerIds = readers;
  // 40 notifications each: favourites and boosts of their posts, mentions, follows.
  const ownPosts = db.prepare('select id from posts where account_id = ? order by id desc limit 10');
  const insertNotification = db.prepare(
    'insert into notifications (id, account_id, type, from_account_id, post_id, created_at) values (?, ?, ?, ?, ?, ?)',
  );
  let notificationId = BigInt(newId(now - 86400_000));
  db.transaction(() => {
    for (const reader of readers) {
      const own = (ownPosts.all(reader) as { id: string }[]).map((r) => r.id);
      for (let n = 0; n < 40; n += 1) {
        notificationId += 1n;
        const from = accountIds[Math.floor(random() * ACCOUNTS)]!;
        const post = own.length > 0 && n % 4 !== 3 ? own[n % own.length]! : null;
        const type = post ? (n % 4 === 0 ? 'reblog' : 'favourite') : 'follow';
        insertNotification.run(String(notificationId), reader, type, from, post, iso);
      }
    }
  })();
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

const ROUTES = ['home', 'notifications', 'account', 'context', 'search', 'post'] as const;
const only = values.only ? new Set(values.only.split(',')) : new Set<string>(ROUTES);
for (const name of only)
  if (!(ROUTES as readonly string[]).includes(name)) {
    console.error(`--only takes a comma-separated list of ${ROUTES.join(', ')}`);
    process.exit(2);
  }

try {
  const tokens = await seed();
  const stop = await startServe(env);
  const results: Record<string, LoadResult> = {};
  try {
    let next = 0;
    const bearer = () => ({ authorization: `Bearer ${tokens[next++ % tokens.length]}` });
    const rotating = (path: (i: number) => string, extra: Record<string, string> = {}): autocannon.Request[] => {
      let i = 0;
      return [
        {
          setupRequest: (request) => ({ ...request, path: path(i++), headers: { ...bearer(), ...extra } }),
        },
      ];
    };
    const homeUrl = `${publicUrl}/api/v1/timelines/home?limit=20`;
    const run = (title: string, url: string, requests?: autocannon.Request[], connections = CONNECTIONS) =>
      load(title, {
        url,
        duration: connections === 1 ? Math.min(DURATION, 10) : DURATION,
        connections,
        serverPid: stop.pid,
        ...(requests ? { requests } : {}),
      });
    const homeRequests = rotating(() => '/api/v1/timelines/home?limit=20');
    await load('warm-up', { url: homeUrl, duration: 5, connections: CONNECTIONS, requests: homeRequests });
    // The size of a home page, for the static body that stands for "just serving these bytes".
    const sample = await fetch(homeUrl, { headers: bearer() });
    const pageBytes = (await sample.arrayBuffer()).byteLength;
    results.empty = await run('empty route (GET /healthz)', `${publicUrl}/healthz`);
    const staticServer = await startStaticServer(PORT + 1, pageBytes);
    try {
      results.static = await load(`static body of ${pageBytes} bytes (node:http, nothing else)`, {
        url: `http://127.0.0.1:${PORT + 1}/`,
        duration: DURATION,
        connections: CONNECTIONS,
        serverPid: staticServer.pid,
      });
    } finally {
      await staticServer();
    }
    if (only.has('home')) {
      results.home = await run(
        'home timeline (GET /api/v1/timelines/home?limit=20, rotating users)',
        homeUrl,
        homeRequests,
      );
      // At saturation, latency is mostly queueing (connections / rate); one connection shows the service time.
      // The same reads for clients that ask for compression (mobile apps: gzip; browsers: br).
      results.homeGzip = await run(
        'home timeline, Accept-Encoding: gzip',
        homeUrl,
        rotating(() => '/api/v1/timelines/home?limit=20', { 'accept-encoding': 'gzip' }),
      );
      results.homeBrotli = await run(
        'home timeline, Accept-Encoding: gzip, deflate, br',
        homeUrl,
        rotating(() => '/api/v1/timelines/home?limit=20', { 'accept-encoding': 'gzip, deflate, br' }),
      );
      results.homeOneConnection = await run(
        'home timeline, one connection (service latency)',
        homeUrl,
        homeRequests,
        1,
      );
    }
    if (only.has('notifications'))
      results.notifications = await run(
        'notifications (GET /api/v1/notifications?limit=20)',
        `${publicUrl}/api/v1/notifications?limit=20`,
        rotating(() => '/api/v1/notifications?limit=20'),
      );
    if (only.has('account'))
      results.accountStatuses = await run(
        'account statuses (GET /api/v1/accounts/:id/statuses?limit=20)',
        `${publicUrl}/api/v1/accounts/${readerIds[0]}/statuses?limit=20`,
        rotating((i) => `/api/v1/accounts/${readerIds[(i * 7) % readerIds.length]}/statuses?limit=20`),
      );
    if (only.has('context') && replies.length > 0)
      results.context = await run(
        'thread context (GET /api/v1/statuses/:id/context)',
        `${publicUrl}/api/v1/statuses/${replies[0]}/context`,
        rotating((i) => `/api/v1/statuses/${replies[i % replies.length]}/context`),
      );
    if (only.has('search')) {
      const probe = await fetch(`${publicUrl}/api/v2/search?q=market&limit=20`, { headers: bearer() });
      if (probe.status === 404) console.log('search: skipped (GET /api/v2/search answers 404 on this server)');
      else
        results.search = await run(
          'search (GET /api/v2/search?q=…&limit=20)',
          `${publicUrl}/api/v2/search?q=market&limit=20`,
          rotating((i) => `/api/v2/search?q=${['market', 'rain', 'user1', 'harvest'][i % 4]}&limit=20`),
        );
    }
    if (only.has('post')) {
      let n = 0;
      results.post = await load('posting a status (POST /api/v1/statuses, fan-out to followers)', {
        url: `${publicUrl}/api/v1/statuses`,
        method: 'POST',
        duration: DURATION,
        connections: CONNECTIONS,
        serverPid: stop.pid,
        requests: [
          {
            setupRequest: (request) => ({
              ...request,
              method: 'POST',
              headers: { ...bearer(), 'content-type': 'application/json' },
              body: JSON.stringify({ status: `bench status ${n++} about the market and the rain` }),
            }),
          },
        ],
      });
    }
    if (values.baseline && only.has('home')) {
      const settings = Object.fromEntries(
        values.baseline.split(',').map((pair) => pair.split('=', 2) as [string, string]),
      );
      await stop(); // same port, same store
      const second = await startServe({ ...env, ...settings });
      try {
        await load('warm-up (baseline)', {
          url: homeUrl,
          duration: 5,
          connections: CONNECTIONS,
          requests: homeRequests,
        });
        const runBaseline = (title: string, connections: number) =>
          load(title, {
            url: homeUrl,
            duration: connections === 1 ? Math.min(DURATION, 10) : DURATION,
            connections,
            serverPid: second.pid,
            requests: homeRequests,
          });
        results.homeBaseline = await runBaseline(`home timeline with ${values.baseline}`, CONNECTIONS);
        results.homeBaselineOneConnection = await runBaseline(
          `home timeline with ${values.baseline}, one connection`,
          1,
        );
      } finally {
        await second();
      }
    }
    const empty = results.empty!;
    const staticBody = results.static!;
    const routes = Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        {
          ...r,
          ratioToEmptyRoute: Number((r.perSecond / empty.perSecond).toFixed(3)),
          ratioToStaticBody: Number((r.perSecond / staticBody.perSecond).toFixed(3)),
        },
      ]),
    );
    console.log('\nroute                 req/s   /empty  /static  p99 ms  CPU ms/req');
    for (const [name, r] of Object.entries(routes))
      console.log(
        `${name.padEnd(20)} ${String(r.perSecond).padStart(6)}  ${r.ratioToEmptyRoute.toFixed(3).padStart(6)}  ${r.ratioToStaticBody.toFixed(3).padStart(7)}  ${String(r.p99).padStart(6)}  ${r.cpuMsPerRequest ?? '—'}`,
      );
    writeResults(`home-timeline-${values.scale}`, {
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
      homePageBytes: pageBytes,
      routes,
    });
  } finally {
    await stop();
  }
} finally {
  if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  else console.log(`store kept in ${dataDir}`);
}
