import type { AuditAction, AuditEntry } from './model.ts';

/** Where the audit log is kept. Entries are only ever added, never changed. */
export interface AuditStore {
  recordAudit(entry: AuditEntry): Promise<void>;
  auditEntries(action: AuditAction | null, limit: number): Promise<AuditEntry[]>;
}
