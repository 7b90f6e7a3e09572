import type { Page } from './model.ts';

/** A hashtag: `name` is the spelling first seen (its identity is `hashtagKey(name)`). */
export interface Tag {
  id: string;
  name: string;
}

/** Uses of a tag on one UTC day: public and unlisted posts by accounts not suspended. */
export interface TagDay {
  tagId: string;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  uses: number;
  accounts: number;
}

export interface FeaturedTagRow {
  id: string;
  tag: Tag;
  createdAt: Date;
}

/** What a tag timeline asks for: posts with the tag (or any of `any`), all of `all`, none of `none`. */
export interface TagQuery {
  anyTagIds: readonly string[];
  allTagIds: readonly string[];
  noneTagIds: readonly string[];
  /** Only posts by this account (a profile's posts with a featured tag). */
  authorId?: string | null;
}

/**
 * Storage for hashtags (src/store/tag-store.ts). Reads of posts by tag return only public
 * original posts by accounts not suspended; who else may not see them (blocks, mutes) is the
 * domain's, applied when the posts are shown.
 */
export interface TagStore {
  tagsByKeys(keys: readonly string[]): Promise<Map<string, Tag>>;
  /** The tag with this key, created with `name` when new. */
  ensureTag(input: { id: string; name: string; key: string; createdAt: Date }): Promise<Tag>;
  /** Daily uses since `since` (inclusive), for these tags. */
  history(tagIds: readonly string[], since: Date): Promise<TagDay[]>;
  /** Whether any public or unlisted post by an account not suspended carries the tag (it may be listed). */
  listedTagIds(tagIds: readonly string[]): Promise<Set<string>>;

  followTag(input: { id: string; accountId: string; tagId: string; createdAt: Date }): Promise<void>;
  unfollowTag(accountId: string, tagId: string): Promise<void>;
  followedAmong(accountId: string, tagIds: readonly string[]): Promise<Set<string>>;
  /** The account's followed tags, newest follow first, paged by the follow's id. */
  followedTags(accountId: string, page: Page): Promise<{ tag: Tag; cursor: string }[]>;
  /** Public posts carrying any tag the account follows, newest first (the home merge). */
  followedTagPosts(accountId: string, page: Page): Promise<{ postId: string; authorId: string }[]>;

  tagTimeline(query: TagQuery, page: Page): Promise<string[]>;

  featuredTags(accountId: string): Promise<FeaturedTagRow[]>;
  /** Features a tag unless `max` are featured already: 'added', 'already' (returns that row) or 'full'. */
  addFeaturedTag(
    input: { id: string; accountId: string; tagId: string; createdAt: Date },
    max: number,
  ): Promise<{ outcome: 'added' | 'already' | 'full'; id: string }>;
  removeFeaturedTag(accountId: string, id: string): Promise<boolean>;
  /** Per tag: the account's public and unlisted posts with it, and the newest one's time. */
  accountTagStats(
    accountId: string,
    tagIds: readonly string[],
  ): Promise<Map<string, { count: number; lastAt: Date | null }>>;
  /** The tags the account used most in its own posts, most used first. */
  mostUsedTags(accountId: string, limit: number): Promise<Tag[]>;

  /** Listed tags (see `listedTagIds`) or tags the viewer follows whose key starts with `prefix`. */
  searchTags(prefix: string, viewerId: string | null, limit: number, offset: number): Promise<Tag[]>;
}

/** Full-text and name search (src/store/search-store.ts). */
export interface SearchStore {
  /**
   * Accounts not suspended whose username starts with `term` or whose display name contains
   * it (case-insensitive), exact username first, then most followed; `followedBy` keeps only
   * accounts that one follows.
   */
  searchAccounts(input: { term: string; followedBy: string | null; limit: number; offset: number }): Promise<string[]>;
  /**
   * Original posts whose words include every word of `terms`, newest first, among those the
   * viewer may see: public and unlisted posts, the viewer's own, followers-only posts of
   * accounts the viewer follows, and followers-only and direct posts that mention the viewer.
   * Authors suspended or blocked either way are left out. The domain checks the audience
   * again on the result.
   */
  searchPosts(input: {
    terms: readonly string[];
    viewerId: string;
    authorId: string | null;
    page: Page;
    offset: number;
  }): Promise<string[]>;
}

/** Recent public activity for trends (src/store/tag-store.ts). Only accounts neither suspended nor locked count. */
export interface TrendStore {
  /** Daily uses of every tag since `since` in public posts, and each tag's distinct accounts over the whole time. */
  recentTagDays(since: Date): Promise<{ days: TagDay[]; accounts: Map<string, number> }>;
  /** Public original posts since `sinceId` with their boosts and favourites. */
  recentPopularPosts(
    sinceId: string,
    limit: number,
  ): Promise<{ id: string; reblogs: number; favourites: number; createdAt: Date }[]>;
  /** Public original posts since `sinceId` that contain a link, newest first, at most `limit`. */
  recentPostsWithLinks(
    sinceId: string,
    limit: number,
  ): Promise<{ id: string; accountId: string; text: string; createdAt: Date }[]>;
  tagsByIds(ids: readonly string[]): Promise<Map<string, Tag>>;
}
