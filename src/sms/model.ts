/**
 * Why a message is sent decides whether it may be sent. Security messages (codes) are
 * never stopped by the kill switch or country content policy; compliance messages
 * (STOP/START/HELP answers, which carriers require) are answers to a text the person sent;
 * content is everything else and obeys the kill switch, country policy and opt-outs.
 */
export type MessageClass = 'security' | 'compliance' | 'content';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'undelivered' | 'suppressed';

export interface OutboxMessage {
  id: string;
  to: string;
  country: string;
  text: string;
  messageClass: MessageClass;
  /** What the message is for, e.g. `phone_verification`, `command_reply`, `post_notification`. */
  purpose: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  accountId: string | null;
  postId: string | null;
  /** A premium short code's `linkId`: this message answers that text (Africa's Talking on-demand). */
  replyLink: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewOutboxMessage {
  id: string;
  to: string;
  country: string;
  text: string;
  messageClass: MessageClass;
  purpose: string;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  accountId: string | null;
  postId: string | null;
  replyLink?: string | null;
  createdAt: Date;
}

export interface CountryPolicy {
  /** ISO 3166-1 alpha-2. */
  country: string;
  posting: boolean;
  notifications: boolean;
  /** Security messages (codes) to numbers of this country; null follows SPARROW_SECURITY_SMS_COUNTRIES. */
  security: boolean | null;
  updatedAt: Date;
  updatedBy: string;
}

export interface KillSwitchState {
  enabled: boolean;
  reason: string;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export interface SmsSettings {
  /** The owner allowed posting by SMS from a non-SMS channel (off by default). */
  posting: boolean;
  /** SMS notifications at all (ON / OFF). */
  notifications: boolean;
}

export interface BoundPhone {
  accountId: string;
  e164: string;
  country: string;
  verifiedAt: Date;
}

export type InboundOutcome =
  | 'posted'
  | 'command'
  | 'opted_out'
  | 'opted_in'
  | 'help'
  | 'unknown_number'
  | 'refused_settings'
  | 'refused_suspended'
  | 'refused_locked'
  | 'refused_pin'
  | 'refused_policy'
  | 'refused_kill_switch'
  | 'held'
  | 'rejected'
  | 'invalid_number';

export type LockReason = 'sim_swap' | 'pin' | 'not_me';

/** What the trust gate keeps per account besides the owner's choices. */
export interface SmsSecurityState {
  pinHash: string | null;
  pinFailures: number;
  lockedAt: Date | null;
  lockReason: LockReason | null;
  /** Id of the newest SMS post the owner confirmed as theirs. */
  confirmedUntil: string | null;
}

export type HoldReason = 'sim_swap' | 'sim_swap_unavailable' | 'rate_limit';
export type HoldStatus = 'pending' | 'released' | 'discarded';

/** An inbound text that passed authentication but not the trust gate; the owner decides. */
export interface HeldMessage {
  id: string;
  accountId: string;
  inboundId: string;
  /** The text without the posting PIN (a PIN is never stored in clear). */
  text: string;
  reason: HoldReason;
  status: HoldStatus;
  createdAt: Date;
  decidedAt: Date | null;
}
