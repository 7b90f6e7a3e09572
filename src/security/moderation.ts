import type { Account } from '../core/model.ts';
import { forbidden, invalid } from '../shared/errors.ts';

/** Who acts: a staff account (with its role) or an operator at the CLI, with the reason for the audit log. */
export interface Moderator {
  /** As recorded in the audit log: `account:<id>` or `cli:<name>`. */
  id: string;
  reason: string;
  /** The staff account acting, if any; operators at the CLI have none and may act on anyone. */
  account?: Pick<Account, 'id' | 'role'>;
}

export interface ModerationDeps {
  setSuspended(accountId: string, suspended: boolean): Promise<unknown>;
  revokeAllSessions(accountId: string): Promise<number>;
  resetSecondFactors(accountId: string): Promise<void>;
  audit(actor: Moderator, action: string, subject: string, details: Record<string, unknown>): Promise<void>;
  notifyOwner(accountId: string, kind: string, details: Record<string, unknown>): Promise<void>;
}

/**
 * What staff and operators may do to an account, the same from the admin API, the admin
 * console and the CLI: suspend (hidden everywhere, signed out, nothing deleted), lift it,
 * and remove every second factor for an owner who lost them. Every action is audited.
 */
export class AccountModeration {
  private readonly deps: ModerationDeps;
  constructor(deps: ModerationDeps) {
    this.deps = deps;
  }

  async suspend(target: Account, actor: Moderator): Promise<{ sessionsSignedOut: number }> {
    this.checkMayAct(target, actor);
    await this.deps.setSuspended(target.id, true);
    const sessionsSignedOut = await this.deps.revokeAllSessions(target.id);
    await this.deps.audit(actor, 'account.suspend', target.id, {
      username: target.username,
      sessions_signed_out: sessionsSignedOut,
    });
    return { sessionsSignedOut };
  }

  async unsuspend(target: Account, actor: Moderator): Promise<void> {
    this.checkMayAct(target, actor);
    await this.deps.setSuspended(target.id, false);
    await this.deps.audit(actor, 'account.unsuspend', target.id, { username: target.username });
  }

  /** Sessions stay signed out: whoever held them must sign in again, with the password and whatever factor the owner sets up next. */
  async resetSecondFactors(target: Account, actor: Moderator): Promise<{ sessionsSignedOut: number }> {
    this.checkMayAct(target, actor);
    await this.deps.resetSecondFactors(target.id);
    const sessionsSignedOut = await this.deps.revokeAllSessions(target.id);
    await this.deps.audit(actor, 'account.reset_2fa', target.id, {
      username: target.username,
      sessions_signed_out: sessionsSignedOut,
    });
    await this.deps.notifyOwner(target.id, 'two_factor_changed', { change: 'reset_by_operator' });
    return { sessionsSignedOut };
  }

  private checkMayAct(target: Account, actor: Moderator): void {
    if (!actor.account) return;
    if (actor.account.id === target.id) throw invalid('You cannot act on your own account here');
    if (target.role === 'admin' && actor.account.role !== 'admin')
      throw forbidden('Only an administrator can act on an administrator');
  }
}
