import type { Account, Microblog } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { SafetyStore } from './ports.ts';

/**
 * Finding people to follow: suggestions (friends of friends, then popular local accounts),
 * the profile directory and "followed by people you know". Only accounts that chose to be
 * discoverable are ever suggested or listed; familiar followers are accounts the viewer
 * already follows, so they reveal nothing the viewer could not see on their profiles.
 */
export class People {
  private readonly store: SafetyStore;
  private readonly microblog: Microblog;
  private readonly clock: Clock;
  constructor(deps: { store: SafetyStore; microblog: Microblog; clock: Clock }) {
    this.store = deps.store;
    this.microblog = deps.microblog;
    this.clock = deps.clock;
  }

  async suggestions(viewerId: string, limit: number): Promise<{ account: Account; source: 'friends' | 'popular' }[]> {
    await this.microblog.account(viewerId);
    const rows = await this.store.suggestions(viewerId, limit, this.clock.now());
    const accounts = await this.microblog.accounts(rows.map((r) => r.accountId));
    return rows.flatMap((r) => {
      const account = accounts.get(r.accountId);
      // The store filters; this is the last word on what may be shown.
      return account && !account.suspended && account.discoverable ? [{ account, source: r.source }] : [];
    });
  }

  async dismissSuggestion(viewerId: string, targetId: string): Promise<void> {
    const target = await this.microblog.accounts([targetId]);
    if (!target.has(targetId)) return;
    await this.store.dismissSuggestion(viewerId, targetId, this.clock.now());
  }

  /** Discoverable accounts, without those the viewer blocks, is blocked by or mutes. */
  async directory(
    viewerId: string | null,
    options: { order: 'active' | 'new'; offset: number; limit: number },
  ): Promise<Account[]> {
    const ids = await this.store.directory(options.order, options.offset, options.limit);
    const accounts = await this.microblog.accounts(ids);
    let hidden = new Set<string>();
    if (viewerId) {
      const rel = await this.microblog.relationships(viewerId, ids);
      hidden = new Set(rel.filter((r) => r.blocking || r.blockedBy || r.muting).map((r) => r.id));
    }
    return ids.flatMap((id) => {
      const account = accounts.get(id);
      return account && !account.suspended && account.discoverable && !hidden.has(id) ? [account] : [];
    });
  }

  /** For each target: the accounts the viewer follows that follow it (never suspended ones). */
  async familiarFollowers(
    viewerId: string,
    targetIds: readonly string[],
  ): Promise<{ id: string; accounts: Account[] }[]> {
    const unique = [...new Set(targetIds)];
    const familiar = await this.store.familiarFollowers(viewerId, unique);
    const accounts = await this.microblog.accounts([...familiar.values()].flat());
    return unique.map((id) => ({
      id,
      accounts: (familiar.get(id) ?? []).flatMap((a) => {
        const account = accounts.get(a);
        return account && !account.suspended ? [account] : [];
      }),
    }));
  }
}
