import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from '@fedify/fedify';
import type { Logger } from 'pino';
import type { FederationOperations } from './operations.ts';

/** What Sparrow reads of a Fedify queue message (the rest is Fedify's business). */
interface QueuedMessage {
  type?: unknown;
  inbox?: unknown;
  activity?: unknown;
}

function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

/** The server an outgoing delivery is for, or null for other work (inbox, fan-out). */
function deliveryDomain(message: unknown): string | null {
  const m = message as QueuedMessage | null;
  return m && m.type === 'outbox' ? hostOf(m.inbox) : null;
}

/** The server a received activity came from (its actor's host); Fedify enqueues only verified ones. */
function senderDomain(message: unknown): string | null {
  const m = message as QueuedMessage | null;
  if (!m || m.type !== 'inbox' || !m.activity || typeof m.activity !== 'object') return null;
  const actor = (m.activity as { actor?: unknown }).actor;
  return hostOf(typeof actor === 'string' ? actor : (actor as { id?: unknown } | undefined)?.id);
}

/**
 * Wraps Fedify's message queue to learn how each delivery went: Fedify handles a delivery
 * without throwing whether or not it worked (it re-enqueues failures itself), and reports a
 * failure through `onOutboxError` while the handler runs — `failed()` marks the delivery in
 * progress. A delivery to a server given up on is dropped rather than attempted; a verified
 * activity from a server, or a delivery that works, takes it back.
 */
export class TrackedQueue implements MessageQueue {
  private readonly inner: MessageQueue;
  private readonly operations: FederationOperations;
  private readonly logger: Logger;
  private readonly current = new AsyncLocalStorage<{ error: unknown; failed: boolean }>();
  readonly nativeRetrial: boolean | undefined;

  constructor(inner: MessageQueue, operations: FederationOperations, logger: Logger) {
    this.inner = inner;
    this.operations = operations;
    this.logger = logger;
    this.nativeRetrial = inner.nativeRetrial;
  }

  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.inner.enqueue(message, options);
  }

  enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.inner.enqueueMany
      ? this.inner.enqueueMany(messages, options)
      : Promise.all(messages.map((m) => this.inner.enqueue(m, options))).then(() => {});
  }

  get getDepth() {
    return this.inner.getDepth?.bind(this.inner);
  }

  /** Called from Fedify's `onOutboxError`: the delivery being handled failed. */
  failed(error: unknown): void {
    const delivery = this.current.getStore();
    if (delivery) {
      delivery.failed = true;
      delivery.error = error;
    }
  }

  listen(handler: (message: unknown) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    return this.inner.listen(async (message) => {
      const outbound = deliveryDomain(message);
      if (outbound === null) {
        await handler(message);
        const sender = senderDomain(message);
        if (sender) await this.note(() => this.operations.heardFrom(sender));
        return;
      }
      if (await this.operations.isUnavailable(outbound)) {
        this.logger.info({ domain: outbound }, 'ActivityPub: delivery dropped, the server is unavailable');
        return;
      }
      const delivery = { error: null as unknown, failed: false };
      await this.current.run(delivery, () => handler(message));
      await this.note(() =>
        delivery.failed ? this.operations.failed(outbound, delivery.error) : this.operations.delivered(outbound),
      );
    }, options);
  }

  /** Bookkeeping never fails the message it is about. */
  private async note(record: () => Promise<void>): Promise<void> {
    await record().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'ActivityPub: could not record a delivery outcome'),
    );
  }
}
