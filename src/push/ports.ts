import type { PushAlerts, PushDelivery, PushPolicy, PushSubscription } from './model.ts';

export interface PushStore {
  /** Stores the token's subscription, replacing any it had (a new id, as on Mastodon). */
  replaceSubscription(subscription: PushSubscription, sealedToken: string): Promise<void>;
  subscriptionOfToken(tokenId: string): Promise<PushSubscription | null>;
  updateSubscription(tokenId: string, changes: { alerts: PushAlerts; policy: PushPolicy }, now: Date): Promise<void>;
  removeSubscriptionOfToken(tokenId: string): Promise<void>;
  removeSubscription(id: string): Promise<void>;
  /** The account's subscriptions whose access token is still valid; those of revoked tokens are removed. */
  liveSubscriptionsOf(accountId: string): Promise<PushSubscription[]>;
  /** Queues deliveries; one per subscription and notification however often it is asked. */
  enqueue(
    deliveries: { id: string; subscriptionId: string; accountId: string; notificationId: string }[],
    now: Date,
  ): Promise<void>;
  /**
   * Claims due deliveries (and ones whose holder's lease ran out) under a lease, so that of
   * several instances only one sends each. Deliveries of subscriptions whose token was revoked
   * are not claimed (the subscription goes with them).
   */
  claimDue(request: { owner: string; now: Date; leaseUntil: Date; limit: number }): Promise<PushDelivery[]>;
  /** Settles a claimed delivery; only its lease holder can. */
  settle(
    id: string,
    owner: string,
    status: 'sent' | 'skipped' | 'failed',
    error: string | null,
    now: Date,
  ): Promise<void>;
  retry(id: string, owner: string, error: string, nextAttemptAt: Date, now: Date): Promise<void>;
  /** Removes settled deliveries older than `before` and subscriptions of revoked tokens; returns how many rows went. */
  sweep(before: Date): Promise<number>;
}
