/** Every kind of staff or operator action the audit log records. */
const AUDIT_ACTIONS = [
  'sms.kill_switch.on',
  'sms.kill_switch.off',
  'sms.policy.set',
  'sms.unlock',
  'account.warn',
  'account.suspend',
  'account.unsuspend',
  'account.reset_2fa',
  'account.approve',
  'account.reject',
  'report.resolve',
  'report.reopen',
  'report.assign',
  'rule.add',
  'rule.remove',
  'advertiser.grant',
  'advertiser.revoke',
  'federation.domain_block',
  'federation.domain_unblock',
  'federation.retry',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

export interface AuditEntry {
  id: string;
  /** `account:<id>` or `cli:<operator>`. */
  actor: string;
  action: AuditAction;
  subject: string;
  details: Record<string, unknown>;
  reason: string;
  createdAt: Date;
}
