/** The notification kinds a Web Push subscription can ask for (Mastodon's `data[alerts]`). */
export const PUSH_ALERTS = [
  'mention',
  'status',
  'reblog',
  'follow',
  'follow_request',
  'favourite',
  'poll',
  'update',
  'admin.sign_up',
  'admin.report',
] as const;
export type PushAlert = (typeof PUSH_ALERTS)[number];

/** Whose notifications are pushed: everyone's, accounts the owner follows, its followers, or nobody's. */
export const PUSH_POLICIES = ['all', 'followed', 'follower', 'none'] as const;
export type PushPolicy = (typeof PUSH_POLICIES)[number];

export type PushAlerts = Record<PushAlert, boolean>;

/** One app's subscription: each access token has at most one. */
export interface PushSubscription {
  id: string;
  tokenId: string;
  accountId: string;
  /** Where the push service takes messages for this device (https in production). */
  endpoint: string;
  /** The device's P-256 public key and auth secret (URL-safe base64), for RFC 8291 encryption. */
  keys: { p256dh: string; auth: string };
  alerts: PushAlerts;
  policy: PushPolicy;
  createdAt: Date;
}

/** A notification waiting to be pushed to one subscription. */
export interface PushDelivery {
  id: string;
  notificationId: string;
  attempts: number;
  subscription: PushSubscription;
  /** The subscription's access token, sealed (Mastodon's payload carries it). */
  sealedToken: string;
}

/** The instance's VAPID key pair (URL-safe base64, as Web Push clients and the library expect). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}
