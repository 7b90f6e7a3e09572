/**
 * Home-timeline benchmark (issues 2 and 14): seeds a synthetic social graph into a fresh
 * SQLite store and measures `GET /api/v1/timelines/home` over HTTP, as many different users,
 * against limits of the same machine in the same run: the server's empty route, the same route
 * on a bare Fastify app (bench/bare-fastify.ts: what the framework itself costs), and a
 * minimal node:http server answering a prebuilt body of the same size as the home page
 * (bench/static-server.ts). Then notifications, account statuses, thread context, search
 * (when the server has it) and posting a status. For every route it also reports the
 * server's CPU time per request (user + sys of the server process tree over the window).
 *
 *   npm run bench                       100k accounts, 1M posts, ~200 follows each
 *   npm run bench -- --scale small      10k accounts, 100k posts, ~200 follows each
 *   npm run bench -- --accounts N --posts N --follows N --readers N --duration S --connections C
 *   npm run bench -- --keep             keep the seeded store (its directory is printed)
 *   npm run bench -- --store DIR        reuse a store kept by an earlier --keep run, unseeded
 *
 * Seeding writes the tables directly (the product's own code would take hours for 20M
 * follows), exactly as the product lays them out: follower counts, skewed popularity (a
 * few hundred accounts above the fan-out limit, merged at read time), and materialised
 * home feeds (newest `SPARROW_HOME_FEED_LENGTH` entries from followed accounts under the
 * limit) for the accounts that read during the run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { type SeededGraph, seedGraph } from './seed-graph.ts';
import { type LoadResult, load, startBareFastify, startServe, startStaticServer, writeResults } from './lib.ts';

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
    // A directory kept by an earlier --keep run: its store and its readers are reused (the full
    // scale takes ~10 minutes to seed). The graph's size comes from that run, not from --scale.
    store: { type: 'string' },
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

/** What a kept store directory holds besides the store: the seeded graph's size and its readers. */
interface KeptGraph extends SeededGraph {
  scale: string;
  accounts: number;
  posts: number;
  follows: number;
  readers: number;
}
const KEPT_GRAPH_FILE = 'bench-graph.json';
const kept: KeptGraph | null = values.store ? readKeptGraph(values.store) : null;
function readKeptGraph(dir: string): KeptGraph {
  const file = join(dir, KEPT_GRAPH_FILE);
  if (!existsSync(file)) {
    console.error(`--store ${dir}: no ${KEPT_GRAPH_FILE} there (keep a store with --keep first)`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as KeptGraph;
}

const SCALE = kept?.scale ?? values.scale;
const ACCOUNTS = kept?.accounts ?? num(values.accounts, small ? 10_000 : 100_000, 'accounts');
const POSTS = kept?.posts ?? num(values.posts, small ? 100_000 : 1_000_000, 'posts');
const FOLLOWS = kept?.follows ?? Math.min(num(values.follows, 200, 'follows'), ACCOUNTS - 1);
const READERS = kept?.readers ?? Math.min(num(values.readers, 2000, 'readers'), ACCOUNTS);
const DURATION = num(values.duration, 15, 'duration');
const CONNECTIONS = num(values.connections, 32, 'connections');
const PORT = num(values.port, 3918, 'port');
const FANOUT_MAX = 10_000;
const FEED_LENGTH = 800;

const dataDir = values.store ?? mkdtempSync(join(tmpdir(), 'sparrow-bench-home-'));
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

let readerIds: string[] = [];
let replies: string[] = [];

async function seed(): Promise<string[]> {
  if (kept) {
    console.log(`reusing the store in ${dataDir} (${ACCOUNTS} accounts, ${POSTS} posts; not seeded)`);
    readerIds = kept.readerIds;
    replies = kept.replies;
    return kept.tokens;
  }
  const seeded = await seedGraph(env, {
    accounts: ACCOUNTS,
    posts: POSTS,
    follows: FOLLOWS,
    readers: READERS,
    fanoutMax: FANOUT_MAX,
    feedLength: FEED_LENGTH,
  });
  readerIds = seeded.readerIds;
  replies = seeded.replies;
  if (values.keep) {
    const graph: KeptGraph = {
      scale: values.scale,
      accounts: ACCOUNTS,
      posts: POSTS,
      follows: FOLLOWS,
      readers: READERS,
      ...seeded,
    };
    writeFileSync(join(dataDir, KEPT_GRAPH_FILE), JSON.stringify(graph));
  }
  return seeded.tokens;
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
    const bareFastify = await startBareFastify(PORT + 1, pageBytes);
    try {
      results.bareFastify = await load('empty route of a bare Fastify app (one route, no hooks, no logger)', {
        url: `http://127.0.0.1:${PORT + 1}/healthz`,
        duration: DURATION,
        connections: CONNECTIONS,
        serverPid: bareFastify.pid,
      });
      // The least a Fastify route that answers a home page's bytes costs: the same body as the
      // static server's, through the framework with nothing of Sparrow's.
      results.bareFastifyStatic = await load(`static body of ${pageBytes} bytes from the bare Fastify app`, {
        url: `http://127.0.0.1:${PORT + 1}/static`,
        duration: DURATION,
        connections: CONNECTIONS,
        serverPid: bareFastify.pid,
      });
    } finally {
      await bareFastify();
    }
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
    writeResults(`home-timeline-${SCALE}`, {
      benchmark: 'home-timeline',
      date: new Date().toISOString(),
      node: process.version,
      scale: SCALE,
      seeded: !kept,
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
  // A reused store stays where it was; a fresh one is removed unless asked to keep it.
  if (values.keep || kept) console.log(`store kept in ${dataDir} (reuse it with --store ${dataDir})`);
  else rmSync(dataDir, { recursive: true, force: true });
}
