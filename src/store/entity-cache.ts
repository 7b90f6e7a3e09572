import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  OperationNode,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';
import { AsyncLocalStorage } from 'node:async_hooks';
import { SqliteAdapter } from 'kysely';
import type { Account, Post } from '../core/model.ts';

/**
 * A bounded in-process cache of the viewer-independent records a page is rendered from: posts
 * (with their mentions) and accounts, by id — a cached record can only be stale, never
 * forbidden — and, through `memo`, per-viewer state kept until what it was read from is written
 * (a token, whom a viewer blocks or follows, their favourites/boosts/bookmarks/pins per post).
 * A memo names the tables it reads, or for state everyone writes all the time (`KEYED`) the
 * keys it reads, so that one viewer's favourite does not drop everyone's. None of it is stale:
 *
 * - **Every write is seen.** The database connection is wrapped (`cachingDialect`), so every
 *   statement any code runs through Kysely is inspected: an UPDATE, DELETE or upsert of
 *   `posts`, `mentions` or `accounts` drops exactly the ids its WHERE names (`id = ?`,
 *   `id in (…)`), or the whole table's entries when it cannot tell (raw SQL, other columns).
 *   New fields, tables and write paths added later are covered without touching this file.
 * - **Commits are respected.** From a write until its connection is released (after the
 *   commit), no read fills the cache with what it wrote (those ids, memo tables or keys — for
 *   keys a write returns rather than names, from its result on), and they are dropped again at
 *   release: a reader on another pooled connection cannot put back
 *   the row as it was before the commit, nor the writer its uncommitted row. A read that
 *   overlapped a drop of an id does not fill that id. Other ids fill: on PostgreSQL some write
 *   is nearly always in flight under load, and blocking every fill while any was (as this once
 *   did) left the cache all but empty there.
 * - **Other processes are heard.** Released writes are announced (`onWrite`) and the app
 *   sends them over the event bus (Redis) to other instances, which `apply` them before they
 *   answer anything else. With SQLite, `PRAGMA data_version` tells on every read whether
 *   another process (a CLI command, another worker) committed anything, and then everything
 *   is dropped. PostgreSQL without Redis cannot hear other processes, so the app turns the
 *   cache off there.
 */
export interface Invalidation {
  posts: string[];
  accounts: string[];
  /** Drop every entry of these kinds (the ids could not be told). */
  allPosts: boolean;
  allAccounts: boolean;
  /**
   * Every table written (`*`: could not be told), for the per-viewer state kept by `memo`
   * (absent in messages of older instances: then every memo is dropped). A keyed dimension
   * (`favourites` …) here was written where its keys could not be told.
   */
  tables?: string[];
  /**
   * Keys of keyed dimensions written (`favourites:<account id>` …). Absent in messages of
   * instances that did not tell them (older ones, which announce no writes to `favourites`,
   * `bookmarks`, `pins` or `posts` for memos at all): then every keyed dimension is dropped.
   */
  keys?: string[];
}

const TABLES = { posts: 'posts', mentions: 'posts', accounts: 'accounts' } as const;
type Kind = 'posts' | 'accounts';

/**
 * A bounded map that keeps what is used: two generations (the current one and the one before);
 * a hit in the older one moves the entry to the current one, and when the current one is full
 * it becomes the older one and the older one is dropped. A hit in the current generation is one
 * `Map.get` (a strict LRU's delete-and-reinsert on every hit cost ~10% of a home read).
 */
class Lru<T> {
  private current = new Map<string, T>();
  private previous = new Map<string, T>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.ceil(capacity / 2));
  }

  get(id: string): T | undefined {
    const value = this.current.get(id);
    if (value !== undefined) return value;
    const old = this.previous.get(id);
    if (old !== undefined) {
      this.previous.delete(id);
      this.set(id, old);
    }
    return old;
  }

  set(id: string, value: T): void {
    this.previous.delete(id);
    this.current.set(id, value);
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  delete(id: string): void {
    this.current.delete(id);
    this.previous.delete(id);
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/**
 * `Lru` for groups of entries (`memoWithin`): a generation is full when the groups it holds
 * have this many entries between them, not this many groups, so the memory it keeps is bounded
 * by entries whatever the groups' sizes.
 */
class GroupLru<V> {
  private current = new Map<string, { stamp: number; value: Map<string, V> }>();
  private previous = new Map<string, { stamp: number; value: Map<string, V> }>();
  /** Entries held by the current generation's groups. */
  private weight = 0;
  private readonly generationWeight: number;

  constructor(entries: number) {
    this.generationWeight = Math.max(1, Math.ceil(entries / 2));
  }

  get(key: string): { stamp: number; value: Map<string, V> } | undefined {
    const group = this.current.get(key);
    if (group !== undefined) return group;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.current.set(key, old);
      this.grew(old.value.size);
    }
    return old;
  }

  set(key: string, group: { stamp: number; value: Map<string, V> }): void {
    this.previous.delete(key);
    const replaced = this.current.get(key);
    this.current.set(key, group);
    this.grew(group.value.size - (replaced?.value.size ?? 0));
  }

  /** Entries were added to (or counted for) a group of the current generation. */
  grew(entries: number): void {
    this.weight += entries;
    if (this.weight >= this.generationWeight) {
      this.previous = this.current;
      this.current = new Map();
      this.weight = 0;
    }
  }
}

/**
 * What one connection wrote and has not released yet: ids (`*`: all of the kind) and memo
 * tables, each counted once in the cache's in-flight counts.
 */
class HeldWrites {
  readonly posts = new Set<string>();
  readonly accounts = new Set<string>();
  /** Memo tables, keyed dimensions written as a whole, and keys of keyed dimensions (`dimension:key`). */
  readonly tables = new Set<string>();
  /** Per post and account written by id, the version its latest write here left (`EntityCache.refill`). */
  readonly lastWrite = { posts: new Map<string, number>(), accounts: new Map<string, number>() };

  /** Everything written, for the drop at release (and, within `forOtherInstances`, for the other instances). */
  invalidation(): Invalidation {
    const ids = (set: Set<string>) => [...set].filter((id) => id !== '*');
    const tables: string[] = [];
    const keys: string[] = [];
    for (const name of this.tables) (name.includes(':') ? keys : tables).push(name);
    return {
      posts: ids(this.posts),
      accounts: ids(this.accounts),
      allPosts: this.posts.has('*'),
      allAccounts: this.accounts.has('*'),
      tables,
      keys,
    };
  }
}

/**
 * The message for the other instances: with too many keys for one (a bulk import; a post fanned
 * out to more than this many home feeds), the dimensions as a whole — correct, only coarser: they
 * drop every memo of those dimensions (every viewer's home head). This instance drops just the keys.
 */
function forOtherInstances(invalidation: Invalidation): Invalidation {
  const keys = invalidation.keys ?? [];
  if (keys.length <= MAX_KEYS_PER_MESSAGE) return invalidation;
  const tables = [...(invalidation.tables ?? ['*'])];
  for (const key of keys) {
    const dimension = key.slice(0, key.indexOf(':'));
    if (!tables.includes(dimension)) tables.push(dimension);
  }
  return { ...invalidation, tables, keys: [] };
}

/**
 * Grouped memos (`memoWithin`) keep up to this many entries per unit of the cache's capacity:
 * the default 50,000 keeps 200,000 viewer-and-post flags (a few dozen bytes each), so the pages
 * of many readers fit where one entry per pair once outgrew the memo's generations.
 */
const ENTRIES_PER_GROUPED_MEMO = 4;

/**
 * Kinds of memo kept for fewer keys than the cache's capacity, because each value is large: a
 * viewer's home head is 40 entries (~4 KB), so the default keeps 10,000 readers' heads
 * (~40 MB) rather than 50,000 (~200 MB).
 */
const MEMO_CAPACITY_SHARE: Record<string, number> = { 'home-head': 0.2 };

/** The event bus refuses longer lists (src/app/event-bus.ts). */
export const MAX_KEYS_PER_MESSAGE = 500;

/** A read under way: the ids dropped meanwhile must not be filled from it. */
interface LoadWatch {
  kind: Kind;
  dropped: Set<string>;
  all: boolean;
}

/** Counts per key (several connections may hold writes to one id or table). */
class Counter {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const count = (this.counts.get(key) ?? 0) - 1;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }
}

/**
 * Per post and account a connection released inside `EntityCache.capturingReleases` (or
 * `withReleasesCaptured`): the version its connection's last write of it left (`last`), whether
 * nothing else dropped it between that write and the release (`clean`), and the version the
 * release left (`after`).
 */
interface ReleasedRecord {
  last: number;
  clean: boolean;
  after: number;
}
export type CapturedReleases = { posts: Map<string, ReleasedRecord>; accounts: Map<string, ReleasedRecord> };
const captures = new AsyncLocalStorage<CapturedReleases>();

/**
 * Runs `work` recording into `released` what connections released inside it left (see
 * `EntityCache.capturingReleases`): a batch of texts releases its connection so, and runs the
 * tasks its units left for after the commit so, which may `refill` from it (`releasesInScope`).
 */
export function withReleasesCaptured<T>(released: CapturedReleases, work: () => T): T {
  return captures.run(released, work);
}

export function noReleases(): CapturedReleases {
  return { posts: new Map(), accounts: new Map() };
}

/** The releases recorded by the `withReleasesCaptured` around the caller, if any. */
export function releasesInScope(): CapturedReleases | null {
  return captures.getStore() ?? null;
}

/** After the channel to the other instances failed, how long lookups bypass the cache before trying it again. */
const CHANNEL_RETRY_MS = 1000;

export class EntityCache {
  private readonly posts: Lru<Post>;
  private readonly accounts: Lru<Account>;
  /** Reads of posts and accounts under way. */
  private readonly loads = new Set<LoadWatch>();
  /** Ids, whole kinds (`*`) and memo tables written by connections not released yet. */
  private readonly inFlight = { posts: new Counter(), accounts: new Counter(), tables: new Counter() };
  /**
   * Connections holding new rows of a kind not committed yet. A read on such a connection sees
   * them, and a rollback takes them away again, so what it loads must not fill. On SQLite every
   * read shares the one connection: nothing of that kind fills until they are released. On
   * PostgreSQL only reads on the inserting connection itself see them (`readOnInsertingConnection`).
   */
  private readonly insertsInFlight = { posts: 0, accounts: 0 };
  private readsShareTheWritersConnection = false;
  /** Requests started (`requestStarted`), and the latest one every lookup has caught up for. */
  private requests = 0;
  private caughtUpTo = -1;
  private otherInstances: (() => Promise<void>) | null = null;
  private catchingUp: { request: number; pending: Promise<void> } | null = null;
  private channelDownUntil = 0;
  private channelWasDown = false;
  private readonly listeners: ((invalidation: Invalidation) => Promise<void>)[] = [];
  private dataVersion: (() => number) | null = null;
  private lastDataVersion = -1;
  private checked = false;
  private recheckScheduled = false;
  /**
   * When each memo table or keyed dimension (`*`: everything) was last written, from one clock;
   * memo entries remember the latest of theirs (`stampOf`). Any write they depend on moves
   * that past every stamp given before.
   */
  private clock = 0;
  private readonly tableVersions = new Map<string, number>();
  /** Per keyed dimension, when each key was last written (cleared when the whole dimension is). */
  private readonly keyVersions = new Map<string, Map<string, number>>();
  /** Per kind of state (`token`, `hidden` …), per key. */
  private readonly memos = new Map<string, Lru<{ stamp: number; value: unknown }>>();
  /** Per kind of grouped state (`flags`), per group (`memoWithin`). */
  private readonly groups = new Map<string, GroupLru<unknown>>();
  private readonly memoCapacity: number;
  /**
   * When each post or account was last dropped (by this process's writes, another instance's or
   * another process's), from the same clock as the memo stamps, and when the whole kind was: a
   * record refilled from a write (`refill`) goes in only if nothing dropped it since that write.
   * Bounded: past the capacity, the kind as a whole (which forgets the ids).
   */
  private readonly dropVersions = { posts: new Map<string, number>(), accounts: new Map<string, number>() };
  private readonly kindDropVersions = { posts: 0, accounts: 0 };
  hits = 0;
  misses = 0;

  constructor(capacity = 50_000) {
    this.posts = new Lru(capacity);
    this.accounts = new Lru(capacity);
    this.memoCapacity = capacity;
  }

  private stampOf(dependencies: readonly MemoDependency[]): number {
    let stamp = this.tableVersions.get('*') ?? 0;
    for (const dependency of dependencies) {
      const colon = dependency.indexOf(':');
      const table = colon < 0 ? dependency : dependency.slice(0, colon);
      stamp = Math.max(stamp, this.tableVersions.get(table) ?? 0);
      if (colon >= 0) stamp = Math.max(stamp, this.keyVersions.get(table)?.get(dependency.slice(colon + 1)) ?? 0);
    }
    return stamp;
  }

  /** A memo table, a keyed dimension as a whole, one key of one (`dimension:key`) or everything (`*`) was written. */
  private bump(name: string): void {
    const version = ++this.clock;
    const colon = name.indexOf(':');
    if (colon < 0) {
      this.tableVersions.set(name, version);
      // Older keys are below the table's version now: forgetting them changes no stamp.
      if (name === '*') this.keyVersions.clear();
      else this.keyVersions.delete(name);
      return;
    }
    const dimension = name.slice(0, colon);
    let keys = this.keyVersions.get(dimension);
    if (!keys) this.keyVersions.set(dimension, (keys = new Map()));
    keys.set(name.slice(colon + 1), version);
    // Bounded: past this many keys, the dimension as a whole (which forgets them).
    if (keys.size > this.memoCapacity) this.bump(dimension);
  }

  /**
   * Per-viewer state that changes rarely (a token, whom a viewer hides, their filters …): the
   * value `load` read from `tables`, kept until any of those tables is written — by this
   * process (every statement is watched), another worker on the same SQLite file (data_version)
   * or another instance (the event bus) — with the same commit rules as posts and accounts: a
   * load that overlapped a write does not fill. `tables` must name every table `load` reads,
   * or for a keyed dimension the keys it reads (`favourites:<account id>`, see `KEYED`): then
   * only writes to those keys (or ones whose keys cannot be told) drop it.
   * Values are shared: callers must not change them.
   */
  async memo<T>(kind: string, key: string, tables: readonly MemoDependency[], load: () => Promise<T>): Promise<T> {
    this.checkOtherProcesses();
    if (this.otherInstances) await this.caughtUpWithOtherInstances();
    const stamp = this.stampOf(tables);
    const memos = this.memosOf(kind);
    const hit = memos.get(key);
    if (hit && hit.stamp === stamp) return hit.value as T;
    const value = await load();
    // A write held at the start and released meanwhile changed the stamp at its release.
    if (!this.tablesInFlight(tables) && this.stampOf(tables) === stamp) memos.set(key, { stamp, value });
    return value;
  }

  private memosOf(kind: string): Lru<{ stamp: number; value: unknown }> {
    let memos = this.memos.get(kind);
    if (!memos) {
      const share = MEMO_CAPACITY_SHARE[kind] ?? 1;
      this.memos.set(kind, (memos = new Lru(Math.max(1, Math.ceil(this.memoCapacity * share)))));
    }
    return memos;
  }

  private groupsOf(kind: string): GroupLru<unknown> {
    let groups = this.groups.get(kind);
    if (!groups) this.groups.set(kind, (groups = new GroupLru(this.memoCapacity * ENTRIES_PER_GROUPED_MEMO)));
    return groups;
  }

  /**
   * `memo` for many keys of one kind at once: the ids not kept are read by one `load`;
   * ids `load` leaves out are kept as absent and left out of the answer too.
   */
  async memoMany<T>(
    kind: string,
    ids: readonly string[],
    tables: readonly MemoDependency[],
    load: (missing: string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>> {
    this.checkOtherProcesses();
    if (this.otherInstances) await this.caughtUpWithOtherInstances();
    const stamp = this.stampOf(tables);
    const memos = this.memosOf(kind);
    const result = new Map<string, T>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = memos.get(id);
      if (!hit || hit.stamp !== stamp) missing.push(id);
      else if (hit.value !== ABSENT) result.set(id, hit.value as T);
    }
    if (missing.length === 0) return result;
    const loaded = await load(missing);
    const fill = !this.tablesInFlight(tables) && this.stampOf(tables) === stamp;
    for (const id of missing) {
      const value = loaded.get(id);
      if (fill) memos.set(id, { stamp, value: value === undefined ? ABSENT : value });
      if (value !== undefined) result.set(id, value);
    }
    return result;
  }

  /**
   * `memoMany` for ids kept together under one key (a viewer's flags on posts): one entry per
   * `group` holds what was read for each id, looked up once per read, and the memory kept is
   * bounded by entries (`ENTRIES_PER_GROUPED_MEMO` per unit of capacity), not by pairs counted
   * like records: kept one pair per entry, 2,000 readers' flags on 20 posts each (40,000 pairs)
   * outgrew the memo's generations and 61% of warm home reads read their flags again. A group
   * holds at most `perGroup` ids; past that it starts over. The dependencies are the group's own
   * (the viewer's favourites …): a write to them drops every id of the group.
   */
  async memoWithin<T>(
    kind: string,
    group: string,
    ids: readonly string[],
    tables: readonly MemoDependency[],
    load: (missing: string[]) => Promise<Map<string, T>>,
    perGroup = 500,
  ): Promise<Map<string, T>> {
    this.checkOtherProcesses();
    if (this.otherInstances) await this.caughtUpWithOtherInstances();
    const stamp = this.stampOf(tables);
    const groups = this.groupsOf(kind) as GroupLru<T | typeof ABSENT>;
    const kept = groups.get(group);
    const entries = kept && kept.stamp === stamp ? kept.value : null;
    const result = new Map<string, T>();
    const missing: string[] = [];
    for (const id of ids) {
      const value = entries?.get(id);
      if (value === undefined) missing.push(id);
      else if (value !== ABSENT) result.set(id, value);
    }
    if (missing.length === 0) return result;
    const loaded = await load(missing);
    if (!this.tablesInFlight(tables) && this.stampOf(tables) === stamp) {
      // Another read of the group may have filled it meanwhile, under the same stamp: add to it.
      const current = groups.get(group);
      if (current && current.stamp === stamp && current.value.size + missing.length <= perGroup) {
        const before = current.value.size;
        for (const id of missing) current.value.set(id, loaded.get(id) ?? ABSENT);
        groups.grew(current.value.size - before);
      } else {
        const fresh = new Map<string, T | typeof ABSENT>();
        for (const id of missing) fresh.set(id, loaded.get(id) ?? ABSENT);
        groups.set(group, { stamp, value: fresh });
      }
    }
    for (const id of missing) {
      const value = loaded.get(id);
      if (value !== undefined) result.set(id, value);
    }
    return result;
  }

  /**
   * `memoMany`, the answers also kept per reader (`memoWithin`, one group per reader): for the
   * viewer-independent state of the posts a reader's pages show (their polls, their media). A
   * warm page then looks its ids up in that reader's small group instead of in the memo of every
   * post: at full scale those large maps' lookups missed the CPU's caches, ~10% of a home read
   * for the two kinds. What a reader's group lacks comes from the shared memo (so readers of the
   * same posts still share one database read), under the same dependencies. `reader` null: the
   * shared memo alone.
   */
  memoManyFor<T>(
    reader: string | null,
    kind: string,
    ids: readonly string[],
    tables: readonly MemoDependency[],
    load: (missing: string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>> {
    const shared = (missing: readonly string[]) => this.memoMany(kind, missing, tables, load);
    return reader === null ? shared(ids) : this.memoWithin(`${kind}-by-reader`, reader, ids, tables, shared);
  }

  /** SQLite: `PRAGMA data_version` of this process's connection changes when another connection commits. */
  watchDataVersion(read: () => number): void {
    this.dataVersion = read;
    this.lastDataVersion = read();
  }

  /** Called with every released write (to tell other instances). */
  onWrite(listener: (invalidation: Invalidation) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Drops what another instance changed. */
  apply(invalidation: Invalidation): void {
    for (const watch of this.loads) {
      if (watch.kind === 'posts' ? invalidation.allPosts : invalidation.allAccounts) watch.all = true;
      else for (const id of invalidation[watch.kind]) watch.dropped.add(id);
    }
    for (const table of invalidation.tables ?? ['*']) this.bump(table);
    if (invalidation.keys) for (const key of invalidation.keys) this.bump(key);
    // An instance that does not tell keyed writes may have written any of them.
    else for (const dimension of KEYED_DIMENSIONS) this.bump(dimension);
    if (invalidation.allPosts) this.posts.clear();
    else for (const id of invalidation.posts) this.posts.delete(id);
    if (invalidation.allAccounts) this.accounts.clear();
    else for (const id of invalidation.accounts) this.accounts.delete(id);
    this.noteDrops('posts', invalidation.allPosts, invalidation.posts);
    this.noteDrops('accounts', invalidation.allAccounts, invalidation.accounts);
  }

  private noteDrops(kind: Kind, all: boolean, ids: readonly string[]): void {
    if (!all && ids.length === 0) return;
    const versions = this.dropVersions[kind];
    const version = ++this.clock;
    if (all || versions.size + ids.length > this.memoCapacity) {
      versions.clear();
      this.kindDropVersions[kind] = version;
      return;
    }
    for (const id of ids) versions.set(id, version);
  }

  private dropVersionOf(kind: Kind, id: string): number {
    return Math.max(this.dropVersions[kind].get(id) ?? 0, this.kindDropVersions[kind]);
  }

  /**
   * Runs `work` (one statement on a connection of its own, committed by itself) and tells, per
   * post and account its connection wrote and released meanwhile, the version that release left:
   * what `refill` needs to put back a record the statement returned. Writes that stay held (a
   * transaction or a batch of texts around it, not released inside `work`) are not told.
   */
  async capturingReleases<T>(work: () => Promise<T>): Promise<{ value: T; released: CapturedReleases }> {
    const released = noReleases();
    const value = await captures.run(released, work);
    return { value, released };
  }

  /** The version a post's or account's last drop left: read right after a write, it names that write (see `refill`). */
  versionOf(kind: Kind, id: string): number {
    return this.dropVersionOf(kind, id);
  }

  /**
   * Puts back a record as a committed write returned it (`update … returning *`), so that the
   * next read of it need not go to the database. Only when that is provably what a read would
   * give: the write's connection was released inside a capture (`released`; a write still held
   * in a transaction is not there), nothing else dropped the record between the connection's
   * last write of it and its release, nor since, and no write of it is held now. `writtenAt`
   * (`versionOf` right after the write, when its release comes later, with a batch of texts)
   * must be that last write: a later statement of the same batch may have written it again.
   */
  refill(kind: Kind, record: Post | Account, released: CapturedReleases, writtenAt?: number): void {
    const entry = released[kind].get(record.id);
    if (!entry || !entry.clean || (writtenAt !== undefined && entry.last !== writtenAt)) return;
    if (this.dropVersionOf(kind, record.id) !== entry.after) return;
    const held = this.inFlight[kind];
    if (held.has(record.id) || held.has('*')) return;
    if (this.readsShareTheWritersConnection && this.insertsInFlight[kind] > 0) return;
    freeze(record);
    ((kind === 'posts' ? this.posts : this.accounts) as unknown as Lru<Post | Account>).set(record.id, record);
  }

  /**
   * Reads records by id: cached ones from memory, the rest through `load` (one query for all
   * misses), which fill the cache unless a write happened meanwhile.
   */
  async read<T extends Post | Account>(
    kind: Kind,
    ids: readonly string[],
    load: (missing: string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>> {
    this.checkOtherProcesses();
    if (this.otherInstances) await this.caughtUpWithOtherInstances();
    const lru = (kind === 'posts' ? this.posts : this.accounts) as unknown as Lru<T>;
    const result = new Map<string, T>();
    const missing: string[] = [];
    for (const id of ids) {
      if (result.has(id)) continue;
      const hit = lru.get(id);
      if (hit) result.set(id, hit);
      else missing.push(id);
    }
    this.hits += ids.length - missing.length;
    this.misses += missing.length;
    if (missing.length === 0) return result;
    const watch: LoadWatch = { kind, dropped: new Set(), all: false };
    this.loads.add(watch);
    let loaded: Map<string, T>;
    try {
      loaded = await load(missing);
    } finally {
      this.loads.delete(watch);
    }
    const held = this.inFlight[kind];
    // A write held at the start and released meanwhile dropped its ids at its release.
    const uncommittedVisible = this.readsShareTheWritersConnection && this.insertsInFlight[kind] > 0;
    const fill = !watch.all && !held.has('*') && !uncommittedVisible;
    for (const [id, record] of loaded) {
      freeze(record);
      if (fill && !watch.dropped.has(id) && !held.has(id)) lru.set(id, record);
      result.set(id, record);
    }
    return result;
  }

  /**
   * A request arrived: the next lookup reads data_version again. Between requests, one look per
   * turn of the event loop suffices: a commit elsewhere that a client saw answered before it
   * asked here is seen, because its request arrives after that commit and resets this.
   */
  requestStarted(): void {
    this.checked = false;
    this.requests += 1;
  }

  /**
   * Other instances tell this one what they wrote over a channel (Redis): `caughtUp` resolves once
   * every message already sent to this instance has been applied (a PING on the subscribing
   * connection is answered after them). A write answered on another instance before a request
   * arrived here was published before that answer, so after this, nothing it made stale is served.
   */
  hearFromOtherInstances(caughtUp: () => Promise<void>): void {
    this.otherInstances = caughtUp;
  }

  /** Once per request that looks something up (requests in the same turn share one round trip). */
  private async caughtUpWithOtherInstances(): Promise<void> {
    const wanted = this.requests;
    if (this.caughtUpTo >= wanted) return;
    if (Date.now() < this.channelDownUntil) {
      // Other instances' writes may be unheard: keep nothing between lookups until the channel is back.
      this.apply({ posts: [], accounts: [], allPosts: true, allAccounts: true, tables: ['*'] });
      return;
    }
    if (!this.catchingUp || this.catchingUp.request < wanted) {
      const pending = this.otherInstances!().then(
        () => {
          // Messages sent while the channel was away are lost: what was kept meanwhile may be stale.
          if (this.channelWasDown)
            this.apply({ posts: [], accounts: [], allPosts: true, allAccounts: true, tables: ['*'] });
          this.channelWasDown = false;
          this.caughtUpTo = Math.max(this.caughtUpTo, wanted);
        },
        () => {
          this.channelWasDown = true;
          this.channelDownUntil = Date.now() + CHANNEL_RETRY_MS;
          this.apply({ posts: [], accounts: [], allPosts: true, allAccounts: true, tables: ['*'] });
        },
      );
      this.catchingUp = { request: wanted, pending };
    }
    await this.catchingUp.pending;
  }

  private checkOtherProcesses(): void {
    if (!this.dataVersion || this.checked) return;
    this.checked = true;
    if (!this.recheckScheduled) {
      this.recheckScheduled = true;
      setImmediate(() => {
        this.recheckScheduled = false;
        this.checked = false;
      });
    }
    const version = this.dataVersion();
    if (version !== this.lastDataVersion) {
      this.lastDataVersion = version;
      this.apply({ posts: [], accounts: [], allPosts: true, allAccounts: true, tables: ['*'] });
    }
  }

  private tablesInFlight(dependencies: readonly MemoDependency[]): boolean {
    const held = this.inFlight.tables;
    if (held.has('*')) return true;
    for (const dependency of dependencies) {
      if (held.has(dependency)) return true;
      const colon = dependency.indexOf(':');
      if (colon >= 0 && held.has(dependency.slice(0, colon))) return true;
    }
    return false;
  }

  /** A statement wrote cached records or memo tables on a connection not yet released (`held`). */
  wrote(held: HeldWrites, invalidation: Invalidation): void {
    const hold = (set: Set<string>, counter: Counter, key: string) => {
      if (set.has(key)) return;
      set.add(key);
      counter.add(key);
    };
    for (const id of invalidation.posts) hold(held.posts, this.inFlight.posts, id);
    for (const id of invalidation.accounts) hold(held.accounts, this.inFlight.accounts, id);
    if (invalidation.allPosts) hold(held.posts, this.inFlight.posts, '*');
    if (invalidation.allAccounts) hold(held.accounts, this.inFlight.accounts, '*');
    for (const table of invalidation.tables ?? ['*']) hold(held.tables, this.inFlight.tables, table);
    for (const key of invalidation.keys ?? []) hold(held.tables, this.inFlight.tables, key);
    this.apply(invalidation);
    for (const kind of ['posts', 'accounts'] as const)
      for (const id of invalidation[kind]) held.lastWrite[kind].set(id, this.dropVersionOf(kind, id));
  }

  /** One connection serves every read (SQLite): reads see every uncommitted write. */
  shareOneConnection(): void {
    this.readsShareTheWritersConnection = true;
  }

  /** A connection holding new rows of these kinds reads: loads under way must not fill from it. */
  readOnInsertingConnection(kinds: ReadonlySet<Kind>): void {
    for (const watch of this.loads) if (kinds.has(watch.kind)) watch.all = true;
  }

  /** New rows of a kind were written on a connection (+1), which was released (-1). */
  trackInsert(kind: Kind, delta: 1 | -1): void {
    this.insertsInFlight[kind] += delta;
  }

  /** The connection that wrote was released (committed or rolled back): drop again, tell others. */
  async released(held: HeldWrites): Promise<void> {
    for (const id of held.posts) this.inFlight.posts.remove(id);
    for (const id of held.accounts) this.inFlight.accounts.remove(id);
    for (const table of held.tables) this.inFlight.tables.remove(table);
    const invalidation = held.invalidation();
    const captured = captures.getStore();
    const before = captured
      ? (['posts', 'accounts'] as const).map((kind) =>
          [...held.lastWrite[kind]].map(([id, last]) => ({
            kind,
            id,
            last,
            clean: this.dropVersionOf(kind, id) === last,
          })),
        )
      : [];
    this.apply(invalidation);
    for (const { kind, id, last, clean } of before.flat())
      captured![kind].set(id, { last, clean, after: this.dropVersionOf(kind, id) });
    const message = forOtherInstances(invalidation);
    for (const listener of this.listeners) await listener(message);
  }

  get size(): { posts: number; accounts: number } {
    return { posts: this.posts.size, accounts: this.accounts.size };
  }
}

const ABSENT = Symbol('absent');

/** `cache.memo(…)`, or just `load()` when there is no cache. */
export function memoized<T>(
  cache: EntityCache | null,
  kind: string,
  key: string,
  tables: readonly MemoDependency[],
  load: () => Promise<T>,
): Promise<T> {
  return cache ? cache.memo(kind, key, tables, load) : load();
}

/** Cached records are shared by every request: nothing may change them in place. */
function freeze(record: Post | Account): void {
  if ('mentionIds' in record) Object.freeze(record.mentionIds);
  Object.freeze(record);
}

function emptyInvalidation(tables: string[] = []): Invalidation {
  return { posts: [], accounts: [], allPosts: false, allAccounts: false, tables, keys: [] };
}

function merge(into: Invalidation, from: Invalidation): void {
  into.posts.push(...from.posts);
  into.accounts.push(...from.accounts);
  for (const table of from.tables ?? ['*']) if (!into.tables!.includes(table)) into.tables!.push(table);
  into.keys!.push(...(from.keys ?? []));
  into.allPosts ||= from.allPosts;
  into.allAccounts ||= from.allAccounts;
}

type Node = OperationNode & Record<string, unknown>;

function tableName(node: unknown): string | null {
  const n = node as Node | undefined;
  if (!n) return null;
  if (n.kind === 'TableNode') return ((n.table as Node).identifier as Node).name as string;
  if (n.kind === 'AliasNode') return tableName(n.node);
  return null;
}

function valuesOf(node: unknown): unknown[] | null {
  const n = node as Node;
  if (n.kind === 'ValueNode') return [n.value];
  if (n.kind === 'PrimitiveValueListNode') return [...(n.values as unknown[])];
  if (n.kind === 'ValueListNode') {
    const out: unknown[] = [];
    for (const v of n.values as Node[]) {
      if (v.kind !== 'ValueNode') return null;
      out.push(v.value);
    }
    return out;
  }
  return null;
}

/** The values `column` is restricted to by a WHERE (`=`, `in`, under ANDs), or null when it cannot tell. */
function restrictedTo(where: unknown, column: string, resolve: Resolve): string[] | null {
  const n = where as Node | undefined;
  if (!n) return null;
  if (n.kind === 'WhereNode') return restrictedTo(n.where, column, resolve);
  if (n.kind === 'ParensNode') return restrictedTo(n.node, column, resolve);
  if (n.kind === 'AndNode') return restrictedTo(n.left, column, resolve) ?? restrictedTo(n.right, column, resolve);
  if (n.kind === 'BinaryOperationNode') {
    const left = n.leftOperand as Node;
    const operator = (n.operator as Node).operator;
    if (left.kind !== 'ReferenceNode' || (operator !== '=' && operator !== 'in')) return null;
    const ref = left.column as Node;
    if (ref.kind !== 'ColumnNode' || (ref.column as Node).name !== column) return null;
    return idsOf(valuesOf(n.rightOperand), resolve);
  }
  return null;
}

/**
 * Ids as a statement names them, each through `resolve` (a precompiled statement's tree holds
 * placeholders): null when one is no id (an expression, a placeholder left unresolved).
 */
function idsOf(values: readonly unknown[] | null, resolve: Resolve): string[] | null {
  if (!values) return null;
  const ids: string[] = [];
  for (const value of values) {
    const id = keyOf(resolve(value));
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}

function forTable(table: string | null, ids: string[] | null): Invalidation | null {
  if (!table || !(table in TABLES)) return null;
  const kind = TABLES[table as keyof typeof TABLES];
  const invalidation = emptyInvalidation();
  if (ids) invalidation[kind].push(...ids);
  else if (kind === 'posts') invalidation.allPosts = true;
  else invalidation.allAccounts = true;
  return invalidation;
}

const RAW_WRITE = /\b(insert|update|delete|replace|alter|drop|truncate)\b/i;
/** The table right after a write keyword (`update t`, `insert into t`, `delete from t` …). */
const RAW_TARGET =
  /\b(?:update|(?:insert|replace)\s+into|delete\s+from|truncate(?:\s+table)?|(?:alter|drop)\s+table(?:\s+if\s+exists)?)\s+(?:only\s+)?(?:"?\w+"?\.)?"?(\w+)"?/gi;

/**
 * The tables a raw statement may write: the targets of its write keywords. A table named only
 * in a subquery or join (`update a … where id in (select … from b)`) is read, not written:
 * counting it (as every table the text names once was) dropped every token memo on each poll
 * of the push dispatcher, whose claim reads `oauth_tokens`. When a write keyword is present but
 * no target can be told, every table the text names counts (to be sure). Null: no write.
 */
export function rawWriteTargets(text: string): Set<string> | null {
  if (!RAW_WRITE.test(text)) return null;
  const targets = new Set<string>();
  for (const match of text.matchAll(RAW_TARGET)) targets.add(match[1]!.toLowerCase());
  // `select … for update` names no table after the keyword that it writes; `skip`, `nowait`,
  // `of` or `set` (of `on conflict do update set`) are no tables anyone keeps.
  return targets.size > 0 ? targets : new Set(text.toLowerCase().match(/\w+/g) ?? []);
}

/**
 * The tables per-viewer state is read from (`EntityCache.memo`): writes to these are announced
 * to other instances; writes to others (notifications …) concern no memo, and are not, but
 * those of keyed dimensions (favourites, home feeds …, `KEYED_SPECS`) are, by key. Fixed here
 * so that every instance announces the same tables.
 */
const MEMO_TABLES = [
  'oauth_tokens',
  'oauth_apps',
  'blocks',
  'mutes',
  'follows',
  'lists',
  'list_accounts',
  'filters',
  'filter_keywords',
  'filter_statuses',
  'followed_tags',
  'contact_points',
  'sms_phones',
  'credentials',
  'polls',
  'media_attachments',
  'remote_actors',
] as const;
type MemoTable = (typeof MEMO_TABLES)[number];
const MEMO_TABLE_SET = new Set<string>(MEMO_TABLES);

/**
 * Per-viewer state written by everyone all the time (favourites, boosts …), kept per key: a
 * memo that depends on `favourites:<account id>` is dropped by writes to that account's
 * favourites only. A write whose keys can be told — the column's values in a plain INSERT
 * (several rows too), or a WHERE restricting it by `=`/`in` in an UPDATE or DELETE that does not
 * set it — drops those keys; any other write to the table (INSERT…SELECT, raw SQL, a DELETE by
 * id, an upsert that updates) drops the dimension as a whole. Deleting posts or accounts
 * cascades to the rows that reference them, keys unknown: whole dimensions too (rare).
 *
 * `reblogs` are the rows of `posts` that are boosts, by booster: only rows with a
 * `reblog_of_id` count, and an UPDATE that sets neither `account_id` nor `reblog_of_id` (the
 * counts, on every favourite and reply; an edit) cannot change which posts an account boosted.
 * An upsert whose conflict columns include the key column and that does not set it keeps the
 * key of the values it inserts (a mute changed in place).
 *
 * `authored` are all of an author's posts, listed by id and visibility (the newest ones merged
 * into home timelines at read time for accounts above the fan-out limit): a new post drops its
 * author's key, an UPDATE of other columns nothing, a DELETE of posts (by id) the dimension.
 *
 * A write whose keys its text cannot tell but that RETURNS the key column (`returning
 * account_id`) drops the keys of the rows it returns, read when its result arrives and held
 * until release like keys told up front (no rows: nothing). So the fan-out of a post into
 * `home_feed` (INSERT…SELECT from `follows`), a follow's backfill and the removal of a deleted
 * post from every feed drop the feeds they changed, not every viewer's.
 *
 * `follows`, `blocks` and `mutes` stay memo tables too: their writes are still announced by
 * table, so that an instance of an older version, whose memos depend on those tables, hears them.
 */
const KEYED_SPECS = {
  favourites: { table: 'favourites', column: 'account_id' },
  bookmarks: { table: 'bookmarks', column: 'account_id' },
  pins: { table: 'pins', column: 'account_id' },
  reblogs: { table: 'posts', column: 'account_id', onlyRowsWith: 'reblog_of_id' },
  authored: { table: 'posts', column: 'account_id', listedBy: ['id', 'visibility'] },
  following: { table: 'follows', column: 'account_id' },
  blocking: { table: 'blocks', column: 'account_id' },
  blocked_by: { table: 'blocks', column: 'target_account_id' },
  muting: { table: 'mutes', column: 'account_id' },
  // What every inbound text's trust gate and SMS fan-out read per account (src/store/sms-store.ts).
  sms_settings: { table: 'sms_settings', column: 'account_id' },
  sms_subscribers: { table: 'sms_subscriptions', column: 'target_id' },
  // Whether an author has followers on other servers (every local post asks, src/store/federation-store.ts).
  followed_by: { table: 'follows', column: 'target_account_id' },
  // The language to answer an inbound text in (src/store/language-store.ts).
  number_language: { table: 'number_languages', column: 'e164' },
  account_language: { table: 'account_languages', column: 'account_id' },
  // A viewer's home feed, whose newest entries every home read starts from (src/store/microblog-store.ts).
  home_feed: { table: 'home_feed', column: 'account_id' },
} satisfies Record<string, KeyedSpec>;
interface KeyedSpec {
  table: string;
  /** The column whose values are the keys. */
  column: string;
  /** Only rows where this column is not null belong to the dimension. */
  onlyRowsWith?: string;
  /**
   * The only other columns memos of the dimension read: an UPDATE that sets none of them nor
   * the key cannot change them (an author's newest posts are listed by id and visibility; the
   * counts written on every favourite or reply, and edits, leave that list as it was).
   */
  listedBy?: readonly string[];
}
type KeyedDimension = keyof typeof KEYED_SPECS;
const KEYED: Record<KeyedDimension, KeyedSpec> = KEYED_SPECS;
const KEYED_DIMENSIONS = Object.keys(KEYED) as KeyedDimension[];
/** What a memo depends on: a memo table, or one key of a keyed dimension. */
export type MemoDependency = MemoTable | `${KeyedDimension}:${string}`;

/** The dependency on one key of a keyed dimension (`favourites` of one account …). */
export function keyedDependency(dimension: KeyedDimension, key: string): MemoDependency {
  return `${dimension}:${key}`;
}

/** Deleting rows of these tables deletes rows of the keyed dimensions that reference them (ON DELETE CASCADE). */
const CASCADES_TO: Record<string, readonly KeyedDimension[]> = {
  posts: ['favourites', 'bookmarks', 'pins'],
  accounts: KEYED_DIMENSIONS,
};

/** Maps a value of a statement's tree to its parameter (precompiled statements carry placeholders there). */
type Resolve = (value: unknown) => unknown;

/** A key as it can be told from a value: a string that is no placeholder left unresolved. */
function keyOf(value: unknown): string | null {
  return typeof value === 'string' && !value.includes('\u0000') ? value : null;
}

/**
 * Whether a write of one table, nothing joined, returns `column` of the rows it wrote (`returning
 * column`, `returning *`; not under another name). RETURNING gives the rows inserted, updated or
 * deleted, on SQLite and PostgreSQL alike — not those an ON CONFLICT DO NOTHING skipped, which
 * changed nothing.
 */
function returnsColumn(n: Node, column: string): boolean {
  const returning = n.returning as Node | undefined;
  if (returning?.kind !== 'ReturningNode' || n.joins || n.using) return false;
  if (
    n.kind === 'UpdateQueryNode'
      ? n.from
      : n.kind === 'DeleteQueryNode' && ((n.from as Node).froms as unknown[]).length !== 1
  )
    return false;
  return (returning.selections as Node[]).some((s) => {
    const selection = s.selection as Node;
    if (selection.kind === 'SelectAllNode') return true;
    const target = selection.kind === 'ReferenceNode' ? (selection.column as Node) : selection;
    if (target.kind === 'SelectAllNode') return true;
    return target.kind === 'ColumnNode' && (target.column as Node).name === column;
  });
}

/** The keys of the rows a write returned, or null when some row has none. */
function returnedKeys(rows: readonly unknown[], column: string): Set<string> | null {
  const keys = new Set<string>();
  for (const row of rows) {
    const key = keyOf((row as Record<string, unknown> | null)?.[column]);
    if (key === null) return null;
    keys.add(key);
  }
  return keys;
}

/** The columns an UPDATE sets, or null when it cannot tell. */
function columnsSet(n: Node): string[] | null {
  const names: string[] = [];
  for (const update of (n.updates as Node[] | undefined) ?? []) {
    const column = update.column as Node | undefined;
    if (column?.kind !== 'ColumnNode') return null;
    names.push((column.column as Node).name as string);
  }
  return names;
}

/** Per row of a plain INSERT (VALUES), the values of these columns (the first, the key, named in it); null when it cannot tell. */
function insertedRows(n: Node, columns: readonly string[], resolve: Resolve): unknown[][] | null {
  const values = n.values as Node | undefined;
  if (values?.kind !== 'ValuesNode') return null;
  const names = ((n.columns as Node[] | undefined) ?? []).map((c) => (c.column as Node).name);
  if (!names.includes(columns[0]!)) return null;
  const rows: unknown[][] = [];
  for (const row of values.values as Node[]) {
    const list = row.kind === 'PrimitiveValueListNode' || row.kind === 'ValueListNode' ? valuesOf(row) : null;
    if (!list) return null;
    // Another column left out of the insert is null (`reblog_of_id` has no other default).
    rows.push(columns.map((column) => (names.includes(column) ? resolve(list[names.indexOf(column)]) : null)));
  }
  return rows;
}

/**
 * A keyed dimension whose keys a write does not tell in its text but returns (`returning
 * account_id`): they are read from the rows it returns (`WatchedConnection`).
 */
interface KeysReturned {
  dimension: KeyedDimension;
  column: string;
}

/**
 * The keyed dimensions a statement writes: whole ones by name, keys as `dimension:key`; null when
 * none. With `returned`, a dimension whose keys only the returned rows tell goes there instead.
 */
function keyedWrites(query: OperationNode, resolve: Resolve, returned: KeysReturned[] | null): string[] | null {
  const n = query as Node;
  const written = new Set<string>();
  const whole = (dimension: string) => written.add(dimension);
  /** The keys told by the statement, else those it returns, else the dimension. */
  const keys = (dimension: KeyedDimension, values: readonly unknown[] | null, keysKept = true) => {
    const told = values?.map(keyOf);
    if (told && !told.includes(null)) for (const key of told) written.add(`${dimension}:${key}`);
    else if (keysKept && returned && returnsColumn(n, KEYED[dimension].column))
      returned.push({ dimension, column: KEYED[dimension].column });
    else whole(dimension);
  };
  switch (n.kind) {
    case 'SelectQueryNode':
    case 'CreateTableNode':
    case 'CreateIndexNode':
      return null;
    case 'InsertQueryNode': {
      const table = tableName(n.into);
      const onConflict = n.onConflict as Node | undefined;
      // A REPLACE deletes the rows it conflicts with, whose keys it neither names nor returns.
      const replaces = n.replace === true || (n.orAction as Node | undefined)?.action === 'replace';
      for (const dimension of KEYED_DIMENSIONS) {
        const { column, table: of, onlyRowsWith } = KEYED[dimension];
        if (table !== of && table !== null) continue;
        if (table === null || replaces) {
          whole(dimension);
          continue;
        }
        // An upsert that updates may change a row whose key it does not name, unless the
        // conflict is on the key column too and the update leaves it be. One that leaves the key
        // column be returns the rows it changed with their keys.
        const updates = onConflict !== undefined && !onConflict.doNothing;
        const keyKept = !updates || !(columnsSet(onConflict) ?? [column]).includes(column);
        const sameKey =
          keyKept &&
          (!updates ||
            ((onConflict.columns as Node[] | undefined) ?? []).some((c) => (c.column as Node).name === column));
        const rows = sameKey ? insertedRows(n, onlyRowsWith ? [column, onlyRowsWith] : [column], resolve) : null;
        keys(
          dimension,
          rows?.filter((row) => updates || !onlyRowsWith || row[1] !== null).map((row) => row[0]) ?? null,
          keyKept,
        );
      }
      break;
    }
    case 'UpdateQueryNode': {
      const table = tableName(n.table);
      const set = columnsSet(n);
      for (const dimension of KEYED_DIMENSIONS) {
        const spec = KEYED[dimension];
        if (table !== spec.table && table !== null) continue;
        if (table && set && spec.onlyRowsWith && !set.includes(spec.column) && !set.includes(spec.onlyRowsWith))
          continue;
        if (table && set && spec.listedBy && !set.some((c) => c === spec.column || spec.listedBy!.includes(c)))
          continue;
        if (!table || !set || set.includes(spec.column)) whole(dimension);
        else keys(dimension, restrictedTo(n.where, spec.column, resolve));
      }
      break;
    }
    case 'DeleteQueryNode':
      for (const table of ((n.from as Node).froms as unknown[]).map(tableName)) {
        for (const dimension of KEYED_DIMENSIONS) {
          if (table === null || CASCADES_TO[table]?.includes(dimension)) whole(dimension);
          else if (table === KEYED[dimension].table)
            keys(dimension, restrictedTo(n.where, KEYED[dimension].column, resolve));
        }
      }
      break;
    case 'RawNode': {
      const targets = rawWriteTargets((n.sqlFragments as string[]).join(' '));
      if (!targets) return null;
      for (const dimension of KEYED_DIMENSIONS)
        if (targets.has(KEYED[dimension].table) || [...targets].some((t) => CASCADES_TO[t]?.includes(dimension)))
          whole(dimension);
      break;
    }
    default:
      return ['*'];
  }
  return written.size > 0 ? [...written] : null;
}

/**
 * Whether an UPDATE sets only this column: a token's last use is written every few minutes per
 * token and nothing memoised acts on it (the sign-in list reads it fresh).
 */
function onlySets(n: Node, column: string): boolean {
  const updates = (n.updates as Node[] | undefined) ?? [];
  return updates.length > 0 && updates.every((u) => ((u.column as Node)?.column as Node)?.name === column);
}

/** The memo tables a statement writes: null when it writes none, `*` when it cannot tell. */
function memoTablesWritten(query: OperationNode): string[] | null {
  const n = query as Node;
  let tables: (string | null)[];
  switch (n.kind) {
    case 'SelectQueryNode':
    case 'CreateTableNode':
    case 'CreateIndexNode':
      return null;
    case 'UpdateQueryNode':
      tables = [tableName(n.table)];
      if (tables[0] === 'oauth_tokens' && onlySets(n, 'last_used_at')) return null;
      break;
    case 'DeleteQueryNode':
      tables = ((n.from as Node).froms as unknown[]).map(tableName);
      break;
    case 'InsertQueryNode':
      tables = [tableName(n.into)];
      break;
    case 'RawNode': {
      const targets = rawWriteTargets((n.sqlFragments as string[]).join(' '));
      const named = targets ? MEMO_TABLES.filter((t) => targets.has(t)) : [];
      return named.length > 0 ? named : null;
    }
    default:
      return ['*'];
  }
  if (tables.includes(null)) return ['*'];
  const written = (tables as string[]).filter((t) => MEMO_TABLE_SET.has(t));
  return written.length > 0 ? written : null;
}

/**
 * What a statement makes stale, or null when it writes nothing cached; with `returned`, the keyed
 * dimensions whose keys are to be read from the rows it returns go there instead.
 */
function invalidationOf(query: OperationNode, resolve: Resolve, returned: KeysReturned[] | null): Invalidation | null {
  const [, ...ctes] = statementsOf(query);
  const own = ownInvalidationOf(query, resolve, returned);
  if (ctes.length === 0) return own;
  // A WITH query's rows are not what the statement returns: its keys are those it names, or none.
  const invalidation = own ?? emptyInvalidation();
  let any = own !== null;
  for (const cte of ctes) {
    const part = ownInvalidationOf(cte, resolve, null);
    if (!part) continue;
    merge(invalidation, part);
    any = true;
  }
  return any ? invalidation : null;
}

/** `invalidationOf` for the statement itself, leaving its WITH clause out. */
function ownInvalidationOf(
  query: OperationNode,
  resolve: Resolve,
  returned: KeysReturned[] | null,
): Invalidation | null {
  const tables = memoTablesWritten(query);
  const keyed = keyedWrites(query, resolve, returned);
  const entities = entityInvalidationOf(query, resolve);
  if (!tables && !keyed) {
    if (entities) {
      entities.tables = [];
      entities.keys = [];
    }
    return entities;
  }
  const invalidation = entities ?? emptyInvalidation();
  invalidation.tables = tables ?? [];
  invalidation.keys = [];
  for (const name of keyed ?? []) (name.includes(':') ? invalidation.keys : invalidation.tables).push(name);
  return invalidation;
}

/**
 * A precompiled statement (src/store/precompiled.ts) keeps its tree with placeholders in it and
 * says which parameter each stands for (`placeholders`, the parameters it was compiled with).
 */
function resolverOf(compiled: CompiledQuery): Resolve {
  const placeholders = (compiled as { placeholders?: readonly unknown[] }).placeholders;
  if (!placeholders) return (value) => value;
  return (value) => {
    const at = placeholders.indexOf(value);
    return at < 0 ? value : compiled.parameters[at];
  };
}

/**
 * The statement and the queries of its WITH clauses, outermost first. On PostgreSQL a WITH query
 * may write (`with author as (update accounts … returning *) insert into …`): each writes as if
 * it ran alone, so each is inspected as a statement of its own (one the top-level query does not
 * show would otherwise be missed).
 */
function statementsOf(query: OperationNode): OperationNode[] {
  const n = query as Node;
  const ctes = ((n.with as Node | undefined)?.expressions as Node[] | undefined) ?? [];
  return [query, ...ctes.flatMap((cte) => statementsOf(cte.expression as OperationNode))];
}

/** The kinds a plain INSERT, or one in its WITH clause, adds new rows of (posts with their mentions, accounts). */
function insertedKinds(query: OperationNode): Kind[] {
  const kinds: Kind[] = [];
  for (const part of statementsOf(query)) {
    const n = part as Node;
    if (n.kind !== 'InsertQueryNode') continue;
    const table = tableName(n.into);
    if (table && table in TABLES) kinds.push(TABLES[table as keyof typeof TABLES]);
  }
  return kinds;
}

/**
 * What a statement makes stale of the posts and accounts kept, or null when nothing; the ids it
 * names are read through `resolve` (a precompiled statement's tree holds placeholders).
 */
function entityInvalidationOf(query: OperationNode, resolve: Resolve): Invalidation | null {
  const n = query as Node;
  switch (n.kind) {
    case 'SelectQueryNode':
      return null;
    case 'UpdateQueryNode': {
      const table = tableName(n.table);
      return forTable(table, restrictedTo(n.where, table === 'mentions' ? 'post_id' : 'id', resolve));
    }
    case 'DeleteQueryNode': {
      const froms = ((n.from as Node).froms as unknown[]).map(tableName);
      const result = emptyInvalidation();
      let any = false;
      for (const table of froms) {
        const part = forTable(table, restrictedTo(n.where, table === 'mentions' ? 'post_id' : 'id', resolve));
        if (part) {
          merge(result, part);
          any = true;
        }
      }
      return any ? result : null;
    }
    case 'InsertQueryNode': {
      const table = tableName(n.into);
      if (!table || !(table in TABLES)) return null;
      // A new post or account has no cached entry; an upsert may change an existing row.
      if (table !== 'mentions' && !n.onConflict && !n.replace) return null;
      if (table === 'mentions' && !n.onConflict && !n.replace) {
        const columns = ((n.columns as Node[] | undefined) ?? []).map((c) => (c.column as Node).name);
        const at = columns.indexOf('post_id');
        const rows = (n.values as Node | undefined)?.kind === 'ValuesNode' ? ((n.values as Node).values as Node[]) : [];
        const ids: string[] = [];
        for (const row of rows) {
          const values = row.kind === 'PrimitiveValueListNode' || row.kind === 'ValueListNode' ? valuesOf(row) : null;
          const id = at < 0 ? null : keyOf(resolve(values?.[at]));
          if (id === null) return forTable('mentions', null);
          ids.push(id);
        }
        return forTable('mentions', ids);
      }
      return forTable(table, null);
    }
    case 'RawNode': {
      const targets = rawWriteTargets((n.sqlFragments as string[]).join(' '));
      if (!targets) return null;
      const invalidation = emptyInvalidation();
      invalidation.allPosts = targets.has('posts') || targets.has('mentions');
      invalidation.allAccounts = targets.has('accounts');
      return invalidation.allPosts || invalidation.allAccounts ? invalidation : null;
    }
    default:
      // DDL (migrations) and anything unknown: drop everything, to be sure.
      return n.kind === 'CreateTableNode' || n.kind === 'CreateIndexNode'
        ? null
        : { posts: [], accounts: [], allPosts: true, allAccounts: true, tables: ['*'] };
  }
}

/** A connection that reports the cached rows its statements write. */
class WatchedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  private readonly cache: EntityCache;
  pending: HeldWrites | null = null;
  /** Kinds it inserted new rows of, not released yet. */
  private readonly inserted = new Set<Kind>();

  constructor(inner: DatabaseConnection, cache: EntityCache) {
    this.inner = inner;
    this.cache = cache;
  }

  /** Released: its new rows are committed or rolled back, no longer in flight. */
  landed(): void {
    for (const kind of this.inserted) this.cache.trackInsert(kind, -1);
    this.inserted.clear();
  }

  /**
   * Holds what a statement writes, before it runs. With `returned` (the rows will be seen), the
   * keyed dimensions whose keys only its returned rows tell are left to `wroteReturned`.
   */
  private observe(compiled: CompiledQuery, returned: KeysReturned[] | null): void {
    if (this.inserted.size > 0 && compiled.query.kind === 'SelectQueryNode')
      this.cache.readOnInsertingConnection(this.inserted);
    for (const inserted of insertedKinds(compiled.query)) {
      if (this.inserted.has(inserted)) continue;
      this.inserted.add(inserted);
      this.cache.trackInsert(inserted, 1);
    }
    const invalidation = invalidationOf(compiled.query, resolverOf(compiled), returned);
    if (!invalidation) return;
    this.pending ??= new HeldWrites();
    this.cache.wrote(this.pending, invalidation);
  }

  /**
   * The keys a statement returned, held from now until release like keys told up front (a memo
   * filled while it ran has an older stamp than this drop); without its rows (it failed) or
   * without a key in one, the dimension as a whole. No rows: it changed nothing.
   */
  private wroteReturned(returned: readonly KeysReturned[], rows: readonly unknown[] | null): void {
    const invalidation = emptyInvalidation();
    for (const { dimension, column } of returned) {
      const keys = rows && returnedKeys(rows, column);
      if (!keys) invalidation.tables!.push(dimension);
      else for (const key of keys) invalidation.keys!.push(`${dimension}:${key}`);
    }
    if (invalidation.tables!.length + invalidation.keys!.length === 0) return;
    this.pending ??= new HeldWrites();
    this.cache.wrote(this.pending, invalidation);
  }

  executeQuery: DatabaseConnection['executeQuery'] = <R>(
    compiled: CompiledQuery,
    options?: Parameters<DatabaseConnection['executeQuery']>[1],
  ) => {
    const returned: KeysReturned[] | null = compiled.query.kind === 'SelectQueryNode' ? null : [];
    this.observe(compiled, returned);
    const result = this.inner.executeQuery<R>(compiled, options);
    if (!returned || returned.length === 0) return result;
    return result.then(
      (done) => {
        this.wroteReturned(returned, done.rows);
        return done;
      },
      (error: unknown) => {
        this.wroteReturned(returned, null);
        throw error;
      },
    );
  };

  streamQuery: DatabaseConnection['streamQuery'] = (compiled, chunkSize, options) => {
    // Rows streamed are not looked at: every dimension written is told up front.
    this.observe(compiled, null);
    return this.inner.streamQuery(compiled, chunkSize, options);
  };
}

const unwrap = (connection: DatabaseConnection) =>
  connection instanceof WatchedConnection ? connection.inner : connection;

class WatchedDriver implements Driver {
  private readonly inner: Driver;
  private readonly cache: EntityCache;

  constructor(inner: Driver, cache: EntityCache) {
    this.inner = inner;
    this.cache = cache;
  }

  init: Driver['init'] = (options) => this.inner.init(options);
  async acquireConnection(options?: Parameters<Driver['acquireConnection']>[0]): Promise<DatabaseConnection> {
    return new WatchedConnection(await this.inner.acquireConnection(options), this.cache);
  }
  beginTransaction = (connection: DatabaseConnection, settings: TransactionSettings) =>
    this.inner.beginTransaction(unwrap(connection), settings);
  commitTransaction = (connection: DatabaseConnection) => this.inner.commitTransaction(unwrap(connection));
  rollbackTransaction = (connection: DatabaseConnection) => this.inner.rollbackTransaction(unwrap(connection));
  savepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.inner.savepoint!(unwrap(connection), name, compile);
  rollbackToSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.inner.rollbackToSavepoint!(unwrap(connection), name, compile);
  releaseSavepoint = (connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
    this.inner.releaseSavepoint!(unwrap(connection), name, compile);
  async releaseConnection(connection: DatabaseConnection, options?: Parameters<Driver['releaseConnection']>[1]) {
    const pending = connection instanceof WatchedConnection ? connection.pending : null;
    if (connection instanceof WatchedConnection) connection.pending = null;
    await this.inner.releaseConnection(unwrap(connection), options);
    if (connection instanceof WatchedConnection) connection.landed();
    if (pending) await this.cache.released(pending);
  }
  destroy: Driver['destroy'] = (options) => this.inner.destroy(options);
}

/** The dialect with every connection watched for writes to cached tables. */
export function cachingDialect(inner: Dialect, cache: EntityCache): Dialect {
  // better-sqlite3 is one connection: every read sees every uncommitted write.
  if (inner.createAdapter() instanceof SqliteAdapter) cache.shareOneConnection();
  return {
    createDriver: () => new WatchedDriver(inner.createDriver(), cache),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db: Kysely<unknown>) => inner.createIntrospector(db),
  };
}
