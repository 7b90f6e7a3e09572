import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MAX_KEYS_PER_MESSAGE } from '../store/entity-cache.ts';

/** What streaming clients hear about. Ids only: each instance renders for its own viewers. */
export type StreamEvent =
  | { type: 'update'; postId: string }
  | { type: 'delete'; postId: string }
  /** A post was edited (Mastodon's `status.update`). */
  | { type: 'status.update'; postId: string }
  | { type: 'notification'; accountId: string; notificationId: string };

/** Records another instance changed: its in-process entity cache drops them (src/store/entity-cache.ts). */
interface InvalidateEvent {
  type: 'invalidate';
  posts: string[];
  accounts: string[];
  allPosts: boolean;
  allAccounts: boolean;
  /** Tables written that per-viewer state is kept from (src/store/entity-cache.ts). */
  tables?: string[];
  /** Keys of keyed dimensions written (`favourites:<account id>` …, src/store/entity-cache.ts). */
  keys?: string[];
  /** The instance that wrote (it dropped the records itself, and ignores its own echo). */
  origin?: string;
}

type BusEvent = StreamEvent | InvalidateEvent;

const isIdList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Events from Redis come from other processes: only well-formed ones are passed on. */
function isBusEvent(value: unknown): value is BusEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  if (event.type === 'invalidate')
    return (
      isIdList(event.posts) &&
      isIdList(event.accounts) &&
      typeof event.allPosts === 'boolean' &&
      typeof event.allAccounts === 'boolean' &&
      (event.tables === undefined ||
        (Array.isArray(event.tables) &&
          event.tables.length <= 64 &&
          event.tables.every((t: unknown) => typeof t === 'string' && /^[a-z_*]{1,40}$/.test(t)))) &&
      (event.keys === undefined ||
        (Array.isArray(event.keys) &&
          event.keys.length <= MAX_KEYS_PER_MESSAGE &&
          event.keys.every((k: unknown) => typeof k === 'string' && k.length <= 200 && /^[a-z_]{1,40}:./.test(k)))) &&
      (event.origin === undefined || typeof event.origin === 'string')
    );
  if (event.type === 'update' || event.type === 'delete' || event.type === 'status.update')
    return typeof event.postId === 'string';
  if (event.type === 'notification')
    return typeof event.accountId === 'string' && typeof event.notificationId === 'string';
  return false;
}

export interface EventBus {
  publish(event: BusEvent): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: (event: BusEvent) => void): () => void;
  close(): Promise<void>;
}

/** One process: events go straight to this process's subscribers. */
export class LocalEventBus implements EventBus {
  private readonly handlers = new Set<(event: BusEvent) => void>();

  async publish(event: BusEvent): Promise<void> {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

const CHANNEL = 'sparrow:stream-events';
/** A PING on loopback or a LAN answers in well under a millisecond; this is Redis being away. */
const CAUGHT_UP_TIMEOUT_MS = 250;

/**
 * Disconnects on purpose and resolves once nothing of the connection is left: it ended, or
 * it was between attempts to reach an unreachable Redis (ioredis then just drops its retry
 * timer and has no socket to close, and emits nothing more).
 */
function disconnect(client: Redis): Promise<void> {
  return new Promise((resolve) => {
    client.once('end', () => resolve());
    client.disconnect();
    if (client.status === 'end' || client.status === 'reconnecting') resolve();
  });
}

/**
 * Several instances: events go through Redis pub/sub so a client streaming from one
 * instance hears about a post made through another. Pub/sub is fire-and-forget, like the
 * streaming API itself: a client that was disconnected catches up through the timelines.
 *
 * Nothing connects until it is needed: `start()` (long-running processes) subscribes at
 * once; a one-shot command that never calls it opens only a publisher, and only if it
 * publishes something.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new LocalEventBus();
  private readonly url: string;
  private readonly logger: Logger;
  private publisher: Redis | null = null;
  private publisherReady: Promise<void> | null = null;
  private subscriber: Redis | null = null;
  private subscribed: Promise<void> | null = null;
  /** Set by close(): errors from connections being taken down on purpose are not news. */
  private closing = false;

  constructor(url: string, logger: Logger) {
    this.url = url;
    this.logger = logger;
  }

  /** Subscribes to the other instances' events (the SUBSCRIBE is queued until Redis answers). */
  start(): void {
    if (this.subscriber || this.closing) return;
    // The subscriber queues its SUBSCRIBE and ioredis re-subscribes after every reconnect.
    const subscriber = new Redis(this.url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    this.subscriber = subscriber;
    this.watch(subscriber);
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const event: unknown = JSON.parse(message);
        if (isBusEvent(event)) void this.local.publish(event);
      } catch {
        this.logger.warn('ignored a malformed stream event');
      }
    });
    this.subscribed = subscriber.subscribe(CHANNEL).then(
      () => {},
      (error: unknown) => {
        if (!this.closing) this.logger.warn({ err: error }, 'redis event bus: subscribe failed');
      },
    );
  }

  /**
   * Resolves once every message Redis sent this instance before now has been handled: Redis
   * answers a PING on the subscribing connection after the messages already queued on it, and
   * handlers run as each message is parsed. Rejects when Redis does not answer in time.
   */
  async caughtUp(timeoutMs = CAUGHT_UP_TIMEOUT_MS): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber || this.closing) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        subscriber.ping(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('redis event bus: no answer in time')), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Best effort, like the streaming API: while Redis is away, events are dropped and logged. */
  async publish(event: BusEvent): Promise<void> {
    if (this.closing) return;
    const publisher = await this.connectedPublisher();
    await publisher.publish(CHANNEL, JSON.stringify(event)).catch((error: unknown) => {
      if (!this.closing) this.logger.warn({ err: error }, 'redis event bus: event dropped');
    });
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.start();
    return this.local.subscribe(handler);
  }

  /** Resolves once this instance hears the others (starting the subscription if needed). */
  async whenReady(): Promise<void> {
    this.start();
    await this.subscribed;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.local.close();
    // Taking the connections down rejects a SUBSCRIBE still queued; wait for it to settle
    // (quietly) so nothing is left running, or logging, after close() returns.
    const [subscriberGone, publisherGone] = [this.subscriber, this.publisher].map((c) => c && disconnect(c));
    // A SUBSCRIBE queued while Redis was unreachable may never settle: the connection's end is enough.
    await Promise.all([Promise.race([this.subscribed, subscriberGone]), publisherGone]);
  }

  /**
   * The publisher fails fast while Redis is away (a post must not wait for its stream event):
   * no offline queue, one try. Its first connection is awaited, briefly, so the first event
   * after start is not dropped for want of a connection that was merely still opening.
   */
  private async connectedPublisher(): Promise<Redis> {
    if (!this.publisher) {
      const publisher = new Redis(this.url, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 2000,
        // Every write publishes (its invalidation, its stream event): the messages of one turn of
        // the event loop go out in one write instead of a system call each.
        enableAutoPipelining: true,
      });
      this.publisher = publisher;
      this.watch(publisher);
      this.publisherReady = new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          publisher.off('ready', done);
          publisher.off('end', done);
          resolve();
        };
        const timer = setTimeout(done, 2000);
        publisher.once('ready', done);
        publisher.once('end', done);
      });
    }
    await this.publisherReady;
    return this.publisher;
  }

  private watch(client: Redis): void {
    client.on('error', (error) => {
      if (!this.closing) this.logger.warn({ err: error }, 'redis event bus');
    });
  }
}
