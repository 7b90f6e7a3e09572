import type { AuditLog } from '../audit/index.ts';
import type { Account } from '../core/model.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import { DEFAULT_LOCALE, t, type Locale, type MessageId } from '../i18n/index.ts';
import { authorize, checkedReason, type Acting, type Actor } from './permissions.ts';
import type { OutgoingMail, RegistrationStore } from './ports.ts';

export interface PendingApplication {
  account: Account;
  email: string | null;
  reason: string | null;
  createdAt: Date;
}

export interface RegistrationReviewDeps {
  store: RegistrationStore;
  /** By id, suspended or not (pending accounts are held suspended). */
  findAccount(accountId: string): Promise<Account | null>;
  setSuspended(accountId: string, suspended: boolean): Promise<unknown>;
  emailOf(accountId: string): Promise<string | null>;
  /** Tells the applicant by e-mail (they cannot sign in to read anything in the app yet). */
  mail(message: OutgoingMail): Promise<void>;
  audit: AuditLog;
  /** The language the account chose, for the e-mails about its application. */
  languageOf?: (accountId: string) => Promise<Locale | null>;
  clock: Clock;
  instanceName: string;
  publicUrl: string;
}

/**
 * Approval mode (and the fallback for sign-ups that could not solve the puzzle): an account
 * that waits is held suspended — hidden, no sign-in, no posting — until a moderator or
 * administrator approves it (the suspension lifts) or rejects it (it stays suspended and
 * its username and address stay taken). The permission policy decides who may; every
 * decision carries a reason, is audited, and the applicant hears of it by e-mail.
 */
export class RegistrationReview {
  private readonly deps: RegistrationReviewDeps;
  constructor(deps: RegistrationReviewDeps) {
    this.deps = deps;
  }

  /** Applications waiting, oldest first; staff and operators only. */
  async pending(actor: Actor, limit = 100): Promise<PendingApplication[]> {
    authorize(actor, 'accounts.read');
    const applications = await this.deps.store.applications('pending', Math.min(Math.max(limit, 1), 500));
    const rows = await Promise.all(
      applications.map(async (application) => {
        const account = await this.deps.findAccount(application.accountId);
        if (!account) return null;
        return {
          account,
          email: await this.deps.emailOf(application.accountId),
          reason: application.reason,
          createdAt: application.createdAt,
        };
      }),
    );
    return rows.filter((row): row is PendingApplication => row !== null);
  }

  async isWaiting(accountId: string): Promise<boolean> {
    return (await this.deps.store.application(accountId))?.status === 'pending';
  }

  async approve(target: Account, acting: Acting): Promise<void> {
    authorize(acting.actor, 'account.approve', target);
    const reason = checkedReason(acting.reason);
    if (!(await this.deps.store.decide(target.id, 'approved', this.deps.clock.now())))
      throw invalid(`@${target.username} is not waiting for approval`, { field: 'id' }).coded(
        'registration.not_waiting',
        { username: target.username },
      );
    await this.deps.setSuspended(target.id, false);
    await this.deps.audit.record(acting.actor, reason, 'account.approve', target.id, { username: target.username });
    await this.tell(target, null, 'mail.approved.subject', 'mail.approved.body');
  }

  async reject(target: Account, acting: Acting): Promise<void> {
    authorize(acting.actor, 'account.reject', target);
    const reason = checkedReason(acting.reason);
    if (!(await this.deps.store.decide(target.id, 'rejected', this.deps.clock.now())))
      throw invalid(`@${target.username} is not waiting for approval`, { field: 'id' }).coded(
        'registration.not_waiting',
        { username: target.username },
      );
    await this.deps.audit.record(acting.actor, reason, 'account.reject', target.id, { username: target.username });
    await this.tell(target, null, 'mail.rejected.subject', 'mail.rejected.body');
  }

  /** The applicant hears that the application arrived and what happens next. */
  async received(account: Account, locale: Locale | null = null): Promise<void> {
    await this.tell(account, locale, 'mail.waiting.subject', 'mail.waiting.body');
  }

  /** In the account's language, else the one it signed up in, else English. */
  private async tell(account: Account, signedUpIn: Locale | null, subject: MessageId, body: MessageId): Promise<void> {
    const email = await this.deps.emailOf(account.id);
    if (!email) return;
    const locale = (await this.deps.languageOf?.(account.id)) ?? signedUpIn ?? DEFAULT_LOCALE;
    const values = { instance: this.deps.instanceName, username: account.username, web: this.deps.publicUrl };
    await this.deps.mail({ to: email, subject: t(locale, subject, values), text: `${t(locale, body, values)}\n` });
  }
}
