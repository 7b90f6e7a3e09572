import type { Account, NotificationGroupPage, NotificationView, PostView, Relationship } from '../../core/index.ts';
import { notificationGroupKey } from '../../core/index.ts';
import { escapeHtml, renderNoteHtml, renderPostHtml } from '../../core/post-html.ts';
import { renderFilterResult } from './filter-entities.ts';
import { pollSchema, renderPoll } from './poll-entity.ts';
import { extractHashtags } from '../../core/text.ts';
import { mediaAttachmentSchema, renderMediaAttachment, type MediaUrls } from './media-entity.ts';
import { profileImageUrl } from '../../http/media-urls.ts';
import type { Report } from '../../safety/index.ts';

/**
 * Mastodon entities. Each renderer has a JSON schema used as the route's response
 * schema: Fastify serialises only the fields listed there, so nothing internal can leak
 * into a response by accident, and serialisation is compiled and fast.
 */
export interface Urls extends MediaUrls {
  publicUrl: string;
  domain: string;
}

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const emptyArray = { type: 'array', items: { type: 'object', additionalProperties: true } } as const;

const accountProperties = {
  id: str,
  username: str,
  acct: str,
  display_name: str,
  locked: bool,
  bot: bool,
  discoverable: bool,
  group: bool,
  indexable: bool,
  hide_collections: bool,
  noindex: bool,
  created_at: str,
  note: str,
  url: str,
  uri: str,
  avatar: str,
  avatar_static: str,
  header: str,
  header_static: str,
  followers_count: int,
  following_count: int,
  statuses_count: int,
  last_status_at: nullableStr,
  emojis: emptyArray,
  fields: {
    type: 'array',
    items: { type: 'object', properties: { name: str, value: str, verified_at: nullableStr } },
  },
  roles: emptyArray,
} as const;

export const accountSchema = {
  type: 'object',
  properties: accountProperties,
  required: Object.keys(accountProperties),
} as const;

export const credentialAccountSchema = {
  type: 'object',
  properties: {
    ...accountProperties,
    source: {
      type: 'object',
      properties: {
        privacy: str,
        sensitive: bool,
        language: nullableStr,
        note: str,
        fields: {
          type: 'array',
          items: { type: 'object', properties: { name: str, value: str, verified_at: nullableStr } },
        },
        follow_requests_count: int,
        discoverable: bool,
        indexable: bool,
        hide_collections: bool,
      },
    },
    role: { type: 'object', properties: { id: str, name: str, permissions: str, color: str, highlighted: bool } },
  },
} as const;

const mentionSchema = { type: 'object', properties: { id: str, username: str, url: str, acct: str } } as const;

const statusProperties = {
  id: str,
  uri: str,
  url: nullableStr,
  created_at: str,
  edited_at: nullableStr,
  account: accountSchema,
  content: str,
  text: nullableStr,
  visibility: str,
  sensitive: bool,
  spoiler_text: str,
  media_attachments: { type: 'array', items: mediaAttachmentSchema },
  application: { type: ['object', 'null'], properties: { name: str, website: nullableStr } },
  mentions: { type: 'array', items: mentionSchema },
  tags: { type: 'array', items: { type: 'object', properties: { name: str, url: str } } },
  emojis: emptyArray,
  filtered: emptyArray,
  reblogs_count: int,
  favourites_count: int,
  replies_count: int,
  in_reply_to_id: nullableStr,
  in_reply_to_account_id: nullableStr,
  poll: { ...pollSchema, type: ['object', 'null'] },
  card: { type: 'null' },
  language: nullableStr,
  favourited: bool,
  reblogged: bool,
  muted: bool,
  bookmarked: bool,
  pinned: bool,
} as const;

export const statusSchema = {
  type: 'object',
  properties: {
    ...statusProperties,
    reblog: { type: ['object', 'null'], properties: { ...statusProperties, reblog: { type: 'null' } } },
  },
} as const;

export const reportSchema = {
  type: 'object',
  properties: {
    id: str,
    action_taken: bool,
    action_taken_at: nullableStr,
    category: str,
    comment: str,
    forwarded: bool,
    created_at: str,
    status_ids: { type: ['array', 'null'], items: str },
    rule_ids: { type: ['array', 'null'], items: str },
    target_account: accountSchema,
  },
} as const;

export const notificationSchema = {
  type: 'object',
  properties: {
    id: str,
    type: str,
    created_at: str,
    group_key: str,
    account: accountSchema,
    status: { ...statusSchema, type: ['object', 'null'] },
    report: reportSchema,
  },
} as const;

/** Mastodon's Report entity, as its reporter (and staff, in `admin.report` notifications) see it. */
export function renderReport(report: Report, target: Account, urls: Urls) {
  return {
    id: report.id,
    action_taken: report.actionTakenAt !== null,
    action_taken_at: report.actionTakenAt?.toISOString() ?? null,
    category: report.category,
    comment: report.comment,
    // Forwarded to the target's server (a Flag from this server) when asked and the target is remote.
    forwarded: report.forward && target.domain !== null,
    created_at: report.createdAt.toISOString(),
    status_ids: report.statusIds,
    rule_ids: report.ruleIds.length > 0 ? report.ruleIds : null,
    target_account: renderAccount(target, urls),
  };
}

export const relationshipSchema = {
  type: 'object',
  properties: {
    id: str,
    following: bool,
    showing_reblogs: bool,
    notifying: bool,
    followed_by: bool,
    blocking: bool,
    blocked_by: bool,
    muting: bool,
    muting_notifications: bool,
    requested: bool,
    requested_by: bool,
    domain_blocking: bool,
    endorsed: bool,
    note: str,
    languages: { type: ['array', 'null'], items: str },
  },
} as const;

/** The account's own avatar, or the placeholder when it has none. */
function avatarUrl(account: Account, urls: Urls): string {
  return profileImageUrl(urls, account, 'avatar') ?? `${urls.publicUrl}/avatars/original/missing.png`;
}

function headerUrl(account: Account, urls: Urls): string {
  return profileImageUrl(urls, account, 'header') ?? `${urls.publicUrl}/headers/original/missing.png`;
}

/** `user` for accounts of this server, `user@domain` for those of others (Mastodon's `acct`). */
function acctOf(account: Account): string {
  return account.domain ? `${account.username}@${account.domain}` : account.username;
}

export function renderAccount(account: Account, urls: Urls) {
  const profile = account.url ?? `${urls.publicUrl}/@${account.username}`;
  const avatar = avatarUrl(account, urls);
  const header = headerUrl(account, urls);
  return {
    id: account.id,
    username: account.username,
    acct: acctOf(account),
    display_name: account.displayName,
    locked: account.locked,
    bot: account.bot,
    discoverable: account.discoverable,
    indexable: false,
    hide_collections: false,
    noindex: true,
    group: false,
    created_at: midnight(account.createdAt),
    note: renderNoteHtml(account.note),
    url: profile,
    uri: account.uri ?? `${urls.publicUrl}/users/${account.username}`,
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    followers_count: account.followersCount,
    following_count: account.followingCount,
    statuses_count: account.statusesCount,
    last_status_at: account.lastStatusAt ? account.lastStatusAt.toISOString().slice(0, 10) : null,
    emojis: [],
    // Values are plain text rendered safely (escaped, links made links); rel=me verification is not done.
    fields: account.fields.map((f) => ({
      name: escapeHtml(f.name),
      value: renderPostHtml(f.value.replace(/\s+/g, ' '), []).replace(/^<p>|<\/p>$/g, ''),
      verified_at: null,
    })),
    roles: [],
  };
}

/** The signed-in account, with its `source`; `followRequestsCount` is how many requests wait for its answer. */
export function renderCredentialAccount(
  account: Account,
  urls: Urls,
  followRequestsCount: number,
  language: string | null = null,
) {
  return {
    ...renderAccount(account, urls),
    source: {
      privacy: 'public',
      sensitive: false,
      language,
      note: account.note,
      fields: account.fields.map((f) => ({ name: f.name, value: f.value, verified_at: null })),
      follow_requests_count: followRequestsCount,
      discoverable: account.discoverable,
      indexable: false,
      hide_collections: false,
    },
    role: {
      id: account.role === 'admin' ? '3' : account.role === 'moderator' ? '2' : '-99',
      name: account.role === 'user' ? '' : account.role,
      permissions: account.role === 'admin' ? '1' : '0',
      color: '',
      highlighted: account.role !== 'user',
    },
  };
}

function applicationFor(source: string): { name: string; website: null } | null {
  if (source.startsWith('api:')) return { name: source.slice(4), website: null };
  if (source === 'web') return { name: 'Sparrow Web', website: null };
  if (source === 'sms') return { name: 'SMS', website: null };
  return null;
}

export function renderStatus(view: PostView, urls: Urls): Record<string, unknown> {
  const { post, author } = view;
  const mentions = view.mentions.map((a) => ({
    id: a.id,
    username: a.username,
    url: a.url ?? `${urls.publicUrl}/@${a.username}`,
    acct: acctOf(a),
  }));
  return {
    id: post.id,
    uri: post.uri ?? `${urls.publicUrl}/users/${author.username}/statuses/${post.id}`,
    url: post.url ?? `${urls.publicUrl}/@${author.username}/${post.id}`,
    created_at: post.createdAt.toISOString(),
    edited_at: post.editedAt?.toISOString() ?? null,
    account: renderAccount(author, urls),
    // A post of images alone has no text, and its content is empty as on Mastodon.
    content:
      view.reblog || post.text === '' ? '' : (post.remoteHtml ?? renderPostHtml(post.text, mentions, urls.publicUrl)),
    text: null,
    visibility: post.visibility,
    sensitive: post.sensitive,
    spoiler_text: post.spoilerText,
    media_attachments: view.media.map((m) => renderMediaAttachment(m, urls)),
    application: applicationFor(post.source),
    mentions,
    tags: view.reblog
      ? []
      : extractHashtags(post.text).map((name) => ({
          name,
          url: `${urls.publicUrl}/tags/${encodeURIComponent(name)}`,
        })),
    emojis: [],
    // The viewer's own filter matches (never part of a shared body; see PostView.filtered).
    filtered: view.filtered?.map(renderFilterResult) ?? [],
    reblogs_count: post.reblogsCount,
    favourites_count: post.favouritesCount,
    replies_count: post.repliesCount,
    in_reply_to_id: post.inReplyToId,
    in_reply_to_account_id: post.inReplyToAccountId,
    reblog: view.reblog ? renderStatus(view.reblog, urls) : null,
    poll: view.poll ? renderPoll(view.poll) : null,
    card: null,
    language: post.language,
    favourited: view.favourited,
    reblogged: view.reblogged,
    muted: view.muted,
    bookmarked: view.bookmarked,
    pinned: view.pinned,
  };
}

/** The `text` field is only filled when answering a delete, so clients can offer "delete & redraft". */
export function renderDeletedStatus(view: PostView, urls: Urls) {
  return { ...renderStatus(view, urls), text: view.post.text };
}

export function renderNotification(view: NotificationView, urls: Urls) {
  return {
    id: view.notification.id,
    type: view.notification.type,
    created_at: view.notification.createdAt.toISOString(),
    group_key: notificationGroupKey(view),
    account: renderAccount(view.from, urls),
    status: view.post ? renderStatus(view.post, urls) : null,
  };
}

/**
 * A page of grouped notifications (Mastodon 4.3's GroupedNotificationsResults): each account
 * and status once, the groups referring to them by id.
 */
export function renderNotificationGroups(page: NotificationGroupPage, urls: Urls) {
  const accounts = new Map<string, Account>();
  const statuses = new Map<string, PostView>();
  for (const group of page.groups) {
    for (const account of group.sampleAccounts) accounts.set(account.id, account);
    if (group.post) {
      statuses.set(group.post.post.id, group.post);
      accounts.set(group.post.author.id, group.post.author);
    }
  }
  return {
    accounts: [...accounts.values()].map((a) => renderAccount(a, urls)),
    statuses: [...statuses.values()].map((v) => renderStatus(v, urls)),
    notification_groups: page.groups.map((group) => ({
      group_key: group.key,
      notifications_count: group.count,
      type: group.type,
      most_recent_notification_id: group.mostRecent.notification.id,
      page_min_id: group.oldestId,
      page_max_id: group.mostRecent.notification.id,
      latest_page_notification_at: group.mostRecent.notification.createdAt.toISOString(),
      sample_account_ids: group.sampleAccounts.map((a) => a.id),
      ...(group.post ? { status_id: group.post.post.id } : {}),
    })),
  };
}

export function renderRelationship(r: Relationship) {
  return {
    id: r.id,
    following: r.following,
    showing_reblogs: r.following,
    notifying: false,
    followed_by: r.followedBy,
    blocking: r.blocking,
    blocked_by: r.blockedBy,
    muting: r.muting,
    muting_notifications: r.mutingNotifications,
    requested: r.requested,
    requested_by: r.requestedBy,
    domain_blocking: false,
    endorsed: false,
    note: '',
    languages: null,
  };
}

function midnight(date: Date): string {
  return `${date.toISOString().slice(0, 10)}T00:00:00.000Z`;
}
