import { type Clock, systemClock } from '../shared/clock.ts';
import { idFloorForTime } from '../shared/ids.ts';
import { dailyHistory, type Hashtags, TAG_HISTORY_DAYS, type TagView } from './hashtags.ts';
import type { Microblog } from './microblog.ts';
import type { PostView } from './model.ts';
import type { TagDay, TrendStore } from './tag-ports.ts';
import { extractUrls } from './text.ts';

/** A trend needs this many different accounts: one account repeating itself is not a trend. */
const MIN_ACCOUNTS = 2;
/** Each day back counts half as much as the day after it. */
const DAILY_DECAY = 0.5;
/** Trends are recomputed at most this often (they are the same for every viewer). */
const CACHE_MS = 60_000;
/** Posts older than this do not trend. */
const STATUS_WINDOW_DAYS = 2;
/** Posts read for link trends (newest first) per computation. */
const LINK_SCAN = 5000;

export interface TrendingLink {
  url: string;
  /** The link's host, shown where a fetched page would give its title. */
  host: string;
  history: { day: Date; uses: number; accounts: number }[];
}

/**
 * Trends from recent public activity on this server, the same for everyone (then filtered per
 * viewer for blocks and mutes). Only public posts by accounts that are neither suspended nor
 * locked count: a locked account's public posts are public, but its owner chose to vet its
 * audience, and Mastodon likewise keeps such accounts out of trends.
 *
 * - Tags: distinct accounts using a tag per day over the last week, each older day counting
 *   half the one after it; at least two accounts.
 * - Statuses: public posts of the last two days by boosts (twice) and favourites, decayed
 *   by age.
 * - Links: URLs written in public posts of the last week, by distinct accounts sharing them.
 *   Sparrow does not fetch the linked pages (no crawler: nothing to be tricked into reaching
 *   internal addresses, no request that tells a site who shared its link), so a link trend
 *   carries the URL and its host, not a page title, description or image.
 */
export class Trends {
  private readonly cache = new Map<string, { at: number; value: unknown }>();
  private readonly store: TrendStore;
  private readonly microblog: Microblog;
  private readonly hashtags: Hashtags;
  private readonly clock: Clock;
  constructor(store: TrendStore, microblog: Microblog, hashtags: Hashtags, clock: Clock = systemClock) {
    this.store = store;
    this.microblog = microblog;
    this.hashtags = hashtags;
    this.clock = clock;
  }

  async tags(viewerId: string | null, limit: number, offset: number): Promise<TagView[]> {
    const ranked = await this.cached('tags', async () => {
      const now = this.clock.now();
      const since = new Date(now.getTime() - (TAG_HISTORY_DAYS - 1) * 86_400_000);
      const { days, accounts } = await this.store.recentTagDays(since);
      const byTag = new Map<string, TagDay[]>();
      for (const day of days) byTag.set(day.tagId, [...(byTag.get(day.tagId) ?? []), day]);
      const scored = [...byTag.entries()]
        .filter(([tagId]) => (accounts.get(tagId) ?? 0) >= MIN_ACCOUNTS)
        .map(([tagId, list]) => ({ tagId, score: score(list, now) }))
        .sort((a, b) => b.score - a.score);
      const tags = await this.store.tagsByIds(scored.map((s) => s.tagId));
      return scored.flatMap((s) => (tags.has(s.tagId) ? [tags.get(s.tagId)!.name] : []));
    });
    return this.hashtags.views(viewerId, ranked.slice(offset, offset + limit));
  }

  async statuses(viewerId: string | null, limit: number, offset: number): Promise<PostView[]> {
    const ranked = await this.cached('statuses', async () => {
      const now = this.clock.now().getTime();
      const posts = await this.store.recentPopularPosts(idFloorForTime(now - STATUS_WINDOW_DAYS * 86_400_000), 400);
      return posts
        .map((p) => ({
          id: p.id,
          score: (p.reblogs * 2 + p.favourites) * DAILY_DECAY ** ((now - p.createdAt.getTime()) / 86_400_000),
        }))
        .sort((a, b) => b.score - a.score)
        .map((p) => p.id);
    });
    return (await this.microblog.visibleViews(viewerId, ranked)).slice(offset, offset + limit);
  }

  async links(limit: number, offset: number): Promise<TrendingLink[]> {
    const ranked = await this.cached('links', async () => {
      const now = this.clock.now();
      const since = now.getTime() - (TAG_HISTORY_DAYS - 1) * 86_400_000;
      const posts = await this.store.recentPostsWithLinks(idFloorForTime(since), LINK_SCAN);
      const byUrl = new Map<string, { url: string; days: Map<string, { uses: number; accounts: Set<string> }> }>();
      for (const post of posts) {
        const day = post.createdAt.toISOString().slice(0, 10);
        for (const raw of new Set(extractUrls(post.text).map(canonicalUrl))) {
          if (!raw) continue;
          const entry = byUrl.get(raw) ?? { url: raw, days: new Map() };
          const d = entry.days.get(day) ?? { uses: 0, accounts: new Set<string>() };
          d.uses += 1;
          d.accounts.add(post.accountId);
          entry.days.set(day, d);
          byUrl.set(raw, entry);
        }
      }
      const scored = [...byUrl.values()].flatMap((entry) => {
        const everyone = new Set([...entry.days.values()].flatMap((d) => [...d.accounts]));
        if (everyone.size < MIN_ACCOUNTS) return [];
        const days: TagDay[] = [...entry.days.entries()].map(([day, d]) => ({
          tagId: '',
          day,
          uses: d.uses,
          accounts: d.accounts.size,
        }));
        return [{ url: entry.url, days, score: score(days, now) }];
      });
      return scored
        .sort((a, b) => b.score - a.score)
        .map((s) => ({ url: s.url, host: new URL(s.url).host, history: dailyHistory(s.days, now) }));
    });
    return ranked.slice(offset, offset + limit);
  }

  private async cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < CACHE_MS) return hit.value as T;
    const value = await compute();
    this.cache.set(key, { at: now, value });
    return value;
  }
}

function score(days: readonly TagDay[], now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return days.reduce((sum, d) => {
    const age = Math.max(0, Math.round((today - Date.parse(`${d.day}T00:00:00Z`)) / 86_400_000));
    return sum + d.accounts * DAILY_DECAY ** age;
  }, 0);
}

/** A link as one trend: http(s) only, without its fragment; null when not a URL. */
function canonicalUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.hash = '';
    return url.toString();
  } catch {
    return null;
  }
}
