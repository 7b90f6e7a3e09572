export { AuditLog } from './audit-log.ts';
export { isAuditAction, type AuditAction, type AuditEntry } from './model.ts';
export type { AuditStore } from './ports.ts';
