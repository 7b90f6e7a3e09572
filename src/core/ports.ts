import type { NewPoll } from './poll-model.ts';
import type {
  Account,
  MediaAttachment,
  RemoteAttachment,
  ProfileField,
  Notification,
  NotificationType,
  Page,
  Post,
  Role,
  Visibility,
  PostSource,
} from './model.ts';

export interface NewAccount {
  id: string;
  username: string;
  displayName: string;
  note: string;
  role: Role;
  createdAt: Date;
}

interface NewPost {
  id: string;
  accountId: string;
  text: string;
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  source: PostSource;
  inReplyToId: string | null;
  inReplyToAccountId: string | null;
  reblogOfId: string | null;
  createdAt: Date;
  mentionIds: string[];
  /** A post of another server (federation): its id there, its page and its sanitised HTML. */
  remote?: { uri: string; url: string | null; html: string } | undefined;
  /** Hashtags of an original post, as first written in it (`extractHashtags`). */
  tags?: readonly string[];
}

/** What Sparrow keeps of an account of another server, from its ActivityPub actor document. */
export interface RemoteAccountProfile {
  uri: string;
  url: string | null;
  username: string;
  domain: string;
  displayName: string;
  /** Plain text of the bio (remote HTML is reduced to text). */
  note: string;
  locked: boolean;
  bot: boolean;
  /** The profile's name/value pairs as plain text (absent: left as they are). */
  fields?: ProfileField[];
  /** The actor's `icon` and `image` URLs, by reference (null: none; absent: left as they are). */
  avatarUrl?: string | null;
  headerUrl?: string | null;
}

export interface NewNotification {
  id: string;
  accountId: string;
  type: NotificationType;
  fromAccountId: string;
  postId: string | null;
}

/**
 * Who receives a new post in their materialised home feed. The domain decides; the store
 * executes it as set-based writes in the same transaction as the post.
 */
export interface FanoutPlan {
  /** Deliver to the followers of this account (null: no follower delivery). */
  followersOf: string | null;
  /** For replies: only followers who also follow this account receive it. */
  alsoFollowing: string | null;
  /** Accounts that receive it regardless (the author, mentioned followers…). */
  accounts: string[];
}

export interface PublishRequest {
  post: NewPost;
  /** Stored with the post, in the same transaction. */
  poll?: NewPoll | undefined;
  fanout: FanoutPlan;
  notifications: NewNotification[];
  idempotency?: { key: string; createdAt: Date } | undefined;
  /**
   * Uploads to attach, in order; the store attaches them in the same transaction and refuses
   * (conflict) when one was attached meanwhile.
   */
  mediaIds?: readonly string[] | undefined;
  /** A remote post's attachments by reference, stored with it. */
  remoteMedia?: readonly (RemoteAttachment & { id: string; position: number })[] | undefined;
}

export interface FeedEntry {
  postId: string;
  authorId: string;
}

/**
 * The storage the microblog needs. Each method is atomic: the domain never has to
 * coordinate a transaction, and the store never makes a product decision.
 */
/** Instance-wide counts shown by the instance endpoints. */
export interface InstanceStatistics {
  accounts: number;
  posts: number;
  activeMonth: number;
}

export interface MicroblogStore {
  /** Creates or refreshes an account of another server, keyed by its ActivityPub id. */
  upsertRemoteAccount(id: string, profile: RemoteAccountProfile, now: Date): Promise<Account>;
  accountByUri(uri: string): Promise<Account | null>;
  postByUri(uri: string): Promise<Post | null>;
  createAccount(account: NewAccount): Promise<Account>;
  accountById(id: string): Promise<Account | null>;
  accountsByIds(ids: readonly string[]): Promise<Map<string, Account>>;
  accountByUsername(username: string): Promise<Account | null>;
  /** Sets or clears suspension; false when the account does not exist. */
  setSuspended(accountId: string, at: Date | null): Promise<boolean>;
  accountsByUsernames(usernames: readonly string[]): Promise<Account[]>;
  updateProfile(
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
  ): Promise<Account>;

  /**
   * Inserts the post, its mentions, counters, fan-out and notifications; returns the existing post
   * id when the idempotency key was used already. `post` is the new post as `postById` will read
   * it, when the store can tell without reading it back (else null: read it); `author` its
   * author as the post left it (counts included), when created.
   */
  publish(
    request: PublishRequest,
  ): Promise<{ postId: string; created: boolean; post: Post | null; author?: Account | null }>;
  postIdForIdempotencyKey(accountId: string, key: string): Promise<string | null>;
  postById(id: string): Promise<Post | null>;
  postsByIds(ids: readonly string[]): Promise<Map<string, Post>>;
  /**
   * Brings a post's derived indexes (its hashtags, the full-text index) up to date with its
   * current text, e.g. after an edit: `tags` are the post's hashtags now (`extractHashtags`).
   */
  reindexPost(postId: string, tags: readonly string[]): Promise<void>;
  /** Deletes a post and everything hanging off it (reblogs of it, feed entries, notifications), fixing counters. */
  deletePost(id: string): Promise<void>;
  reblogOf(accountId: string, postId: string): Promise<Post | null>;
  lastPostBySource(accountId: string, source: PostSource): Promise<Post | null>;

  addFavourite(id: string, accountId: string, postId: string, notification: NewNotification | null): Promise<boolean>;
  removeFavourite(accountId: string, postId: string): Promise<boolean>;

  follow(input: {
    id: string;
    accountId: string;
    targetId: string;
    backfill: number;
    notification: NewNotification | null;
  }): Promise<boolean>;
  unfollow(accountId: string, targetId: string): Promise<boolean>;
  /** Records a request to follow a locked account, with its notification; false when one is pending already. */
  requestFollow(input: {
    id: string;
    accountId: string;
    targetId: string;
    /** Null when the target is an account of another server (its own server notifies it). */
    notification: NewNotification | null;
  }): Promise<boolean>;
  /**
   * Turns a pending request into a follow (with backfill, counts and the `follow` notification,
   * as `follow` does) and drops the request and its notification, in one transaction. False
   * when no request was pending.
   */
  acceptFollowRequest(input: {
    followId: string;
    accountId: string;
    targetId: string;
    backfill: number;
    notification: NewNotification | null;
  }): Promise<boolean>;
  /** Drops a pending request and its notification; false when none was pending. */
  removeFollowRequest(accountId: string, targetId: string): Promise<boolean>;
  /** Pending requests to follow `targetId`, paged by request id. */
  followRequests(targetId: string, page: Page): Promise<{ accountId: string; cursor: string }[]>;
  followRequestCount(targetId: string): Promise<number>;
  block(input: { id: string; accountId: string; targetId: string }): Promise<void>;
  unblock(accountId: string, targetId: string): Promise<void>;
  /** Mutes (or changes a mute); `expiresAt` null = until undone. Expired mutes count as absent everywhere. */
  mute(input: {
    id: string;
    accountId: string;
    targetId: string;
    hideNotifications: boolean;
    expiresAt: Date | null;
  }): Promise<void>;
  unmute(accountId: string, targetId: string): Promise<void>;
  relationships(
    accountId: string,
    targetIds: readonly string[],
  ): Promise<{
    following: Set<string>;
    followedBy: Set<string>;
    blocking: Set<string>;
    blockedBy: Set<string>;
    muting: Map<string, { hideNotifications: boolean }>;
    requested: Set<string>;
    requestedBy: Set<string>;
  }>;
  /** Accounts the viewer must not see posts from: blocked either way, or muted by the viewer. */
  hiddenAuthors(viewerId: string): Promise<Set<string>>;
  isBlockedEitherWay(a: string, b: string): Promise<boolean>;
  isFollowing(accountId: string, targetId: string): Promise<boolean>;
  /** Accounts with more followers than the threshold (their posts are merged into home at read time). */
  accountsWithFollowersAbove(followerThreshold: number): Promise<string[]>;
  /** The subset of `candidates` that the account follows. */
  followedAmong(accountId: string, candidates: readonly string[]): Promise<string[]>;
  followers(accountId: string, page: Page): Promise<{ accountId: string; cursor: string }[]>;
  following(accountId: string, page: Page): Promise<{ accountId: string; cursor: string }[]>;

  homeFeed(accountId: string, page: Page): Promise<FeedEntry[]>;
  /** Posts (and reblogs) by these authors with the given visibilities, newest first. */
  postsByAuthors(authorIds: readonly string[], visibilities: readonly Visibility[], page: Page): Promise<FeedEntry[]>;
  /** Drops home-feed entries beyond the newest `keep` of each account; returns how many went. */
  trimHomeFeeds(keep: number): Promise<number>;
  /** Accounts not suspended, original posts (reblogs excluded), and accounts that posted since `activeSince`. */
  instanceCounts(activeSince: Date): Promise<InstanceStatistics>;
  publicTimeline(page: Page): Promise<string[]>;
  accountPosts(
    accountId: string,
    visibilities: readonly Visibility[],
    page: Page,
    options: { excludeReplies: boolean; excludeReblogs: boolean; onlyMedia?: boolean },
  ): Promise<string[]>;
  replies(postId: string): Promise<string[]>;
  directPosts(accountId: string, page: Page): Promise<string[]>;

  /** Which of these posts the viewer favourited, boosted, bookmarked and pinned: one batched read per kind. */
  viewerFlags(
    viewerId: string,
    postIds: readonly string[],
  ): Promise<{ favourited: Set<string>; reblogged: Set<string>; bookmarked: Set<string>; pinned: Set<string> }>;

  /** False when the post was bookmarked already. */
  addBookmark(id: string, accountId: string, postId: string): Promise<boolean>;
  removeBookmark(accountId: string, postId: string): Promise<boolean>;
  /** The account's bookmarks, paged by bookmark id (newest bookmark first). */
  bookmarks(accountId: string, page: Page): Promise<{ postId: string; cursor: string }[]>;
  /** The posts the account favourited, paged by favourite id (newest favourite first). */
  favourites(accountId: string, page: Page): Promise<{ postId: string; cursor: string }[]>;
  /** Who favourited the post, paged by favourite id. */
  favouritedBy(postId: string, page: Page): Promise<{ accountId: string; cursor: string }[]>;
  /** Who boosted the post, paged by the boost's id, with the boost's visibility. */
  rebloggedBy(postId: string, page: Page): Promise<{ accountId: string; cursor: string; visibility: Visibility }[]>;

  /**
   * Pins the post unless the account has `max` pins already, atomically: 'pinned', 'already'
   * when it was pinned, 'full' when the limit is reached.
   */
  addPin(id: string, accountId: string, postId: string, max: number): Promise<'pinned' | 'already' | 'full'>;
  removePin(accountId: string, postId: string): Promise<boolean>;
  /** The account's pinned posts, the newest pin first. */
  pinnedPosts(accountId: string): Promise<string[]>;
  mentionedAccounts(postIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * The media attached to these posts, in attachment order: one batched read. `reader`: the
   * account whose page this is, if any (the store may keep what it read per reader).
   */
  mediaOfPosts(postIds: readonly string[], reader?: string | null): Promise<Map<string, MediaAttachment[]>>;
  /** These uploads as they are now (missing ids are absent from the answer). */
  mediaByIds(ids: readonly string[]): Promise<MediaAttachment[]>;
  setProfileImage(accountId: string, kind: 'avatar' | 'header', key: string | null): Promise<void>;

  notifications(accountId: string, page: Page, types: readonly NotificationType[] | null): Promise<Notification[]>;
  notificationById(accountId: string, id: string): Promise<Notification | null>;
  dismissNotification(accountId: string, id: string): Promise<boolean>;
  clearNotifications(accountId: string): Promise<void>;
}
