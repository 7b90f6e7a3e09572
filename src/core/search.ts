import { invalid } from '../shared/errors.ts';
import type { Hashtags, TagView } from './hashtags.ts';
import type { Microblog } from './microblog.ts';
import type { Account, Page, PostView } from './model.ts';
import type { SearchStore } from './tag-ports.ts';

type SearchType = 'accounts' | 'statuses' | 'hashtags';

export interface SearchRequest {
  query: string;
  type: SearchType | null;
  /**
   * Mastodon's `resolve`: a `user@otherserver` handle not known here yet is looked up on its
   * server (WebFinger, with federation on; signed-in viewers only). A URL of this server is
   * looked up exactly with or without it.
   */
  resolve: boolean;
  /** Accounts: only those the viewer follows. */
  following: boolean;
  /** Statuses: only by this account. */
  accountId: string | null;
  page: Page;
  offset: number;
}

export interface SearchResults {
  accounts: Account[];
  statuses: PostView[];
  hashtags: TagView[];
}

/** Longest word list a status search uses (longer queries keep their first words). */
const MAX_TERMS = 12;

/** Words of a query as the indexes split them: Unicode letters, marks and digits. */
function searchTerms(query: string): string[] {
  return [...query.normalize('NFKC').matchAll(/[\p{L}\p{M}\p{N}_]+/gu)]
    .map((m) => m[0].toLowerCase())
    .slice(0, MAX_TERMS);
}

/**
 * Search for accounts, posts and hashtags: one use case for the API and the web page.
 *
 * What each viewer can find: accounts not suspended (by username prefix, display name, `@user`
 * or `user@thisdomain`); hashtags used in public or unlisted posts, or followed by the viewer;
 * and, signed in only, posts whose audience includes the viewer (the store's query, then the
 * same audience rule as every timeline, `Microblog.visibleViews`). A followers-only or direct
 * post is never found by someone it was not addressed to.
 */
export class Search {
  private readonly store: SearchStore;
  private readonly microblog: Microblog;
  private readonly hashtags: Hashtags;
  private readonly publicUrl: string;
  constructor(store: SearchStore, microblog: Microblog, hashtags: Hashtags, publicUrl: string) {
    this.store = store;
    this.microblog = microblog;
    this.hashtags = hashtags;
    this.publicUrl = publicUrl.replace(/\/+$/, '');
  }

  async search(viewerId: string | null, request: SearchRequest): Promise<SearchResults> {
    const query = request.query.trim();
    const results: SearchResults = { accounts: [], statuses: [], hashtags: [] };
    if (query === '') return results;
    const wants = (type: SearchType) => request.type === null || request.type === type;

    const url = this.localUrl(query);
    if (url) {
      // A link to this server finds what it names (and nothing by its words).
      if (url.kind === 'account' && wants('accounts')) {
        const account = await this.microblog.lookup(url.username);
        if (account && (await this.allowed(viewerId, account))) results.accounts.push(account);
      }
      if (url.kind === 'status' && wants('statuses') && viewerId) {
        const [view] = await this.microblog.visibleViews(viewerId, [url.id]);
        if (view && !view.reblog && view.author.username.toLowerCase() === url.username.toLowerCase())
          results.statuses.push(view);
      }
      return results;
    }

    if (wants('accounts')) results.accounts = await this.accounts(viewerId, query, request);
    if (wants('statuses') && viewerId) {
      const terms = searchTerms(query.replace(/^#/, ''));
      if (terms.length > 0) {
        if (request.accountId) await this.microblog.account(request.accountId);
        const ids = await this.store.searchPosts({
          terms,
          viewerId,
          authorId: request.accountId,
          page: request.page,
          offset: request.offset,
        });
        results.statuses = await this.microblog.visibleViews(viewerId, ids);
      }
    }
    if (wants('hashtags') && !query.includes('@'))
      results.hashtags = await this.hashtags.search(viewerId, query, request.page.limit, request.offset);
    return results;
  }

  /** Accounts by handle or name (`GET /api/v1/accounts/search` and the accounts part of a search). */
  async accounts(
    viewerId: string | null,
    query: string,
    options: { following: boolean; page: Page; offset: number; resolve?: boolean },
  ): Promise<Account[]> {
    const trimmed = query.trim().replace(/^@/, '');
    if (trimmed === '') return [];
    if (options.following && !viewerId) throw invalid('following needs a signed-in user', { field: 'following' });
    const found: Account[] = [];
    if (trimmed.includes('@')) {
      // A full handle: a known account, or with `resolve` one fetched from its server.
      const exact =
        options.resolve && viewerId ? await this.microblog.resolve(trimmed) : await this.microblog.lookup(trimmed);
      if (exact && options.offset === 0) found.push(exact);
    } else {
      const ids = await this.store.searchAccounts({
        term: trimmed.toLowerCase(),
        followedBy: options.following ? viewerId : null,
        limit: options.page.limit,
        offset: options.offset,
      });
      const accounts = await this.microblog.accounts(ids);
      for (const id of ids) {
        const account = accounts.get(id);
        if (account && !account.suspended) found.push(account);
      }
    }
    const kept: Account[] = [];
    for (const account of found) {
      if (!(await this.allowed(viewerId, account))) continue;
      if (options.following && account.id !== viewerId && !(await this.microblog.isFollowing(viewerId!, account.id)))
        continue;
      kept.push(account);
    }
    return kept;
  }

  /** Accounts blocked either way are not found. */
  private async allowed(viewerId: string | null, account: Account): Promise<boolean> {
    if (!viewerId || viewerId === account.id) return true;
    const rel = await this.microblog.relationship(viewerId, account.id);
    return !rel.blocking && !rel.blockedBy;
  }

  /** A URL of this server naming an account (`/@user`, `/users/user`) or a post (`/@user/id`, `/users/user/statuses/id`). */
  private localUrl(
    query: string,
  ): { kind: 'account'; username: string } | { kind: 'status'; username: string; id: string } | null {
    if (!query.startsWith(`${this.publicUrl}/`)) return null;
    const path = query.slice(this.publicUrl.length).split(/[?#]/)[0]!;
    const status = /^\/(?:@|users\/)([A-Za-z0-9_]{1,30})\/(?:statuses\/)?([0-9]{1,20})\/?$/.exec(path);
    if (status) return { kind: 'status', username: status[1]!, id: status[2]! };
    const account = /^\/(?:@|users\/)([A-Za-z0-9_]{1,30})\/?$/.exec(path);
    return account ? { kind: 'account', username: account[1]! } : null;
  }
}
