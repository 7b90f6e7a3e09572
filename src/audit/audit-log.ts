import { actorLabel, authorize, type Actor } from '../security/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { AuditAction, AuditEntry } from './model.ts';
import type { AuditStore } from './ports.ts';

/**
 * What staff and operators did, who did it and why (SPEC §2: every such action lands
 * here). Services record after the policy allowed the action and the reason was checked;
 * changes that must not happen without their entry write both in one transaction (`entry`).
 */
export class AuditLog {
  private readonly store: AuditStore;
  private readonly clock: Clock;
  constructor(store: AuditStore, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  /** An entry to store together with the change it describes. */
  entry(
    actor: Actor,
    reason: string,
    action: AuditAction,
    subject: string,
    details: Record<string, unknown>,
    now: Date = this.clock.now(),
  ): AuditEntry {
    return { id: newId(now.getTime()), actor: actorLabel(actor), action, subject, details, reason, createdAt: now };
  }

  async record(
    actor: Actor,
    reason: string,
    action: AuditAction,
    subject: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.store.recordAudit(this.entry(actor, reason, action, subject, details));
  }

  /** The newest entries first; staff and operators only. */
  async recent(actor: Actor, limit = 50, action: AuditAction | null = null): Promise<AuditEntry[]> {
    authorize(actor, 'audit_log.read');
    return this.store.auditEntries(action, Math.max(1, Math.min(limit, 500)));
  }
}
