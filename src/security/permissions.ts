import type { Account, Role } from '../core/model.ts';
import { forbidden, invalid } from '../shared/errors.ts';

/**
 * Who is acting: a signed-in account with its role (API, web console), or an operator at
 * the CLI. The CLI runs with shell access to the server and its database, so SPEC §2 lets
 * the operator do everything; there is nothing the policy could keep from them anyway.
 */
export type Actor = { kind: 'account'; account: Pick<Account, 'id' | 'role'> } | { kind: 'operator'; name: string };

/** A staff action as every service receives it: who acts, and why (for the audit log). */
export interface Acting {
  actor: Actor;
  reason: string;
}

/** Actions aimed at the instance as a whole. */
export type InstanceAction =
  | 'admin_console.open'
  | 'accounts.read'
  | 'kill_switch.on'
  | 'kill_switch.off'
  | 'sms_policy.read'
  | 'sms_policy.set'
  | 'sms_traffic.read'
  | 'advertisers.manage'
  | 'reports.read'
  | 'reports.resolve'
  | 'rules.manage'
  | 'alerts.read'
  | 'audit_log.read'
  | 'domain_blocks.read'
  | 'domain_blocks.manage';

/** Actions aimed at one account: who the target is matters. */
export type AccountAction =
  | 'account.warn'
  | 'account.suspend'
  | 'account.unsuspend'
  | 'account.unlock_sms'
  | 'account.reset_second_factors'
  | 'account.approve'
  | 'account.reject';

export type Action = InstanceAction | AccountAction;

type Target = Pick<Account, 'id' | 'role'>;

/** A refusal says why in English (`why`) and names it for the catalogues (`code`, src/i18n). */
export type Decision = { allowed: true } | { allowed: false; why: string; code: string };

const STAFF: readonly Role[] = ['moderator', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

/** SPEC §2, the roles table: which roles may take each instance-wide action. */
const INSTANCE_RULES: Record<InstanceAction, readonly Role[]> = {
  'admin_console.open': STAFF,
  'accounts.read': STAFF,
  // The emergency brake: any staff member may pull it; only an administrator releases it.
  'kill_switch.on': STAFF,
  'kill_switch.off': ADMIN,
  'sms_policy.read': STAFF,
  'sms_policy.set': ADMIN,
  'sms_traffic.read': STAFF,
  'advertisers.manage': ADMIN,
  'reports.read': STAFF,
  'reports.resolve': STAFF,
  'rules.manage': ADMIN,
  'alerts.read': STAFF,
  'audit_log.read': STAFF,
  'domain_blocks.read': STAFF,
  'domain_blocks.manage': ADMIN,
};

const ACCOUNT_ACTIONS: ReadonlySet<string> = new Set<AccountAction>([
  'account.warn',
  'account.suspend',
  'account.unsuspend',
  'account.unlock_sms',
  'account.reset_second_factors',
  'account.approve',
  'account.reject',
]);

const isAccountAction = (action: Action): action is AccountAction => ACCOUNT_ACTIONS.has(action);

const needs = (roles: readonly Role[]): Decision =>
  roles.includes('moderator')
    ? { allowed: false, why: 'This action needs a moderator or administrator', code: 'staff.needs_staff' }
    : { allowed: false, why: 'This action needs an administrator', code: 'staff.needs_admin' };
const OWN_ACCOUNT: Decision = {
  allowed: false,
  why: 'You cannot act on your own account here',
  code: 'staff.own_account',
};

/**
 * The one place that decides who may do what to whom. Every interface (API, web console,
 * CLI) asks it through the services; `can` lets a page hide a button it would refuse.
 */
export function decide(actor: Actor, action: InstanceAction): Decision;
export function decide(actor: Actor, action: AccountAction, target: Target): Decision;
export function decide(actor: Actor, action: Action, target?: Target): Decision {
  if (actor.kind === 'operator') return { allowed: true };
  const role = actor.account.role;
  if (!isAccountAction(action)) {
    const roles = INSTANCE_RULES[action];
    return roles.includes(role) ? { allowed: true } : needs(roles);
  }
  if (!STAFF.includes(role)) return needs(STAFF);
  if (!target) return { allowed: false, why: 'Which account?', code: 'staff.which_account' };
  // Moderators act on users only; administrators on anyone but themselves.
  if (role === 'moderator' && target.role !== 'user')
    return target.id === actor.account.id
      ? OWN_ACCOUNT
      : {
          allowed: false,
          why: 'Only an administrator can act on a moderator or administrator',
          code: 'staff.on_staff',
        };
  if (target.id === actor.account.id) return OWN_ACCOUNT;
  return { allowed: true };
}

export function can(actor: Actor, action: InstanceAction): boolean;
export function can(actor: Actor, action: AccountAction, target: Target): boolean;
export function can(actor: Actor, action: Action, target?: Target): boolean {
  return (target ? decide(actor, action as AccountAction, target) : decide(actor, action as InstanceAction)).allowed;
}

/** Throws the domain's `forbidden` when the policy says no. */
export function authorize(actor: Actor, action: InstanceAction): void;
export function authorize(actor: Actor, action: AccountAction, target: Target): void;
export function authorize(actor: Actor, action: Action, target?: Target): void {
  const decision = target ? decide(actor, action as AccountAction, target) : decide(actor, action as InstanceAction);
  if (!decision.allowed) throw forbidden(decision.why).coded(decision.code);
}

const MAX_REASON_LENGTH = 500;

/** Every staff action carries a reason for the audit log: trimmed, not empty, not a novel. */
export function checkedReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '')
    throw invalid('A reason is required for the audit log', { field: 'reason' }).coded('staff.reason_required');
  if (text.length > MAX_REASON_LENGTH)
    throw invalid(`The reason must be at most ${MAX_REASON_LENGTH} characters`, { field: 'reason' }).coded(
      'staff.reason_too_long',
      { max: MAX_REASON_LENGTH },
    );
  return text;
}

/** How the audit log names who acted: `account:<id>` or `cli:<operator>`. */
export function actorLabel(actor: Actor): string {
  return actor.kind === 'account' ? `account:${actor.account.id}` : `cli:${actor.name}`;
}

export const accountActor = (account: Pick<Account, 'id' | 'role'>): Actor => ({
  kind: 'account',
  account: { id: account.id, role: account.role },
});

export const operatorActor = (name: string): Actor => ({ kind: 'operator', name });
