import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Throttle, ThrottleLimit } from '../security/index.ts';
import type { StoreConnection } from '../store/index.ts';

/**
 * The security throttles' counters: in Redis when configured (shared by every instance,
 * fast), otherwise in the database (shared by every process on it). If the counter store
 * cannot be reached the throttle refuses: security sends fail closed.
 */
export class StoreThrottle implements Throttle {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: Redis | null;

  private readonly logger: Logger;
  constructor(
    connection: StoreConnection,
    redisUrl: string | null,
    limits: Record<string, ThrottleLimit>,
    logger: Logger,
  ) {
    this.logger = logger;
    this.redis = redisUrl
      ? new Redis(redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
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

  async close(): Promise<void> {
    if (this.redis) this.redis.disconnect();
  }
}
