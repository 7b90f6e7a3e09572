import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import { analyseSms } from './encoding.ts';
import type { MessageClass, NewOutboxMessage, OutboxMessage } from './model.ts';
import type { SmsStore } from './ports.ts';
import type { SmsPolicy } from './policy.ts';
import type { DeliveryReceipt, SmsProvider } from './providers/types.ts';

export interface OutgoingSms {
  to: string;
  country: string;
  text: string;
  messageClass: MessageClass;
  purpose: string;
  accountId?: string | null;
  postId?: string | null;
  /** The inbound text's premium `linkId`, when this answers it (Africa's Talking). */
  replyLink?: string | null;
}

/** Purposes that still go to a number that sent STOP: the one confirmation, and HELP. */
const ALLOWED_AFTER_STOP = new Set(['stop_confirmation', 'help']);

/** The write side of the durable queue: callers enqueue, the dispatcher delivers. */
export class Outbox {
  private readonly store: SmsStore;
  private readonly clock: Clock;
  private readonly wake: () => void;
  constructor(
    store: SmsStore,
    clock: Clock,
    /** Woken after enqueue so a waiting dispatcher in this process sends at once. */
    wake: () => void = () => {},
  ) {
    this.store = store;
    this.clock = clock;
    this.wake = wake;
  }

  async enqueue(messages: readonly OutgoingSms[]): Promise<string[]> {
    if (messages.length === 0) return [];
    return this.enqueueWith(messages, async (rows) => {
      await this.store.enqueue(rows);
      return rows.map((r) => r.id);
    });
  }

  /**
   * Enqueues through `write`, which stores the rows together with another change in one
   * transaction (a fan-out job's progress); whatever `write` answers is passed back.
   */
  async enqueueWith<T>(messages: readonly OutgoingSms[], write: (rows: NewOutboxMessage[]) => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const rows: NewOutboxMessage[] = messages.map((m) => {
      const analysis = analyseSms(m.text);
      return {
        id: newId(now.getTime()),
        to: m.to,
        country: m.country,
        text: m.text,
        messageClass: m.messageClass,
        purpose: m.purpose,
        encoding: analysis.encoding,
        segments: analysis.segments,
        accountId: m.accountId ?? null,
        postId: m.postId ?? null,
        replyLink: m.replyLink ?? null,
        createdAt: now,
      };
    });
    const written = await write(rows);
    if (rows.length > 0) this.wake();
    return written;
  }

  /** What a number has been texted: messages that left the queue (sent, delivered, failed or suppressed), newest first. */
  async sentTo(e164: string, limit = 100): Promise<OutboxMessage[]> {
    return (await this.store.messagesTo(e164, limit)).filter((m) => m.status !== 'queued' && m.status !== 'sending');
  }

  /** Applies a provider's delivery receipt; unknown ids are ignored (not ours, or long gone). */
  async applyReceipt(provider: string, receipt: DeliveryReceipt): Promise<boolean> {
    return this.store.applyReceipt(
      provider,
      receipt.providerMessageId,
      receipt.status,
      receipt.errorCode,
      this.clock.now(),
    );
  }
}

export interface DispatcherOptions {
  /** Identifies this process's claims, so a lease can only be settled by its holder. */
  owner: string;
  batchSize: number;
  /** A claimed message not settled within this time is claimed again (the holder crashed). */
  leaseMs: number;
  maxAttempts: number;
  /** First retry delay; doubled each attempt, capped at `maxBackoffMs`, with jitter. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Messages per second through this provider connection. */
  throughputPerSecond: number;
  /** Idle wait between polls when there is nothing to do. */
  pollMs: number;
}

const DEFAULT_DISPATCHER_OPTIONS: Omit<DispatcherOptions, 'owner'> = {
  batchSize: 50,
  leaseMs: 60_000,
  maxAttempts: 6,
  baseBackoffMs: 5_000,
  maxBackoffMs: 30 * 60_000,
  throughputPerSecond: 30,
  pollMs: 500,
};

export interface DispatchEvents {
  sent?(message: OutboxMessage): void;
  failed?(message: OutboxMessage, error: string, final: boolean): void;
  suppressed?(message: OutboxMessage, why: string): void;
  error?(error: unknown, context: string): void;
}

/** Something the dispatcher runs between outbox batches (the SMS notification fan-out). */
export interface BackgroundStep {
  runOnce(): Promise<number>;
}

/**
 * Settles delivery receipts that arrived before the send was recorded. A receipt that finds no
 * message is kept early and `markSent` picks it up, but the two can cross (the receipt looks
 * before the send is recorded, and is stored after the send looked): this step, run between
 * outbox batches, applies those within a poll interval instead of letting them expire.
 */
export class EarlyReceiptReconciler implements BackgroundStep {
  private readonly store: SmsStore;
  private readonly clock: Clock;
  constructor(store: SmsStore, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  runOnce(): Promise<number> {
    return this.store.reconcileEarlyReceipts(this.clock.now(), 100);
  }
}

/**
 * Delivers the outbox through one provider: claims due messages under a lease, checks at
 * send time what may still be sent (kill switch, country policy, STOP), respects the
 * provider's throughput cap, retries with exponential backoff and records the outcome.
 * Claims are leases in the store, so messages a crashed process held are sent after it
 * restarts (or by another worker) — delivery is at least once.
 */
export class OutboxDispatcher {
  private readonly options: DispatcherOptions;
  private readonly throttle: RateLimiterQueue;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  private readonly store: SmsStore;
  private readonly provider: SmsProvider;
  private readonly policy: SmsPolicy;
  private readonly clock: Clock;
  private readonly events: DispatchEvents;
  private readonly steps: BackgroundStep[];
  constructor(
    store: SmsStore,
    provider: SmsProvider,
    policy: SmsPolicy,
    clock: Clock,
    options: Partial<DispatcherOptions> & { owner: string },
    events: DispatchEvents = {},
    steps: BackgroundStep[] = [],
  ) {
    this.store = store;
    this.provider = provider;
    this.policy = policy;
    this.clock = clock;
    this.events = events;
    this.steps = steps;
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...options };
    const limiter = new RateLimiterMemory({ points: this.options.throughputPerSecond, duration: 1 });
    this.throttle = new RateLimiterQueue(limiter, { maxQueueSize: Math.max(1000, this.options.batchSize * 4) });
  }

  /** Claims and settles one batch; returns how many messages it handled. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const batch = await this.store.claimDue({
      owner: this.options.owner,
      now,
      leaseUntil: new Date(now.getTime() + this.options.leaseMs),
      limit: this.options.batchSize,
    });
    for (const message of batch) await this.deliver(message);
    return batch.length;
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const owner = this.options.owner;
    const blocked = await this.whyNotNow(message);
    if (blocked) {
      await this.store.markFinal(message.id, owner, 'suppressed', blocked, this.clock.now());
      this.events.suppressed?.(message, blocked);
      return;
    }
    await this.throttle.removeTokens(1);
    let result;
    try {
      result = await this.provider.send({
        id: message.id,
        to: message.to,
        text: message.text,
        ...(message.replyLink ? { replyLink: message.replyLink } : {}),
      });
    } catch (error) {
      result = { ok: false as const, retryable: true, error: error instanceof Error ? error.message : String(error) };
    }
    const now = this.clock.now();
    if (result.ok) {
      // Codes are kept only as keyed hashes: once a security message is with the provider its text goes.
      // The console provider is the exception: there the outbox is the simulated phones' inbox.
      const replaceText =
        message.messageClass === 'security' && this.provider.name !== 'console'
          ? '[security message: text removed after sending]'
          : undefined;
      await this.store.markSent(message.id, owner, this.provider.name, result.providerMessageId, now, replaceText);
      this.events.sent?.(message);
      return;
    }
    const attempts = message.attempts + 1;
    if (!result.retryable || attempts >= this.options.maxAttempts) {
      await this.store.markFinal(message.id, owner, 'failed', result.error, now);
      this.events.failed?.(message, result.error, true);
      return;
    }
    const backoff = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempts - 1));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    await this.store.markRetry(message.id, owner, result.error, new Date(now.getTime() + jittered), now);
    this.events.failed?.(message, result.error, false);
  }

  /** Why this message must not go out now, or null. Checked at send time, not enqueue time. */
  private async whyNotNow(message: OutboxMessage): Promise<string | null> {
    if (!ALLOWED_AFTER_STOP.has(message.purpose) && (await this.store.isOptedOut(message.to)))
      return 'recipient sent STOP';
    if (!(await this.policy.mayDeliver(message.messageClass, message.purpose, message.country))) {
      return (await this.policy.killSwitch()).enabled
        ? 'kill switch is on'
        : `content SMS are off for ${message.country}`;
    }
    return null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the message in hand, then stops; unsent claims return to the queue when their lease ends. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  /** Ends the idle wait early (something was just enqueued in this process). */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        for (const step of this.steps) handled += await step.runOnce();
        handled += await this.runOnce();
      } catch (error) {
        this.events.error?.(error, 'outbox dispatch');
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
