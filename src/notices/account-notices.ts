import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { AccountNotice, NoticeKind } from './model.ts';
import type { NoticeStore } from './ports.ts';

/** Another way to reach the owner (e-mail, push); failures never stop the notice being stored. */
export type NoticeChannel = (notice: AccountNotice) => Promise<void>;

/** How a domain service tells an owner something, without knowing the channels. */
export type NotifyOwner = (accountId: string, kind: NoticeKind, details: Record<string, unknown>) => Promise<void>;

/**
 * Tells an account's owner, on every non-SMS channel they have, what happened to their
 * account (an SMS post, a SIM swap, a password reset, a new passkey …). The in-app record
 * is always written; extra channels (e-mail) are added by the composition root. Nothing
 * here ever sends an SMS: the phone may be in the wrong hands.
 */
export class AccountNotices {
  private readonly channels: NoticeChannel[] = [];

  private readonly store: NoticeStore;
  private readonly clock: Clock;
  private readonly reportError: (error: unknown) => void;
  constructor(store: NoticeStore, clock: Clock, reportError: (error: unknown) => void = () => {}) {
    this.store = store;
    this.clock = clock;
    this.reportError = reportError;
  }

  addChannel(channel: NoticeChannel): void {
    this.channels.push(channel);
  }

  async notify(accountId: string, kind: NoticeKind, details: Record<string, unknown> = {}): Promise<AccountNotice> {
    const now = this.clock.now();
    const notice: AccountNotice = { id: newId(now.getTime()), accountId, kind, details, createdAt: now };
    await this.store.addNotice(notice);
    for (const channel of this.channels) await channel(notice).catch(this.reportError);
    return notice;
  }

  list(accountId: string, limit = 50): Promise<AccountNotice[]> {
    return this.store.notices(accountId, limit);
  }

  /** New notices the owner has not looked at: the in-app sign that something happened. */
  unread(accountId: string): Promise<number> {
    return this.store.unreadNotices(accountId);
  }

  markRead(accountId: string): Promise<void> {
    return this.store.markNoticesRead(accountId, this.clock.now());
  }
}
