import type { AuditEntry } from '../audit/index.ts';
import type {
  HeldMessage,
  HoldStatus,
  LockReason,
  SmsSecurityState,
  BoundPhone,
  CountryPolicy,
  InboundOutcome,
  KillSwitchState,
  NewOutboxMessage,
  OutboxMessage,
  OutboxStatus,
  SmsSettings,
} from './model.ts';

export interface InboundRecord {
  id: string;
  provider: string;
  providerMessageId: string;
  from: string;
  to: string;
  text: string;
  receivedAt: Date;
}

/** A text a number sent us, and what came of it (`received` while it is being handled). */
export interface ReceivedText {
  id: string;
  text: string;
  outcome: InboundOutcome | 'received';
  receivedAt: Date;
}

/** A batch of outbox rows this worker now owns until `leaseUntil`. */
export interface ClaimRequest {
  owner: string;
  now: Date;
  leaseUntil: Date;
  limit: number;
}

export interface FanoutJob {
  id: string;
  postId: string;
  authorId: string;
  afterAccountId: string | null;
}

/** A fan-out job this worker holds until `leaseUntil` (the lease it was claimed with). */
export interface ClaimedFanoutJob extends FanoutJob {
  leaseUntil: Date;
}

/** A follower who asked for an account's posts by SMS and can receive them now. */
export interface SmsRecipient {
  accountId: string;
  e164: string;
  country: string;
}

/** One bucket of SMS traffic for the admin console: messages in one minute, one provider, one status. */
export interface TrafficCount {
  /** UTC minute, `YYYY-MM-DDTHH:MM`. */
  minute: string;
  direction: 'in' | 'out';
  /** Outbound messages not yet handed to a provider count under `unassigned`. */
  provider: string;
  /** Outbound: the message status; inbound: the outcome. */
  status: string;
  count: number;
}

/** Outbound messages a provider took (sent, delivered or undelivered), per UTC day, country and provider. */
export interface SegmentCount {
  /** `YYYY-MM-DD`. */
  day: string;
  country: string;
  provider: string;
  messages: number;
  segments: number;
}

/**
 * Runs one unit of work so that its writes commit together with others' (group commit), and
 * settles only once they are durable (or rolled back). Units of the same `key` (a sender) are
 * committed in the order they came. The default runs it as it is.
 */
export type UnitOfWork = <T>(work: () => Promise<T>, key?: string) => Promise<T>;

/** Persistence the SMS channel needs. Implementations must make each method atomic. */
export interface SmsStore {
  // Phones
  phoneOfAccount(accountId: string): Promise<BoundPhone | null>;
  phoneByNumber(e164: string): Promise<BoundPhone | null>;
  /** Binds, replacing the account's previous number; false if the number is bound to another account. */
  bindPhone(phone: BoundPhone): Promise<boolean>;
  unbindPhone(accountId: string): Promise<void>;

  // Settings and subscriptions
  settings(accountId: string): Promise<SmsSettings>;
  updateSettings(accountId: string, changes: Partial<SmsSettings>, now: Date): Promise<SmsSettings>;
  subscribe(accountId: string, targetId: string, now: Date): Promise<void>;
  unsubscribe(accountId: string, targetId: string): Promise<void>;
  isSubscribed(accountId: string, targetId: string): Promise<boolean>;
  /** Which of these accounts `accountId` gets by SMS (one query for a page of a list). */
  subscribedAmong(accountId: string, targetIds: readonly string[]): Promise<Set<string>>;
  /** Accounts whose posts `accountId` gets by SMS now (subscribed and followed), newest subscription first. */
  subscriptionsOf(accountId: string, limit: number): Promise<string[]>;
  /** Whether anyone asked for this account's posts by SMS (most accounts: no one). */
  hasSubscribers(targetId: string): Promise<boolean>;
  /** Next page (by account id) of subscribers of `targetId` who can get content SMS now. */
  smsRecipients(targetId: string, afterAccountId: string | null, limit: number): Promise<SmsRecipient[]>;

  // Opt-outs (STOP), for any number, linked or not
  optOut(e164: string, now: Date): Promise<void>;
  optIn(e164: string): Promise<void>;
  isOptedOut(e164: string): Promise<boolean>;

  // Inbound log: the insert is the dedupe
  /** Records a message once; false when this provider message id was seen before. */
  recordInbound(record: InboundRecord): Promise<boolean>;
  /**
   * A retried message whose first handling never finished (the process died mid-way) is
   * taken over: returns its id if it was recorded before `staleBefore` and is unfinished.
   */
  takeOverUnfinishedInbound(
    provider: string,
    providerMessageId: string,
    staleBefore: Date,
    now: Date,
  ): Promise<string | null>;
  finishInbound(id: string, outcome: InboundOutcome, accountId: string | null, postId: string | null): Promise<void>;
  /** What a number texted us, newest first (the phone simulator's sent folder). */
  textsFrom(e164: string, limit: number): Promise<ReceivedText[]>;

  // Outbox
  enqueue(messages: readonly NewOutboxMessage[]): Promise<void>;
  claimDue(request: ClaimRequest): Promise<OutboxMessage[]>;
  /** `replaceText`: what to keep instead of the text once sent (security codes are not kept at rest). */
  markSent(
    id: string,
    owner: string,
    provider: string,
    providerMessageId: string,
    now: Date,
    replaceText?: string,
  ): Promise<void>;
  markRetry(id: string, owner: string, error: string, nextAttemptAt: Date, now: Date): Promise<void>;
  markFinal(
    id: string,
    owner: string | null,
    status: Extract<OutboxStatus, 'failed' | 'suppressed'>,
    error: string,
    now: Date,
  ): Promise<void>;
  applyReceipt(
    provider: string,
    providerMessageId: string,
    status: Extract<OutboxStatus, 'sent' | 'delivered' | 'failed' | 'undelivered'>,
    error: string | null,
    now: Date,
  ): Promise<boolean>;
  outboxMessage(id: string): Promise<OutboxMessage | null>;
  /** Drops receipts that never matched a message of ours (kept for a send that overtook them). */
  expireEarlyReceipts(before: Date): Promise<number>;
  /**
   * Applies receipts kept early whose message has since been recorded as sent (a receipt and the
   * send's bookkeeping can cross each other); returns how many were applied.
   */
  reconcileEarlyReceipts(now: Date, limit: number): Promise<number>;
  /** Newest first; the dev phone simulator and support tools read this. */
  messagesTo(e164: string, limit: number): Promise<OutboxMessage[]>;
  outboxCounts(): Promise<Record<string, number>>;

  // SMS notification fan-out jobs
  createFanoutJob(job: FanoutJob, now: Date): Promise<void>;
  claimFanoutJob(now: Date, leaseUntil: Date): Promise<ClaimedFanoutJob | null>;
  advanceFanoutJob(id: string, afterAccountId: string | null, done: boolean, now: Date): Promise<void>;
  /**
   * Queues one batch of a job's messages and moves the job past them in one transaction:
   * a crash leaves both or neither, so at most the messages in flight go out twice. False,
   * with nothing queued, when this worker's lease ran out and another worker holds the job.
   */
  queueFanoutBatch(
    job: ClaimedFanoutJob,
    messages: readonly NewOutboxMessage[],
    next: { afterAccountId: string | null; done: boolean },
    now: Date,
  ): Promise<boolean>;

  // Policy, kill switch, audit
  countryPolicies(): Promise<CountryPolicy[]>;
  setCountryPolicy(policy: CountryPolicy, audit: AuditEntry): Promise<void>;
  killSwitch(): Promise<KillSwitchState>;
  setKillSwitch(state: KillSwitchState, audit: AuditEntry): Promise<void>;

  // Trust gate state
  securityState(accountId: string): Promise<SmsSecurityState>;
  setPinHash(accountId: string, pinHash: string | null, now: Date): Promise<void>;
  /** Counts a wrong PIN; returns the failures so far. */
  recordPinFailure(accountId: string): Promise<number>;
  resetPinFailures(accountId: string): Promise<void>;
  lockPosting(accountId: string, reason: LockReason, now: Date): Promise<void>;
  unlockPosting(accountId: string, now: Date): Promise<void>;
  confirmSmsPosts(accountId: string, upToPostId: string): Promise<void>;
  /** Ids of the account's SMS posts newer than `afterPostId` (all of them when null). */
  smsPostIdsAfter(accountId: string, afterPostId: string | null): Promise<string[]>;
  /** Texts this number sent since each of `since` that were acted on or held (rate limits), in one query. */
  inboundCountsSince(e164: string, since: readonly Date[]): Promise<number[]>;
  /** The owner's SMS settings and the trust gate's state together (one row, one query). */
  gateState(accountId: string): Promise<{ settings: SmsSettings; security: SmsSecurityState }>;

  createHold(hold: HeldMessage): Promise<void>;
  holds(accountId: string, status: HoldStatus | null, limit: number): Promise<HeldMessage[]>;
  hold(id: string): Promise<HeldMessage | null>;
  /** Moves a pending hold to a decision; false if it was not pending (decided twice, or raced). */
  decideHold(id: string, status: Exclude<HoldStatus, 'pending'>, now: Date): Promise<boolean>;

  // Reply throttling ("at most one such reply per number per period")
  /** Atomically: true (and records now) if no reply of this kind went to the number since `since`. */
  takeReplySlot(number: string, kind: string, since: Date, now: Date): Promise<boolean>;

  // Traffic (admin console)
  /** Inbound texts by provider and outcome, outbound by provider and status, per minute since `since`. */
  trafficSince(since: Date): Promise<TrafficCount[]>;
  /** What providers were handed since `since`, for cost estimates (suppressed and queued texts cost nothing). */
  segmentsSince(since: Date): Promise<SegmentCount[]>;
}
