import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/core/index.ts';
import {
  accountActor,
  authorize,
  can,
  checkedReason,
  decide,
  operatorActor,
  type AccountAction,
  type InstanceAction,
} from '../../src/security/index.ts';
import { DomainError } from '../../src/shared/errors.ts';

/** SPEC §2, written out again by hand: the test fails if the policy drifts from the spec. */
const INSTANCE_TABLE: Record<InstanceAction, Record<Role, boolean>> = {
  'admin_console.open': { user: false, moderator: true, admin: true },
  'accounts.read': { user: false, moderator: true, admin: true },
  'kill_switch.on': { user: false, moderator: true, admin: true },
  'kill_switch.off': { user: false, moderator: false, admin: true },
  'sms_policy.read': { user: false, moderator: true, admin: true },
  'sms_policy.set': { user: false, moderator: false, admin: true },
  'sms_traffic.read': { user: false, moderator: true, admin: true },
  'advertisers.manage': { user: false, moderator: false, admin: true },
  'reports.read': { user: false, moderator: true, admin: true },
  'reports.resolve': { user: false, moderator: true, admin: true },
  'rules.manage': { user: false, moderator: false, admin: true },
  'alerts.read': { user: false, moderator: true, admin: true },
  'audit_log.read': { user: false, moderator: true, admin: true },
  'domain_blocks.read': { user: false, moderator: true, admin: true },
  'domain_blocks.manage': { user: false, moderator: false, admin: true },
};

type TargetKind = 'user' | 'moderator' | 'admin' | 'self';
/** "yes, not of staff" for moderators; "yes, not of themselves" for administrators. */
const ACCOUNT_TABLE: Record<Role, Record<TargetKind, boolean>> = {
  user: { user: false, moderator: false, admin: false, self: false },
  moderator: { user: true, moderator: false, admin: false, self: false },
  admin: { user: true, moderator: true, admin: true, self: false },
};
const ACCOUNT_ACTIONS: AccountAction[] = [
  'account.warn',
  'account.suspend',
  'account.unsuspend',
  'account.unlock_sms',
  'account.reset_second_factors',
  'account.approve',
  'account.reject',
];
const ROLES: Role[] = ['user', 'moderator', 'admin'];

describe('the permission policy (SPEC §2 roles table)', () => {
  for (const [action, byRole] of Object.entries(INSTANCE_TABLE) as [InstanceAction, Record<Role, boolean>][]) {
    for (const role of ROLES) {
      it(`${role} ${byRole[role] ? 'may' : 'may not'} ${action}`, () => {
        const actor = accountActor({ id: '1', role });
        expect(can(actor, action)).toBe(byRole[role]);
        if (byRole[role]) expect(() => authorize(actor, action)).not.toThrow();
        else expect(() => authorize(actor, action)).toThrow(expect.objectContaining({ kind: 'forbidden' }));
      });
    }
  }

  for (const action of ACCOUNT_ACTIONS) {
    for (const role of ROLES) {
      for (const targetKind of ['user', 'moderator', 'admin', 'self'] as TargetKind[]) {
        const allowed = ACCOUNT_TABLE[role][targetKind];
        it(`${role} ${allowed ? 'may' : 'may not'} ${action} of ${targetKind === 'self' ? 'themselves' : `a ${targetKind}`}`, () => {
          const actor = accountActor({ id: '1', role });
          const target = targetKind === 'self' ? { id: '1', role } : { id: '2', role: targetKind };
          expect(can(actor, action, target)).toBe(allowed);
          const decision = decide(actor, action, target);
          if (!decision.allowed) expect(decision.why).toMatch(/administrator|moderator|own account/);
        });
      }
    }
  }

  it('lets the operator at the CLI do everything (shell access)', () => {
    const operator = operatorActor('ops');
    for (const action of Object.keys(INSTANCE_TABLE) as InstanceAction[]) expect(can(operator, action)).toBe(true);
    for (const action of ACCOUNT_ACTIONS)
      for (const role of ROLES) expect(can(operator, action, { id: '2', role })).toBe(true);
  });

  it('requires a reason: trimmed, not empty, at most 500 characters', () => {
    expect(checkedReason('  spam wave  ')).toBe('spam wave');
    for (const bad of ['', '   ', undefined, null, 42, 'x'.repeat(501)]) {
      expect(() => checkedReason(bad)).toThrow(DomainError);
      try {
        checkedReason(bad);
      } catch (error) {
        expect(error).toMatchObject({ kind: 'invalid', details: { field: 'reason' } });
      }
    }
    expect(checkedReason('x'.repeat(500))).toHaveLength(500);
  });
});
