import type { AudienceMatch } from '../contact-points/consented-source.ts';
import type { InteractionShare } from './ports.ts';

/** The thresholds of the eligibility rule (docs/privacy.md §3; settings `SPARROW_ADS_*`). */
export interface EligibilityRule {
  /** Accounts younger than this do not count. */
  minAccountAgeMs: number;
  /** This many matched accounts created, or consenting, within one window are treated as made in bulk. */
  burstSize: number;
  burstWindowMs: number;
  /** This many matched accounts consenting from one network within a week are treated as one operator's. */
  networkClusterSize: number;
}

/** Why a matched account does not count towards an audience (kept for the tests and the docs, never shown). */
export type Exclusion =
  | 'advertiser'
  | 'young'
  | 'bulk_created'
  | 'consent_burst'
  | 'advertiser_network'
  | 'network_cluster'
  | 'advertiser_follower_only';

export interface MatchedAccount {
  accountId: string;
  contactPointIds: string[];
  createdAt: Date | null;
  consentedAt: Date;
  networks: string[];
}

const WEEK = 7 * 24 * 3600 * 1000;
/** Bursts are judged against a baseline of at least a month, so a list uploaded in its first days is not all "burst". */
const BASELINE_MS = 30 * 24 * 3600 * 1000;
/** A window counts as a burst only when it holds this many times the audience's average rate (large audiences). */
const BURST_RATE_FACTOR = 4;

/** Groups an audience's consented contact points by account (one person, one count). */
export function byAccount(matches: readonly AudienceMatch[], created: Map<string, Date>): MatchedAccount[] {
  const accounts = new Map<string, MatchedAccount>();
  for (const m of matches) {
    const account = accounts.get(m.accountId) ?? {
      accountId: m.accountId,
      contactPointIds: [],
      createdAt: created.get(m.accountId) ?? null,
      consentedAt: m.consentedAt,
      networks: [],
    };
    account.contactPointIds.push(m.contactPointId);
    // The latest consent is the one that put the account in the audience now.
    if (m.consentedAt > account.consentedAt) account.consentedAt = m.consentedAt;
    if (m.grantNetwork !== null && !account.networks.includes(m.grantNetwork)) account.networks.push(m.grantNetwork);
    accounts.set(m.accountId, account);
  }
  return [...accounts.values()];
}

/**
 * Ids of the items lying in a window of `windowMs` that holds at least `threshold` items
 * (two pointers over the sorted times).
 */
function inBursts(items: readonly { id: string; at: number }[], windowMs: number, threshold: number): Set<string> {
  const sorted = [...items].sort((a, b) => a.at - b.at);
  const out = new Set<string>();
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]!.at - sorted[start]!.at > windowMs) start += 1;
    if (end - start + 1 >= threshold) for (let i = start; i <= end; i += 1) out.add(sorted[i]!.id);
  }
  return out;
}

/** The burst threshold for an audience: the configured size, or far above its average rate when it is large. */
function burstThreshold(times: readonly number[], rule: EligibilityRule): number {
  if (times.length === 0) return rule.burstSize;
  const span = Math.max(Math.max(...times) - Math.min(...times), BASELINE_MS);
  return Math.max(rule.burstSize, Math.ceil((BURST_RATE_FACTOR * times.length * rule.burstWindowMs) / span));
}

/**
 * Which matched accounts are plausibly real people not linked to the advertiser. Only those
 * count towards the floor, and only those are ever shown the campaign. Returns each
 * excluded account with its first reason.
 */
export function exclusions(
  advertiserId: string,
  accounts: readonly MatchedAccount[],
  context: {
    now: Date;
    advertiserNetworks: ReadonlySet<string>;
    interactions: ReadonlyMap<string, InteractionShare>;
  },
  rule: EligibilityRule,
): Map<string, Exclusion> {
  const out = new Map<string, Exclusion>();
  const exclude = (ids: Iterable<string>, reason: Exclusion) => {
    for (const id of ids) if (!out.has(id)) out.set(id, reason);
  };
  const now = context.now.getTime();
  exclude(
    accounts.filter((a) => a.accountId === advertiserId).map((a) => a.accountId),
    'advertiser',
  );
  exclude(
    accounts
      .filter((a) => a.createdAt === null || now - a.createdAt.getTime() < rule.minAccountAgeMs)
      .map((a) => a.accountId),
    'young',
  );
  const created = accounts
    .filter((a) => a.createdAt !== null)
    .map((a) => ({ id: a.accountId, at: a.createdAt!.getTime() }));
  exclude(
    inBursts(
      created,
      rule.burstWindowMs,
      burstThreshold(
        created.map((c) => c.at),
        rule,
      ),
    ),
    'bulk_created',
  );
  const consented = accounts.map((a) => ({ id: a.accountId, at: a.consentedAt.getTime() }));
  exclude(
    inBursts(
      consented,
      rule.burstWindowMs,
      burstThreshold(
        consented.map((c) => c.at),
        rule,
      ),
    ),
    'consent_burst',
  );
  exclude(
    accounts.filter((a) => a.networks.some((n) => context.advertiserNetworks.has(n))).map((a) => a.accountId),
    'advertiser_network',
  );
  const perNetwork = new Map<string, { id: string; at: number }[]>();
  for (const a of accounts)
    for (const n of a.networks)
      perNetwork.set(n, [...(perNetwork.get(n) ?? []), { id: a.accountId, at: a.consentedAt.getTime() }]);
  for (const group of perNetwork.values())
    if (group.length >= rule.networkClusterSize)
      exclude(inBursts(group, WEEK, rule.networkClusterSize), 'network_cluster');
  for (const a of accounts) {
    const share = context.interactions.get(a.accountId);
    // Mostly the advertiser: at least half of everything the account did went to them.
    if (share && share.withAdvertiser > 0 && share.withAdvertiser * 2 >= share.total)
      exclude([a.accountId], 'advertiser_follower_only');
  }
  return out;
}

/** Power-of-ten buckets: 100–999 is told as 100, 1 000–9 999 as 1 000, and so on (never below the floor). */
export function bucketFloor(size: number, floor: number): number {
  return Math.max(floor, 10 ** Math.floor(Math.log10(size)));
}

/** People in one set and not the other. */
export function difference(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let n = 0;
  for (const x of a) if (!b.has(x)) n += 1;
  for (const x of b) if (!a.has(x)) n += 1;
  return n;
}
