import type { AuditLog } from '../audit/index.ts';
import { authorize, checkedReason } from '../security/index.ts';
import type { Acting } from '../security/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { DomainBlock, DomainBlockSeverity, DomainBlockStore } from './ports.ts';

/** How long a process trusts its copy of the block list (a block reaches every process within it). */
const CACHE_MS = 5000;

const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*(:[0-9]{1,5})?$/;

/** A domain as typed by an admin (`Example.Social`, `https://example.social/`) in its one stored form. */
function normaliseDomain(raw: string): string {
  const trimmed = raw.trim().toLowerCase();
  const host = /^https?:\/\//.test(trimmed) ? new URL(trimmed).host : trimmed.replace(/\/+$/, '');
  if (!DOMAIN.test(host))
    throw invalid('Domain must be a host name such as example.social', { field: 'domain' }).coded(
      'federation.domain_format',
    );
  return host;
}

/**
 * Admins' blocks of other servers, the one rule every federation path asks. `suspend`: no
 * activity from the domain is accepted, nothing is delivered or fetched there, and its
 * accounts are suspended here (lifting the block lifts that too: nothing is deleted).
 * `limit`: only posts of accounts someone here follows get in. Audited.
 */
export class DomainBlocks {
  private cache: { at: number; blocks: Map<string, DomainBlock> } | null = null;
  private readonly mediaRejected: ((domain: string) => Promise<void>)[] = [];
  private readonly store: DomainBlockStore;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  constructor(store: DomainBlockStore, audit: AuditLog, clock: Clock) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
  }

  async block(
    rawDomain: string,
    options: { severity?: DomainBlockSeverity; rejectMedia?: boolean },
    acting: Acting,
  ): Promise<DomainBlock> {
    authorize(acting.actor, 'domain_blocks.manage');
    const reason = checkedReason(acting.reason);
    const domain = normaliseDomain(rawDomain);
    const severity = options.severity ?? 'suspend';
    if (severity !== 'suspend' && severity !== 'limit' && severity !== 'noop')
      throw invalid('Severity must be suspend, limit or noop', { field: 'severity' }).coded('federation.severity');
    if (severity === 'noop' && !options.rejectMedia)
      throw invalid('A noop block only rejects media: set reject_media', { field: 'reject_media' }).coded(
        'federation.noop_needs_media',
      );
    const now = this.clock.now();
    const saved = await this.store.saveDomainBlock({
      id: newId(now.getTime()),
      domain,
      severity,
      rejectMedia: options.rejectMedia ?? false,
      reason,
      createdBy: acting.actor.kind === 'operator' ? `cli:${acting.actor.name}` : `account:${acting.actor.account.id}`,
      createdAt: now,
    });
    const suspended =
      severity === 'suspend'
        ? await this.store.setDomainSuspended(domain, now)
        : await this.store.setDomainSuspended(domain, null);
    await this.audit.record(acting.actor, reason, 'federation.domain_block', domain, {
      severity,
      rejectMedia: saved.rejectMedia,
      accountsSuspended: severity === 'suspend' ? suspended : 0,
    });
    this.cache = null;
    // Cached copies of its media go at once (a suspended server's media is never shown either).
    if (saved.rejectMedia || severity === 'suspend') for (const listener of this.mediaRejected) await listener(domain);
    return saved;
  }

  /** Called with a domain whose media an admin rejected (or which was suspended). */
  onMediaRejected(listener: (domain: string) => Promise<void>): void {
    this.mediaRejected.push(listener);
  }

  async unblock(rawDomain: string, acting: Acting): Promise<DomainBlock | null> {
    authorize(acting.actor, 'domain_blocks.manage');
    const reason = checkedReason(acting.reason);
    const domain = normaliseDomain(rawDomain);
    const removed = await this.store.removeDomainBlock(domain);
    if (!removed) return null;
    const restored = await this.store.setDomainSuspended(domain, null);
    await this.audit.record(acting.actor, reason, 'federation.domain_unblock', domain, { accountsRestored: restored });
    this.cache = null;
    return removed;
  }

  async list(acting: Acting): Promise<DomainBlock[]> {
    authorize(acting.actor, 'domain_blocks.read');
    return this.store.domainBlocks();
  }

  /** The block covering a host: its own, or one of a parent domain (blocking a server blocks its subdomains). */
  async blockOf(host: string): Promise<DomainBlock | null> {
    const now = this.clock.now().getTime();
    if (!this.cache || now - this.cache.at > CACHE_MS) {
      this.cache = { at: now, blocks: new Map((await this.store.domainBlocks()).map((b) => [b.domain, b])) };
    }
    let candidate = host.toLowerCase();
    for (;;) {
      const found = this.cache.blocks.get(candidate);
      if (found) return found;
      const dot = candidate.indexOf('.');
      if (dot === -1) return null;
      candidate = candidate.slice(dot + 1);
    }
  }

  async isSuspended(host: string): Promise<boolean> {
    return (await this.blockOf(host))?.severity === 'suspend';
  }
}
