import type { AuditLog } from '../../audit/index.ts';
import { authorize, checkedReason, type Acting, type Actor } from '../../security/permissions.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, forbidden, invalid } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import { normaliseEmail } from '../../security/identity.ts';
import { normalisePhone } from '../../sms/phone.ts';
import type { ContactPoints } from '../contact-points/index.ts';
import type { ContactKind } from '../model.ts';
import type { DiscoveryStore, LookupRecord, ModerationStore } from './ports.ts';

export interface DiscoveryOptions {
  /** New distinct contacts one account may look up per rolling 24 h. */
  dailyLimit: number;
  /** New distinct contacts one account may look up in its lifetime. */
  totalLimit: number;
  /** New distinct contacts looked up from one IP per rolling 24 h (all accounts together). */
  ipDailyLimit: number;
  /** New distinct contacts per rolling 24 h for all accounts that share IPs with each other. */
  networkDailyLimit: number;
  /** Accounts younger than this cannot use contact matching. */
  minAccountAgeDays: number;
  /** Contacts per request. */
  maxPerRequest: number;
  /** Accounts younger than this count as young for the fake-network signal. */
  youngAccountDays: number;
  /** This many young accounts using matching from shared IPs are treated as a fake-account network. */
  youngClusterSize: number;
  /** This many consecutive numbers in one request is an enumeration. */
  sequentialRun: number;
  /** This many distinct numbers from one block of 1000 (within 30 days, across a network) is a dense range. */
  denseBlockLimit: number;
  /** Miss-ratio signal: only once a network looked up this many distinct contacts in 30 days … */
  missRatioMinLookups: number;
  /** … and fewer than this many per 1000 were matches. */
  minHitPermille: number;
}

export const DEFAULT_DISCOVERY_OPTIONS: DiscoveryOptions = {
  dailyLimit: 200,
  totalLimit: 1000,
  ipDailyLimit: 400,
  networkDailyLimit: 600,
  minAccountAgeDays: 7,
  maxPerRequest: 500,
  youngAccountDays: 30,
  youngClusterSize: 5,
  sequentialRun: 5,
  denseBlockLimit: 20,
  missRatioMinLookups: 1000,
  minHitPermille: 5,
};

export interface MatchInput {
  phones: readonly string[];
  emails: readonly string[];
}

export interface DiscoverySignal {
  signal:
    | 'sequential_numbers'
    | 'dense_number_range'
    | 'young_account_cluster'
    | 'high_miss_ratio'
    | 'shares_ip_with_blocked_account';
  value: number;
  threshold: number;
}

/** Ages of accounts (creation times), from the microblog core. */
export type AccountCreationTimes = (ids: readonly string[]) => Promise<Map<string, Date>>;

const DAY_MS = 24 * 3600 * 1000;
const NETWORK_WINDOW_DAYS = 30;
const NETWORK_MAX_ACCOUNTS = 500;
const BLOCKED_MESSAGE = 'Contact matching is suspended for this account pending moderator review';

interface Entry {
  kind: ContactKind;
  value: string;
  key: string;
  blockKey: string | null;
  /** The number as an integer, for sequence detection (phones only). */
  numeric: bigint | null;
  block: string | null;
}

/**
 * Contact matching without enumeration (SPEC 3.6). Only contact points whose owner
 * allowed `discovery` can match; a number that is not registered and one that is not
 * discoverable go through exactly the same work and give the same answer. Lookups are
 * logged as keyed hashes, limited per account, per IP and per network of accounts sharing
 * IPs, and patterns of fake-account networks block every account involved and raise a
 * moderator report.
 */
export class ContactDiscovery {
  private readonly points: ContactPoints;
  private readonly store: DiscoveryStore;
  private readonly reports: ModerationStore;
  private readonly createdAt: AccountCreationTimes;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly options: DiscoveryOptions;
  constructor(
    points: ContactPoints,
    store: DiscoveryStore,
    reports: ModerationStore,
    createdAt: AccountCreationTimes,
    audit: AuditLog,
    clock: Clock,
    options: DiscoveryOptions = DEFAULT_DISCOVERY_OPTIONS,
  ) {
    this.audit = audit;
    this.points = points;
    this.store = store;
    this.reports = reports;
    this.createdAt = createdAt;
    this.clock = clock;
    this.options = options;
  }

  /** Ids of the discoverable accounts among the contacts; throws forbidden / rate_limited. */
  async match(accountId: string, ip: string, input: MatchInput): Promise<string[]> {
    const o = this.options;
    if (input.phones.length + input.emails.length > o.maxPerRequest) {
      throw invalid(`At most ${o.maxPerRequest} contacts per request`, { field: 'phones' });
    }
    const now = this.clock.now();
    const ipKey = await this.points.keyOf('ip', ip);
    // Remember the IP before anything else, so young accounts probing from a shared IP still count towards its network.
    await this.store.recordIp(accountId, ipKey, now);

    const created = (await this.createdAt([accountId])).get(accountId);
    if (!created || now.getTime() - created.getTime() < o.minAccountAgeDays * DAY_MS) {
      throw forbidden(`Contact matching is available to accounts older than ${o.minAccountAgeDays} days`);
    }
    if (!(await this.points.hasVerifiedContact(accountId))) {
      throw forbidden('Contact matching needs a verified phone number or e-mail address on the account');
    }

    const windowStart = new Date(now.getTime() - NETWORK_WINDOW_DAYS * DAY_MS);
    const network = await this.store.networkOf(accountId, windowStart, NETWORK_MAX_ACCOUNTS);
    const blocked = await this.store.blockedAmong(network);
    if (blocked.has(accountId)) throw forbidden(BLOCKED_MESSAGE);
    if (blocked.size > 0) {
      await this.raise(
        [accountId],
        [{ signal: 'shares_ip_with_blocked_account', value: blocked.size, threshold: 1 }],
        now,
      );
      throw forbidden(BLOCKED_MESSAGE);
    }

    const entries = await this.entries(input);
    const seen = await this.store.seenContacts(
      accountId,
      entries.map((e) => e.key),
    );
    const fresh = entries.filter((e) => !seen.has(e.key));
    if (fresh.length > 0) await this.checkLimits(accountId, ipKey, network, fresh.length, now);

    // The same query for every contact: an unregistered and an undiscoverable contact both simply have no discovery key.
    const matches = await this.points.discoverable(entries.map((e) => e.key));
    const hitKeys = new Set(matches.map((m) => m.key));

    const signals = await this.detect(network, fresh, hitKeys, windowStart);
    await this.store.recordLookups(
      fresh.map(
        (e): LookupRecord => ({
          accountId,
          contactKey: e.key,
          blockKey: e.blockKey,
          ipKey,
          hit: hitKeys.has(e.key),
          at: now,
        }),
      ),
    );
    if (signals.length > 0) {
      await this.raise(network, signals, now);
      throw forbidden(BLOCKED_MESSAGE);
    }

    const found = matches.filter((m) => m.accountId !== accountId);
    await this.points.recordUses(
      found.map((m) => ({ contactPointId: m.contactPointId, accountId: m.accountId })),
      'discovery',
      'discovery_match',
    );
    return [...new Set(found.map((m) => m.accountId))];
  }

  private async entries(input: MatchInput): Promise<Entry[]> {
    const byKey = new Map<string, Entry>();
    for (const raw of input.phones) {
      const phone = typeof raw === 'string' ? normalisePhone(raw) : null;
      if (!phone) continue;
      const key = await this.points.keyOf('phone', phone.e164);
      const block = phone.e164.slice(0, -3);
      byKey.set(key, {
        kind: 'phone',
        value: phone.e164,
        key,
        block,
        blockKey: await this.points.keyOf('block', block),
        numeric: BigInt(phone.e164.slice(1)),
      });
    }
    for (const raw of input.emails) {
      if (typeof raw !== 'string' || raw.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(raw.trim())) continue;
      const value = normaliseEmail(raw);
      const key = await this.points.keyOf('email', value);
      byKey.set(key, { kind: 'email', value, key, block: null, blockKey: null, numeric: null });
    }
    return [...byKey.values()];
  }

  private async checkLimits(
    accountId: string,
    ipKey: string,
    network: readonly string[],
    fresh: number,
    now: Date,
  ): Promise<void> {
    const o = this.options;
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const limited = (message: string) => new DomainError('rate_limited', message);
    if ((await this.store.countDistinct({ accountIds: [accountId] })) + fresh > o.totalLimit) {
      throw limited(`This account has looked up as many contacts as it may (${o.totalLimit})`);
    }
    if ((await this.store.countDistinct({ accountIds: [accountId], since: dayAgo })) + fresh > o.dailyLimit) {
      throw limited(`At most ${o.dailyLimit} new contacts a day; try again later`);
    }
    if ((await this.store.countDistinct({ ipKey, since: dayAgo })) + fresh > o.ipDailyLimit) {
      throw limited('Too many contact lookups from this network today; try again later');
    }
    if (
      network.length > 1 &&
      (await this.store.countDistinct({ accountIds: network, since: dayAgo })) + fresh > o.networkDailyLimit
    ) {
      throw limited('Too many contact lookups from this network today; try again later');
    }
  }

  private async detect(
    network: readonly string[],
    fresh: readonly Entry[],
    hits: ReadonlySet<string>,
    since: Date,
  ): Promise<DiscoverySignal[]> {
    const o = this.options;
    const signals: DiscoverySignal[] = [];

    // Sequential numbers in one request: address books are not number ranges.
    const numbers = [...new Set(fresh.filter((e) => e.numeric !== null).map((e) => e.numeric!))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    let run = numbers.length > 0 ? 1 : 0;
    let longest = run;
    for (let i = 1; i < numbers.length; i += 1) {
      run = numbers[i]! - numbers[i - 1]! === 1n ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    if (longest >= o.sequentialRun)
      signals.push({ signal: 'sequential_numbers', value: longest, threshold: o.sequentialRun });

    // Dense ranges: many distinct numbers from one block of 1000, across the whole network and 30 days.
    const inRequest = new Map<string, number>();
    for (const e of fresh) if (e.blockKey) inRequest.set(e.blockKey, (inRequest.get(e.blockKey) ?? 0) + 1);
    if (inRequest.size > 0) {
      const before = await this.store.blockDensity(network, [...inRequest.keys()], since);
      const densest = Math.max(...[...inRequest].map(([block, n]) => n + (before.get(block) ?? 0)));
      if (densest >= o.denseBlockLimit)
        signals.push({ signal: 'dense_number_range', value: densest, threshold: o.denseBlockLimit });
    }

    // Many young accounts using matching from shared IPs.
    const created = await this.createdAt(network);
    const youngSince = this.clock.now().getTime() - o.youngAccountDays * DAY_MS;
    const young = [...created.values()].filter((d) => d.getTime() > youngSince).length;
    if (young >= o.youngClusterSize)
      signals.push({ signal: 'young_account_cluster', value: young, threshold: o.youngClusterSize });

    // A very high miss ratio over many lookups: guessing, not an address book.
    const stats = await this.store.hitStats(network, since);
    const lookups = stats.lookups + fresh.length;
    const hitCount = stats.hits + fresh.filter((e) => hits.has(e.key)).length;
    if (lookups >= o.missRatioMinLookups && (hitCount * 1000) / lookups < o.minHitPermille) {
      signals.push({
        signal: 'high_miss_ratio',
        value: Math.round((hitCount * 1000) / lookups),
        threshold: o.minHitPermille,
      });
    }
    return signals;
  }

  private async raise(accountIds: readonly string[], signals: DiscoverySignal[], now: Date): Promise<void> {
    const id = newId(now.getTime());
    await this.reports.createReport({
      id,
      kind: 'contact_discovery_abuse',
      summary: `Contact matching blocked for ${accountIds.length} account(s): ${signals.map((s) => s.signal).join(', ')}`,
      details: { signals },
      accountIds: [...accountIds],
      status: 'open',
      createdAt: now,
      resolvedAt: null,
      resolvedBy: null,
    });
    await this.store.block(accountIds, signals.map((s) => s.signal).join(','), id, now);
  }

  /** Staff close a report (audited, with a reason); with `unblock`, the accounts it blocked may match again. */
  async resolveReport(reportId: string, unblock: boolean, acting: Acting) {
    authorize(acting.actor, 'reports.resolve');
    const reason = checkedReason(acting.reason);
    const resolvedBy = acting.actor.kind === 'account' ? acting.actor.account.id : `cli:${acting.actor.name}`;
    const report = await this.reports.resolve(reportId, resolvedBy, this.clock.now());
    if (!report) return null;
    if (unblock) await this.store.unblockReport(reportId);
    await this.audit.record(acting.actor, reason, 'report.resolve', reportId, { unblock });
    return report;
  }

  async reportList(actor: Actor, status: 'open' | 'resolved' | null, limit: number) {
    authorize(actor, 'reports.read');
    return this.reports.reports(status, limit);
  }
}
