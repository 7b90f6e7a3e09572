import type { Kysely } from 'kysely';
import { isAuditAction, type AuditAction, type AuditEntry, type AuditStore } from '../audit/index.ts';
import type { Database } from './schema.ts';

/** One audit row; also written by stores whose changes and their entry share a transaction. */
export function auditRow(entry: AuditEntry) {
  return {
    id: entry.id,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: JSON.stringify(entry.details),
    reason: entry.reason,
    created_at: entry.createdAt.toISOString(),
  };
}

export class KyselyAuditStore implements AuditStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async recordAudit(entry: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_log').values(auditRow(entry)).execute();
  }

  async auditEntries(action: AuditAction | null, limit: number): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit);
    if (action) query = query.where('action', '=', action);
    const rows = await query.execute();
    return rows.map((r) => {
      // Only this code writes the log; an action it does not know means the row was changed by hand.
      if (!isAuditAction(r.action)) throw new Error(`audit_log row ${r.id} has an unknown action "${r.action}"`);
      return {
        id: r.id,
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        details: JSON.parse(r.details) as Record<string, unknown>,
        reason: r.reason,
        createdAt: new Date(r.created_at),
      };
    });
  }
}
