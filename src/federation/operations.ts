import type { AuditLog } from '../audit/index.ts';
import { authorize, type Actor } from '../security/index.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import type { DomainBlocks } from './domain-blocks.ts';

/** How delivery to one remote server goes. */
export interface DomainDeliveryState {
  domain: string;
  lastSuccessAt: Date | null;
  /** Last verified activity received from the server. */
  lastInboundAt: Date | null;
  lastFailureAt: Date | null;
  /** `HTTP 503` or an error's name and code (`TypeError ECONNREFUSED`): never a body, URL or secret. */
  lastFailure: string | null;
  consecutiveFailures: number;
  /** When the current run of failures began. */
  failingSince: Date | null;
  /** Set once the server failed long and often enough: nothing is delivered there until it is heard from. */
  unavailableSince: Date | null;
}

/** Queued messages of one server. */
export interface DomainQueue {
  domain: string;
  queued: number;
  /** Due now. */
  ready: number;
  /** Waiting for a later retry. */
  delayed: number;
}

/** The federation queue at a glance. */
export interface QueueOverview {
  total: number;
  /** Due now and not being handled. */
  ready: number;
  /** Waiting for a later retry (Fedify re-enqueues a failed delivery with a delay). */
  delayed: number;
  /** Claimed by a process right now. */
  inProgress: number;
  /** Outgoing deliveries, inbox work, fan-out of one activity to many inboxes. */
  byKind: { outbox: number; inbox: number; other: number };
  oldestCreatedAt: Date | null;
  domains: DomainQueue[];
}

export interface DeliveryStateStore {
  /** Records a success (clearing failures and the unavailable mark); true when the server was unavailable. */
  recordSuccess(domain: string, direction: 'outbound' | 'inbound', at: Date): Promise<boolean>;
  /** Records a failure and returns the state after it. */
  recordFailure(domain: string, failure: string, at: Date): Promise<DomainDeliveryState>;
  markUnavailable(domain: string, at: Date): Promise<void>;
  /** Clears the unavailable mark of one server, or of all; returns how many changed. */
  clearUnavailable(domain: string | null): Promise<number>;
  states(): Promise<DomainDeliveryState[]>;
  unavailableDomains(): Promise<string[]>;
}

export interface QueueInspector {
  overview(now: Date): Promise<QueueOverview>;
  /** Makes waiting messages (of one server, or all) due now; returns how many. */
  retryNow(domain: string | null, now: Date): Promise<number>;
}

/** When a failing server is given up on (until it is heard from again). */
export interface AvailabilityPolicy {
  /** Failures in a row needed… */
  afterFailures: number;
  /** …over at least this many days. */
  afterDays: number;
}

/** A domain's state with its queue and block, as the console, the API and the CLI show it. */
export interface DomainOverview extends DomainDeliveryState {
  queued: number;
  status: 'ok' | 'failing' | 'unavailable';
  blocked: string | null;
}

/** How long a process trusts its copy of the unavailable servers. */
const CACHE_MS = 5000;
/** Servers named one by one in /metrics; the rest are summed as `other`. */
const METRICS_DOMAIN_CAP = 50;

const DAY = 24 * 3600_000;
const HOST = /^[a-z0-9.-]+(:[0-9]{1,5})?$/;

/** A delivery error as something safe to store and show: the status, or the error's name and code. */
function describeFailure(error: unknown): string {
  if (!error || typeof error !== 'object') return 'Error';
  const e = error as { name?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return `HTTP ${e.statusCode}`;
  // The system error code (ECONNREFUSED, ENOTFOUND …) sits a cause or two down.
  let code: string | null = null;
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause && typeof cause === 'object' && code === null; depth += 1) {
    const c = cause as { code?: unknown; cause?: unknown };
    if (typeof c.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(c.code)) code = c.code;
    cause = c.cause;
  }
  const name = typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : 'Error';
  return code ? `${name} ${code}` : name;
}

function normaliseHost(raw: string): string {
  const host = raw.trim().toLowerCase();
  if (!HOST.test(host))
    throw invalid('Domain must be a host name such as example.social', { field: 'domain' }).coded(
      'federation.domain_format',
    );
  return host;
}

/**
 * How federation with each server goes, for operators: deliveries that worked and failed, a
 * server given up on after failing long and often enough (like Mastodon's unavailable
 * domains: nothing is delivered there) and taken back the moment it is heard from or a
 * delivery to it works, the queue by server, and retrying now. Reading needs
 * `domain_blocks.read`, retrying `domain_blocks.manage`; retries are audited.
 */
export class FederationOperations {
  private readonly store: DeliveryStateStore;
  private readonly queue: QueueInspector;
  private readonly domainBlocks: DomainBlocks;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly policy: AvailabilityPolicy;
  private cache: { at: number; unavailable: Set<string> } | null = null;

  constructor(deps: {
    store: DeliveryStateStore;
    queue: QueueInspector;
    domainBlocks: DomainBlocks;
    audit: AuditLog;
    clock: Clock;
    policy: AvailabilityPolicy;
  }) {
    this.store = deps.store;
    this.queue = deps.queue;
    this.domainBlocks = deps.domainBlocks;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.policy = deps.policy;
  }

  // ── What the delivery path reports ──────────────────────────────────────────

  async delivered(domain: string): Promise<void> {
    if (await this.store.recordSuccess(domain.toLowerCase(), 'outbound', this.clock.now())) this.cache = null;
  }

  /** A verified activity came from the server: it is alive. */
  async heardFrom(domain: string): Promise<void> {
    if (await this.store.recordSuccess(domain.toLowerCase(), 'inbound', this.clock.now())) this.cache = null;
  }

  async failed(domain: string, error: unknown): Promise<void> {
    const now = this.clock.now();
    const state = await this.store.recordFailure(domain.toLowerCase(), describeFailure(error), now);
    if (
      state.unavailableSince === null &&
      state.consecutiveFailures >= this.policy.afterFailures &&
      state.failingSince !== null &&
      now.getTime() - state.failingSince.getTime() >= this.policy.afterDays * DAY
    ) {
      await this.store.markUnavailable(state.domain, now);
      this.cache = null;
    }
  }

  /** True while nothing should be delivered to the server (it was given up on). */
  async isUnavailable(host: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (!this.cache || now - this.cache.at > CACHE_MS)
      this.cache = { at: now, unavailable: new Set(await this.store.unavailableDomains()) };
    return this.cache.unavailable.has(host.toLowerCase());
  }

  // ── What staff and operators see and do ─────────────────────────────────────

  async queueOverview(actor: Actor): Promise<QueueOverview> {
    authorize(actor, 'domain_blocks.read');
    return this.queue.overview(this.clock.now());
  }

  /** Every server delivered to, failed or queued for, worst first. */
  async domains(actor: Actor): Promise<DomainOverview[]> {
    authorize(actor, 'domain_blocks.read');
    return this.overviewOfDomains();
  }

  /**
   * Makes failed and delayed deliveries (of one server, or all) due now, and takes the server
   * back if it was given up on. Audited.
   */
  async retry(
    domain: string | null,
    acting: { actor: Actor; reason?: string },
  ): Promise<{ messages: number; domainsRestored: number }> {
    authorize(acting.actor, 'domain_blocks.manage');
    const host = domain === null ? null : normaliseHost(domain);
    const messages = await this.queue.retryNow(host, this.clock.now());
    const domainsRestored = await this.store.clearUnavailable(host);
    this.cache = null;
    await this.audit.record(
      acting.actor,
      acting.reason?.trim() || 'retry deliveries now',
      'federation.retry',
      host ?? '*',
      { messages, domainsRestored },
    );
    return { messages, domainsRestored };
  }

  /** For /metrics: per-server queue depth and failures, the biggest queues by name, the rest as `other`. */
  async metricsSnapshot(): Promise<{
    queued: Map<string, number>;
    failures: Map<string, number>;
    unavailable: number;
  }> {
    const all = await this.overviewOfDomains();
    const ranked = [...all].sort((a, b) => b.queued - a.queued || b.consecutiveFailures - a.consecutiveFailures);
    const named = ranked.slice(0, METRICS_DOMAIN_CAP);
    const rest = ranked.slice(METRICS_DOMAIN_CAP);
    const queued = new Map(named.map((d) => [d.domain, d.queued]));
    const failures = new Map(named.map((d) => [d.domain, d.consecutiveFailures]));
    if (rest.length > 0) {
      queued.set(
        'other',
        rest.reduce((sum, d) => sum + d.queued, 0),
      );
      failures.set(
        'other',
        rest.reduce((sum, d) => sum + d.consecutiveFailures, 0),
      );
    }
    return { queued, failures, unavailable: all.filter((d) => d.status === 'unavailable').length };
  }

  private async overviewOfDomains(): Promise<DomainOverview[]> {
    const [states, overview] = await Promise.all([this.store.states(), this.queue.overview(this.clock.now())]);
    const byDomain = new Map<string, DomainOverview>();
    const empty = (domain: string): DomainDeliveryState => ({
      domain,
      lastSuccessAt: null,
      lastInboundAt: null,
      lastFailureAt: null,
      lastFailure: null,
      consecutiveFailures: 0,
      failingSince: null,
      unavailableSince: null,
    });
    for (const state of states) byDomain.set(state.domain, { ...state, queued: 0, status: 'ok', blocked: null });
    for (const q of overview.domains) {
      const existing = byDomain.get(q.domain) ?? {
        ...empty(q.domain),
        queued: 0,
        status: 'ok' as const,
        blocked: null,
      };
      byDomain.set(q.domain, { ...existing, queued: q.queued });
    }
    const result: DomainOverview[] = [];
    for (const entry of byDomain.values()) {
      const block = await this.domainBlocks.blockOf(entry.domain);
      result.push({
        ...entry,
        status: entry.unavailableSince ? 'unavailable' : entry.consecutiveFailures > 0 ? 'failing' : 'ok',
        blocked: block?.severity ?? null,
      });
    }
    const rank = { unavailable: 0, failing: 1, ok: 2 };
    return result.sort(
      (a, b) => rank[a.status] - rank[b.status] || b.queued - a.queued || a.domain.localeCompare(b.domain),
    );
  }
}
