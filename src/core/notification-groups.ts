import type { Account, NotificationType, NotificationView, PostView } from './model.ts';

/**
 * Grouped notifications as Mastodon 4.3 defines them (`GET /api/v2/notifications`): favourites
 * and boosts of the same post, and follows, that arrive close together show as one group
 * ("Ada and 4 others liked your post"). Mastodon keeps a group open for up to 12 hours from
 * its first notification; Sparrow computes the key from the notification alone, with fixed
 * 12-hour windows (UTC), so both engines and every instance agree without shared state.
 */
export const GROUPABLE_NOTIFICATION_TYPES: readonly NotificationType[] = ['favourite', 'reblog', 'follow'];
const GROUP_WINDOW_HOURS = 12;
const HOUR_MS = 3600_000;
/** Accounts shown per group (Mastodon's SAMPLE_ACCOUNTS_SIZE). */
const GROUP_SAMPLE_ACCOUNTS = 8;

/**
 * The group a notification belongs to. `groupedTypes` are the types the client shows grouped
 * (Mastodon's `grouped_types`); every other notification is a group of its own.
 */
export function notificationGroupKey(
  view: NotificationView,
  groupedTypes: readonly NotificationType[] = GROUPABLE_NOTIFICATION_TYPES,
): string {
  const { notification } = view;
  if (!GROUPABLE_NOTIFICATION_TYPES.includes(notification.type) || !groupedTypes.includes(notification.type))
    return `ungrouped-${notification.id}`;
  const hours = Math.floor(notification.createdAt.getTime() / HOUR_MS);
  const window = hours - (hours % GROUP_WINDOW_HOURS);
  return notification.type === 'follow'
    ? `follow-${window}`
    : `${notification.type}-${view.post?.post.id ?? 'none'}-${window}`;
}

/**
 * What a group key names, so one group can be fetched without reading every notification:
 * one notification, or a type (and post) within one 12-hour window. Null for keys Sparrow
 * never issues.
 */
type ParsedGroupKey =
  | { notificationId: string }
  | { type: NotificationType; postId: string | null; windowStart: number; windowEnd: number };

export function parseNotificationGroupKey(key: string): ParsedGroupKey | null {
  const single = /^ungrouped-([0-9]{1,20})$/.exec(key);
  if (single) return { notificationId: single[1]! };
  const grouped = /^(?:(favourite|reblog)-([0-9]{1,20})|(follow))-([0-9]{1,9})$/.exec(key);
  if (!grouped) return null;
  const hours = Number(grouped[4]);
  if (hours % GROUP_WINDOW_HOURS !== 0) return null;
  const type = (grouped[1] ?? grouped[3]) as NotificationType;
  return {
    type,
    postId: grouped[2] ?? null,
    windowStart: hours * HOUR_MS,
    windowEnd: (hours + GROUP_WINDOW_HOURS) * HOUR_MS,
  };
}

interface NotificationGroup {
  key: string;
  type: NotificationType;
  /** Notifications of the group within the page's range. */
  count: number;
  /** The newest notification of the group within the page's range. */
  mostRecent: NotificationView;
  /** The oldest notification id of the group within the page's range. */
  oldestId: string;
  /** The newest distinct accounts of the group, newest first. */
  sampleAccounts: Account[];
  post: PostView | null;
}

export interface NotificationGroupPage {
  /** Newest group first (by its most recent notification). */
  groups: NotificationGroup[];
  /** The range of notification ids the page covers, for the Link header: next page below `lowest`, previous above `highest`. */
  lowestId: string | null;
  highestId: string | null;
}

/** Orders ids (digit strings) numerically, whatever their length. */
function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the groups of one page from notifications walked away from the cursor (newest first
 * for max_id/since_id, oldest first for min_id), as Mastodon does: the page holds the first
 * `limit` distinct groups met, its range ends at the last of them (or runs to the end when the
 * walk ran out), and each group counts only its notifications inside that range.
 */
export class NotificationGrouper {
  private readonly members = new Map<string, NotificationView[]>();
  private readonly limit: number;
  private readonly groupedTypes: readonly NotificationType[];
  /** The notification that opened the `limit`-th group; the walk stops at the next new group. */
  private boundary: string | null = null;
  private full = false;

  /** One whole group (every member, however many), as `GET /api/v2/notifications/:group_key` shows it. */
  static whole(views: readonly NotificationView[]): NotificationGroupPage {
    // No limit: the page never fills, so no member falls outside its range.
    const grouper = new NotificationGrouper(Number.POSITIVE_INFINITY, GROUPABLE_NOTIFICATION_TYPES);
    for (const view of views) grouper.add(view);
    return grouper.page();
  }

  constructor(limit: number, groupedTypes: readonly NotificationType[]) {
    this.limit = limit;
    this.groupedTypes = groupedTypes;
  }

  /** Takes the next notification of the walk; false once the page is complete (it is then not taken). */
  add(view: NotificationView): boolean {
    const key = notificationGroupKey(view, this.groupedTypes);
    const group = this.members.get(key);
    if (group) {
      // Past the opening notification of the last group, members lie outside the page's range.
      if (this.boundary === null) group.push(view);
      return true;
    }
    if (this.members.size >= this.limit) {
      this.full = true;
      return false;
    }
    this.members.set(key, [view]);
    if (this.members.size === this.limit) this.boundary = view.notification.id;
    return true;
  }

  get complete(): boolean {
    return this.full;
  }

  page(): NotificationGroupPage {
    const groups: NotificationGroup[] = [];
    const ids: string[] = [];
    for (const [key, views] of this.members) {
      const newestFirst = [...views].sort((a, b) => compareIds(b.notification.id, a.notification.id));
      const mostRecent = newestFirst[0]!;
      const oldest = newestFirst.at(-1)!;
      const sample = new Map<string, Account>();
      for (const v of newestFirst) {
        if (sample.size >= GROUP_SAMPLE_ACCOUNTS) break;
        sample.set(v.from.id, v.from);
      }
      groups.push({
        key,
        type: mostRecent.notification.type,
        count: views.length,
        mostRecent,
        oldestId: oldest.notification.id,
        sampleAccounts: [...sample.values()],
        post: mostRecent.post,
      });
      ids.push(mostRecent.notification.id, oldest.notification.id);
    }
    groups.sort((a, b) => compareIds(b.mostRecent.notification.id, a.mostRecent.notification.id));
    ids.sort(compareIds);
    return { groups, lowestId: ids[0] ?? null, highestId: ids.at(-1) ?? null };
  }
}
