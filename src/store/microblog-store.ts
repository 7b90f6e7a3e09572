import { type ExpressionBuilder, type Kysely, PostgresAdapter, type Selectable, type Transaction, sql } from 'kysely';
import type {
  Account,
  MediaAttachment,
  ProfileField,
  Notification,
  NotificationType,
  Page,
  Post,
  PostSource,
  Visibility,
} from '../core/model.ts';
import type {
  FeedEntry,
  InstanceStatistics,
  MicroblogStore,
  NewAccount,
  NewNotification,
  PublishRequest,
  RemoteAccountProfile,
} from '../core/ports.ts';
import { upsertRemoteAccountRow } from './remote-accounts.ts';
import { conflict } from '../shared/errors.ts';
import { timeOfId } from '../shared/ids.ts';
import { keyedDependency, memoized, releasesInScope, type EntityCache } from './entity-cache.ts';
import { afterCommit } from '../shared/after-commit.ts';
import { precompiled, precompiledQuery } from './precompiled.ts';
import { applyPage, chunks, newestFirst } from './paging.ts';
import { insertPoll } from './post-extras-store.ts';
import { toMediaAttachment } from './media-store.ts';
import type { AccountsTable, Database, NotificationsTable, PostsTable } from './schema.ts';
import { reindexSearch, writePostTags } from './search-index.ts';

type Db = Kysely<Database> | Transaction<Database>;

const iso = (d: Date) => d.toISOString();

/** A viewer's flags on a post, as bits (kept per viewer by the entity cache). */
const FAVOURITED = 1;
const REBLOGGED = 2;
const BOOKMARKED = 4;
const PINNED = 8;
const FLAG_BITS: Record<string, number> = { f: FAVOURITED, r: REBLOGGED, b: BOOKMARKED, p: PINNED };

/**
 * How many of an author's newest posts are kept for merges at read time (`postsByAuthors`):
 * home timelines pull the posts of followed accounts above the fan-out limit when read, the same
 * few authors for many readers, and a page of at most this many is answered from memory while
 * no post of theirs was added or deleted (the keyed dimension `authored` in entity-cache.ts).
 */
const AUTHOR_HEAD_LENGTH = 40;
/** Past this many authors (a long list timeline) one statement costs less than the heads. */
const HEADS_MERGED_AT_MOST = 64;
/**
 * How many of a viewer's newest home feed entries are kept (`homeFeed`): nearly every home read
 * is a first page or one just below it, answered from memory while nothing was written to that
 * viewer's feed (the keyed dimension `home_feed` in entity-cache.ts).
 */
const HOME_HEAD_LENGTH = 40;

/** Whether post id `a` sorts after `b` (ids compare as strings, as the column does, `max()` included). */
const idAfter = (a: string, b: string) => a > b;

/** An author's newest posts (at most `AUTHOR_HEAD_LENGTH`), newest first, every visibility. */
type AuthorHead = readonly { postId: string; authorId: string; visibility: string }[];

/** Whether an entry is on a page by its cursors (ids compare as strings, as the column does). */
function withinCursors(postId: string, page: Page): boolean {
  if (page.maxId && !(postId < page.maxId)) return false;
  if (page.minId) return postId > page.minId;
  return !page.sinceId || postId > page.sinceId;
}

/**
 * Whether a head — the newest entries of one author or feed, at most `length`, newest first —
 * holds every entry of a page, `found` of which it has within the page's cursors (and filters).
 * A head shorter than `length` is everything there is; a full one, everything newer than its
 * oldest entry.
 */
function headHoldsPage(head: readonly FeedEntry[], length: number, page: Page, found: number): boolean {
  const complete = head.length < length;
  const oldest = head.length > 0 ? head[head.length - 1]!.postId : null;
  const holds = (bound: string) => complete || (oldest !== null && bound >= oldest);
  // With min_id, the oldest entries above the cursor: all of them must be in the head.
  if (page.minId) return holds(page.minId);
  // Otherwise the newest below max_id: `limit` of them found hide none older, or none is missing.
  return found >= page.limit || (page.sinceId ? holds(page.sinceId) : complete);
}

/**
 * The page `postsByAuthors` would read, from the authors' heads: null when some head may lack
 * posts of the page (the author has more posts than the head holds, and the page reaches
 * past it).
 */
function pageOfHeads(
  heads: readonly AuthorHead[],
  visibilities: readonly Visibility[],
  page: Page,
): FeedEntry[] | null {
  // Per head, its entries within the page (the head's own objects, newest first).
  const lists: AuthorHead[number][][] = [];
  for (const head of heads) {
    const own: AuthorHead[number][] = [];
    for (const entry of head) {
      if (!withinCursors(entry.postId, page) || !visibilities.includes(entry.visibility as Visibility)) continue;
      own.push(entry);
    }
    if (!headHoldsPage(head, AUTHOR_HEAD_LENGTH, page, own.length)) return null;
    if (own.length > 0) lists.push(own);
  }
  // Merged, taking only the page (with min_id the oldest `limit` above it, given newest first
  // as `newestFirst` does): sorting every kept entry of every head cost more than the rest.
  const taken = page.minId ? mergedPage(lists, page.limit, true).reverse() : mergedPage(lists, page.limit, false);
  return taken.map((entry) => ({ postId: entry.postId, authorId: entry.authorId }));
}

/**
 * The `limit` newest (or, `fromOldest`, oldest) entries of lists each sorted newest first, in
 * that order: a k-way merge that reads only what it takes (ids compare as strings).
 */
function mergedPage<T extends { postId: string }>(
  lists: readonly (readonly T[])[],
  limit: number,
  fromOldest: boolean,
): T[] {
  const step = fromOldest ? -1 : 1;
  const at = lists.map((list) => (fromOldest ? list.length - 1 : 0));
  const before = (a: T, b: T) => (fromOldest ? a.postId < b.postId : a.postId > b.postId);
  const out: T[] = [];
  while (out.length < limit) {
    let best = -1;
    for (let i = 0; i < lists.length; i += 1) {
      const entry = lists[i]![at[i]!];
      if (entry && (best < 0 || before(entry, lists[best]![at[best]!]!))) best = i;
    }
    if (best < 0) break;
    out.push(lists[best]![at[best]!]!);
    at[best]! += step;
  }
  return out;
}

/** The page `homeFeed` would read, from the viewer's head (`HOME_HEAD_LENGTH`): null when it may lack some. */
function pageOfHomeHead(head: readonly FeedEntry[], page: Page): FeedEntry[] | null {
  const matching: FeedEntry[] = [];
  for (const entry of head) {
    if (!withinCursors(entry.postId, page)) continue;
    matching.push(entry);
    // Newest first: the first `limit` are the page (with min_id, the last ones are).
    if (!page.minId && matching.length === page.limit) break;
  }
  if (!headHoldsPage(head, HOME_HEAD_LENGTH, page, matching.length)) return null;
  return page.minId && matching.length > page.limit ? matching.slice(-page.limit) : matching;
}

/** Rows read back, or just written (a new account has chosen no time zone yet). */
export function toAccount(
  row: Omit<
    Selectable<AccountsTable>,
    | 'time_zone'
    | 'domain'
    | 'uri'
    | 'url'
    | 'avatar_key'
    | 'header_key'
    | 'avatar_remote_url'
    | 'header_remote_url'
    | 'fields'
    | 'discoverable'
  > & {
    time_zone?: string | null;
    domain?: string | null;
    uri?: string | null;
    url?: string | null;
    avatar_key?: string | null;
    header_key?: string | null;
    avatar_remote_url?: string | null;
    header_remote_url?: string | null;
    fields?: string;
    discoverable?: number;
  },
): Account {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    note: row.note,
    role: row.role,
    locked: row.locked === 1,
    bot: row.bot === 1,
    createdAt: new Date(row.created_at),
    suspended: row.suspended_at !== null,
    followersCount: row.followers_count,
    followingCount: row.following_count,
    statusesCount: row.statuses_count,
    lastStatusAt: row.last_status_at ? new Date(row.last_status_at) : null,
    timeZone: row.time_zone ?? null,
    domain: row.domain ?? null,
    uri: row.uri ?? null,
    url: row.url ?? null,
    avatar: row.avatar_key ?? null,
    header: row.header_key ?? null,
    ...(row.domain
      ? { avatarRemoteUrl: row.avatar_remote_url ?? null, headerRemoteUrl: row.header_remote_url ?? null }
      : {}),
    fields: parseFields(row.fields),
    discoverable: row.discoverable === 1,
  };
}

function parseFields(json: string | undefined): ProfileField[] {
  if (!json) return [];
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed)
    ? parsed.flatMap((f: { name?: unknown; value?: unknown }) =>
        typeof f?.name === 'string' && typeof f.value === 'string' ? [{ name: f.name, value: f.value }] : [],
      )
    : [];
}

function toPost(row: Selectable<PostsTable>, mentionIds: string[]): Post {
  return {
    id: row.id,
    accountId: row.account_id,
    text: row.text,
    spoilerText: row.spoiler_text,
    sensitive: row.sensitive === 1,
    visibility: row.visibility,
    language: row.language,
    source: row.source as PostSource,
    inReplyToId: row.in_reply_to_id,
    inReplyToAccountId: row.in_reply_to_account_id,
    reblogOfId: row.reblog_of_id,
    createdAt: new Date(row.created_at),
    editedAt: row.edited_at ? new Date(row.edited_at) : null,
    repliesCount: row.replies_count,
    reblogsCount: row.reblogs_count,
    favouritesCount: row.favourites_count,
    mentionIds,
    uri: row.uri ?? null,
    url: row.url ?? null,
    remoteHtml: row.remote_html ?? null,
  };
}

function toNotification(row: Selectable<NotificationsTable>): Notification {
  return {
    id: row.id,
    accountId: row.account_id,
    type: row.type,
    fromAccountId: row.from_account_id,
    postId: row.post_id,
    reportId: row.report_id ?? null,
    createdAt: new Date(row.created_at),
  };
}

/** A mute still in force: untimed, or its time not yet up (expired rows are swept by maintenance). */
function activeMute() {
  const now = iso(new Date());
  return (eb: ExpressionBuilder<Database, 'mutes'>) =>
    eb.or([eb('mutes.expires_at', 'is', null), eb('mutes.expires_at', '>', now)]);
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A new post's own columns, in the order `newPostRow` takes them (the arguments of a precompiled insert). */
type PostColumns = [
  id: string,
  accountId: string,
  text: string,
  spoilerText: string,
  sensitive: number,
  visibility: Visibility,
  language: string | null,
  source: string,
  inReplyToId: string | null,
  inReplyToAccountId: string | null,
  reblogOfId: string | null,
  createdAt: string,
];

const POST_COLUMNS = 12;

const postColumns = (post: PublishRequest['post']): PostColumns => [
  post.id,
  post.accountId,
  post.text,
  post.spoilerText,
  post.sensitive ? 1 : 0,
  post.visibility,
  post.language,
  post.source,
  post.inReplyToId,
  post.inReplyToAccountId,
  post.reblogOfId,
  iso(post.createdAt),
];

/** The row of a new post, every count at zero. */
const newPostRow = (
  ...[
    id,
    accountId,
    text,
    spoilerText,
    sensitive,
    visibility,
    language,
    source,
    inReplyToId,
    inReplyToAccountId,
    reblogOfId,
    createdAt,
  ]: PostColumns
) => ({
  id,
  account_id: accountId,
  text,
  spoiler_text: spoilerText,
  sensitive,
  visibility,
  language,
  source,
  in_reply_to_id: inReplyToId,
  in_reply_to_account_id: inReplyToAccountId,
  reblog_of_id: reblogOfId,
  created_at: createdAt,
  edited_at: null,
  replies_count: 0,
  reblogs_count: 0,
  favourites_count: 0,
});

/** Whose home feeds a post goes into (`feedRows`). */
type FeedRowsOf = [
  postId: string,
  authorId: string,
  followersOf: string,
  alsoFollowing: string | null,
  reblogOfId: string | null,
  accounts: readonly string[],
];

/**
 * Whether a post is written by `publishInOneStatement`: a local post fanned out to its author's
 * followers with nothing besides (no idempotency key, mention, hashtag, reply, boost, poll or
 * media, no notification) — most posts of apps and nearly every text.
 */
function fitsOneStatement({ post, fanout, notifications, idempotency, poll, mediaIds, remoteMedia }: PublishRequest) {
  return (
    fanout.followersOf !== null &&
    !idempotency &&
    !post.remote &&
    post.mentionIds.length === 0 &&
    (post.tags?.length ?? 0) === 0 &&
    post.inReplyToId === null &&
    post.reblogOfId === null &&
    !poll &&
    (mediaIds?.length ?? 0) === 0 &&
    (remoteMedia?.length ?? 0) === 0 &&
    notifications.length === 0
  );
}

export class KyselyMicroblogStore implements MicroblogStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;

  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  // ── The read path's statements, compiled once (src/store/precompiled.ts) ──

  // ── …and the write path's (every post) ──

  private readonly insertPostQuery = precompiledQuery((...columns: PostColumns) =>
    this.db.insertInto('posts').values(newPostRow(...columns)),
  );
  /**
   * The post into the home feeds of its author's followers (and of those who also follow
   * `alsoFollowing`), and into the feeds of `accounts` named besides (its author's own): one
   * statement, one round trip for the whole fan-out.
   */
  private readonly fanOutToFollowersQuery = precompiledQuery((...of: FeedRowsOf) =>
    // The feeds written, returned: the entity cache drops those viewers' home heads only.
    this.db
      .insertInto('home_feed')
      .columns(['account_id', 'post_id', 'author_id'])
      .expression(this.feedRows(...of))
      .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
      .returning('account_id'),
  );

  /** The home feed rows of a post: its author's followers' (see `fanOutToFollowersQuery`) and `accounts`'. */
  private feedRows(...[postId, authorId, followersOf, alsoFollowing, reblogOfId, accounts]: FeedRowsOf) {
    let followers = this.db
      .selectFrom('follows as f')
      .select([
        'f.account_id',
        sql<string>`cast(${postId} as text)`.as('post_id'),
        sql<string>`cast(${authorId} as text)`.as('author_id'),
      ])
      .where('f.target_account_id', '=', followersOf);
    if (alsoFollowing !== null) {
      followers = followers.where((eb) =>
        eb.or([
          eb('f.account_id', '=', alsoFollowing),
          eb.exists(
            eb
              .selectFrom('follows as g')
              .select('g.id')
              .whereRef('g.account_id', '=', 'f.account_id')
              .where('g.target_account_id', '=', alsoFollowing),
          ),
        ]),
      );
    }
    if (reblogOfId !== null) {
      // Someone who already has the original in their feed does not need the boost too.
      followers = followers.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('home_feed as h')
              .select('h.post_id')
              .whereRef('h.account_id', '=', 'f.account_id')
              .where('h.post_id', '=', reblogOfId),
          ),
        ),
      );
    }
    const named = accounts.map((accountId) =>
      this.db.selectNoFrom([
        sql<string>`cast(${accountId} as text)`.as('account_id'),
        sql<string>`cast(${postId} as text)`.as('post_id'),
        sql<string>`cast(${authorId} as text)`.as('author_id'),
      ]),
    );
    return named.reduce((all, one) => all.unionAll(one), followers);
  }

  /** The post into some named home feeds (its author's own, a direct post's recipients'). */
  private readonly fanOutToAccountsQuery = precompiledQuery(
    (postId: string, authorId: string, accountIds: readonly string[]) =>
      this.db
        .insertInto('home_feed')
        .values(accountIds.map((accountId) => ({ account_id: accountId, post_id: postId, author_id: authorId })))
        .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing()),
  );

  /**
   * A plain post on PostgreSQL (`publishInOneStatement`): the post and its author's counts as
   * writing WITH queries of the fan-out's INSERT. The author's row as the update left it comes
   * back on the author's own feed row.
   */
  private readonly publishInOneStatementQuery = precompiledQuery(
    (...args: [...PostColumns, followersOf: string, alsoFollowing: string | null, accounts: readonly string[]]) => {
      const columns = args.slice(0, POST_COLUMNS) as PostColumns;
      const [followersOf, alsoFollowing, accounts] = args.slice(POST_COLUMNS) as [string, string | null, string[]];
      const [postId, authorId] = columns;
      const createdAt = columns[POST_COLUMNS - 1] as string;
      return this.db
        .with('new_post', (db) => db.insertInto('posts').values(newPostRow(...columns)))
        .with('author', (db) =>
          db
            .updateTable('accounts')
            .set((eb) => ({ statuses_count: eb('statuses_count', '+', 1), last_status_at: createdAt }))
            .where('id', '=', authorId)
            .returningAll(),
        )
        .insertInto('home_feed')
        .columns(['account_id', 'post_id', 'author_id'])
        .expression(this.feedRows(postId, authorId, followersOf, alsoFollowing, null, accounts))
        .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
        .returning((eb) => [
          'account_id',
          sql<Selectable<AccountsTable> | null>`case when ${eb.ref('account_id')} = ${authorId} then (select row_to_json(author) from author) end`.as(
            'author',
          ),
        ]);
    },
  );
  private readonly accountsQuery = precompiled(
    () => this.db,
    (ids: readonly string[]) => this.db.selectFrom('accounts').selectAll().where('id', 'in', ids),
  );
  private readonly postsQuery = precompiled(
    () => this.db,
    (ids: readonly string[]) => this.db.selectFrom('posts').selectAll().where('id', 'in', ids),
  );
  /**
   * PostgreSQL: the posts and their mentions in one statement, a round trip less for every
   * post not cached (on SQLite the two statements cost no round trip and stay as they are).
   */
  private readonly postsWithMentionsQuery = precompiled(
    () => this.db,
    (ids: readonly string[]) =>
      this.db
        .selectFrom('posts')
        .selectAll('posts')
        .select(
          sql<
            string[]
          >`coalesce((select array_agg(m.account_id order by m.account_id) from mentions m where m.post_id = posts.id), '{}')`.as(
            'mention_ids',
          ),
        )
        .where('posts.id', 'in', ids),
  );
  private postgres: boolean | null = null;
  private onPostgres(): boolean {
    this.postgres ??= this.db.getExecutor().adapter instanceof PostgresAdapter;
    return this.postgres;
  }
  private readonly mentionsQuery = precompiled(
    () => this.db,
    (postIds: readonly string[]) =>
      this.db.selectFrom('mentions').select(['post_id', 'account_id']).where('post_id', 'in', postIds),
  );

  /** An author's newest posts, every visibility (`AuthorHead`). */
  private readonly authorHeadQuery = precompiled(
    () => this.db,
    (authorId: string, length: number) =>
      this.db
        .selectFrom('posts')
        .select(['id as postId', 'account_id as authorId', 'visibility'])
        .where('account_id', '=', authorId)
        .orderBy('id', 'desc')
        .limit(length),
  );

  /**
   * The newest post the viewer favourited, boosted, bookmarked or pinned, per kind (each the
   * last entry of an index that leads with the viewer): one statement.
   */
  private readonly newestFlaggedQuery = precompiled(
    () => this.db,
    (viewerId: string) =>
      this.db
        .selectFrom('favourites')
        .select((eb) => eb.fn.max('post_id').as('id'))
        .where('account_id', '=', viewerId)
        .unionAll((db) =>
          db
            .selectFrom('posts')
            .select((eb) => eb.fn.max(sql<string>`reblog_of_id`).as('id'))
            .where('account_id', '=', viewerId)
            .where('reblog_of_id', 'is not', null),
        )
        .unionAll((db) =>
          db
            .selectFrom('bookmarks')
            .select((eb) => eb.fn.max('post_id').as('id'))
            .where('account_id', '=', viewerId),
        )
        .unionAll((db) =>
          db
            .selectFrom('pins')
            .select((eb) => eb.fn.max('post_id').as('id'))
            .where('account_id', '=', viewerId),
        ),
  );

  /** The viewer's favourites, boosts, bookmarks and pins among some posts: one statement. */
  private readonly flagsQuery = precompiled(
    () => this.db,
    (viewerId: string, ids: readonly string[]) =>
      this.db
        .selectFrom('favourites')
        .select([sql<string>`'f'`.as('kind'), 'post_id as id'])
        .where('account_id', '=', viewerId)
        .where('post_id', 'in', ids)
        .unionAll((db) =>
          db
            .selectFrom('posts')
            .select([sql<string>`'r'`.as('kind'), sql<string>`reblog_of_id`.as('id')])
            .where('account_id', '=', viewerId)
            .where('reblog_of_id', 'in', ids),
        )
        .unionAll((db) =>
          db
            .selectFrom('bookmarks')
            .select([sql<string>`'b'`.as('kind'), 'post_id as id'])
            .where('account_id', '=', viewerId)
            .where('post_id', 'in', ids),
        )
        .unionAll((db) =>
          db
            .selectFrom('pins')
            .select([sql<string>`'p'`.as('kind'), 'post_id as id'])
            .where('account_id', '=', viewerId)
            .where('post_id', 'in', ids),
        ),
  );

  private readonly homeFeedQuery = precompiled(
    () => this.db,
    (accountId: string, maxId: string | null, sinceId: string | null, minId: string | null, limit: number) =>
      applyPage(
        this.db
          .selectFrom('home_feed')
          .select(['post_id as postId', 'author_id as authorId'])
          .where('account_id', '=', accountId),
        'post_id',
        { maxId: maxId ?? undefined, sinceId: sinceId ?? undefined, minId: minId ?? undefined, limit },
      ),
  );

  /** Whom the viewer blocks, who blocks them, whom they mute (with the mute's end, if timed). */
  private readonly hiddenAuthorsQuery = precompiled(
    () => this.db,
    (viewerId: string) =>
      this.db
        .selectFrom('blocks')
        .select(['target_account_id as id', sql<string | null>`null`.as('until')])
        .where('account_id', '=', viewerId)
        .unionAll((db) =>
          db
            .selectFrom('blocks')
            .select(['account_id as id', sql<string | null>`null`.as('until')])
            .where('target_account_id', '=', viewerId),
        )
        .unionAll((db) =>
          db
            .selectFrom('mutes')
            .select(['target_account_id as id', 'expires_at as until'])
            .where('account_id', '=', viewerId),
        ),
  );

  /**
   * A page of the account's notifications (of some types, or all), without those from accounts
   * it mutes with notifications hidden (mutes still running at `now`). The notifications list
   * and the grouped one both read through it.
   */
  private readonly notificationsQuery = precompiled(
    () => this.db,
    (
      accountId: string,
      now: string,
      types: readonly string[] | null,
      maxId: string | null,
      sinceId: string | null,
      minId: string | null,
      limit: number,
    ) => {
      let q = this.db
        .selectFrom('notifications')
        .selectAll()
        .where('account_id', '=', accountId)
        .where(
          'from_account_id',
          'not in',
          this.db
            .selectFrom('mutes')
            .select('target_account_id')
            .where('account_id', '=', accountId)
            .where('hide_notifications', '=', 1)
            .where((eb) => eb.or([eb('mutes.expires_at', 'is', null), eb('mutes.expires_at', '>', now)])),
        );
      if (types) q = q.where('type', 'in', types as NotificationType[]);
      return applyPage(q, 'id', {
        maxId: maxId ?? undefined,
        sinceId: sinceId ?? undefined,
        minId: minId ?? undefined,
        limit,
      });
    },
  );

  // ── Accounts ────────────────────────────────────────────────────────────────

  async upsertRemoteAccount(id: string, profile: RemoteAccountProfile, now: Date): Promise<Account> {
    return toAccount(await upsertRemoteAccountRow(this.db, id, profile, now));
  }

  async accountByUri(uri: string): Promise<Account | null> {
    const row = await this.db.selectFrom('accounts').selectAll().where('uri', '=', uri).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async postByUri(uri: string): Promise<Post | null> {
    const row = await this.db.selectFrom('posts').select('id').where('uri', '=', uri).executeTakeFirst();
    return row ? this.postById(row.id) : null;
  }

  async createAccount(account: NewAccount): Promise<Account> {
    const row = {
      id: account.id,
      username: account.username,
      username_key: account.username.toLowerCase(),
      display_name: account.displayName,
      note: account.note,
      role: account.role,
      locked: 0,
      bot: 0,
      created_at: iso(account.createdAt),
      updated_at: iso(account.createdAt),
      suspended_at: null,
      followers_count: 0,
      following_count: 0,
      statuses_count: 0,
      last_status_at: null,
    };
    try {
      await this.db.insertInto('accounts').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('Username is already taken').coded('account.username_taken');
      throw error;
    }
    return toAccount(row);
  }

  async accountById(id: string): Promise<Account | null> {
    if (this.cache) return (await this.accountsByIds([id])).get(id) ?? null;
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async accountsByIds(ids: readonly string[]): Promise<Map<string, Account>> {
    return this.cache
      ? this.cache.read('accounts', ids, (missing) => this.loadAccounts(missing))
      : this.loadAccounts(ids);
  }

  private async loadAccounts(ids: readonly string[]): Promise<Map<string, Account>> {
    const result = new Map<string, Account>();
    const unique = [...new Set(ids)];
    for (const chunk of chunks(unique)) {
      const rows = await this.accountsQuery(chunk);
      for (const row of rows) result.set(row.id, toAccount(row));
    }
    return result;
  }

  async setSuspended(accountId: string, at: Date | null): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ suspended_at: at ? at.toISOString() : null })
      .where('id', '=', accountId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async accountByUsername(username: string): Promise<Account | null> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('username_key', '=', username.toLowerCase())
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async accountsByUsernames(usernames: readonly string[]): Promise<Account[]> {
    if (usernames.length === 0) return [];
    const keys = [...new Set(usernames.map((u) => u.toLowerCase()))];
    const rows = await this.db.selectFrom('accounts').selectAll().where('username_key', 'in', keys).execute();
    return rows.map(toAccount);
  }

  async updateProfile(
    id: string,
    changes: {
      displayName?: string;
      note?: string;
      locked?: boolean;
      bot?: boolean;
      timeZone?: string | null;
      fields?: ProfileField[];
      discoverable?: boolean;
    },
  ): Promise<Account> {
    await this.db
      .updateTable('accounts')
      .set({
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(changes.note !== undefined ? { note: changes.note } : {}),
        ...(changes.locked !== undefined ? { locked: changes.locked ? 1 : 0 } : {}),
        ...(changes.bot !== undefined ? { bot: changes.bot ? 1 : 0 } : {}),
        ...(changes.timeZone !== undefined ? { time_zone: changes.timeZone } : {}),
        ...(changes.fields !== undefined ? { fields: JSON.stringify(changes.fields) } : {}),
        ...(changes.discoverable !== undefined ? { discoverable: changes.discoverable ? 1 : 0 } : {}),
        updated_at: iso(new Date()),
      })
      .where('id', '=', id)
      .execute();
    const account = await this.accountById(id);
    if (!account) throw new Error(`account ${id} vanished during update`);
    return account;
  }

  // ── Posts ───────────────────────────────────────────────────────────────────

  async publish(
    request: PublishRequest,
  ): Promise<{ postId: string; created: boolean; post: Post | null; author?: Account | null }> {
    const { post, notifications, idempotency } = request;
    if (this.onPostgres() && fitsOneStatement(request)) return this.publishInOneStatement(request);
    try {
      return await this.db.transaction().execute(async (tx) => {
        if (idempotency) {
          const existing = await this.idempotentPost(tx, post.accountId, idempotency.key);
          if (existing) return { postId: existing, created: false, post: null };
          await tx
            .insertInto('idempotency_keys')
            .values({
              account_id: post.accountId,
              key: idempotency.key,
              post_id: post.id,
              created_at: iso(idempotency.createdAt),
            })
            .execute();
        }
        // A local post (the every-day case) runs a statement compiled once; another server's has more columns.
        const columns = postColumns(post);
        if (post.remote)
          await tx
            .insertInto('posts')
            .values({
              ...newPostRow(...columns),
              // Only posts of other servers carry these (and a store migrated before 0020 lacks them).
              uri: post.remote.uri,
              url: post.remote.url,
              remote_html: post.remote.html,
            })
            .execute();
        else await tx.executeQuery(this.insertPostQuery(...columns));
        if (post.mentionIds.length > 0) {
          await tx
            .insertInto('mentions')
            .values(post.mentionIds.map((accountId) => ({ post_id: post.id, account_id: accountId })))
            .execute();
        }
        if (post.tags && post.tags.length > 0) await writePostTags(tx, post, post.tags);
        // The author as this post leaves it, for the answer (no read of it after the commit).
        const authorRow = await tx
          .updateTable('accounts')
          .set((eb) => ({ statuses_count: eb('statuses_count', '+', 1), last_status_at: iso(post.createdAt) }))
          .where('id', '=', post.accountId)
          .returningAll()
          .executeTakeFirst();
        if (post.inReplyToId) {
          await tx
            .updateTable('posts')
            .set((eb) => ({ replies_count: eb('replies_count', '+', 1) }))
            .where('id', '=', post.inReplyToId)
            .execute();
        }
        if (post.reblogOfId) {
          await tx
            .updateTable('posts')
            .set((eb) => ({ reblogs_count: eb('reblogs_count', '+', 1) }))
            .where('id', '=', post.reblogOfId)
            .execute();
        }
        if (request.poll) await insertPoll(tx, request.poll);
        await this.attachMedia(tx, post.id, post.accountId, request.mediaIds ?? []);
        if (request.remoteMedia && request.remoteMedia.length > 0)
          await tx
            .insertInto('media_attachments')
            .values(
              request.remoteMedia.map((m) => ({
                id: m.id,
                account_id: post.accountId,
                post_id: post.id,
                position: m.position,
                type: m.type,
                state: 'ready',
                content_type: m.contentType,
                meta:
                  m.width && m.height
                    ? JSON.stringify({
                        original: { width: m.width, height: m.height },
                        small: { width: m.width, height: m.height },
                      })
                    : null,
                blurhash: m.blurhash,
                description: m.description,
                remote_url: m.url,
                created_at: post.createdAt.toISOString(),
              })),
            )
            .execute();
        await this.fanOut(tx, request);
        if (notifications.length > 0) await this.insertNotifications(tx, notifications);
        // The row as written is the row a read would give (every other column starts null), with
        // its mentions; several mentions come back in the order of their index, so then read it.
        const stored =
          post.mentionIds.length <= 1
            ? toPost(
                {
                  ...newPostRow(...columns),
                  uri: post.remote?.uri ?? null,
                  url: post.remote?.url ?? null,
                  remote_html: post.remote?.html ?? null,
                },
                [...post.mentionIds],
              )
            : null;
        return { postId: post.id, created: true, post: stored, author: authorRow ? toAccount(authorRow) : null };
      });
    } catch (error) {
      // Two requests raced with one idempotency key: the loser answers with the winner's post.
      if (idempotency && isUniqueViolation(error)) {
        const existing = await this.idempotentPost(this.db, post.accountId, idempotency.key);
        if (existing) return { postId: existing, created: false, post: null };
      }
      throw error;
    }
  }

  /**
   * PostgreSQL: a plain post — the post, its author's counts and its fan-out — as ONE statement
   * (the first two as writing WITH queries of the fan-out's INSERT), atomic without BEGIN and
   * COMMIT: one round trip instead of five, and inside a batch of inbound texts no savepoint.
   * The author's row as the update left it comes back on the author's own feed row, for the
   * answer. The entity cache inspects each WITH query as a statement of its own.
   */
  private async publishInOneStatement(
    request: PublishRequest,
  ): Promise<{ postId: string; created: boolean; post: Post; author: Account | null }> {
    const { post, fanout } = request;
    const columns = postColumns(post);
    const statement = this.publishInOneStatementQuery(...columns, fanout.followersOf!, fanout.alsoFollowing, [
      ...new Set(fanout.accounts),
    ]);
    const run = async () => (await this.db.executeQuery(statement)).rows;
    const cache = this.cache;
    const { value: rows, released } = cache
      ? await cache.capturingReleases(run)
      : { value: await run(), released: null };
    const writtenAt = cache?.versionOf('accounts', post.accountId);
    const authorRow = rows.find((row) => row.author)?.author ?? null;
    const author = authorRow ? toAccount(authorRow) : null;
    // The author as this post left it goes back in the cache (its own write dropped it), unless
    // something wrote it since: the author's next post or a reader of it need not read it again.
    if (cache && released && author) {
      const record = { ...author };
      if (released.accounts.has(author.id)) cache.refill('accounts', record, released);
      // In a batch of texts the write is released with the batch: put back once it committed.
      else
        void afterCommit(() => {
          const batch = releasesInScope();
          if (batch) cache.refill('accounts', record, batch, writtenAt);
        });
    }
    return { postId: post.id, created: true, post: this.writtenPost(columns), author };
  }

  /** A local post as `publishInOneStatement` wrote it (a read would give the same). */
  private writtenPost(columns: PostColumns): Post {
    return toPost({ ...newPostRow(...columns), uri: null, url: null, remote_html: null }, []);
  }

  /** Attaches the author's processed, unattached uploads; any other refuses the whole post. */
  private async attachMedia(
    tx: Transaction<Database>,
    postId: string,
    authorId: string,
    mediaIds: readonly string[],
  ): Promise<void> {
    for (const [position, id] of mediaIds.entries()) {
      const done = await tx
        .updateTable('media_attachments')
        .set({ post_id: postId, position })
        .where('id', '=', id)
        .where('account_id', '=', authorId)
        .where('post_id', 'is', null)
        .where('state', '=', 'ready')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw conflict('A media attachment is already on another post').coded('post.media_taken');
    }
  }

  async mediaOfPosts(
    postIds: readonly string[],
    reader: string | null = null,
  ): Promise<Map<string, MediaAttachment[]>> {
    // Kept per post (and per reader) until any attachment changes (uploads, descriptions, attaching to a post).
    return this.cache
      ? this.cache.memoManyFor(reader, 'media', postIds, ['media_attachments'], (missing) =>
          this.loadMediaOfPosts(missing),
        )
      : this.loadMediaOfPosts(postIds);
  }

  private async loadMediaOfPosts(postIds: readonly string[]): Promise<Map<string, MediaAttachment[]>> {
    const result = new Map<string, MediaAttachment[]>();
    for (const chunk of chunks([...new Set(postIds)])) {
      const rows = await this.db
        .selectFrom('media_attachments')
        .selectAll()
        .where('post_id', 'in', chunk)
        .orderBy('position')
        .orderBy('id')
        .execute();
      for (const row of rows) {
        const list = result.get(row.post_id!) ?? [];
        list.push(toMediaAttachment(row));
        result.set(row.post_id!, list);
      }
    }
    return result;
  }

  async mediaByIds(ids: readonly string[]): Promise<MediaAttachment[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('media_attachments')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toMediaAttachment);
  }

  async setProfileImage(accountId: string, kind: 'avatar' | 'header', key: string | null): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set(kind === 'avatar' ? { avatar_key: key } : { header_key: key })
      .where('id', '=', accountId)
      .execute();
  }

  /** Followers' feeds and named accounts' feeds: one precompiled statement (src/store/precompiled.ts). */
  private async fanOut(tx: Transaction<Database>, { post, fanout }: PublishRequest): Promise<void> {
    const direct = [...new Set(fanout.accounts)];
    if (fanout.followersOf) {
      await tx.executeQuery(
        this.fanOutToFollowersQuery(
          post.id,
          post.accountId,
          fanout.followersOf,
          fanout.alsoFollowing,
          post.reblogOfId,
          direct,
        ),
      );
    } else if (direct.length > 0) await tx.executeQuery(this.fanOutToAccountsQuery(post.id, post.accountId, direct));
  }

  /** A notification's time is the one its id was made at, by the domain's clock (not this machine's). */
  private async insertNotifications(tx: Db, notifications: NewNotification[]): Promise<void> {
    await tx
      .insertInto('notifications')
      .values(
        notifications.map((n) => ({
          id: n.id,
          account_id: n.accountId,
          type: n.type,
          from_account_id: n.fromAccountId,
          post_id: n.postId,
          created_at: iso(timeOfId(n.id)),
        })),
      )
      .execute();
  }

  private async idempotentPost(db: Db, accountId: string, key: string): Promise<string | null> {
    const row = await db
      .selectFrom('idempotency_keys')
      .select('post_id')
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.post_id ?? null;
  }

  async postIdForIdempotencyKey(accountId: string, key: string): Promise<string | null> {
    const postId = await this.idempotentPost(this.db, accountId, key);
    if (!postId) return null;
    // A key whose post was deleted since is free again.
    const post = await this.db.selectFrom('posts').select('id').where('id', '=', postId).executeTakeFirst();
    return post ? postId : null;
  }

  async postById(id: string): Promise<Post | null> {
    return (await this.postsByIds([id])).get(id) ?? null;
  }

  async postsByIds(ids: readonly string[]): Promise<Map<string, Post>> {
    return this.cache ? this.cache.read('posts', ids, (missing) => this.loadPosts(missing)) : this.loadPosts(ids);
  }

  private async loadPosts(ids: readonly string[]): Promise<Map<string, Post>> {
    const result = new Map<string, Post>();
    const unique = [...new Set(ids)];
    for (const chunk of chunks(unique)) {
      if (this.onPostgres()) {
        for (const row of await this.postsWithMentionsQuery(chunk)) result.set(row.id, toPost(row, row.mention_ids));
        continue;
      }
      const [rows, mentions] = await Promise.all([this.postsQuery(chunk), this.mentionsQuery(chunk)]);
      const byPost = new Map<string, string[]>();
      for (const m of mentions) {
        const list = byPost.get(m.post_id);
        if (list) list.push(m.account_id);
        else byPost.set(m.post_id, [m.account_id]);
      }
      for (const row of rows) result.set(row.id, toPost(row, byPost.get(row.id) ?? []));
    }
    return result;
  }

  async reindexPost(postId: string, tags: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('posts')
        .select(['id', 'account_id', 'visibility', 'created_at'])
        .where('id', '=', postId)
        .executeTakeFirst();
      if (!row) return;
      await writePostTags(
        tx,
        { id: row.id, accountId: row.account_id, visibility: row.visibility, createdAt: new Date(row.created_at) },
        tags,
      );
      await reindexSearch(tx, postId);
    });
  }

  async deletePost(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const post = await tx.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!post) return;
      const reblogs = await tx
        .selectFrom('posts')
        .select(['id', 'account_id'])
        .where('reblog_of_id', '=', id)
        .execute();
      const doomed = [id, ...reblogs.map((r) => r.id)];
      for (const chunk of chunks(doomed)) {
        // The feeds it leaves, returned: the entity cache drops those viewers' home heads only.
        await tx.deleteFrom('home_feed').where('post_id', 'in', chunk).returning('account_id').execute();
        await tx.deleteFrom('notifications').where('post_id', 'in', chunk).execute();
        await tx.deleteFrom('idempotency_keys').where('post_id', 'in', chunk).execute();
        await tx.deleteFrom('mentions').where('post_id', 'in', chunk).execute();
        await tx.deleteFrom('favourites').where('post_id', 'in', chunk).execute();
        await tx.deleteFrom('bookmarks').where('post_id', 'in', chunk).execute();
        await tx.deleteFrom('pins').where('post_id', 'in', chunk).execute();
        await tx.deleteFrom('posts').where('id', 'in', chunk).execute();
      }
      const decrement = new Map<string, number>();
      for (const author of [post.account_id, ...reblogs.map((r) => r.account_id)]) {
        decrement.set(author, (decrement.get(author) ?? 0) + 1);
      }
      for (const [accountId, n] of decrement) {
        await tx
          .updateTable('accounts')
          .set((eb) => ({ statuses_count: eb('statuses_count', '-', n) }))
          .where('id', '=', accountId)
          .execute();
      }
      if (post.in_reply_to_id) {
        await tx
          .updateTable('posts')
          .set((eb) => ({ replies_count: eb('replies_count', '-', 1) }))
          .where('id', '=', post.in_reply_to_id)
          .where('replies_count', '>', 0)
          .execute();
      }
      if (post.reblog_of_id) {
        await tx
          .updateTable('posts')
          .set((eb) => ({ reblogs_count: eb('reblogs_count', '-', 1) }))
          .where('id', '=', post.reblog_of_id)
          .where('reblogs_count', '>', 0)
          .execute();
      }
    });
  }

  async reblogOf(accountId: string, postId: string): Promise<Post | null> {
    const row = await this.db
      .selectFrom('posts')
      .selectAll()
      .where('reblog_of_id', '=', postId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? toPost(row, []) : null;
  }

  async lastPostBySource(accountId: string, source: PostSource): Promise<Post | null> {
    const row = await this.db
      .selectFrom('posts')
      .select('id')
      .where('account_id', '=', accountId)
      .where('source', '=', source)
      .where('reblog_of_id', 'is', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? this.postById(row.id) : null;
  }

  // ── Favourites ──────────────────────────────────────────────────────────────

  async addFavourite(
    id: string,
    accountId: string,
    postId: string,
    notification: NewNotification | null,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('favourites')
        .values({ id, account_id: accountId, post_id: postId, created_at: iso(new Date()) })
        .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await tx
        .updateTable('posts')
        .set((eb) => ({ favourites_count: eb('favourites_count', '+', 1) }))
        .where('id', '=', postId)
        .execute();
      if (notification) await this.insertNotifications(tx, [notification]);
      return true;
    });
  }

  async removeFavourite(accountId: string, postId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const deleted = await tx
        .deleteFrom('favourites')
        .where('account_id', '=', accountId)
        .where('post_id', '=', postId)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await tx
        .updateTable('posts')
        .set((eb) => ({ favourites_count: eb('favourites_count', '-', 1) }))
        .where('id', '=', postId)
        .where('favourites_count', '>', 0)
        .execute();
      await tx
        .deleteFrom('notifications')
        .where('type', '=', 'favourite')
        .where('from_account_id', '=', accountId)
        .where('post_id', '=', postId)
        .execute();
      return true;
    });
  }

  async favouritedBy(postId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('favourites')
        .select(['account_id as accountId', 'id as cursor'])
        .where('post_id', '=', postId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async rebloggedBy(postId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('posts')
        .select(['account_id as accountId', 'id as cursor', 'visibility'])
        .where('reblog_of_id', '=', postId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  // ── Bookmarks and pins ──────────────────────────────────────────────────────

  async addBookmark(id: string, accountId: string, postId: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('bookmarks')
      .values({ id, account_id: accountId, post_id: postId, created_at: iso(new Date()) })
      .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async removeBookmark(accountId: string, postId: string): Promise<boolean> {
    const deleted = await this.db
      .deleteFrom('bookmarks')
      .where('account_id', '=', accountId)
      .where('post_id', '=', postId)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }

  async bookmarks(accountId: string, page: Page) {
    const rows = await applyPage(
      this.db.selectFrom('bookmarks').select(['post_id as postId', 'id as cursor']).where('account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async favourites(accountId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('favourites')
        .select(['post_id as postId', 'id as cursor'])
        .where('account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async addPin(id: string, accountId: string, postId: string, max: number): Promise<'pinned' | 'already' | 'full'> {
    return this.db.transaction().execute(async (tx) => {
      // A no-op write on the account row locks it on PostgreSQL, serialising concurrent pins by
      // the same account so the limit holds (SQLite runs one write transaction at a time anyway).
      await tx
        .updateTable('accounts')
        .set((eb) => ({ id: eb.ref('id') }))
        .where('id', '=', accountId)
        .execute();
      const existing = await tx.selectFrom('pins').select('post_id').where('account_id', '=', accountId).execute();
      if (existing.some((r) => r.post_id === postId)) return 'already';
      if (existing.length >= max) return 'full';
      await tx
        .insertInto('pins')
        .values({ id, account_id: accountId, post_id: postId, created_at: iso(new Date()) })
        .execute();
      return 'pinned';
    });
  }

  async removePin(accountId: string, postId: string): Promise<boolean> {
    const deleted = await this.db
      .deleteFrom('pins')
      .where('account_id', '=', accountId)
      .where('post_id', '=', postId)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }

  async pinnedPosts(accountId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('pins')
      .select('post_id')
      .where('account_id', '=', accountId)
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => r.post_id);
  }

  // ── Graph ───────────────────────────────────────────────────────────────────

  async follow(input: {
    id: string;
    accountId: string;
    targetId: string;
    backfill: number;
    notification: NewNotification | null;
  }): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => this.insertFollow(tx, input));
  }

  private async insertFollow(
    tx: Transaction<Database>,
    input: { id: string; accountId: string; targetId: string; backfill: number; notification: NewNotification | null },
  ): Promise<boolean> {
    const inserted = await tx
      .insertInto('follows')
      .values({
        id: input.id,
        account_id: input.accountId,
        target_account_id: input.targetId,
        created_at: iso(new Date()),
      })
      .onConflict((oc) => oc.columns(['account_id', 'target_account_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    await this.adjustFollowCounts(tx, input.accountId, input.targetId, 1);
    if (input.backfill > 0) {
      const recent = tx
        .selectFrom('posts')
        .select([
          sql<string>`cast(${input.accountId} as text)`.as('account_id'),
          'id as post_id',
          'account_id as author_id',
        ])
        .where('account_id', '=', input.targetId)
        .where('visibility', 'in', ['public', 'unlisted', 'private'])
        // The same rule as fan-out: a reply to someone else only if the new follower follows
        // (or is) that someone; replies in the author's own thread always.
        .where((eb) =>
          eb.or([
            eb('in_reply_to_account_id', 'is', null),
            eb('in_reply_to_account_id', '=', input.targetId),
            eb('in_reply_to_account_id', '=', input.accountId),
            eb.exists(
              eb
                .selectFrom('follows as g')
                .select('g.id')
                .where('g.account_id', '=', input.accountId)
                .whereRef('g.target_account_id', '=', 'posts.in_reply_to_account_id'),
            ),
          ]),
        )
        .orderBy('id', 'desc')
        .limit(input.backfill);
      await tx
        .insertInto('home_feed')
        .columns(['account_id', 'post_id', 'author_id'])
        .expression(tx.selectFrom(recent.as('recent')).selectAll().where(sql.lit(true), '=', sql.lit(true)))
        .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
        // The feed written (the follower's), returned for the entity cache: their home head only.
        .returning('account_id')
        .execute();
    }
    if (input.notification) await this.insertNotifications(tx, [input.notification]);
    return true;
  }

  // ── Follow requests ─────────────────────────────────────────────────────────

  async requestFollow(input: {
    id: string;
    accountId: string;
    targetId: string;
    notification: NewNotification;
  }): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('follow_requests')
        .values({
          id: input.id,
          account_id: input.accountId,
          target_account_id: input.targetId,
          created_at: iso(new Date()),
        })
        .onConflict((oc) => oc.columns(['account_id', 'target_account_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (input.notification) await this.insertNotifications(tx, [input.notification]);
      return true;
    });
  }

  async acceptFollowRequest(input: {
    followId: string;
    accountId: string;
    targetId: string;
    backfill: number;
    notification: NewNotification | null;
  }): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await this.deleteFollowRequest(tx, input.accountId, input.targetId))) return false;
      await this.insertFollow(tx, { ...input, id: input.followId });
      return true;
    });
  }

  async removeFollowRequest(accountId: string, targetId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => this.deleteFollowRequest(tx, accountId, targetId));
  }

  /** Deletes the request and the `follow_request` notification it raised (it has been answered). */
  private async deleteFollowRequest(tx: Transaction<Database>, accountId: string, targetId: string): Promise<boolean> {
    const deleted = await tx
      .deleteFrom('follow_requests')
      .where('account_id', '=', accountId)
      .where('target_account_id', '=', targetId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await tx
      .deleteFrom('notifications')
      .where('account_id', '=', targetId)
      .where('from_account_id', '=', accountId)
      .where('type', '=', 'follow_request')
      .execute();
    return true;
  }

  async followRequests(targetId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('follow_requests')
        .select(['account_id as accountId', 'id as cursor'])
        .where('target_account_id', '=', targetId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async followRequestCount(targetId: string): Promise<number> {
    const row = await this.db
      .selectFrom('follow_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('target_account_id', '=', targetId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async adjustFollowCounts(
    tx: Transaction<Database>,
    accountId: string,
    targetId: string,
    delta: 1 | -1,
  ): Promise<void> {
    await tx
      .updateTable('accounts')
      .set((eb) => ({ following_count: eb('following_count', '+', delta) }))
      .where('id', '=', accountId)
      .execute();
    await tx
      .updateTable('accounts')
      .set((eb) => ({ followers_count: eb('followers_count', '+', delta) }))
      .where('id', '=', targetId)
      .execute();
  }

  async unfollow(accountId: string, targetId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => this.removeFollow(tx, accountId, targetId));
  }

  private async removeFollow(tx: Transaction<Database>, accountId: string, targetId: string): Promise<boolean> {
    const deleted = await tx
      .deleteFrom('follows')
      .where('account_id', '=', accountId)
      .where('target_account_id', '=', targetId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await this.adjustFollowCounts(tx, accountId, targetId, -1);
    await tx.deleteFrom('home_feed').where('account_id', '=', accountId).where('author_id', '=', targetId).execute();
    return true;
  }

  async block(input: { id: string; accountId: string; targetId: string }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('blocks')
        .values({
          id: input.id,
          account_id: input.accountId,
          target_account_id: input.targetId,
          created_at: iso(new Date()),
        })
        .onConflict((oc) => oc.columns(['account_id', 'target_account_id']).doNothing())
        .execute();
      await this.removeFollow(tx, input.accountId, input.targetId);
      await this.removeFollow(tx, input.targetId, input.accountId);
      await this.deleteFollowRequest(tx, input.accountId, input.targetId);
      await this.deleteFollowRequest(tx, input.targetId, input.accountId);
      await tx
        .deleteFrom('home_feed')
        .where('account_id', '=', input.accountId)
        .where('author_id', '=', input.targetId)
        .execute();
      await tx
        .deleteFrom('home_feed')
        .where('account_id', '=', input.targetId)
        .where('author_id', '=', input.accountId)
        .execute();
      await tx
        .deleteFrom('notifications')
        .where('account_id', '=', input.accountId)
        .where('from_account_id', '=', input.targetId)
        .execute();
    });
  }

  async unblock(accountId: string, targetId: string): Promise<void> {
    await this.db
      .deleteFrom('blocks')
      .where('account_id', '=', accountId)
      .where('target_account_id', '=', targetId)
      .execute();
  }

  async mute(input: {
    id: string;
    accountId: string;
    targetId: string;
    hideNotifications: boolean;
    expiresAt: Date | null;
  }): Promise<void> {
    const expiresAt = input.expiresAt ? iso(input.expiresAt) : null;
    await this.db
      .insertInto('mutes')
      .values({
        id: input.id,
        account_id: input.accountId,
        target_account_id: input.targetId,
        hide_notifications: input.hideNotifications ? 1 : 0,
        created_at: iso(new Date()),
        expires_at: expiresAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'target_account_id'])
          .doUpdateSet({ hide_notifications: input.hideNotifications ? 1 : 0, expires_at: expiresAt }),
      )
      .execute();
  }

  async unmute(accountId: string, targetId: string): Promise<void> {
    await this.db
      .deleteFrom('mutes')
      .where('account_id', '=', accountId)
      .where('target_account_id', '=', targetId)
      .execute();
  }

  async relationships(accountId: string, targetIds: readonly string[]) {
    const ids = [...new Set(targetIds)];
    const empty = {
      following: new Set<string>(),
      followedBy: new Set<string>(),
      blocking: new Set<string>(),
      blockedBy: new Set<string>(),
      muting: new Map<string, { hideNotifications: boolean }>(),
      requested: new Set<string>(),
      requestedBy: new Set<string>(),
    };
    if (ids.length === 0) return empty;
    const [following, followedBy, blocking, blockedBy, muting, requested, requestedBy] = await Promise.all([
      this.db
        .selectFrom('follows')
        .select('target_account_id as id')
        .where('account_id', '=', accountId)
        .where('target_account_id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('follows')
        .select('account_id as id')
        .where('target_account_id', '=', accountId)
        .where('account_id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('blocks')
        .select('target_account_id as id')
        .where('account_id', '=', accountId)
        .where('target_account_id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('blocks')
        .select('account_id as id')
        .where('target_account_id', '=', accountId)
        .where('account_id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('mutes')
        .select(['target_account_id as id', 'hide_notifications'])
        .where(activeMute())
        .where('account_id', '=', accountId)
        .where('target_account_id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('follow_requests')
        .select('target_account_id as id')
        .where('account_id', '=', accountId)
        .where('target_account_id', 'in', ids)
        .execute(),
      this.db
        .selectFrom('follow_requests')
        .select('account_id as id')
        .where('target_account_id', '=', accountId)
        .where('account_id', 'in', ids)
        .execute(),
    ]);
    return {
      following: new Set(following.map((r) => r.id)),
      followedBy: new Set(followedBy.map((r) => r.id)),
      blocking: new Set(blocking.map((r) => r.id)),
      blockedBy: new Set(blockedBy.map((r) => r.id)),
      muting: new Map(muting.map((r) => [r.id, { hideNotifications: r.hide_notifications === 1 }])),
      requested: new Set(requested.map((r) => r.id)),
      requestedBy: new Set(requestedBy.map((r) => r.id)),
    };
  }

  async hiddenAuthors(viewerId: string): Promise<Set<string>> {
    // Kept until blocks or mutes change; timed mutes end by themselves, so their ends are checked here.
    const rows = await memoized(
      this.cache,
      'hidden',
      viewerId,
      [
        keyedDependency('blocking', viewerId),
        keyedDependency('blocked_by', viewerId),
        keyedDependency('muting', viewerId),
      ],
      () => this.hiddenAuthorsQuery(viewerId),
    );
    const now = iso(new Date());
    const hidden = new Set<string>();
    for (const row of rows) if (row.until === null || row.until > now) hidden.add(row.id);
    return hidden;
  }

  async isBlockedEitherWay(a: string, b: string): Promise<boolean> {
    if (this.cache) {
      // Everyone blocking `a` or blocked by them, kept until blocks of `a` change (profiles, threads).
      const blocked = await this.cache.memo(
        'blocks',
        a,
        [keyedDependency('blocking', a), keyedDependency('blocked_by', a)],
        async () => {
          const rows = await this.db
            .selectFrom('blocks')
            .select('target_account_id as id')
            .where('account_id', '=', a)
            .union((db) => db.selectFrom('blocks').select('account_id as id').where('target_account_id', '=', a))
            .execute();
          return new Set(rows.map((r) => r.id));
        },
      );
      return blocked.has(b);
    }
    const row = await this.db
      .selectFrom('blocks')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('account_id', '=', a), eb('target_account_id', '=', b)]),
          eb.and([eb('account_id', '=', b), eb('target_account_id', '=', a)]),
        ]),
      )
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async isFollowing(accountId: string, targetId: string): Promise<boolean> {
    if (this.cache) return (await this.followedAmong(accountId, [targetId])).length > 0;
    const row = await this.db
      .selectFrom('follows')
      .select('id')
      .where('account_id', '=', accountId)
      .where('target_account_id', '=', targetId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async accountsWithFollowersAbove(threshold: number): Promise<string[]> {
    const rows = await this.db.selectFrom('accounts').select('id').where('followers_count', '>', threshold).execute();
    return rows.map((r) => r.id);
  }

  async followedAmong(accountId: string, candidates: readonly string[]): Promise<string[]> {
    if (this.cache) {
      // Whom the viewer follows, kept until the viewer's follows change: asked on most timeline reads.
      const following = await this.cache.memo(
        'following',
        accountId,
        [keyedDependency('following', accountId)],
        async () => {
          const rows = await this.db
            .selectFrom('follows')
            .select('target_account_id')
            .where('account_id', '=', accountId)
            .execute();
          return new Set(rows.map((r) => r.target_account_id));
        },
      );
      return candidates.filter((id) => following.has(id));
    }
    const result: string[] = [];
    for (const chunk of chunks(candidates)) {
      const rows = await this.db
        .selectFrom('follows')
        .select('target_account_id')
        .where('account_id', '=', accountId)
        .where('target_account_id', 'in', chunk)
        .execute();
      result.push(...rows.map((r) => r.target_account_id));
    }
    return result;
  }

  async followers(accountId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('follows')
        .select(['account_id as accountId', 'id as cursor'])
        .where('target_account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async following(accountId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('follows')
        .select(['target_account_id as accountId', 'id as cursor'])
        .where('account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  // ── Timelines ───────────────────────────────────────────────────────────────

  async homeFeed(accountId: string, page: Page): Promise<FeedEntry[]> {
    // A limit that is no count (NaN from a client's garbage) is the statement's to answer.
    if (this.cache && Number.isInteger(page.limit) && page.limit > 0) {
      const head = await this.cache.memo('home-head', accountId, [keyedDependency('home_feed', accountId)], async () =>
        (await this.homeFeedQuery(accountId, null, null, null, HOME_HEAD_LENGTH)).map((entry) => Object.freeze(entry)),
      );
      const entries = pageOfHomeHead(head, page);
      if (entries) return entries;
    }
    const rows = await this.homeFeedQuery(
      accountId,
      page.maxId ?? null,
      page.sinceId ?? null,
      page.minId ?? null,
      page.limit,
    );
    return newestFirst(rows, page);
  }

  async postsByAuthors(
    authorIds: readonly string[],
    visibilities: readonly Visibility[],
    page: Page,
  ): Promise<FeedEntry[]> {
    if (authorIds.length === 0) return [];
    if (this.cache && authorIds.length <= HEADS_MERGED_AT_MOST && page.limit <= AUTHOR_HEAD_LENGTH) {
      const cache = this.cache;
      const heads = await Promise.all(
        [...new Set(authorIds)].map((authorId) =>
          cache.memo('author-head', authorId, [keyedDependency('authored', authorId)], () =>
            this.authorHeadQuery(authorId, AUTHOR_HEAD_LENGTH),
          ),
        ),
      );
      const merged = pageOfHeads(heads, visibilities, page);
      if (merged) return merged;
    }
    const rows = await applyPage(
      this.db
        .selectFrom('posts')
        .select(['id as postId', 'account_id as authorId'])
        .where('account_id', 'in', [...authorIds])
        .where('visibility', 'in', [...visibilities]),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async trimHomeFeeds(keep: number): Promise<number> {
    const result = await sql`
      delete from home_feed where (account_id, post_id) in (
        select account_id, post_id from (
          select account_id, post_id, row_number() over (partition by account_id order by post_id desc) as position
          from home_feed
        ) ranked where position > ${keep}
      )`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  async instanceCounts(activeSince: Date): Promise<InstanceStatistics> {
    const [accounts, posts, active] = await Promise.all([
      this.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('suspended_at', 'is', null)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('posts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('reblog_of_id', 'is', null)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('last_status_at', '>=', activeSince.toISOString())
        .executeTakeFirstOrThrow(),
    ]);
    return { accounts: Number(accounts.n), posts: Number(posts.n), activeMonth: Number(active.n) };
  }

  async publicTimeline(page: Page): Promise<string[]> {
    const rows = await applyPage(
      this.db
        .selectFrom('posts')
        .select('id')
        .where('visibility', '=', 'public')
        .where('reblog_of_id', 'is', null)
        .where('in_reply_to_id', 'is', null),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page).map((r) => r.id);
  }

  async accountPosts(
    accountId: string,
    visibilities: readonly Visibility[],
    page: Page,
    options: { excludeReplies: boolean; excludeReblogs: boolean; onlyMedia?: boolean },
  ): Promise<string[]> {
    let q = this.db
      .selectFrom('posts')
      .select('id')
      .where('account_id', '=', accountId)
      .where('visibility', 'in', [...visibilities]);
    if (options.excludeReplies) {
      q = q.where((eb) => eb.or([eb('in_reply_to_id', 'is', null), eb('in_reply_to_account_id', '=', accountId)]));
    }
    if (options.excludeReblogs) q = q.where('reblog_of_id', 'is', null);
    if (options.onlyMedia)
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('media_attachments as m').select('m.id').whereRef('m.post_id', '=', 'posts.id')),
      );
    const rows = await applyPage(q, 'id', page).execute();
    return newestFirst(rows, page).map((r) => r.id);
  }

  async replies(postId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('posts')
      .select('id')
      .where('in_reply_to_id', '=', postId)
      .orderBy('id', 'asc')
      .limit(200)
      .execute();
    return rows.map((r) => r.id);
  }

  async directPosts(accountId: string, page: Page): Promise<string[]> {
    const q = this.db
      .selectFrom('posts')
      .select('id')
      .where('visibility', '=', 'direct')
      .where((eb) =>
        eb.or([
          eb('account_id', '=', accountId),
          eb('id', 'in', eb.selectFrom('mentions').select('post_id').where('account_id', '=', accountId)),
        ]),
      );
    const rows = await applyPage(q, 'id', page).execute();
    return newestFirst(rows, page).map((r) => r.id);
  }

  /**
   * Whether the viewer favourited, boosted, bookmarked, pinned each post. Kept per viewer (post →
   * the flags set, `memoWithin`) until the viewer's own favourites, boosts, bookmarks or pins are
   * written (keyed memo dependencies: others' writes leave them), so a warm page reads none.
   */
  async viewerFlags(viewerId: string, postIds: readonly string[]) {
    const unique = [...new Set(postIds)];
    let flagsByPost: Map<string, number>;
    if (this.cache) {
      const dependencies = [
        keyedDependency('favourites', viewerId),
        keyedDependency('reblogs', viewerId),
        keyedDependency('bookmarks', viewerId),
        keyedDependency('pins', viewerId),
      ];
      // A post newer than every one the viewer flagged has no flag: a home page of new posts
      // (most of them, for most readers) then costs no statement and no memo of its own.
      const newest = await this.cache.memo('newest-flagged', viewerId, dependencies, () =>
        this.newestFlagged(viewerId),
      );
      const older = newest === null ? [] : unique.filter((id) => !idAfter(id, newest));
      flagsByPost =
        older.length === 0
          ? new Map()
          : await this.cache.memoWithin('flags', viewerId, older, dependencies, (missing) =>
              this.readViewerFlags(viewerId, missing),
            );
    } else flagsByPost = await this.readViewerFlags(viewerId, unique);
    const sets = {
      favourited: new Set<string>(),
      reblogged: new Set<string>(),
      bookmarked: new Set<string>(),
      pinned: new Set<string>(),
    };
    const bits = [
      [FAVOURITED, sets.favourited],
      [REBLOGGED, sets.reblogged],
      [BOOKMARKED, sets.bookmarked],
      [PINNED, sets.pinned],
    ] as const;
    for (const [id, flags] of flagsByPost) {
      for (const [bit, set] of bits) if (flags & bit) set.add(id);
    }
    return sets;
  }

  /** The newest post id the viewer flagged in any way, or null when none. */
  private async newestFlagged(viewerId: string): Promise<string | null> {
    let newest: string | null = null;
    for (const { id } of await this.newestFlaggedQuery(viewerId))
      if (id !== null && (newest === null || idAfter(id, newest))) newest = id;
    return newest;
  }

  /** Per post with any, the viewer's flags (bits): one statement per 125 posts. */
  private async readViewerFlags(viewerId: string, postIds: readonly string[]): Promise<Map<string, number>> {
    const flags = new Map<string, number>();
    // Chunks of 125: four lists of the chunk's ids stay under every engine's parameter limit.
    for (const chunk of chunks(postIds, 125)) {
      for (const row of await this.flagsQuery(viewerId, chunk))
        flags.set(row.id, (flags.get(row.id) ?? 0) | (FLAG_BITS[row.kind] ?? 0));
    }
    return flags;
  }

  async mentionedAccounts(postIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    for (const chunk of chunks([...new Set(postIds)])) {
      const rows = await this.db
        .selectFrom('mentions')
        .select(['post_id', 'account_id'])
        .where('post_id', 'in', chunk)
        .execute();
      for (const r of rows) result.set(r.post_id, [...(result.get(r.post_id) ?? []), r.account_id]);
    }
    return result;
  }

  // ── Notifications ───────────────────────────────────────────────────────────

  async notifications(
    accountId: string,
    page: Page,
    types: readonly NotificationType[] | null,
  ): Promise<Notification[]> {
    if (types?.length === 0) return [];
    const rows = await this.notificationsQuery(
      accountId,
      iso(new Date()),
      types,
      page.maxId ?? null,
      page.sinceId ?? null,
      page.minId ?? null,
      page.limit,
    );
    return newestFirst(rows, page).map(toNotification);
  }

  async notificationById(accountId: string, id: string): Promise<Notification | null> {
    const row = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toNotification(row) : null;
  }

  async dismissNotification(accountId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('notifications')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async clearNotifications(accountId: string): Promise<void> {
    await this.db.deleteFrom('notifications').where('account_id', '=', accountId).execute();
  }
}
