import { EventEmitter } from 'node:events';
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from '@fedify/fedify';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DomainQueue, QueueInspector, QueueOverview } from '../federation/operations.ts';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { Engine } from './database.ts';
import { durationMillis } from './federation-kv.ts';
import type { Database, FederationQueueTable } from './schema.ts';

export interface FederationQueueOptions {
  /** How long a claimed message is ours; after a crash it is handled again once this ends. */
  leaseMillis?: number;
  /** How often an idle listener looks for due messages enqueued by other processes. */
  pollMillis?: number;
  /** Messages claimed per round trip. */
  batchSize?: number;
  /** Failed handler runs before a message is dropped (Fedify retries deliveries itself). */
  maxAttempts?: number;
  onError?: (error: unknown, message: unknown) => void;
}

const iso = (date: Date) => date.toISOString();

/** The server an outgoing delivery (Fedify's `outbox` message) is for; null for other work. */
function deliveryDomain(message: unknown): string | null {
  const m = message as { type?: unknown; inbox?: unknown } | null;
  if (!m || m.type !== 'outbox' || typeof m.inbox !== 'string') return null;
  try {
    return new URL(m.inbox).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Fedify's `MessageQueue` on Sparrow's own database: a message is a row, claimed with a
 * lease by one listener at a time (PostgreSQL listeners skip rows another is claiming;
 * SQLite has one writer), deleted once handled. A process that dies mid-message leaves
 * the lease to run out, and the message is handled again: at least once, surviving
 * restarts. Messages sharing an ordering key are handled one after another, oldest first.
 * Enqueues in this process wake its listeners at once; other processes' enqueues are
 * seen within the poll interval.
 */
export class KyselyFederationQueue implements MessageQueue, QueueInspector {
  // Fedify retries failed deliveries with its own back-off by enqueueing them again.
  readonly nativeRetrial = false;
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;
  private readonly clock: Clock;
  private readonly wake = new EventEmitter();
  private readonly leaseMillis: number;
  private readonly pollMillis: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly onError: (error: unknown, message: unknown) => void;

  constructor(db: Kysely<Database>, engine: Engine, clock: Clock, options: FederationQueueOptions = {}) {
    this.db = db;
    this.engine = engine;
    this.clock = clock;
    this.leaseMillis = options.leaseMillis ?? 5 * 60_000;
    this.pollMillis = options.pollMillis ?? 1000;
    this.batchSize = options.batchSize ?? 10;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.onError = options.onError ?? (() => {});
    this.wake.setMaxListeners(0);
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    await this.enqueueMany([message], options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return;
    const now = this.clock.now();
    const readyAt = new Date(now.getTime() + (options?.delay ? Math.max(0, durationMillis(options.delay)) : 0));
    const base = now.getTime();
    await this.db
      .insertInto('federation_queue')
      .values(
        messages.map((message, index) => ({
          // Ids increase in enqueue order, which is the order messages sharing a key run in.
          id: newId(base + index),
          payload: JSON.stringify(message),
          ordering_key: options?.orderingKey ?? null,
          ready_at: iso(readyAt),
          lease_until: null,
          attempts: 0,
          created_at: iso(now),
          domain: deliveryDomain(message),
        })),
      )
      .execute();
    this.wake.emit('enqueued');
  }

  async getDepth(): Promise<MessageQueueDepth> {
    const now = iso(this.clock.now());
    const row = await this.db
      .selectFrom('federation_queue')
      .select((eb) => [
        eb.fn.countAll<number>().as('queued'),
        eb.fn.sum<number>(sql`case when ready_at <= ${now} then 1 else 0 end`).as('ready'),
      ])
      .executeTakeFirstOrThrow();
    const queued = Number(row.queued);
    const ready = Number(row.ready ?? 0);
    return { queued, ready, delayed: queued - ready };
  }

  /**
   * Claims due messages whose lease is free. A message with an ordering key is claimable
   * only while it is the oldest of its key, so a later one never overtakes it (the oldest
   * stays in the table, leased, until handled).
   */
  private async claim(now: Date): Promise<Selectable<FederationQueueTable>[]> {
    const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<Selectable<FederationQueueTable>>`
      update federation_queue
         set lease_until = ${iso(new Date(now.getTime() + this.leaseMillis))}, attempts = attempts + 1
       where id in (
         select q.id from federation_queue q
          where q.ready_at <= ${iso(now)}
            and (q.lease_until is null or q.lease_until < ${iso(now)})
            and (q.ordering_key is null or not exists (
                  select 1 from federation_queue earlier
                   where earlier.ordering_key = q.ordering_key and earlier.id < q.id))
          order by q.ready_at, q.id
          limit ${this.batchSize}
          ${lock})
      returning *`.execute(this.db);
    return result.rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  private async finish(row: Selectable<FederationQueueTable>): Promise<void> {
    await this.db
      .deleteFrom('federation_queue')
      .where('id', '=', row.id)
      .where('lease_until', '=', row.lease_until)
      .execute();
  }

  /** A handler that threw: try again later with back-off, or give up after maxAttempts. */
  private async failed(row: Selectable<FederationQueueTable>, now: Date): Promise<void> {
    if (row.attempts >= this.maxAttempts) {
      await this.finish(row);
      return;
    }
    const backoff = Math.min(60 * 60_000, 1000 * 2 ** row.attempts);
    await this.db
      .updateTable('federation_queue')
      .set({ lease_until: null, ready_at: iso(new Date(now.getTime() + backoff)) })
      .where('id', '=', row.id)
      .where('lease_until', '=', row.lease_until)
      .execute();
  }

  async listen(
    handler: (message: unknown) => Promise<void> | void,
    options?: MessageQueueListenOptions,
  ): Promise<void> {
    const signal = options?.signal;
    while (!signal?.aborted) {
      let rows: Selectable<FederationQueueTable>[] = [];
      try {
        rows = await this.claim(this.clock.now());
      } catch (error) {
        // The database is away (restart, failover): wait and try again rather than stop.
        this.onError(error, null);
      }
      for (const row of rows) {
        if (signal?.aborted) break;
        const message = JSON.parse(row.payload) as unknown;
        try {
          await handler(message);
          await this.finish(row);
        } catch (error) {
          this.onError(error, message);
          await this.failed(row, this.clock.now()).catch((e: unknown) => this.onError(e, message));
        }
      }
      if (rows.length === 0) await this.idle(signal);
    }
  }

  /** Waits for an enqueue in this process, the poll interval, or the end of listening. */
  private idle(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.off('enqueued', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollMillis);
      this.wake.once('enqueued', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Messages still in the queue, for `sparrow federation` and the console. */
  async pending(limit: number): Promise<{ id: string; readyAt: Date; attempts: number; message: unknown }[]> {
    const rows = await this.db.selectFrom('federation_queue').selectAll().orderBy('id').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      readyAt: new Date(row.ready_at),
      attempts: row.attempts,
      message: JSON.parse(row.payload) as unknown,
    }));
  }

  /** Counts by state, kind and server, for `sparrow federation queue`, the console and metrics. */
  async overview(now: Date): Promise<QueueOverview> {
    const at = iso(now);
    const rows = await this.db
      .selectFrom('federation_queue')
      .select((eb) => [
        'domain',
        eb.fn.countAll<number>().as('queued'),
        eb.fn.sum<number>(sql`case when ready_at <= ${at} then 1 else 0 end`).as('ready'),
        eb.fn
          .sum<number>(sql`case when lease_until is not null and lease_until >= ${at} then 1 else 0 end`)
          .as('leased'),
        eb.fn.min('created_at').as('oldest'),
      ])
      .groupBy('domain')
      .execute();
    let total = 0;
    let ready = 0;
    let inProgress = 0;
    let oldest: string | null = null;
    const domains: DomainQueue[] = [];
    for (const row of rows) {
      const queued = Number(row.queued);
      const due = Number(row.ready ?? 0);
      const leased = Number(row.leased ?? 0);
      total += queued;
      ready += due - leased;
      inProgress += leased;
      if (row.oldest && (oldest === null || row.oldest < oldest)) oldest = row.oldest;
      if (row.domain !== null) domains.push({ domain: row.domain, queued, ready: due, delayed: queued - due });
    }
    // What is not a delivery to a known server is told apart by Fedify's `type`, which its
    // messages carry first (`{"type":"inbox",…}`).
    const others = await this.db
      .selectFrom('federation_queue')
      .select((eb) => [
        eb.fn.countAll<number>().as('all'),
        eb.fn.sum<number>(sql`case when payload like '{"type":"inbox"%' then 1 else 0 end`).as('inbox'),
        eb.fn.sum<number>(sql`case when payload like '{"type":"outbox"%' then 1 else 0 end`).as('outbox'),
      ])
      .where('domain', 'is', null)
      .executeTakeFirstOrThrow();
    const inbox = Number(others.inbox ?? 0);
    const strayOutbox = Number(others.outbox ?? 0);
    const byKind = {
      outbox: domains.reduce((sum, d) => sum + d.queued, 0) + strayOutbox,
      inbox,
      other: Number(others.all) - inbox - strayOutbox,
    };
    return {
      total,
      ready: Math.max(0, ready),
      delayed: total - ready - inProgress,
      inProgress,
      byKind,
      oldestCreatedAt: oldest ? new Date(oldest) : null,
      domains: domains.sort((a, b) => b.queued - a.queued || a.domain.localeCompare(b.domain)),
    };
  }

  /** Makes waiting messages due now (all, or one server's deliveries); leased ones are left to their holder. */
  async retryNow(domain: string | null, now: Date): Promise<number> {
    let query = this.db
      .updateTable('federation_queue')
      .set({ ready_at: iso(now) })
      .where('ready_at', '>', iso(now))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', iso(now))]));
    if (domain !== null) query = query.where('domain', '=', domain);
    const result = await query.executeTakeFirst();
    const changed = Number(result.numUpdatedRows);
    if (changed > 0) this.wake.emit('enqueued');
    return changed;
  }
}
