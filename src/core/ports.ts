import type { Account, Notification, NotificationType, Page, Post, Role, Visibility, PostSource } from './model.ts';

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
  fanout: FanoutPlan;
  notifications: NewNotification[];
  idempotency?: { key: string; createdAt: Date } | undefined;
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
  createAccount(account: NewAccount): Promise<Account>;
  accountById(id: string): Promise<Account | null>;
  accountsByIds(ids: readonly string[]): Promise<Map<string, Account>>;
  accountByUsername(username: string): Promise<Account | null>;
  /** Sets or clears suspension; false when the account does not exist. */
  setSuspended(accountId: string, at: Date | null): Promise<boolean>;
  accountsByUsernames(usernames: readonly string[]): Promise<Account[]>;
  updateProfile(
    id: string,
    changes: { displayName?: string; note?: string; locked?: boolean; bot?: boolean; timeZone?: string | null },
  ): Promise<Account>;

  /** Inserts the post, its mentions, counters, fan-out and notifications; returns the existing post id when the idempotency key was used already. */
  publish(request: PublishRequest): Promise<{ postId: string; created: boolean }>;
  postIdForIdempotencyKey(accountId: string, key: string): Promise<string | null>;
  postById(id: string): Promise<Post | null>;
  postsByIds(ids: readonly string[]): Promise<Map<string, Post>>;
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
    notification: NewNotification;
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
  mute(input: { id: string; accountId: string; targetId: string; hideNotifications: boolean }): Promise<void>;
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
    options: { excludeReplies: boolean; excludeReblogs: boolean },
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

  notifications(accountId: string, page: Page, types: readonly NotificationType[] | null): Promise<Notification[]>;
  notificationById(accountId: string, id: string): Promise<Notification | null>;
  dismissNotification(accountId: string, id: string): Promise<boolean>;
  clearNotifications(accountId: string): Promise<void>;
}
