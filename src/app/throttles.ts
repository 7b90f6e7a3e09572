import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { windowBucket, type EventCounter, type Throttle, type ThrottleLimit } from '../security/index.ts';
import type { StoreConnection } from '../store/index.ts';

/**
 * The security throttles' counters: in Redis when configured (shared by every instance,
 * fast), otherwise in the database (shared by every process on it). If the counter store
 * cannot be reached the throttle refuses: security sends fail closed.
 *
 * The same stores keep the pumping detector's sliding-window counts, whose time comes from
 * the injected clock (the throttles' own windows follow the wall clock).
 */
export class StoreThrottle implements Throttle, EventCounter {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: Redis | null;
  /** The database's counters, used when Redis is not configured. */
  private readonly storedCounter: EventCounter;

  private readonly logger: Logger;
  constructor(
    connection: StoreConnection,
    redisUrl: string | null,
    limits: Record<string, ThrottleLimit>,
    logger: Logger,
    storedCounter: EventCounter,
  ) {
    this.logger = logger;
    this.storedCounter = storedCounter;
    this.redis = redisUrl
      ? new Redis(redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          // Concurrent requests' counters go out in one write per turn of the event loop.
          enableAutoPipelining: true,
          // Connected by `ready()`, at start for servers or on first use for one-shot commands.
          lazyConnect: true,
        })
      : null;
    // ioredis reconnects by itself; an unreachable Redis must not crash the process.
    this.redis?.on('error', () => {});
    for (const [name, limit] of Object.entries(limits)) {
      const common = { keyPrefix: `sparrow_${name}`, points: limit.points, duration: limit.durationSeconds };
      if (this.redis) {
        this.limiters.set(
          name,
          new RateLimiterRedis({ ...common, storeClient: this.redis, rejectIfRedisNotReady: true }),
        );
      } else if (connection.driver.engine === 'sqlite') {
        this.limiters.set(
          name,
          new RateLimiterSQLite({
            ...common,
            storeClient: connection.driver.sqlite,
            storeType: 'better-sqlite3',
            tableName: 'rate_limits',
            tableCreated: true,
            clearExpiredByTimeout: false,
          }),
        );
      } else {
        this.limiters.set(
          name,
          new RateLimiterPostgres({
            ...common,
            storeClient: connection.driver.pool,
            storeType: 'pool',
            tableName: 'rate_limits',
            tableCreated: true,
            clearExpiredByTimeout: false,
            ...(connection.schema ? { schemaName: connection.schema } : {}),
          }),
        );
      }
    }
  }

  /**
   * Opens the Redis connection if it is not yet open and waits (bounded) for it, so the
   * first requests are not refused needlessly.
   */
  async ready(timeoutMs = 3000): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    // An unreachable Redis is reported by the limiter (fail closed), not here.
    if (redis.status === 'wait') redis.connect().catch(() => {});
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        redis!.off('ready', done);
        resolve();
      }
      redis.once('ready', done);
    });
  }

  /**
   * A limiter for load, not security (the per-domain inbox limit): in Redis when configured,
   * so every instance counts together, otherwise in this process's memory (no database write
   * per request on the embedded store).
   */
  loadLimiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract {
    const common = { keyPrefix: `sparrow_${name}`, points, duration: durationSeconds };
    return this.redis
      ? new RateLimiterRedis({ ...common, storeClient: this.redis, rejectIfRedisNotReady: true })
      : new RateLimiterMemory(common);
  }

  async consume(limit: string, key: string, points = 1): Promise<boolean> {
    const limiter = this.limiters.get(limit);
    if (!limiter) throw new Error(`Unknown throttle limit ${limit}`);
    if (this.redis?.status === 'wait') await this.ready();
    try {
      await limiter.consume(key.slice(0, 200), points);
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      this.logger.error({ err: error, limit }, 'throttle store unavailable: refusing (security throttles fail closed)');
      return false;
    }
  }

  /**
   * Sliding-window estimate from two fixed buckets: this bucket's events plus the previous
   * bucket's, weighted by how much of it still lies inside the window.
   */
  async add(key: string, at: Date, windowMs: number): Promise<{ inWindow: number; firstInBucket: boolean }> {
    if (this.redis) {
      const { bucket, previousWeight } = windowBucket(at, windowMs);
      const name = `${windowMs}:${key.slice(0, 200)}`;
      const here = `sparrow_events:${name}:${bucket}`;
      const replies = await this.redis
        .multi()
        .incr(here)
        .pexpire(here, windowMs * 2 + 1000)
        .get(`sparrow_events:${name}:${bucket - 1}`)
        .exec();
      if (!replies || replies.some(([error]) => error)) throw new Error('event counter: Redis transaction failed');
      const current = Number(replies[0]![1]);
      const previous = Number(replies[2]![1] ?? 0);
      return { inWindow: Math.ceil(current + previous * previousWeight), firstInBucket: current === 1 };
    }
    return this.storedCounter.add(key, at, windowMs);
  }

  async count(key: string, at: Date, windowMs: number): Promise<number> {
    if (this.redis) {
      const { bucket, previousWeight } = windowBucket(at, windowMs);
      const name = `${windowMs}:${key.slice(0, 200)}`;
      const [current, previous] = await this.redis.mget(
        `sparrow_events:${name}:${bucket}`,
        `sparrow_events:${name}:${bucket - 1}`,
      );
      return Math.ceil(Number(current ?? 0) + Number(previous ?? 0) * previousWeight);
    }
    return this.storedCounter.count(key, at, windowMs);
  }

  async close(): Promise<void> {
    if (this.redis) this.redis.disconnect();
  }
}
