import type { AuditLog } from '../audit/index.ts';
import type { Account } from '../core/model.ts';
import type { NotifyOwner } from '../notices/index.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { authorize, checkedReason, type AccountAction, type Acting, type Actor } from './permissions.ts';

export interface ModerationDeps {
  /** By id or username, suspended or not. */
  findAccount(idOrUsername: string): Promise<Account | null>;
  setSuspended(accountId: string, suspended: boolean): Promise<unknown>;
  revokeAllSessions(accountId: string): Promise<number>;
  resetSecondFactors(accountId: string): Promise<void>;
  /** Clears an SMS posting lock (wrong PINs, SIM swap, "not me") and the count of wrong PINs. */
  unlockSmsPosting(accountId: string): Promise<void>;
  /** True while the account's sign-up waits for approval: then only approve or reject lift its hold. */
  waitingForApproval?(accountId: string): Promise<boolean>;
  audit: AuditLog;
  notifyOwner: NotifyOwner;
}

/**
 * What staff and operators may do to an account, the same from the admin API, the admin
 * console and the CLI: suspend (hidden everywhere, signed out, nothing deleted), lift it,
 * unlock SMS posting, and remove every second factor for an owner who lost them. The
 * permission policy decides who may act on whom; every action needs a reason and is audited.
 */
export class AccountModeration {
  private readonly deps: ModerationDeps;
  constructor(deps: ModerationDeps) {
    this.deps = deps;
  }

  /** The account staff look at or act on; asking is itself staff-only, so nobody else learns which exist. */
  async find(actor: Actor, idOrUsername: string): Promise<Account> {
    authorize(actor, 'accounts.read');
    const account = idOrUsername.length <= 60 ? await this.deps.findAccount(idOrUsername) : null;
    if (!account) throw notFound();
    return account;
  }

  async suspend(target: Account, acting: Acting): Promise<{ sessionsSignedOut: number }> {
    const reason = this.approve('account.suspend', target, acting);
    await this.deps.setSuspended(target.id, true);
    const sessionsSignedOut = await this.deps.revokeAllSessions(target.id);
    await this.deps.audit.record(acting.actor, reason, 'account.suspend', target.id, {
      username: target.username,
      sessions_signed_out: sessionsSignedOut,
    });
    return { sessionsSignedOut };
  }

  async unsuspend(target: Account, acting: Acting): Promise<void> {
    const reason = this.approve('account.unsuspend', target, acting);
    if (await this.deps.waitingForApproval?.(target.id))
      throw invalid(`@${target.username} is waiting for sign-up approval: approve or reject it instead`, {
        field: 'id',
      }).coded('registration.waiting', { username: target.username });
    await this.deps.setSuspended(target.id, false);
    await this.deps.audit.record(acting.actor, reason, 'account.unsuspend', target.id, { username: target.username });
  }

  /** A recorded warning that changes nothing (Mastodon's admin action `none`). */
  async warn(target: Account, acting: Acting): Promise<void> {
    const reason = this.approve('account.warn', target, acting);
    await this.deps.audit.record(acting.actor, reason, 'account.warn', target.id, { username: target.username });
  }

  /** Staff lift an SMS posting lock for an owner who cannot (no password at hand); the owner hears of it. */
  async unlockSmsPosting(target: Account, acting: Acting): Promise<void> {
    const reason = this.approve('account.unlock_sms', target, acting);
    await this.deps.unlockSmsPosting(target.id);
    await this.deps.audit.record(acting.actor, reason, 'sms.unlock', target.id, { username: target.username });
    await this.deps.notifyOwner(target.id, 'sms_posting_unlocked', { by: 'staff' });
  }

  /** Sessions stay signed out: whoever held them must sign in again, with the password and whatever factor the owner sets up next. */
  async resetSecondFactors(target: Account, acting: Acting): Promise<{ sessionsSignedOut: number }> {
    const reason = this.approve('account.reset_second_factors', target, acting);
    await this.deps.resetSecondFactors(target.id);
    const sessionsSignedOut = await this.deps.revokeAllSessions(target.id);
    await this.deps.audit.record(acting.actor, reason, 'account.reset_2fa', target.id, {
      username: target.username,
      sessions_signed_out: sessionsSignedOut,
    });
    await this.deps.notifyOwner(target.id, 'two_factor_changed', { change: 'reset_by_operator' });
    return { sessionsSignedOut };
  }

  /** The policy first (a refusal says nothing about the reason), then the reason. */
  private approve(action: AccountAction, target: Account, acting: Acting): string {
    authorize(acting.actor, action, target);
    return checkedReason(acting.reason);
  }
}
