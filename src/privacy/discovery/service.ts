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
  /** New contacts looked up per rolling 24 h by every account of the instance together. */
  instanceDailyLimit: number;
  /** Accounts younger than this cannot use contact matching. */
  minAccountAgeDays: number;
  /** Looking up phone numbers needs a phone number verified on the account at least this long ago. */
  minPhoneAgeDays: number;
  /** Contacts per request. */
  maxPerRequest: number;
  /** This many consecutive numbers in one request is an enumeration. */
  sequentialRun: number;
  /** This many distinct numbers from one block of 1000 looked up by one account (30 days) is a dense range. */
  denseBlockLimit: number;
  /** Range concentration: once an account looked up this many numbers in 30 days … */
  concentrationMinLookups: number;
  /** … an average of this many per block of 1000 they fall in is a range, not an address book. */
  concentrationPerBlock: number;
  /** Accounts created within this many hours of each other form a cohort. */
  cohortWindowHours: number;
  /** A cohort member looked up at least this many numbers in 7 days and was returned nobody outside the cohort … */
  cohortMinLookups: number;
  /** … and this many such members are a fake-account cohort. */
  cohortSize: number;
}

export const DEFAULT_DISCOVERY_OPTIONS: DiscoveryOptions = {
  dailyLimit: 200,
  totalLimit: 1000,
  ipDailyLimit: 400,
  instanceDailyLimit: 10_000,
  minAccountAgeDays: 7,
  minPhoneAgeDays: 14,
  maxPerRequest: 500,
  sequentialRun: 5,
  denseBlockLimit: 20,
  concentrationMinLookups: 100,
  concentrationPerBlock: 3,
  cohortWindowHours: 72,
  cohortMinLookups: 100,
  cohortSize: 5,
};

export interface MatchInput {
  phones: readonly string[];
  emails: readonly string[];
}

export interface DiscoverySignal {
  signal:
    | 'sequential_numbers'
    | 'dense_number_range'
    | 'concentrated_number_range'
    | 'account_cohort'
    | 'instance_budget_exhausted';
  value: number;
  threshold: number;
}

/** Ages of accounts (creation times), from the microblog core. */
export type AccountCreationTimes = (ids: readonly string[]) => Promise<Map<string, Date>>;
/** Which of these accounts follow the account and are followed by it. */
export type MutualFollows = (accountId: string, ids: readonly string[]) => Promise<Set<string>>;

const DAY_MS = 24 * 3600 * 1000;
const SIGNAL_WINDOW_DAYS = 30;
const COHORT_ACTIVITY_DAYS = 7;
const BUDGET_REPORT_ACCOUNTS = 50;
const BLOCKED_MESSAGE = 'Contact matching is suspended for this account pending moderator review';

interface Entry {
  kind: ContactKind;
  value: string;
  key: string;
  blockKey: string | null;
  /** The number as an integer, for sequence detection (phones only). */
  numeric: bigint | null;
}

/**
 * Contact matching without enumeration (SPEC 3.6, docs/privacy.md §2).
 *
 * Discoverability is mutual: an owner who turned `discovery` on is returned only to an
 * account it is connected to — the owner's own uploaded address book holds one of the
 * looker's verified contacts, or the two follow each other. Both are the owner's acts, so
 * a stranger's fake accounts cannot satisfy them however many there are. A number that is
 * not registered, one that is not discoverable and one whose owner is not connected to the
 * looker go through the same work and give the same answer.
 *
 * Looking up phone numbers costs something scarce (a phone verified on the account long
 * enough ago); every lookup counts against per-account, per-IP and instance-wide budgets;
 * and signals that do not key on IP (range shape per account, cohorts of accounts created
 * together that look up many numbers and are returned nobody) block the accounts and raise
 * a moderator report.
 */
export class ContactDiscovery {
  private readonly points: ContactPoints;
  private readonly store: DiscoveryStore;
  private readonly reports: ModerationStore;
  private readonly createdAt: AccountCreationTimes;
  private readonly mutualFollows: MutualFollows;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly options: DiscoveryOptions;
  constructor(
    points: ContactPoints,
    store: DiscoveryStore,
    reports: ModerationStore,
    createdAt: AccountCreationTimes,
    mutualFollows: MutualFollows,
    audit: AuditLog,
    clock: Clock,
    options: DiscoveryOptions = DEFAULT_DISCOVERY_OPTIONS,
  ) {
    this.audit = audit;
    this.points = points;
    this.store = store;
    this.reports = reports;
    this.createdAt = createdAt;
    this.mutualFollows = mutualFollows;
    this.clock = clock;
    this.options = options;
  }

  /** Ids of the connected, discoverable accounts among the contacts; throws forbidden / rate_limited. */
  async match(accountId: string, ip: string, input: MatchInput): Promise<string[]> {
    const o = this.options;
    if (input.phones.length + input.emails.length > o.maxPerRequest) {
      throw invalid(`At most ${o.maxPerRequest} contacts per request`, { field: 'phones' }).coded(
        'discovery.too_many',
        { max: o.maxPerRequest },
      );
    }
    const now = this.clock.now();
    const created = (await this.createdAt([accountId])).get(accountId);
    if (!created || now.getTime() - created.getTime() < o.minAccountAgeDays * DAY_MS) {
      throw forbidden(`Contact matching is available to accounts older than ${o.minAccountAgeDays} days`).coded(
        'discovery.account_too_new',
        { days: o.minAccountAgeDays },
      );
    }
    const identity = await this.points.verifiedIdentity(accountId);
    if (identity.keys.length === 0) {
      throw forbidden('Contact matching needs a verified phone number or e-mail address on the account').coded(
        'discovery.needs_verified',
      );
    }
    if ((await this.store.blockedAmong([accountId])).has(accountId))
      throw forbidden(BLOCKED_MESSAGE).coded('discovery.suspended');

    const ipKey = await this.points.keyOf('ip', ip);
    const entries = await this.entries(input);
    const seen = await this.store.seenContacts(
      accountId,
      entries.map((e) => e.key),
    );
    const fresh = entries.filter((e) => !seen.has(e.key));
    const record = (rows: readonly Entry[], answered: boolean, matched: Map<string, string>) =>
      this.store.recordLookups(
        rows.map(
          (e): LookupRecord => ({
            accountId,
            contactKey: e.key,
            blockKey: e.blockKey,
            ipKey,
            answered,
            matchedAccountId: matched.get(e.key) ?? null,
            at: now,
          }),
        ),
      );

    // Phone numbers are the enumerable space: looking them up needs a phone held long enough.
    const phoneSince = identity.phoneVerifiedAt;
    if (
      entries.some((e) => e.kind === 'phone') &&
      (!phoneSince || now.getTime() - phoneSince.getTime() < o.minPhoneAgeDays * DAY_MS)
    ) {
      // The refused numbers stay as evidence (they count towards no limit): a sweep refused at the door is still a sweep.
      await record(
        fresh.filter((e) => e.kind === 'phone'),
        false,
        new Map(),
      );
      await this.detectAndRaise(accountId, created, fresh, now);
      throw forbidden(
        `Looking up phone numbers needs a phone number verified on this account at least ${o.minPhoneAgeDays} days ago`,
      ).coded('discovery.phone_too_new', { days: o.minPhoneAgeDays });
    }

    if (fresh.length > 0) await this.checkLimits(accountId, ipKey, fresh.length, now);

    // The same queries for every request: an unregistered, an undiscoverable and an unconnected contact all end up unmatched.
    const candidates = (await this.points.discoverable(entries.map((e) => e.key))).filter(
      (m) => m.accountId !== accountId,
    );
    const connected = await this.connected(
      accountId,
      identity.keys,
      candidates.map((m) => m.accountId),
    );
    const found = candidates.filter((m) => connected.has(m.accountId));

    await record(fresh, true, new Map(found.map((m) => [m.key, m.accountId])));
    await this.detectAndRaise(accountId, created, fresh, now);

    await this.points.recordUses(
      found.map((m) => ({ contactPointId: m.contactPointId, accountId: m.accountId })),
      'discovery',
      'discovery_match',
    );
    return [...new Set(found.map((m) => m.accountId))];
  }

  /** Owners connected to the looker by their own acts: their address book holds its verified contact, or they follow each other. */
  private async connected(accountId: string, lookerKeys: readonly string[], owners: readonly string[]) {
    const [uploaded, follows] = await Promise.all([
      this.store.uploadedBy(owners, lookerKeys),
      this.mutualFollows(accountId, owners),
    ]);
    return new Set([...uploaded, ...follows]);
  }

  private async entries(input: MatchInput): Promise<Entry[]> {
    const byKey = new Map<string, Entry>();
    for (const raw of input.phones) {
      const phone = typeof raw === 'string' ? normalisePhone(raw) : null;
      if (!phone) continue;
      const key = await this.points.keyOf('phone', phone.e164);
      byKey.set(key, {
        kind: 'phone',
        value: phone.e164,
        key,
        blockKey: await this.points.keyOf('block', phone.e164.slice(0, -3)),
        numeric: BigInt(phone.e164.slice(1)),
      });
    }
    for (const raw of input.emails) {
      if (typeof raw !== 'string' || raw.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(raw.trim())) continue;
      const value = normaliseEmail(raw);
      const key = await this.points.keyOf('email', value);
      byKey.set(key, { kind: 'email', value, key, blockKey: null, numeric: null });
    }
    return [...byKey.values()];
  }

  private async checkLimits(accountId: string, ipKey: string, fresh: number, now: Date): Promise<void> {
    const o = this.options;
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const limited = (message: string) => new DomainError('rate_limited', message);
    if ((await this.store.countLookups({ accountId })) + fresh > o.totalLimit) {
      throw limited(`This account has looked up as many contacts as it may (${o.totalLimit})`).coded(
        'discovery.total_used',
        { max: o.totalLimit },
      );
    }
    if ((await this.store.countLookups({ accountId, since: dayAgo })) + fresh > o.dailyLimit) {
      throw limited(`At most ${o.dailyLimit} new contacts a day; try again later`).coded('discovery.daily', {
        max: o.dailyLimit,
      });
    }
    if ((await this.store.countLookups({ ipKey, since: dayAgo })) + fresh > o.ipDailyLimit) {
      throw limited('Too many contact lookups from this network today; try again later').coded('discovery.network');
    }
    const instance = await this.store.countLookups({ since: dayAgo });
    if (instance + fresh > o.instanceDailyLimit) {
      await this.reportBudget(instance, now);
      throw limited("This server's contact matching budget for today is used up; try again tomorrow").coded(
        'discovery.budget',
      );
    }
  }

  /** Once a day at most: moderators see that the instance budget ran out, and who spent most of it. */
  private async reportBudget(used: number, now: Date): Promise<void> {
    const dayAgo = now.getTime() - DAY_MS;
    const recent = await this.reports.reports(null, 100);
    const already = recent.some(
      (r) =>
        r.createdAt.getTime() > dayAgo &&
        ((r.details.signals as DiscoverySignal[] | undefined) ?? []).some(
          (s) => s.signal === 'instance_budget_exhausted',
        ),
    );
    if (already) return;
    const top = await this.store.topLookers(new Date(dayAgo), BUDGET_REPORT_ACCOUNTS);
    await this.reports.createReport({
      id: newId(now.getTime()),
      kind: 'contact_discovery_abuse',
      summary: `The instance's daily contact matching budget (${this.options.instanceDailyLimit}) is used up; the ${top.length} accounts that used most of it are listed`,
      details: {
        signals: [{ signal: 'instance_budget_exhausted', value: used, threshold: this.options.instanceDailyLimit }],
        lookups: Object.fromEntries(top.map((t) => [t.accountId, t.lookups])),
      },
      accountIds: top.map((t) => t.accountId),
      status: 'open',
      createdAt: now,
      resolvedAt: null,
      resolvedBy: null,
    });
  }

  /** Evaluates the signals on the account (its lookups so far recorded), and blocks and reports when one fires. */
  private async detectAndRaise(accountId: string, created: Date, fresh: readonly Entry[], now: Date): Promise<void> {
    const o = this.options;
    const signals: DiscoverySignal[] = [];
    const since = new Date(now.getTime() - SIGNAL_WINDOW_DAYS * DAY_MS);

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

    // Dense ranges: many distinct numbers of one block of 1000 from this account in 30 days.
    const blocks = [...new Set(fresh.map((e) => e.blockKey).filter((b): b is string => b !== null))];
    if (blocks.length > 0) {
      const density = await this.store.blockDensity(accountId, blocks, since);
      const densest = Math.max(0, ...density.values());
      if (densest >= o.denseBlockLimit)
        signals.push({ signal: 'dense_number_range', value: densest, threshold: o.denseBlockLimit });

      // Concentration: an address book spreads over as many blocks as it has numbers; a sweep of a range piles up in few.
      const spread = await this.store.blockSpread(accountId, since);
      if (
        spread.lookups >= o.concentrationMinLookups &&
        spread.lookups >= o.concentrationPerBlock * Math.max(1, spread.blocks)
      ) {
        signals.push({
          signal: 'concentrated_number_range',
          value: Math.round((spread.lookups / Math.max(1, spread.blocks)) * 10) / 10,
          threshold: o.concentrationPerBlock,
        });
      }
    }

    const cohort = signals.length > 0 || blocks.length === 0 ? [] : await this.cohort(accountId, created, now);
    if (cohort.length >= o.cohortSize)
      signals.push({ signal: 'account_cohort', value: cohort.length, threshold: o.cohortSize });

    if (signals.length === 0) return;
    await this.raise(cohort.length >= o.cohortSize ? cohort : [accountId], signals, now);
    throw forbidden(BLOCKED_MESSAGE).coded('discovery.suspended');
  }

  /**
   * The account's cohort: accounts created within the cohort window of it that each looked
   * up many numbers in the last 7 days and were returned nobody outside that window (fake
   * accounts can befriend each other, not the owners they hunt). Real people who join
   * together find each other's friends; a batch of fake accounts finds nobody.
   */
  private async cohort(accountId: string, created: Date, now: Date): Promise<string[]> {
    const o = this.options;
    const active = await this.store.activity(
      new Date(now.getTime() - COHORT_ACTIVITY_DAYS * DAY_MS),
      o.cohortMinLookups,
    );
    if (!active.some((a) => a.accountId === accountId)) return [];
    const times = await this.createdAt([...new Set(active.flatMap((a) => [a.accountId, ...a.matchedAccounts]))]);
    const window = o.cohortWindowHours * 3600 * 1000;
    const inCohort = (id: string) => {
      const t = times.get(id);
      return t !== undefined && Math.abs(t.getTime() - created.getTime()) <= window;
    };
    return active.filter((a) => inCohort(a.accountId) && a.matchedAccounts.every(inCohort)).map((a) => a.accountId);
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
