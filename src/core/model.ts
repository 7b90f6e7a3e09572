import type { PollView } from './poll-model.ts';

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
  | 'poll'
  | 'update'
  /** To staff: someone filed a report (the notification names the reporter and the report). */
  | 'admin.report';
export const NOTIFICATION_TYPES: readonly NotificationType[] = [
  'mention',
  'status',
  'reblog',
  'follow',
  'follow_request',
  'favourite',
  'poll',
  'update',
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
  /** The server of a remote account (from federation); null for accounts of this server. */
  domain: string | null;
  /** A remote account's ActivityPub id and profile page; null for local accounts. */
  uri: string | null;
  url: string | null;
  /** Storage keys of the processed profile images; absent or null: the placeholder. */
  avatar?: string | null;
  header?: string | null;
  /**
   * A remote account's avatar and header on its own server (shown through Sparrow's media
   * proxy); for such an account `avatar`/`header` are the proxy's cached copies.
   */
  avatarRemoteUrl?: string | null;
  headerRemoteUrl?: string | null;
  /** Up to four name/value pairs shown on the profile (plain text; rendered safely). */
  fields: ProfileField[];
  /** The owner agreed to be suggested to others and listed in the directory. */
  discoverable: boolean;
}

export interface ProfileField {
  name: string;
  value: string;
}

/** Where a post came from: the web UI, a client app (`api:<app name>`), a text message, or another server. */
export type PostSource = 'web' | 'sms' | 'federation' | `api:${string}`;

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
  /** A remote post's ActivityPub id and page, and its HTML after sanitising; null for local posts. */
  uri: string | null;
  url: string | null;
  remoteHtml: string | null;
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
  /**
   * The viewer's filters this post matched in the context it is read in (warn and blur; a
   * `hide` match drops the post instead). Per viewer, never part of a shared status body.
   */
  filtered?: FilterResult[];
  /** The post's poll as the viewer sees it (src/core/post-extras.ts). */
  poll?: PollView | null;
  /** The post's media attachments, in the order the author gave them. */
  media: MediaAttachment[];
}

export interface ImageSize {
  width: number;
  height: number;
}

/** An uploaded image: processed into a full-size file and a preview kept in the media storage. */
export interface MediaAttachment {
  id: string;
  accountId: string;
  /** The post it is attached to; null until a post attaches it. */
  postId: string | null;
  /** Uploads are images; a remote post's video or audio is shown by reference only. */
  type: 'image' | 'video' | 'audio';
  /** Uploads are processed after they are received: files and meta exist once `ready`. */
  state: 'processing' | 'ready' | 'failed';
  /** Storage keys of the full-size file and the preview. */
  fileKey: string | null;
  previewKey: string | null;
  contentType: string | null;
  meta: { original: ImageSize; small: ImageSize } | null;
  blurhash: string | null;
  /** Alt text. */
  description: string | null;
  /** The focal point, each coordinate from -1 to 1 (Mastodon's convention: x right, y up). */
  focus: { x: number; y: number } | null;
  createdAt: Date;
  /**
   * A remote post's attachment: where it lives. Sparrow shows it through its media proxy,
   * which fetches and caches it on first use (`fileKey`/`previewKey` are that copy).
   */
  remoteUrl?: string | null;
}

/** A remote post's attachment as its server describes it (URL, type, alt text, size). */
export interface RemoteAttachment {
  url: string;
  type: 'image' | 'video' | 'audio';
  contentType: string | null;
  description: string | null;
  blurhash: string | null;
  width: number | null;
  height: number | null;
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

/** Where a filter applies, as Mastodon names the contexts (`home` covers lists too, `public` tag timelines). */
export type FilterContext = 'home' | 'notifications' | 'public' | 'thread' | 'account';
export const FILTER_CONTEXTS: readonly FilterContext[] = ['home', 'notifications', 'public', 'thread', 'account'];
/** What a match does: show a warning, hide the post entirely, or blur its media. */
export type FilterAction = 'warn' | 'hide' | 'blur';
export const FILTER_ACTIONS: readonly FilterAction[] = ['warn', 'hide', 'blur'];

export interface FilterKeyword {
  id: string;
  filterId: string;
  keyword: string;
  wholeWord: boolean;
}

export interface FilterStatus {
  id: string;
  filterId: string;
  postId: string;
}

export interface Filter {
  id: string;
  accountId: string;
  title: string;
  context: FilterContext[];
  action: FilterAction;
  expiresAt: Date | null;
  keywords: FilterKeyword[];
  statuses: FilterStatus[];
}

/** One filter a post matched: which of its keywords, and whether the post itself was listed. */
export interface FilterResult {
  filter: Filter;
  keywordMatches: string[] | null;
  statusMatches: string[] | null;
}

/**
 * Per-viewer reading rules that live outside the microblog core but apply to every read path
 * in it: the viewer's filters, and the accounts whose posts their exclusive lists take out of
 * the home timeline. Wired in by the composition root (src/app/context.ts).
 */
export interface ReadPolicy {
  /** Authors whose posts stay out of the viewer's home timeline (members of exclusive lists). */
  homeExclusions(viewerId: string): Promise<Set<string>>;
  /**
   * The views kept (hide matches dropped), each carrying its warn/blur matches in `filtered`;
   * the list given is never changed (it may be answered as it is when no filter applies).
   */
  applyFilters(viewerId: string, context: FilterContext, views: PostView[]): Promise<PostView[]>;
}
