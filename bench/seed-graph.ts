/** The synthetic social graph the read benchmarks run against (bench/home-timeline.ts, bench/read-cpu.ts). */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';

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

export interface GraphSize {
  accounts: number;
  posts: number;
  follows: number;
  readers: number;
  fanoutMax: number;
  feedLength: number;
}

export interface SeededGraph {
  /** One bearer token per reader. */
  tokens: string[];
  readerIds: string[];
  /** Public replies to public posts (thread context routes). */
  replies: string[];
}

/**
 * Seeds the benchmark graph into a fresh store in `env.SPARROW_DATA_DIR`, writing the tables
 * directly (the product's own code would take hours for 20M follows), exactly as the product
 * lays them out.
 */
export async function seedGraph(env: Record<string, string>, size: GraphSize): Promise<SeededGraph> {
  const { accounts: ACCOUNTS, posts: POSTS, follows: FOLLOWS, readers: READERS, fanoutMax: FANOUT_MAX } = size;
  const FEED_LENGTH = size.feedLength;
  const dataDir = env.SPARROW_DATA_DIR!;
  const replies: string[] = [];
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
  return { tokens, readerIds: readers, replies };
}
