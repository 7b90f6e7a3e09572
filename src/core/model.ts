export type Role = 'user' | 'moderator' | 'admin';
export type Visibility = 'public' | 'unlisted' | 'private' | 'direct';
export const VISIBILITIES: readonly Visibility[] = ['public', 'unlisted', 'private', 'direct'];

export type NotificationType =
  | 'mention'
  | 'status'
  | 'reblog'
  | 'follow'
  | 'follow_request'
  | 'favourite'
  /** To staff: someone filed a report (the notification names the reporter and the report). */
  | 'admin.report';
export const NOTIFICATION_TYPES: readonly NotificationType[] = [
  'mention',
  'status',
  'reblog',
  'follow',
  'follow_request',
  'favourite',
  'admin.report',
];

export interface Account {
  id: string;
  username: string;
  displayName: string;
  note: string;
  role: Role;
  locked: boolean;
  bot: boolean;
  createdAt: Date;
  suspended: boolean;
  followersCount: number;
  followingCount: number;
  statusesCount: number;
  lastStatusAt: Date | null;
  /** The IANA zone the owner reads times in; null until chosen (times then show in UTC). */
  timeZone: string | null;
  /** Up to four name/value pairs shown on the profile (plain text; rendered safely). */
  fields: ProfileField[];
  /** The owner agreed to be suggested to others and listed in the directory. */
  discoverable: boolean;
}

export interface ProfileField {
  name: string;
  value: string;
}

/** Where a post came from: the web UI, a client app (`api:<app name>`), or a text message. */
export type PostSource = 'web' | 'sms' | `api:${string}`;

export interface Post {
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
  editedAt: Date | null;
  repliesCount: number;
  reblogsCount: number;
  favouritesCount: number;
  /** Ids of the accounts this post mentions (for reblogs: empty; see the reblogged post). */
  mentionIds: string[];
}

export interface Notification {
  id: string;
  accountId: string;
  type: NotificationType;
  fromAccountId: string;
  postId: string | null;
  /** For `admin.report`: the report it is about. */
  reportId: string | null;
  createdAt: Date;
}

export interface Relationship {
  id: string;
  following: boolean;
  followedBy: boolean;
  blocking: boolean;
  blockedBy: boolean;
  muting: boolean;
  mutingNotifications: boolean;
  /** The account asked to follow the target, which is locked, and is waiting for an answer. */
  requested: boolean;
  /** The target asked to follow the account and is waiting for its answer. */
  requestedBy: boolean;
}

/** How a follow request ended: accepted by its target, refused by it, or withdrawn by the requester. */
export type FollowRequestOutcome = 'authorized' | 'rejected' | 'withdrawn';

/** A post ready to show to one viewer: everything a client renders, fetched in batches. */
export interface PostView {
  post: Post;
  author: Account;
  mentions: Account[];
  inReplyTo: { id: string; accountId: string } | null;
  reblog: PostView | null;
  favourited: boolean;
  reblogged: boolean;
  bookmarked: boolean;
  /** Pinned on its author's profile (only ever true for the viewer's own posts, as in Mastodon). */
  pinned: boolean;
  muted: boolean;
}

export interface NotificationView {
  notification: Notification;
  from: Account;
  post: PostView | null;
}

/**
 * Cursor paging over time-ordered ids, as the Mastodon API defines it:
 * `maxId` pages backwards (older than), `sinceId` returns the newest items newer than it,
 * `minId` returns the items immediately newer than it (paging forwards).
 */
export interface Page {
  maxId?: string | undefined;
  sinceId?: string | undefined;
  minId?: string | undefined;
  limit: number;
}
