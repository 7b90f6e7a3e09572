import webpush from 'web-push';
import type { Microblog, NotificationView } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { isPublicAddress } from '../shared/network.ts';
import {
  PUSH_ALERTS,
  PUSH_POLICIES,
  type PushAlert,
  type PushAlerts,
  type PushDelivery,
  type PushPolicy,
  type PushSubscription,
  type VapidKeys,
} from './model.ts';
import type { PushStore } from './ports.ts';
import type { PushTransport } from './transport.ts';

/** A fresh VAPID key pair (done once per instance, then kept). */
export function generateVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}

export interface SubscribeInput {
  endpoint: string;
  p256dh: string;
  auth: string;
  alerts?: Partial<Record<string, boolean>>;
  policy?: string;
}

interface TokenRef {
  id: string;
  accountId: string;
}

const NO_ALERTS = Object.fromEntries(PUSH_ALERTS.map((a) => [a, false])) as PushAlerts;

/**
 * Web Push subscriptions (Mastodon's `/api/v1/push/subscription`): one per access token,
 * read and changed only through that token, gone when it is revoked.
 */
export class PushSubscriptions {
  private readonly store: PushStore;
  private readonly clock: Clock;
  private readonly seal: (plain: string) => Promise<string>;
  private readonly allowInsecure: boolean;
  constructor(deps: {
    store: PushStore;
    clock: Clock;
    seal: (plain: string) => Promise<string>;
    allowInsecureEndpoints: boolean;
  }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.seal = deps.seal;
    this.allowInsecure = deps.allowInsecureEndpoints;
  }

  /** `rawToken` is the access token the app presented: Mastodon's payload hands it back to the app. */
  async subscribe(token: TokenRef, rawToken: string, input: SubscribeInput): Promise<PushSubscription> {
    const endpoint = this.checkedEndpoint(input.endpoint);
    const keys = { p256dh: checkedKey(input.p256dh, 65, 'p256dh'), auth: checkedKey(input.auth, 16, 'auth') };
    const now = this.clock.now();
    const subscription: PushSubscription = {
      id: newId(now.getTime()),
      tokenId: token.id,
      accountId: token.accountId,
      endpoint,
      keys,
      alerts: mergeAlerts(NO_ALERTS, input.alerts),
      policy: checkedPolicy(input.policy) ?? 'all',
      createdAt: now,
    };
    await this.store.replaceSubscription(subscription, await this.seal(rawToken));
    return subscription;
  }

  async get(token: TokenRef): Promise<PushSubscription> {
    const subscription = await this.store.subscriptionOfToken(token.id);
    if (!subscription) throw notFound('Record not found');
    return subscription;
  }

  async update(
    token: TokenRef,
    changes: { alerts?: Partial<Record<string, boolean>>; policy?: string },
  ): Promise<PushSubscription> {
    const current = await this.get(token);
    const alerts = mergeAlerts(current.alerts, changes.alerts);
    const policy = checkedPolicy(changes.policy) ?? current.policy;
    await this.store.updateSubscription(token.id, { alerts, policy }, this.clock.now());
    return { ...current, alerts, policy };
  }

  async remove(token: TokenRef): Promise<void> {
    await this.store.removeSubscriptionOfToken(token.id);
  }

  private checkedEndpoint(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw invalid('subscription[endpoint] is not a URL', { field: 'subscription[endpoint]' });
    }
    if (url.username || url.password)
      throw invalid('subscription[endpoint] must not carry credentials', { field: 'subscription[endpoint]' });
    if (this.allowInsecure) {
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw invalid('subscription[endpoint] must be an https URL', { field: 'subscription[endpoint]' });
      return url.toString();
    }
    if (url.protocol !== 'https:')
      throw invalid('subscription[endpoint] must be an https URL', { field: 'subscription[endpoint]' });
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const literal = /^[\d.]+$/.test(host) || host.includes(':');
    if (
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      (literal && !isPublicAddress(host)) ||
      (!host.includes('.') && !literal)
    )
      throw invalid('subscription[endpoint] must be a public push service', { field: 'subscription[endpoint]' });
    return url.toString();
  }
}

function checkedKey(value: string, bytes: number, name: string): string {
  const trimmed = value.trim().replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const field = `subscription[keys][${name}]`;
  if (!/^[A-Za-z0-9_-]+$/.test(trimmed) || Buffer.from(trimmed, 'base64url').length !== bytes)
    throw invalid(`${field} must be ${bytes} bytes in URL-safe base64`, { field });
  if (name === 'p256dh' && Buffer.from(trimmed, 'base64url')[0] !== 4)
    throw invalid(`${field} must be an uncompressed P-256 public key`, { field });
  return trimmed;
}

function checkedPolicy(policy: string | undefined): PushPolicy | null {
  if (policy === undefined) return null;
  if (!(PUSH_POLICIES as readonly string[]).includes(policy))
    throw invalid(`data[policy] must be one of ${PUSH_POLICIES.join(', ')}`, { field: 'data[policy]' });
  return policy as PushPolicy;
}

function mergeAlerts(base: PushAlerts, changes: Partial<Record<string, boolean>> | undefined): PushAlerts {
  const alerts = { ...base };
  for (const [name, on] of Object.entries(changes ?? {})) {
    if ((PUSH_ALERTS as readonly string[]).includes(name) && typeof on === 'boolean') alerts[name as PushAlert] = on;
  }
  return alerts;
}

// ── Delivery ──────────────────────────────────────────────────────────────────

const TITLES: Record<string, (name: string) => string> = {
  mention: (name) => `You were mentioned by ${name}`,
  status: (name) => `${name} just posted`,
  reblog: (name) => `${name} boosted your post`,
  follow: (name) => `${name} is now following you`,
  follow_request: (name) => `Pending follower: ${name}`,
  favourite: (name) => `${name} favourited your post`,
  poll: (name) => `A poll by ${name} has ended`,
  update: (name) => `${name} edited a post`,
  'admin.sign_up': (name) => `${name} signed up`,
  'admin.report': (name) => `${name} filed a report`,
};

/**
 * What is pushed (Mastodon's payload, so apps render it unchanged): the app's own token (so it
 * knows which account), ids, a title naming who acted, and at most 140 characters of the post
 * or of the actor's bio. Never a phone number, an e-mail address or anything of the account's
 * settings; the push service sees only ciphertext.
 */
function pushPayload(view: NotificationView, accessToken: string, avatarUrl: string) {
  const name = view.from.displayName.trim() || view.from.username;
  const post = view.post?.post;
  const raw = (post?.spoilerText || post?.text || view.from.note).replace(/\s+/g, ' ').trim();
  const chars = [...raw];
  const body = chars.length > 140 ? `${chars.slice(0, 139).join('')}…` : raw;
  return {
    access_token: accessToken,
    preferred_locale: 'en',
    notification_id: view.notification.id,
    notification_type: view.notification.type,
    icon: avatarUrl,
    title: (TITLES[view.notification.type] ?? ((n: string) => `New notification from ${n}`))(name),
    body,
  };
}

/** Queues a push for each of the recipient's subscriptions when notifications are stored. */
export class PushNotifier {
  private readonly store: PushStore;
  private readonly clock: Clock;
  private readonly wake: () => void;
  constructor(store: PushStore, clock: Clock, wake: () => void) {
    this.store = store;
    this.clock = clock;
    this.wake = wake;
  }

  readonly notified = async (notifications: readonly { id: string; accountId: string }[]): Promise<void> => {
    const now = this.clock.now();
    const rows: { id: string; subscriptionId: string; accountId: string; notificationId: string }[] = [];
    const byAccount = new Map<string, PushSubscription[]>();
    for (const n of notifications) {
      let subscriptions = byAccount.get(n.accountId);
      if (!subscriptions) {
        subscriptions = await this.store.liveSubscriptionsOf(n.accountId);
        byAccount.set(n.accountId, subscriptions);
      }
      for (const s of subscriptions) {
        if (s.policy === 'none' || !Object.values(s.alerts).some(Boolean)) continue;
        rows.push({ id: newId(now.getTime()), subscriptionId: s.id, accountId: n.accountId, notificationId: n.id });
      }
    }
    if (rows.length === 0) return;
    await this.store.enqueue(rows, now);
    this.wake();
  };
}

export interface PushDispatcherOptions {
  owner: string;
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  pollMs: number;
  /** How long push services keep an undelivered message (Mastodon: 48 hours). */
  ttlSeconds: number;
}

const DEFAULTS: Omit<PushDispatcherOptions, 'owner'> = {
  batchSize: 50,
  leaseMs: 60_000,
  maxAttempts: 6,
  baseBackoffMs: 5_000,
  maxBackoffMs: 30 * 60_000,
  pollMs: 1_000,
  ttlSeconds: 48 * 3600,
};

export interface PushDispatchEvents {
  sent?(delivery: PushDelivery): void;
  failed?(delivery: PushDelivery, error: string, final: boolean): void;
  gone?(delivery: PushDelivery): void;
  error?(error: unknown, context: string): void;
}

/**
 * Delivers queued pushes as the SMS outbox does: claims under a lease in the store (so of
 * several instances exactly one sends each), checks the subscription's alerts and policy
 * against the notification as it is now (a dismissed or since-muted one is skipped), encrypts
 * the payload per RFC 8291 (aes128gcm) with a VAPID signature through the `web-push` library,
 * retries with exponential back-off, and removes the subscription when the push service says
 * it is gone (404 or 410).
 */
export class PushDispatcher {
  private readonly options: PushDispatcherOptions;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly deps: {
    store: PushStore;
    microblog: Microblog;
    clock: Clock;
    transport: PushTransport;
    vapid: () => Promise<VapidKeys>;
    subject: string;
    open: (sealed: string) => Promise<string>;
    avatarUrl: (accountId: string) => string;
    events?: PushDispatchEvents;
  };
  constructor(deps: PushDispatcher['deps'], options: Partial<PushDispatcherOptions> & { owner: string }) {
    this.deps = deps;
    this.options = { ...DEFAULTS, ...options };
  }

  async runOnce(): Promise<number> {
    const now = this.deps.clock.now();
    const batch = await this.deps.store.claimDue({
      owner: this.options.owner,
      now,
      leaseUntil: new Date(now.getTime() + this.options.leaseMs),
      limit: this.options.batchSize,
    });
    for (const delivery of batch) await this.deliver(delivery);
    return batch.length;
  }

  private async deliver(delivery: PushDelivery): Promise<void> {
    const { store, clock, events } = this.deps;
    const owner = this.options.owner;
    const subscription = delivery.subscription;
    const view = await this.deps.microblog
      .notification(subscription.accountId, delivery.notificationId)
      .catch(() => null);
    const skip = !view ? 'notification gone or hidden' : await this.whyNot(subscription, view);
    if (skip || !view) {
      await store.settle(delivery.id, owner, 'skipped', skip, clock.now());
      return;
    }
    let status: number;
    try {
      const keys = await this.deps.vapid();
      const payload = pushPayload(view, await this.deps.open(delivery.sealedToken), this.deps.avatarUrl(view.from.id));
      const details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: subscription.keys },
        JSON.stringify(payload),
        {
          vapidDetails: { subject: this.deps.subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          TTL: this.options.ttlSeconds,
          contentEncoding: 'aes128gcm',
          urgency: 'normal',
        },
      );
      status = await this.deps.transport({
        endpoint: details.endpoint,
        headers: details.headers as Record<string, string | number>,
        body: (details.body as Buffer | null) ?? null,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = (error as { code?: string }).code === 'EPRIVATE';
      return this.failed(delivery, message, final);
    }
    const now = clock.now();
    if (status >= 200 && status < 300) {
      await store.settle(delivery.id, owner, 'sent', null, now);
      events?.sent?.(delivery);
    } else if (status === 404 || status === 410) {
      // The device unsubscribed or the push service forgot it: so do we.
      await store.removeSubscription(subscription.id);
      events?.gone?.(delivery);
    } else {
      await this.failed(delivery, `push service answered ${status}`, status !== 429 && status < 500);
    }
  }

  private async failed(delivery: PushDelivery, error: string, permanent: boolean): Promise<void> {
    const now = this.deps.clock.now();
    const attempts = delivery.attempts + 1;
    if (permanent || attempts >= this.options.maxAttempts) {
      await this.deps.store.settle(delivery.id, this.options.owner, 'failed', error, now);
      this.deps.events?.failed?.(delivery, error, true);
      return;
    }
    const backoff = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempts - 1));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    await this.deps.store.retry(delivery.id, this.options.owner, error, new Date(now.getTime() + jittered), now);
    this.deps.events?.failed?.(delivery, error, false);
  }

  /** Why this notification is not pushed to this subscription, or null. */
  private async whyNot(subscription: PushSubscription, view: NotificationView): Promise<string | null> {
    const type = view.notification.type;
    if (!(PUSH_ALERTS as readonly string[]).includes(type) || !subscription.alerts[type as PushAlert])
      return `alert ${type} is off`;
    const me = subscription.accountId;
    const them = view.from.id;
    switch (subscription.policy) {
      case 'all':
        return null;
      case 'none':
        return 'policy none';
      case 'followed':
        return (await this.deps.microblog.isFollowing(me, them)) ? null : 'policy followed';
      case 'follower':
        return (await this.deps.microblog.isFollowing(them, me)) ? null : 'policy follower';
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (error) {
        this.deps.events?.error?.(error, 'push dispatch');
      }
      if (handled === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = null;
      }
    }
  }
}
