import type { Account, FollowRequestListener, Microblog } from '../core/index.ts';
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
 *
 * A locked account is followed only once it accepts the request. Choosing it while the
 * request waits records the choice, and the posts start coming at acceptance, as FOLLOW
 * promised: the fan-out sends only to subscribers who are accepted followers at the time
 * of each post (SmsStore.smsRecipients joins the follows), so a recorded choice carries
 * nothing before then. A rejected or withdrawn request drops the choice.
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

  /**
   * Turns on texts of the target's posts: `active` when `accountId` follows the target,
   * `on_acceptance` when its follow request is still waiting. Throws NotFollowingError otherwise.
   */
  async subscribe(accountId: string, target: Account): Promise<'active' | 'on_acceptance'> {
    const relationship = await this.microblog.relationship(accountId, target.id);
    if (!relationship.following && !relationship.requested) throw new NotFollowingError(target.username);
    await this.store.subscribe(accountId, target.id, this.clock.now());
    return relationship.following ? 'active' : 'on_acceptance';
  }

  unsubscribe(accountId: string, targetId: string): Promise<void> {
    return this.store.unsubscribe(accountId, targetId);
  }

  /** Listener for Microblog.onFollowRequestClosed: a request that will not become a follow takes its texts with it. */
  readonly followRequestClosed: FollowRequestListener = async (request, outcome) => {
    if (outcome !== 'authorized') await this.store.unsubscribe(request.accountId, request.targetId);
  };

  /** Accounts whose posts `accountId` gets by SMS now (accepted follows only), newest choice first. */
  subscriptionsOf(accountId: string, limit: number): Promise<string[]> {
    return this.store.subscriptionsOf(accountId, limit);
  }

  /** Which of `targetIds` the account gets by SMS. */
  subscribedAmong(accountId: string, targetIds: readonly string[]): Promise<Set<string>> {
    return this.store.subscribedAmong(accountId, targetIds);
  }
}
