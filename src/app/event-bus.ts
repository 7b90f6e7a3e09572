import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** What streaming clients hear about. Ids only: each instance renders for its own viewers. */
export type StreamEvent = { type: 'update'; postId: string } | { type: 'delete'; postId: string };

export interface EventBus {
  publish(event: StreamEvent): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: (event: StreamEvent) => void): () => void;
  close(): Promise<void>;
}

/** One process: events go straight to this process's subscribers. */
export class LocalEventBus implements EventBus {
  private readonly handlers = new Set<(event: StreamEvent) => void>();

  async publish(event: StreamEvent): Promise<void> {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: (event: StreamEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

const CHANNEL = 'sparrow:stream-events';

/**
 * Several instances: events go through Redis pub/sub so a client streaming from one
 * instance hears about a post made through another. Pub/sub is fire-and-forget, like the
 * streaming API itself: a client that was disconnected catches up through the timelines.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new LocalEventBus();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly ready: Promise<unknown>;

  private readonly logger: Logger;
  constructor(url: string, logger: Logger) {
    this.logger = logger;
    // The publisher fails fast while Redis is away (a post must not wait for its stream event);
    // the subscriber queues its SUBSCRIBE and ioredis re-subscribes after every reconnect.
    this.publisher = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    for (const client of [this.publisher, this.subscriber])
      client.on('error', (error) => this.logger.warn({ err: error }, 'redis event bus'));
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        const event = JSON.parse(message) as StreamEvent;
        if ((event.type === 'update' || event.type === 'delete') && typeof event.postId === 'string')
          void this.local.publish(event);
      } catch {
        this.logger.warn('ignored a malformed stream event');
      }
    });
    this.ready = this.subscriber
      .subscribe(CHANNEL)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'redis event bus: subscribe failed'));
  }

  /** Best effort, like the streaming API: while Redis is away, events are dropped and logged. */
  async publish(event: StreamEvent): Promise<void> {
    await this.publisher.publish(CHANNEL, JSON.stringify(event)).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'redis event bus: event dropped');
    });
  }

  subscribe(handler: (event: StreamEvent) => void): () => void {
    return this.local.subscribe(handler);
  }

  async whenReady(): Promise<void> {
    await this.ready;
  }

  async close(): Promise<void> {
    await this.local.close();
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
