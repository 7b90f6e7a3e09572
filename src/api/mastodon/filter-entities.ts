import type { Filter, FilterKeyword, FilterResult, FilterStatus } from '../../core/index.ts';

/** Mastodon's filters v2 entities (Filter, FilterKeyword, FilterStatus, FilterResult) and the v1 filter. */

export function renderFilterKeyword(keyword: FilterKeyword) {
  return { id: keyword.id, keyword: keyword.keyword, whole_word: keyword.wholeWord };
}

export function renderFilterStatus(status: FilterStatus) {
  return { id: status.id, status_id: status.postId };
}

export function renderFilter(filter: Filter) {
  return {
    id: filter.id,
    title: filter.title,
    context: filter.context,
    expires_at: filter.expiresAt?.toISOString() ?? null,
    filter_action: filter.action,
    keywords: filter.keywords.map(renderFilterKeyword),
    statuses: filter.statuses.map(renderFilterStatus),
  };
}

export function renderFilterResult(result: FilterResult) {
  return {
    filter: renderFilter(result.filter),
    keyword_matches: result.keywordMatches,
    status_matches: result.statusMatches,
  };
}

/** A v1 filter is one keyword of a v2 filter, with its filter's context and expiry. */
export function renderV1Filter(filter: Filter, keyword: FilterKeyword) {
  return {
    id: keyword.id,
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.wholeWord,
    expires_at: filter.expiresAt?.toISOString() ?? null,
    irreversible: filter.action === 'hide',
  };
}
