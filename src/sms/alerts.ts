import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { SecurityEvent, SecurityEventKind } from './model.ts';
import type { SmsStore } from './ports.ts';

/** Another way to reach the owner (e-mail, push); failures never stop the alert being stored. */
export type AlertChannel = (event: SecurityEvent) => Promise<void>;

/**
 * Tells an account's owner, on every non-SMS channel they have, what happened through
 * SMS. The in-app record is always written; extra channels (e-mail) are added by the
 * composition root. Nothing here ever sends an SMS: the phone may be in the wrong hands.
 */
export class OwnerAlerts {
  private readonly channels: AlertChannel[] = [];

  private readonly store: SmsStore;
  private readonly clock: Clock;
  private readonly reportError: (error: unknown) => void;
  constructor(store: SmsStore, clock: Clock, reportError: (error: unknown) => void = () => {}) {
    this.store = store;
    this.clock = clock;
    this.reportError = reportError;
  }

  addChannel(channel: AlertChannel): void {
    this.channels.push(channel);
  }

  async alert(
    accountId: string,
    kind: SecurityEventKind,
    details: Record<string, unknown> = {},
  ): Promise<SecurityEvent> {
    const now = this.clock.now();
    const event: SecurityEvent = { id: newId(now.getTime()), accountId, kind, details, createdAt: now };
    await this.store.addSecurityEvent(event);
    for (const channel of this.channels) await channel(event).catch(this.reportError);
    return event;
  }

  list(accountId: string, limit = 50): Promise<SecurityEvent[]> {
    return this.store.securityEvents(accountId, limit);
  }

  /** New events the owner has not looked at: the in-app notice that something happened. */
  unread(accountId: string): Promise<number> {
    return this.store.unreadSecurityEvents(accountId);
  }

  markRead(accountId: string): Promise<void> {
    return this.store.markSecurityEventsRead(accountId, this.clock.now());
  }
}
