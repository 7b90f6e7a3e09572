import { type Clock, systemClock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { fillPage, type Microblog } from './microblog.ts';
import type { Page, PostView } from './model.ts';
import type { Tag, TagDay, TagStore } from './tag-ports.ts';
import { hashtagKey, normaliseHashtag } from './text.ts';

/** Days of history a tag shows (Mastodon shows a week). */
export const TAG_HISTORY_DAYS = 7;
/** Tags an account may feature on its profile. */
export const MAX_FEATURED_TAGS = 10;

/** A tag as shown to one viewer: its uses per day (newest first) and whether the viewer follows it. */
export interface TagView {
  name: string;
  history: { day: Date; uses: number; accounts: number }[];
  following: boolean | null;
}

export interface FeaturedTagView {
  id: string;
  name: string;
  statusesCount: number;
  lastStatusAt: Date | null;
}

export interface TagTimelineQuery {
  tag: string;
  /** Only this account's posts (its profile filtered by a tag). */
  authorId?: string | null;
  any?: readonly string[];
  all?: readonly string[];
  none?: readonly string[];
}

/**
 * Hashtags: tags of posts are stored when a post is published (the tokenizer in text.ts is
 * the one rule for every channel, SMS included); this service answers tag pages, tag
 * timelines, followed tags (which join the home timeline at read time, see
 * docs/timelines.md) and featured tags. Only public posts appear by tag, as on Mastodon;
 * blocks, mutes and suspensions apply as on every other list.
 */
export class Hashtags {
  private readonly store: TagStore;
  private readonly microblog: Microblog;
  private readonly clock: Clock;
  constructor(store: TagStore, microblog: Microblog, clock: Clock = systemClock) {
    this.store = store;
    this.microblog = microblog;
    this.clock = clock;
    // Followed tags: public posts with them join the follower's home timeline, merged on read.
    microblog.addHomeSource((viewerId, page) => this.store.followedTagPosts(viewerId, page));
  }

  /** A tag name from outside (URL, form), or 404 when it cannot be a tag. */
  static nameOf(raw: string): string {
    const name = normaliseHashtag(raw);
    if (!name) throw notFound('No such hashtag').coded('hashtag.not_found');
    return name;
  }

  /** The tag as the viewer sees it; any valid name answers (with no uses when never used). */
  async tag(viewerId: string | null, raw: string): Promise<TagView> {
    const name = Hashtags.nameOf(raw);
    const [view] = await this.views(viewerId, [name]);
    return view!;
  }

  /** Views of tags by name, in order, one batched read each for tags, history and follows. */
  async views(viewerId: string | null, names: readonly string[]): Promise<TagView[]> {
    const known = await this.store.tagsByKeys(names.map(hashtagKey));
    const ids = [...known.values()].map((t) => t.id);
    const now = this.clock.now();
    const since = new Date(now.getTime() - (TAG_HISTORY_DAYS - 1) * 86_400_000);
    const [days, followed] = await Promise.all([
      ids.length > 0 ? this.store.history(ids, since) : Promise.resolve([]),
      viewerId && ids.length > 0 ? this.store.followedAmong(viewerId, ids) : Promise.resolve(new Set<string>()),
    ]);
    return names.map((name) => {
      const tag = known.get(hashtagKey(name));
      return {
        name: tag?.name ?? name,
        history: dailyHistory(
          days.filter((d) => d.tagId === tag?.id),
          now,
        ),
        following: viewerId ? (tag ? followed.has(tag.id) : false) : null,
      };
    });
  }

  async follow(accountId: string, raw: string): Promise<TagView> {
    await this.microblog.account(accountId);
    const tag = await this.ensure(Hashtags.nameOf(raw));
    await this.store.followTag({
      id: newId(this.clock.now().getTime()),
      accountId,
      tagId: tag.id,
      createdAt: this.clock.now(),
    });
    return this.tag(accountId, tag.name);
  }

  async unfollow(accountId: string, raw: string): Promise<TagView> {
    const name = Hashtags.nameOf(raw);
    const tag = (await this.store.tagsByKeys([hashtagKey(name)])).get(hashtagKey(name));
    if (tag) await this.store.unfollowTag(accountId, tag.id);
    return this.tag(accountId, name);
  }

  /** The account's followed tags, newest follow first, each with the follow's id as cursor. */
  async followedTags(accountId: string, page: Page): Promise<{ view: TagView; cursor: string }[]> {
    const rows = await this.store.followedTags(accountId, page);
    const views = await this.views(
      accountId,
      rows.map((r) => r.tag.name),
    );
    return rows.map((r, i) => ({ view: views[i]!, cursor: r.cursor }));
  }

  /**
   * Public posts with the tag (or any of `any`), all of `all` and none of `none`, newest
   * first, as the viewer may see them. Unknown tags simply match nothing.
   */
  async timeline(viewerId: string | null, query: TagTimelineQuery, page: Page): Promise<PostView[]> {
    const names = (list: readonly string[] | undefined) =>
      (list ?? []).flatMap((raw) => {
        const name = normaliseHashtag(raw);
        return name ? [hashtagKey(name)] : [];
      });
    const main = hashtagKey(Hashtags.nameOf(query.tag));
    const anyKeys = [main, ...names(query.any)];
    const allKeys = names(query.all);
    const noneKeys = names(query.none);
    const known = await this.store.tagsByKeys([...anyKeys, ...allKeys, ...noneKeys]);
    const idsOf = (keys: string[]) => keys.flatMap((k) => (known.has(k) ? [known.get(k)!.id] : []));
    const anyTagIds = idsOf(anyKeys);
    const allTagIds = idsOf(allKeys);
    if (anyTagIds.length === 0 || allTagIds.length < new Set(allKeys).size) return [];
    const tagQuery = { anyTagIds, allTagIds, noneTagIds: idsOf(noneKeys), authorId: query.authorId ?? null };
    return fillPage(page, async (slice) => {
      const ids = await this.store.tagTimeline(tagQuery, slice);
      return { ids, items: await this.microblog.visibleViews(viewerId, ids) };
    });
  }

  // ── Featured tags ──────────────────────────────────────────────────────────

  async featuredTags(accountId: string): Promise<FeaturedTagView[]> {
    await this.microblog.account(accountId);
    const rows = await this.store.featuredTags(accountId);
    const stats = await this.store.accountTagStats(
      accountId,
      rows.map((r) => r.tag.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.tag.name,
      statusesCount: stats.get(r.tag.id)?.count ?? 0,
      lastStatusAt: stats.get(r.tag.id)?.lastAt ?? null,
    }));
  }

  async feature(accountId: string, raw: string): Promise<FeaturedTagView> {
    await this.microblog.account(accountId);
    const name = normaliseHashtag(raw);
    if (!name) throw invalid('Name is not a valid hashtag', { field: 'name' }).coded('hashtag.invalid');
    const tag = await this.ensure(name);
    const now = this.clock.now();
    const { outcome, id } = await this.store.addFeaturedTag(
      { id: newId(now.getTime()), accountId, tagId: tag.id, createdAt: now },
      MAX_FEATURED_TAGS,
    );
    if (outcome === 'full')
      throw invalid(`You can feature at most ${MAX_FEATURED_TAGS} hashtags`, { field: 'name' }).coded(
        'hashtag.featured_full',
        { max: MAX_FEATURED_TAGS },
      );
    const featured = (await this.featuredTags(accountId)).find((f) => f.id === id);
    if (!featured) throw notFound();
    return featured;
  }

  async unfeature(accountId: string, featuredTagId: string): Promise<void> {
    if (!(await this.store.removeFeaturedTag(accountId, featuredTagId))) throw notFound();
  }

  /** Tags the account used most and has not featured yet. */
  async featureSuggestions(accountId: string): Promise<TagView[]> {
    const featured = new Set((await this.store.featuredTags(accountId)).map((f) => f.tag.id));
    const used = (await this.store.mostUsedTags(accountId, 10 + featured.size)).filter((t) => !featured.has(t.id));
    return this.views(
      accountId,
      used.slice(0, 10).map((t) => t.name),
    );
  }

  /** Tags whose name starts with the query (`#` optional); the exact name first, as Mastodon does. */
  async search(viewerId: string | null, query: string, limit: number, offset: number): Promise<TagView[]> {
    const name = normaliseHashtag(query.trim());
    if (!name) return [];
    const found: Tag[] = await this.store.searchTags(hashtagKey(name), viewerId, limit, offset);
    const names = found.map((t) => t.name);
    const exact = names.findIndex((n) => hashtagKey(n) === hashtagKey(name));
    if (exact > 0) names.unshift(...names.splice(exact, 1));
    else if (exact < 0 && offset === 0) names.unshift(name);
    return this.views(viewerId, names.slice(0, limit));
  }

  private async ensure(name: string): Promise<Tag> {
    const now = this.clock.now();
    return this.store.ensureTag({ id: newId(now.getTime()), name, key: hashtagKey(name), createdAt: now });
  }
}

/** Uses per day for the last `TAG_HISTORY_DAYS` days, newest first, days without use as zero. */
export function dailyHistory(days: readonly TagDay[], now: Date, length = TAG_HISTORY_DAYS) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const out: { day: Date; uses: number; accounts: number }[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let i = 0; i < length; i += 1) {
    const day = new Date(today - i * 86_400_000);
    const row = byDay.get(day.toISOString().slice(0, 10));
    out.push({ day, uses: row?.uses ?? 0, accounts: row?.accounts ?? 0 });
  }
  return out;
}
