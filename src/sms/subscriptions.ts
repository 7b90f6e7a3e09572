import type { Account, Microblog } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import type { SmsStore } from './ports.ts';

/** Refused: posts come by SMS only from accounts the person follows. */
export class NotFollowingError extends DomainError {
  readonly username: string;
  constructor(username: string) {
    super('conflict', `You don't follow @${username}. Follow them first to get their posts by SMS.`);
    this.username = username;
  }
}

/**
 * Whose posts reach a person by SMS (what texting FOLLOW / ON @name / OFF @name and the web
 * settings both change). Only accounts the person follows can be chosen, so a text never
 * carries posts the person could not see in their home timeline.
 */
export class SmsSubscriptions {
  private readonly store: SmsStore;
  private readonly microblog: Microblog;
  private readonly clock: Clock;
  constructor(store: SmsStore, microblog: Microblog, clock: Clock) {
    this.store = store;
    this.microblog = microblog;
    this.clock = clock;
  }

  /** Throws NotFollowingError unless `accountId` follows the target. */
  async subscribe(accountId: string, target: Account): Promise<void> {
    if (!(await this.microblog.isFollowing(accountId, target.id))) throw new NotFollowingError(target.username);
    await this.store.subscribe(accountId, target.id, this.clock.now());
  }

  unsubscribe(accountId: string, targetId: string): Promise<void> {
    return this.store.unsubscribe(accountId, targetId);
  }

  /** Accounts whose posts `accountId` gets by SMS, newest choice first. */
  subscriptionsOf(accountId: string, limit: number): Promise<string[]> {
    return this.store.subscriptionsOf(accountId, limit);
  }

  /** Which of `targetIds` the account gets by SMS. */
  subscribedAmong(accountId: string, targetIds: readonly string[]): Promise<Set<string>> {
    return this.store.subscribedAmong(accountId, targetIds);
  }
}
