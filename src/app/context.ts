import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { Microblog } from '../core/index.ts';
import { Identity, OAuth } from '../security/index.ts';
import { KyselyCredentialStore, KyselyMicroblogStore, KyselyOAuthStore, migrateToLatest, openDatabase, type OpenOptions, type StoreConnection } from '../store/index.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { MetricsRegistry } from '../observability/metrics.ts';

/**
 * The composition root: the one place that knows every concrete implementation and
 * wires them together. Everything else receives what it needs from here.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: StoreConnection;
  microblog: Microblog;
  identity: Identity;
  oauth: OAuth;
  metrics: MetricsRegistry;
  /** Instance-wide counts for the instance endpoints and metrics. */
  stats(): Promise<{ accounts: number; posts: number; activeMonth: number }>;
  /**
   * Starts the long-running work beside (or instead of) the web server: the SMS outbox
   * dispatcher and provider binds. `stop()` lets in-flight work finish its current step.
   */
  startBackgroundWork(options: { inProcessWithWeb: boolean }): Promise<{ stop(): Promise<void> }>;
  /** Periodic housekeeping (feed trimming); safe to run on several instances at once. */
  maintenance(): Promise<{ homeFeedEntriesTrimmed: number }>;
  close(): Promise<void>;
}

export interface ContextOptions extends OpenOptions {
  clock?: Clock;
  logger?: Logger;
  /** Run pending migrations on open (default true; `sparrow migrate` runs them explicitly). */
  migrate?: boolean;
}

/** Fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-twilio-signature"]',
  'password', '*.password', 'client_secret', '*.client_secret', 'access_token', '*.access_token', 'code', '*.code', 'pin', '*.pin',
];

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  const store = openDatabase(config.database, options);
  try {
    if (options.migrate ?? true) await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const microblogStore = new KyselyMicroblogStore(store.db);
  const microblog = new Microblog(microblogStore, {
    domain: config.domain,
    maxPostLength: config.maxPostLength,
    fanoutMaxFollowers: config.fanoutMaxFollowers,
  }, clock);
  const identity = new Identity(microblog, new KyselyCredentialStore(store.db));
  const oauth = new OAuth(new KyselyOAuthStore(store.db), clock);
  const metrics = new MetricsRegistry();
  metrics.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage().rss);
  metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  return {
    config, logger, clock, store, microblog, identity, oauth, metrics,
    stats: async () => {
      const monthAgo = new Date(clock.now().getTime() - 30 * 24 * 3600 * 1000).toISOString();
      const [accounts, posts, active] = await Promise.all([
        store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).where('suspended_at', 'is', null).executeTakeFirstOrThrow(),
        store.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).where('reblog_of_id', 'is', null).executeTakeFirstOrThrow(),
        store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).where('last_status_at', '>=', monthAgo).executeTakeFirstOrThrow(),
      ]);
      return { accounts: Number(accounts.n), posts: Number(posts.n), activeMonth: Number(active.n) };
    },
    startBackgroundWork: async () => ({ stop: async () => {} }),
    maintenance: async () => ({ homeFeedEntriesTrimmed: await microblogStore.trimHomeFeeds(config.homeFeedLength) }),
    close: () => store.close(),
  };
}
