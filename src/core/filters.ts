import { newId } from '../shared/ids.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import {
  FILTER_ACTIONS,
  FILTER_CONTEXTS,
  type Filter,
  type FilterAction,
  type FilterContext,
  type FilterKeyword,
  type FilterResult,
  type FilterStatus,
  type PostView,
} from './model.ts';
import { countGraphemes } from './text.ts';

/** Storage of filters; every read of one filter is scoped to its owner. */
export interface FilterStore {
  /** The account's filters with their keywords and statuses, newest first. */
  filters(accountId: string): Promise<Filter[]>;
  filter(accountId: string, id: string): Promise<Filter | null>;
  countFilters(accountId: string): Promise<number>;
  /** Stores the filter with its keywords (its statuses are added one by one later). */
  createFilter(filter: Filter, createdAt: Date): Promise<void>;
  /** Changes the filter and its keywords in one transaction. */
  updateFilter(
    id: string,
    changes: { title: string; context: FilterContext[]; action: FilterAction; expiresAt: Date | null },
    keywords: { add: FilterKeyword[]; update: FilterKeyword[]; remove: string[] },
  ): Promise<void>;
  deleteFilter(id: string): Promise<void>;
  /** A keyword of one of the account's filters. */
  keyword(accountId: string, id: string): Promise<FilterKeyword | null>;
  addKeyword(keyword: FilterKeyword): Promise<void>;
  updateKeyword(keyword: FilterKeyword): Promise<void>;
  deleteKeyword(id: string): Promise<void>;
  /** A status entry of one of the account's filters. */
  filterStatus(accountId: string, id: string): Promise<FilterStatus | null>;
  /** False when the post is in the filter already. */
  addFilterStatus(status: FilterStatus): Promise<boolean>;
  deleteFilterStatus(id: string): Promise<void>;
}

export interface KeywordInput {
  keyword: string;
  wholeWord: boolean;
}

export interface FilterInput {
  title: string;
  context: readonly string[];
  action?: string | undefined;
  /** Seconds from now; null = never expires. */
  expiresIn?: number | null | undefined;
  keywords?: readonly KeywordInput[];
}

/** Changes to a filter; `keywords` as Mastodon's `keywords_attributes`: with id = change or destroy, without = add. */
export interface FilterChanges {
  title?: string | undefined;
  context?: readonly string[] | undefined;
  action?: string | undefined;
  expiresIn?: number | null | undefined;
  keywords?: readonly {
    id?: string | undefined;
    keyword?: string | undefined;
    wholeWord?: boolean | undefined;
    destroy?: boolean;
  }[];
}

const MAX_TITLE = 256;
const MAX_KEYWORD = 256;
const MAX_KEYWORDS = 100;
const MAX_FILTERS = 200;
const MAX_STATUSES = 1000;
/** Ten years: beyond that a filter is as good as permanent. */
const MAX_EXPIRES_IN = 10 * 365 * 24 * 3600;

/**
 * Filters (Mastodon's filters v2): keyword and status rules an account sets for the contexts
 * it reads in. `applyFilters` is the one place they are applied; the microblog calls it from
 * every read path (home, lists, public, threads, profiles, notifications) and streaming goes
 * through the same call. A `hide` match drops the post; `warn` and `blur` matches are noted in
 * the view's `filtered` for the client to act on. Expired filters stop applying. The viewer's
 * own posts are never filtered, as in Mastodon.
 */
export class Filters {
  private readonly store: FilterStore;
  private readonly clock: Clock;

  constructor(store: FilterStore, clock: Clock = systemClock) {
    this.store = store;
    this.clock = clock;
  }

  async list(accountId: string): Promise<Filter[]> {
    return this.store.filters(accountId);
  }

  async get(accountId: string, id: string): Promise<Filter> {
    const filter = await this.store.filter(accountId, id);
    if (!filter) throw notFound();
    return filter;
  }

  async create(accountId: string, input: FilterInput): Promise<Filter> {
    if ((await this.store.countFilters(accountId)) >= MAX_FILTERS)
      throw invalid(`You can have at most ${MAX_FILTERS} filters`, { field: 'title' }).coded('filter.full', {
        max: MAX_FILTERS,
      });
    const id = this.newId();
    const keywords = (input.keywords ?? []).map((k) => this.keyword(id, k));
    if (keywords.length > MAX_KEYWORDS)
      throw invalid(`A filter has at most ${MAX_KEYWORDS} keywords`, { field: 'keywords_attributes' }).coded(
        'filter.keywords_full',
        { max: MAX_KEYWORDS },
      );
    const filter: Filter = {
      id,
      accountId,
      title: checkedTitle(input.title),
      context: checkedContext(input.context),
      action: checkedAction(input.action ?? 'warn'),
      expiresAt: this.expiry(input.expiresIn ?? null),
      keywords,
      statuses: [],
    };
    await this.store.createFilter(filter, this.clock.now());
    return this.get(accountId, id);
  }

  async update(accountId: string, id: string, changes: FilterChanges): Promise<Filter> {
    const current = await this.get(accountId, id);
    const add: FilterKeyword[] = [];
    const update: FilterKeyword[] = [];
    const remove: string[] = [];
    const existing = new Map(current.keywords.map((k) => [k.id, k]));
    for (const change of changes.keywords ?? []) {
      if (change.id === undefined) {
        if (change.destroy) continue;
        add.push(this.keyword(id, { keyword: change.keyword ?? '', wholeWord: change.wholeWord ?? true }));
        continue;
      }
      const keyword = existing.get(change.id);
      if (!keyword) throw notFound('Keyword not found').coded('filter.keyword_not_found');
      if (change.destroy) remove.push(keyword.id);
      else
        update.push({
          ...keyword,
          keyword: checkedKeyword(change.keyword ?? keyword.keyword),
          wholeWord: change.wholeWord ?? keyword.wholeWord,
        });
    }
    if (current.keywords.length + add.length - remove.length > MAX_KEYWORDS)
      throw invalid(`A filter has at most ${MAX_KEYWORDS} keywords`, { field: 'keywords_attributes' }).coded(
        'filter.keywords_full',
        { max: MAX_KEYWORDS },
      );
    await this.store.updateFilter(
      id,
      {
        title: changes.title === undefined ? current.title : checkedTitle(changes.title),
        context: changes.context === undefined ? current.context : checkedContext(changes.context),
        action: changes.action === undefined ? current.action : checkedAction(changes.action),
        expiresAt: changes.expiresIn === undefined ? current.expiresAt : this.expiry(changes.expiresIn),
      },
      { add, update, remove },
    );
    return this.get(accountId, id);
  }

  async remove(accountId: string, id: string): Promise<void> {
    await this.get(accountId, id);
    await this.store.deleteFilter(id);
  }

  // ── Keywords ───────────────────────────────────────────────────────────────

  async addKeyword(accountId: string, filterId: string, input: KeywordInput): Promise<FilterKeyword> {
    const filter = await this.get(accountId, filterId);
    if (filter.keywords.length >= MAX_KEYWORDS)
      throw invalid(`A filter has at most ${MAX_KEYWORDS} keywords`, { field: 'keyword' }).coded(
        'filter.keywords_full',
        { max: MAX_KEYWORDS },
      );
    const keyword = this.keyword(filterId, input);
    await this.store.addKeyword(keyword);
    return keyword;
  }

  async getKeyword(accountId: string, id: string): Promise<FilterKeyword> {
    const keyword = await this.store.keyword(accountId, id);
    if (!keyword) throw notFound();
    return keyword;
  }

  async updateKeyword(
    accountId: string,
    id: string,
    changes: { keyword?: string | undefined; wholeWord?: boolean | undefined },
  ): Promise<FilterKeyword> {
    const current = await this.getKeyword(accountId, id);
    const updated = {
      ...current,
      keyword: changes.keyword === undefined ? current.keyword : checkedKeyword(changes.keyword),
      wholeWord: changes.wholeWord ?? current.wholeWord,
    };
    await this.store.updateKeyword(updated);
    return updated;
  }

  async removeKeyword(accountId: string, id: string): Promise<void> {
    await this.getKeyword(accountId, id);
    await this.store.deleteKeyword(id);
  }

  // ── Statuses ───────────────────────────────────────────────────────────────

  /** Adds a post to a filter; the caller has checked that the account may see the post. */
  async addStatus(accountId: string, filterId: string, postId: string): Promise<FilterStatus> {
    const filter = await this.get(accountId, filterId);
    if (filter.statuses.some((s) => s.postId === postId))
      throw invalid('This post is in the filter already', { field: 'status_id' }).coded('filter.post_already');
    if (filter.statuses.length >= MAX_STATUSES)
      throw invalid(`A filter has at most ${MAX_STATUSES} posts`, { field: 'status_id' }).coded('filter.posts_full', {
        max: MAX_STATUSES,
      });
    const status: FilterStatus = { id: this.newId(), filterId, postId };
    if (!(await this.store.addFilterStatus(status)))
      throw invalid('This post is in the filter already', { field: 'status_id' }).coded('filter.post_already');
    return status;
  }

  async getStatus(accountId: string, id: string): Promise<FilterStatus> {
    const status = await this.store.filterStatus(accountId, id);
    if (!status) throw notFound();
    return status;
  }

  async removeStatus(accountId: string, id: string): Promise<void> {
    await this.getStatus(accountId, id);
    await this.store.deleteFilterStatus(id);
  }

  // ── Applying ───────────────────────────────────────────────────────────────

  /** Whether a filter still applies (no expiry, or not reached yet). */
  isActive(filter: Filter): boolean {
    return filter.expiresAt === null || filter.expiresAt.getTime() > this.clock.now().getTime();
  }

  /**
   * The viewer's active filters for `context`, applied to posts they are about to see: a post
   * matching a `hide` filter is left out, one matching `warn`/`blur` filters carries them in
   * `filtered` (a boost carries its boosted post's matches, on both). The views are copied,
   * never changed, so a shared (cached) view is not marked for another viewer.
   */
  async applyFilters(viewerId: string, context: FilterContext, views: PostView[]): Promise<PostView[]> {
    const active = (await this.store.filters(viewerId)).filter((f) => f.context.includes(context) && this.isActive(f));
    // Nothing applies: the list is answered as it came (never changed here).
    if (active.length === 0) return views;
    const rules = active.map(ruleOf);
    const kept: PostView[] = [];
    for (const view of views) {
      const proper = view.reblog ?? view;
      if (proper.post.accountId === viewerId) {
        kept.push(view);
        continue;
      }
      const text = `${proper.post.spoilerText}\n\n${proper.post.text}`;
      const results: FilterResult[] = [];
      for (const rule of rules) {
        const keywordMatches = rule.keywords.filter((k) => k.pattern.test(text)).map((k) => k.keyword);
        const statusMatches = [view.post.id, proper.post.id].filter(
          (id, i, all) => rule.postIds.has(id) && all.indexOf(id) === i,
        );
        if (keywordMatches.length === 0 && statusMatches.length === 0) continue;
        results.push({
          filter: rule.filter,
          keywordMatches: keywordMatches.length > 0 ? keywordMatches : null,
          statusMatches: statusMatches.length > 0 ? statusMatches : null,
        });
      }
      if (results.some((r) => r.filter.action === 'hide')) continue;
      if (results.length === 0) kept.push(view);
      else
        kept.push({ ...view, filtered: results, reblog: view.reblog ? { ...view.reblog, filtered: results } : null });
    }
    return kept;
  }

  // ── Internals ──────────────────────────────────────────────────────────────

  private keyword(filterId: string, input: KeywordInput): FilterKeyword {
    return { id: this.newId(), filterId, keyword: checkedKeyword(input.keyword), wholeWord: input.wholeWord };
  }

  private expiry(expiresIn: number | null): Date | null {
    if (expiresIn === null) return null;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN)
      throw invalid(`expires_in must be a number of seconds from 1 to ${MAX_EXPIRES_IN}`, { field: 'expires_in' });
    return new Date(this.clock.now().getTime() + expiresIn * 1000);
  }

  private newId(): string {
    return newId(this.clock.now().getTime());
  }
}

function checkedTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '') throw invalid('title is required', { field: 'title' }).coded('filter.title_required');
  if (countGraphemes(trimmed) > MAX_TITLE)
    throw invalid(`title must be at most ${MAX_TITLE} characters`, { field: 'title' }).coded('filter.title_too_long', {
      max: MAX_TITLE,
    });
  return trimmed;
}

function checkedKeyword(keyword: string): string {
  const trimmed = keyword.trim();
  if (trimmed === '') throw invalid('keyword is required', { field: 'keyword' }).coded('filter.keyword_required');
  if (countGraphemes(trimmed) > MAX_KEYWORD)
    throw invalid(`keyword must be at most ${MAX_KEYWORD} characters`, { field: 'keyword' }).coded(
      'filter.keyword_too_long',
      { max: MAX_KEYWORD },
    );
  return trimmed;
}

function checkedContext(context: readonly string[]): FilterContext[] {
  const chosen = FILTER_CONTEXTS.filter((c) => context.includes(c));
  if (context.length === 0 || chosen.length !== new Set(context).size)
    throw invalid(`context must list one or more of ${FILTER_CONTEXTS.join(', ')}`, { field: 'context' });
  return chosen;
}

function checkedAction(action: string): FilterAction {
  const found = FILTER_ACTIONS.find((a) => a === action);
  if (!found) throw invalid(`filter_action must be one of ${FILTER_ACTIONS.join(', ')}`, { field: 'filter_action' });
  return found;
}

const WORD_START = /^[\p{L}\p{N}_]/u;
const WORD_END = /[\p{L}\p{N}_]$/u;

/**
 * Mastodon's keyword rule: case-insensitive; a whole-word keyword must not continue a word
 * on either side where it starts or ends with a word character (so "cat" does not match
 * "concatenate", and "#tag" or "c++" still match where they stand).
 */
interface FilterRule {
  filter: Filter;
  keywords: { keyword: string; pattern: RegExp }[];
  postIds: Set<string>;
}

/**
 * A filter's compiled patterns, kept per filter record: the store hands out the same records
 * until the viewer's filters change (then new ones), so a viewer's patterns are compiled once,
 * not on every read. The patterns have no `g` flag, so sharing them keeps no state between tests.
 */
const rules = new WeakMap<Filter, FilterRule>();

function ruleOf(filter: Filter): FilterRule {
  let rule = rules.get(filter);
  if (!rule) {
    rule = {
      filter,
      keywords: filter.keywords.map((k) => ({ keyword: k.keyword, pattern: keywordPattern(k) })),
      postIds: new Set(filter.statuses.map((s) => s.postId)),
    };
    rules.set(filter, rule);
  }
  return rule;
}

function keywordPattern(keyword: FilterKeyword): RegExp {
  const escaped = keyword.keyword.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (!keyword.wholeWord) return new RegExp(escaped, 'iu');
  const start = WORD_START.test(keyword.keyword) ? '(?<![\\p{L}\\p{N}_])' : '';
  const end = WORD_END.test(keyword.keyword) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(`${start}${escaped}${end}`, 'iu');
}
