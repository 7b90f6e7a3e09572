export { AuditLog } from './audit-log.ts';
export { AUDIT_ACTIONS, isAuditAction, type AuditAction, type AuditEntry } from './model.ts';
export type { AuditStore } from './ports.ts';
