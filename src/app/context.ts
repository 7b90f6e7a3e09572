import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.ts';
import {
  Conversations,
  Filters,
  Hashtags,
  Lists,
  Markers,
  Microblog,
  Polls,
  ScheduledPosts,
  Search,
  Trends,
} from '../core/index.ts';
import { hostname } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AccountModeration,
  Authentication,
  CodeFailures,
  PumpingDetector,
  Identity,
  OAuth,
  RegistrationReview,
  SecondFactors,
  SignUpGate,
  SecretBox,
  SignedLinks,
  SecurityMessages,
  SecurityMonitor,
  VerificationCodes,
  hashPassword,
  newSecret,
  securityThrottleLimits,
  signUpThrottleLimits,
  verifyPassword,
  type MailTransport,
  type PhoneDirectory,
  type SendEvent,
} from '../security/index.ts';
import { AuditLog } from '../audit/index.ts';
import { Federator } from '../federation/federation.ts';
import { DomainBlocks } from '../federation/domain-blocks.ts';
import { FederationOperations } from '../federation/operations.ts';
import { TrackedQueue } from '../federation/delivery-tracking.ts';
import { InboxLimits, type InboxRefusal } from '../federation/inbox-limits.ts';
import { RemoteMediaProxy } from '../federation/remote-media.ts';
import { AccountNotices } from '../notices/index.ts';
import { DevMailbox, SmtpMailTransport } from '../mail/index.ts';
import { BackgroundWork } from '../shared/background.ts';
import { afterCommit } from '../shared/after-commit.ts';
import { StoreThrottle } from './throttles.ts';
import { describeSecurityEvent } from './security-mail.ts';
import {
  KyselyAuditStore,
  KyselyAuthStore,
  KyselyCodeStore,
  KyselyEventCounter,
  KyselyCredentialStore,
  KyselyFederationKv,
  KyselyFederationQueue,
  KyselyDeliveryStateStore,
  KyselyFederationStore,
  KyselyDomainBlockStore,
  KyselyMicroblogStore,
  KyselyConversationStore,
  KyselyFilterStore,
  KyselyListStore,
  KyselyMarkerStore,
  KyselySearchStore,
  KyselyTagStore,
  KyselyNoticeStore,
  KyselyOAuthStore,
  KyselyPostExtrasStore,
  KyselyRegistrationStore,
  KyselySmsStore,
  DatabaseHealthProbe,
  instanceSecret,
  migrateToLatest,
  EntityCache,
  openDatabase,
  type GroupCommit,
  type OpenOptions,
  type StoreConnection,
} from '../store/index.ts';
import {
  CachedSimSwapChecker,
  CamaraSimSwapClient,
  CountryPolicyStep,
  EarlyReceiptReconciler,
  Outbox,
  OutboxDispatcher,
  PhoneBinding,
  PinStep,
  PostingEnabledStep,
  RateLimitStep,
  SimSwapStep,
  SmsChannel,
  SmsNotifier,
  SmsOwnerControls,
  UssdMenu,
  SmsPolicy,
  SmsSettingsService,
  SmsTraffic,
  SmsSubscriptions,
  TrustGate,
  normalisePhone,
  type BackgroundStep,
  type DispatcherOptions,
  type GateStep,
  type SimSwapChecker,
  type SmsProvider,
  type SmsStore,
} from '../sms/index.ts';
import { createSmsProvider, loadPriceTable } from './sms-provider.ts';
import { LocalEventBus, RedisEventBus, type EventBus } from './event-bus.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { MetricsRegistry } from '../observability/metrics.ts';
import { Health } from '../observability/health.ts';
import { Privacy } from '../privacy/index.ts';
import { LocalMediaFiles, MediaLibrary, S3MediaFiles } from '../media/index.ts';
import { People, Safety } from '../safety/index.ts';
import {
  PushDispatcher,
  PushNotifier,
  PushSubscriptions,
  generateVapidKeys,
  httpPushTransport,
  type VapidKeys,
} from '../push/index.ts';
import { KyselyPushStore, KyselySafetyStore } from '../store/index.ts';
import {
  KyselyAdsStore,
  KyselyContactPointStore,
  KyselyDiscoveryStore,
  KyselyModerationStore,
  KyselyLanguageStore,
  KyselyMediaStore,
} from '../store/index.ts';
import { LanguagePreferences } from '../i18n/index.ts';

/**
 * The composition root: the one place that knows every concrete implementation and
 * wires them together. Everything else receives what it needs from here.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  microblog: Microblog;
  /** Lists, filters, markers and direct-message conversations: how an account reads. */
  lists: Lists;
  filters: Filters;
  markers: Markers;
  conversations: Conversations;
  /** Reading and voting on polls; the end of polls is announced by the background work. */
  polls: Polls;
  /** Posts published later (`scheduled_at`), by the background work. */
  scheduledPosts: ScheduledPosts;
  /** Hashtags: tag pages and timelines, followed tags (merged into home) and featured tags. */
  hashtags: Hashtags;
  /** Search for accounts, posts and hashtags, each viewer finding only what they may see. */
  search: Search;
  /** Trending tags, posts and links from recent public activity. */
  trends: Trends;
  identity: Identity;
  oauth: OAuth;
  metrics: MetricsRegistry;
  /** Readiness (`GET /healthz`): the database answers. */
  health: Health;
  sms: SmsServices;
  /** Sign-in flows (password + second factor, SMS code), password reset and sign-up. */
  auth: Authentication;
  /** Sign-up's gate: registrations mode, proof-of-work challenges, limits beyond one address. */
  signUps: SignUpGate;
  /** Sign-ups waiting for staff approval (approve / reject, audited). */
  registrations: RegistrationReview;
  factors: SecondFactors;
  securityMessages: SecurityMessages;
  securityMonitor: SecurityMonitor;
  mail: MailTransport;
  /** The development mailbox when no SMTP server is configured. */
  devMailbox: DevMailbox | null;
  /** Work that runs after an answer is sent (code sends); `idle()` waits for it. */
  background: BackgroundWork;
  /** Signed one-step links in e-mails ("this wasn't me"). */
  links: SignedLinks;
  /** Suspensions, SMS unlocks and second-factor resets by staff and operators (audited). */
  moderation: AccountModeration;
  /** What staff and operators did, who and why. */
  audit: AuditLog;
  /** What the owner must hear about on their non-SMS channels (in the app, by e-mail). */
  notices: AccountNotices;
  /** Purpose-bound contact points, contact discovery and advertising (SPEC 3.6, 3.7). */
  privacy: Privacy;
  /** New and deleted posts, for streaming clients; shared through Redis when configured. */
  events: EventBus;
  /** ActivityPub (null when `SPARROW_FEDERATION=off`: the server is an island). */
  federation: Federator | null;
  /**
   * Called as each HTTP request arrives: the read caches look again for other processes'
   * commits (SQLite's data_version) before they next answer (src/store/entity-cache.ts).
   */
  requestStarted: () => void;
  /** Admins' blocks of other servers (kept even when federation is off, for when it is turned on). */
  domainBlocks: DomainBlocks;
  /** Per-server delivery state, unavailable servers, the queue by server, retrying now. */
  federationOperations: FederationOperations;
  /** Other servers' attachments through Sparrow's media proxy (null when federation is off). */
  remoteMedia: RemoteMediaProxy | null;
  /** Uploaded images (attachments, avatars, headers): processing and storage. */
  media: MediaLibrary;
  /** Block, mute and domain-block lists, reports to staff (audited), the server's rules. */
  safety: Safety;
  /** Suggestions, the profile directory and familiar followers. */
  people: People;
  /** Web Push subscriptions and the instance's VAPID public key. */
  push: { subscriptions: PushSubscriptions; vapidPublicKey(): Promise<string> };
  /**
   * Starts the long-running work beside (or instead of) the web server: the SMS outbox
   * dispatcher and provider binds. `stop()` lets in-flight work finish its current step.
   */
  startBackgroundWork(options: { inProcessWithWeb: boolean }): Promise<{ stop(): Promise<void> }>;
  /** Periodic housekeeping (feed trimming); safe to run on several instances at once. */
  maintenance(): Promise<{
    mutesExpired: number;
    pushRowsSwept: number;
    homeFeedEntriesTrimmed: number;
    earlyReceiptsExpired: number;
    authFlowsExpired: number;
    throttleCountersExpired: number;
    securityAlertsRaised: number;
    mediaRemoved: number;
  }>;
  close(): Promise<void>;
}

export interface SmsServices {
  provider: SmsProvider;
  policy: SmsPolicy;
  outbox: Outbox;
  channel: SmsChannel;
  phones: PhoneBinding;
  settings: SmsSettingsService;
  /** Whose posts reach a person by SMS (only accounts they follow). */
  subscriptions: SmsSubscriptions;
  notifier: SmsNotifier;
  codes: VerificationCodes;
  gate: TrustGate;
  traffic: SmsTraffic;
  owner: SmsOwnerControls;
  /** The language to speak per account and per phone number (web pages, SMS, USSD). */
  languages: LanguagePreferences;
  /** The USSD menu (Africa's Talking's USSD callback, the phone simulator's USSD mode). */
  ussd: UssdMenu;
}

export interface ContextOptions extends OpenOptions {
  clock?: Clock;
  logger?: Logger;
  /** Replaces the configured SMS provider (tests use fakes of provider APIs at this seam only when a real one is not practical). */
  smsProvider?: SmsProvider;
  /** How long policy and kill-switch state may be cached (default 2 s; the promise is 5 s). */
  policyRefreshMs?: number;
  dispatcher?: Partial<Omit<DispatcherOptions, 'owner'>>;
  /** Replaces the CAMARA client (tests that need a carrier answer without one). */
  simSwapChecker?: SimSwapChecker;
  /** Replaces the configured mail transport (tests). */
  mail?: MailTransport;
  /** How long `POST /api/v2/media` waits for processing before answering 202 (default 3 s). */
  mediaAsyncWaitMs?: number;
  /**
   * A one-shot command (`sparrow tokens create` …): connections to Redis open only when a
   * service first needs them, and nothing long-running (event subscription) starts.
   */
  oneShot?: boolean;
}

/** Fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'password',
  '*.password',
  'new_password',
  '*.new_password',
  'flow_id',
  '*.flow_id',
  'recovery_code',
  '*.recovery_code',
  'current_password',
  '*.current_password',
  'secret',
  '*.secret',
  'recovery_codes',
  '*.recovery_codes',
  'client_secret',
  '*.client_secret',
  'access_token',
  '*.access_token',
  'code',
  '*.code',
  'pin',
  '*.pin',
];

/**
 * Logs go to stderr, always: stdout is the command's result (a token, a listing, the
 * address a server listens on), which scripts read.
 */
export function createLogger(
  config: Config,
  destination: pino.DestinationStream = pino.destination({ dest: 2, sync: true }),
): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/**
 * Storage under the services, for tests that set up or inspect state the interfaces never
 * see. API, web and CLI get an AppContext, which has none of it.
 */
export interface AppStorage {
  connection: StoreConnection;
  sms: SmsStore;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  return (await composeApp(config, options)).context;
}

/** Applies pending database migrations (`sparrow migrate`); returns the names of those applied. */
export async function migrateDatabase(config: Config, options: OpenOptions = {}): Promise<string[]> {
  const connection = openDatabase(config.database, options);
  try {
    return await migrateToLatest(connection);
  } finally {
    await connection.close();
  }
}

/** The app context and, beside it, the storage it was built on (tests only read the latter). */
export async function composeApp(
  config: Config,
  options: ContextOptions = {},
): Promise<{ context: AppContext; storage: AppStorage }> {
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  // Posts and accounts kept in memory (src/store/entity-cache.ts). PostgreSQL without Redis
  // could not hear other processes' writes, so it runs without the cache.
  const entityCache =
    config.entityCacheSize > 0 && (config.database.engine === 'sqlite' || config.redisUrl)
      ? new EntityCache(config.entityCacheSize)
      : null;
  const store = openDatabase(config.database, { ...options, entityCache });
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const microblogStore = new KyselyMicroblogStore(store.db, entityCache);
  const extrasStore = new KyselyPostExtrasStore(store.db, store.engine, entityCache);
  const microblog = new Microblog(
    microblogStore,
    {
      domain: config.domain,
      maxPostLength: config.maxPostLength,
      fanoutMaxFollowers: config.fanoutMaxFollowers,
      reportError: (error, context) => logger.error({ err: error }, context),
    },
    clock,
    extrasStore,
  );
  // Reading rules beside the core: filters and exclusive lists apply on every read path of the
  // microblog; conversations hear of direct messages before streaming does (the direct stream
  // sends the conversation the message went into).
  const lists = new Lists(new KyselyListStore(store.db, entityCache), microblog, clock);
  const filters = new Filters(new KyselyFilterStore(store.db, entityCache), clock);
  const markers = new Markers(new KyselyMarkerStore(store.db), clock);
  const conversations = new Conversations(new KyselyConversationStore(store.db), microblog, clock);
  microblog.useReadPolicy({
    homeExclusions: (viewerId) => lists.homeExclusions(viewerId),
    applyFilters: (viewerId, context, views) => filters.applyFilters(viewerId, context, views),
  });
  microblog.onPublished(conversations.postPublished);
  microblog.onDeleted(conversations.postDeleted);
  const tagStore = new KyselyTagStore(store.db, entityCache);
  const hashtags = new Hashtags(tagStore, microblog, clock);
  const search = new Search(new KyselySearchStore(store.db, store.engine), microblog, hashtags, config.publicUrl);
  const trends = new Trends(tagStore, microblog, hashtags, clock);
  const identity = new Identity(microblog, new KyselyCredentialStore(store.db, entityCache));
  const background = new BackgroundWork((error, label) =>
    logger.error({ err: error }, `background work failed: ${label}`),
  );
  const devMailbox = options.mail || config.mail.smtpUrl ? null : new DevMailbox();
  if (devMailbox && config.smsProvider !== 'console') {
    logger.warn(
      'SPARROW_SMTP_URL is not set: e-mail (sign-up and reset codes, owner alerts) is kept in memory and never delivered',
    );
  }
  const mail: MailTransport =
    options.mail ?? (config.mail.smtpUrl ? new SmtpMailTransport(config.mail.smtpUrl, config.mail.from) : devMailbox!);
  const authStore = new KyselyAuthStore(store.db);
  const throttle = new StoreThrottle(
    store,
    config.redisUrl,
    { ...securityThrottleLimits(config.security), ...signUpThrottleLimits(config.registrations) },
    logger,
    new KyselyEventCounter(store.db),
  );
  if (!options.oneShot) await throttle.ready();
  const securitySent: SecurityDeps['sent'] = { hook: () => {} };
  const audit = new AuditLog(new KyselyAuditStore(store.db), clock);
  const notices = new AccountNotices(new KyselyNoticeStore(store.db), clock, (error) =>
    logger.error({ err: error }, 'account notice channel failed'),
  );
  // Wrong SMS codes in a row lock codes for the account and the number; both owners hear of it.
  const codeFailures = new CodeFailures(authStore, clock, config.security.codeFailures, (event) =>
    background.run('codes locked notice', async () => {
      const owners = new Set<string>(event.accountId ? [event.accountId] : []);
      const holder = event.number ? await sms.store.phoneByNumber(event.number) : null;
      if (holder) owners.add(holder.accountId);
      for (const accountId of owners)
        await notices.notify(accountId, 'sms_codes_locked', { until: event.until.toISOString() });
    }),
  );
  const pumping = new PumpingDetector(
    throttle,
    authStore,
    clock,
    config.security.flood,
    (alert) =>
      logger.warn(
        { alert },
        'security alert: a flood of code requests (possible SMS pumping); codes to new numbers there stopped',
      ),
    (error) => logger.error({ err: error }, 'flood counters unavailable: refusing codes to new numbers (fail closed)'),
  );
  const sms = await createSmsServices(config, options, store, entityCache, microblog, clock, logger, audit, notices, {
    mail,
    throttle,
    authStore,
    sent: securitySent,
    codeFailures,
    pumping,
  });
  const events: EventBus = config.redisUrl ? new RedisEventBus(config.redisUrl, logger) : new LocalEventBus();
  // Servers and workers hear the other instances from the start; one-shot commands only publish.
  if (events instanceof RedisEventBus && !options.oneShot) events.start();
  if (entityCache && events instanceof RedisEventBus && config.database.engine === 'postgres') {
    // What this process wrote, the other instances drop (before this process answers: the write
    // is released first). Processes on one SQLite file hear each other through data_version.
    // Redis echoes every message to its sender too: this process dropped what it wrote already,
    // and applying the echo again would only drop what was read back since (and keep reads that
    // overlap it from filling).
    const origin = randomUUID();
    entityCache.onWrite(async (invalidation) => events.publish({ type: 'invalidate', ...invalidation, origin }));
    events.subscribe((event) => {
      if (event.type === 'invalidate' && event.origin !== origin) entityCache.apply(event);
    });
    // A request that arrives after another instance answered a write must not be served what
    // that write made stale: lookups first catch up with the messages already on their way.
    entityCache.hearFromOtherInstances(() => events.caughtUp());
  }
  // Streams hear of a post once it is durable (a post of an inbound text commits with its batch).
  const announce = (event: Parameters<EventBus['publish']>[0]) =>
    afterCommit(() =>
      events.publish(event).catch((error: unknown) => logger.warn({ err: error }, 'stream event not published')),
    );
  microblog.onPublished((post) => announce({ type: 'update', postId: post.id }));
  microblog.onDeleted((post) => announce({ type: 'delete', postId: post.id }));
  microblog.onEdited((post) => announce({ type: 'status.update', postId: post.id }));
  const polls = new Polls(microblog, extrasStore, clock, async (notifications) => {
    for (const n of notifications)
      await events.publish({ type: 'notification', accountId: n.accountId, notificationId: n.id });
  });
  const scheduledPosts = new ScheduledPosts(microblog, extrasStore, clock, {
    leaseMs: config.sms.leaseSeconds * 1000,
    reportError: (error, context) => logger.warn({ err: error }, context),
  });
  microblog.onNotified(async (notifications) => {
    for (const n of notifications)
      await announce({ type: 'notification', accountId: n.accountId, notificationId: n.id });
  });
  const media = new MediaLibrary({
    store: new KyselyMediaStore(store.db),
    files: config.media.s3 ? new S3MediaFiles(config.media.s3) : new LocalMediaFiles(config.media.dir),
    microblog,
    clock,
    options: {
      imageSizeLimit: config.media.imageSizeLimit,
      unattachedLifetimeMs: 24 * 3600_000,
      asyncWaitMs: options.mediaAsyncWaitMs ?? 3000,
    },
    runInBackground: (label, work) => background.run(label, work),
    reportError: (error, context) => logger.error({ err: error }, context),
  });
  // A deleted post's images go with it.
  microblog.onDeleted(media.postDeleted);
  const oauthStore = new KyselyOAuthStore(store.db, entityCache);
  const oauth = new OAuth(oauthStore, clock);
  const privacy = new Privacy({
    contactStore: new KyselyContactPointStore(store.db, entityCache),
    discoveryStore: new KyselyDiscoveryStore(store.db),
    moderationStore: new KyselyModerationStore(store.db),
    adsStore: new KyselyAdsStore(store.db),
    microblog,
    audit,
    clock,
    secret: async () =>
      Buffer.from(await instanceSecret(store.db, 'contact_lookup_key', () => newSecret(32), clock.now()), 'utf8'),
    discovery: config.privacy.discovery,
    ads: config.privacy.ads,
  });
  // One truth for the SMS channel's consent: revoking `sms_channel` on the phone turns SMS posting and
  // notifications off; turning either on again (from the web or an app) grants it again.
  privacy.contactPoints.onPurposeChange(async (change) => {
    if (change.purpose !== 'sms_channel' || change.on || change.kind !== 'phone') return;
    const phone = await sms.store.phoneOfAccount(change.accountId);
    if (phone?.e164 === change.value)
      await sms.services.settings.update(change.accountId, { posting: false, notifications: false });
  });
  sms.services.settings.onChange(async (accountId, changes) => {
    if (changes.posting !== true && changes.notifications !== true) return;
    const phone = await sms.store.phoneOfAccount(accountId);
    if (!phone) return;
    const point = (await privacy.contactPoints.list(accountId)).find(
      (p) => p.kind === 'phone' && p.value === phone.e164,
    );
    if (point && !point.purposes.sms_channel)
      await privacy.contactPoints.setPurposes(accountId, point.id, { sms_channel: true });
  });
  // Every code sent to a contact point shows in the owner's record of uses (SPEC 3.7 transparency).
  securitySent.hook = (event) => {
    if (!event.accountId || !event.to) return;
    const target = {
      accountId: event.accountId,
      kind: event.channel === 'sms' ? ('phone' as const) : ('email' as const),
      value: event.to,
    };
    const kind =
      event.purpose === 'phone_verification' ? ('verification_code_sent' as const) : ('security_message_sent' as const);
    background.run('record contact use', () =>
      privacy.contactPoints.recordUse(target, 'authentication', kind, event.purpose),
    );
  };
  const secret = (name: string, bytes = 32) => instanceSecret(store.db, name, () => newSecret(bytes), clock.now());
  const factors = new SecondFactors(
    authStore,
    authStore,
    new SecretBox(() => secret('factor_encryption_key')),
    async () => Buffer.from(await secret('recovery_code_key'), 'utf8'),
    async (accountId) => (await sms.store.phoneOfAccount(accountId)) !== null,
    { id: new URL(config.publicUrl).hostname, name: config.instanceName, origin: config.publicUrl },
    clock,
    (accountId, password) => identity.checkPassword(accountId, password),
    async (accountId, kind, details) => {
      await notices.notify(accountId, kind, details);
    },
  );
  // Counted once the metrics registry exists (below).
  const federationCounters = { deliveryFailed: () => {}, inboxRefused: (_reason: InboxRefusal) => {} };
  const domainBlocks = new DomainBlocks(new KyselyDomainBlockStore(store.db), audit, clock);
  const federationQueue = new KyselyFederationQueue(store.db, store.engine, clock, {
    onError: (error) => logger.warn({ err: error }, 'federation queue'),
  });
  const federationOperations = new FederationOperations({
    store: new KyselyDeliveryStateStore(store.db),
    queue: federationQueue,
    domainBlocks,
    audit,
    clock,
    policy: {
      afterFailures: config.federation.unavailableAfterFailures,
      afterDays: config.federation.unavailableAfterDays,
    },
  });
  const trackedQueue = new TrackedQueue(federationQueue, federationOperations, logger);
  const federation = config.federation.enabled
    ? new Federator(
        {
          publicUrl: config.publicUrl,
          domain: config.domain,
          allowPrivateAddresses: config.federation.allowPrivateAddresses,
          mediaBaseUrl: config.media.baseUrl,
          authorizedFetch: config.federation.authorizedFetch,
          threadFetchDepth: config.federation.threadFetchDepth,
          media: config.media,
        },
        {
          microblog,
          forgetMediaFiles: (keys) => media.forgetFiles(keys),
          domainBlocks,
          store: new KyselyFederationStore(store.db, entityCache),
          kv: new KyselyFederationKv(store.db, clock),
          queue: trackedQueue,
          secretBox: new SecretBox(() => secret('actor_key_encryption_key')),
          clock,
          logger,
          deliveryFailed: (error) => {
            federationCounters.deliveryFailed();
            trackedQueue.failed(error);
          },
          inboxLimits: new InboxLimits(
            { bodyLimit: config.federation.inboxBodyLimit, perMinute: config.federation.inboxRatePerMinute },
            throttle.loadLimiter('federation_inbox', config.federation.inboxRatePerMinute, 60),
            (reason) => federationCounters.inboxRefused(reason),
            logger,
          ),
        },
      )
    : null;
  const remoteMedia = federation
    ? new RemoteMediaProxy({
        media,
        domainBlocks,
        settings: {
          maxBytes: config.media.imageSizeLimit,
          timeoutMs: 15_000,
          allowPrivateAddresses: config.federation.allowPrivateAddresses,
        },
        logger,
        authorDomain: async (accountId) => (await microblog.accounts([accountId])).get(accountId)?.domain ?? null,
      })
    : null;
  if (federation) microblog.setRemoteResolver((username, domain) => federation.resolveRemote(username, domain));
  const links = new SignedLinks(async () => Buffer.from(await secret('signed_link_key'), 'utf8'), clock);
  // Owners hear about security events by e-mail too, after the answer (a slow mail server must not slow SMS).
  // An SMS post's e-mail carries the one-step "this wasn't me" link.
  notices.addChannel(async (event) => {
    background.run('security e-mail', async () => {
      const email = await identity.emailOf(event.accountId);
      if (!email) return;
      // Someone texting often gets at most one "new post by SMS" e-mail per 10 minutes; every post
      // is still in the in-app record, and each e-mail carries the link that covers them all.
      if (event.kind === 'sms_post' && !(await throttle.consume('sms_post_mail', event.accountId))) return;
      const account = await microblog.account(event.accountId).catch(() => null);
      if (!account) return;
      const notMeUrl =
        event.kind === 'sms_post'
          ? `${config.publicUrl}/sms/not-me?t=${await links.sign('sms_not_me', event.accountId, 7 * 24 * 3600_000)}`
          : null;
      await mail.send({
        to: email,
        ...describeSecurityEvent(
          event,
          { instanceName: config.instanceName, publicUrl: config.publicUrl, username: account.username, notMeUrl },
          // In the owner's language: their choice, else the language their number texts in.
          await sms.services.languages.forNumber(
            (await sms.store.phoneOfAccount(event.accountId))?.e164 ?? '',
            event.accountId,
          ),
        ),
      });
    });
  });
  const phones: PhoneDirectory = {
    parse: (input) => normalisePhone(input),
    accountByPhone: async (e164) => (await sms.store.phoneByNumber(e164))?.accountId ?? null,
    phoneOf: async (accountId) => {
      const phone = await sms.store.phoneOfAccount(accountId);
      return phone ? { e164: phone.e164, country: phone.country } : null;
    },
    recentlySwapped: async (e164) => {
      if (!sms.simSwap) return false;
      const answer = await sms.simSwap.check(e164, config.simSwap.maxAgeHours);
      return answer === 'swapped' || (answer === 'unavailable' && !config.simSwap.failOpen);
    },
  };
  const signUps = new SignUpGate({
    throttle,
    clock,
    key: async () => Buffer.from(await secret('sign_up_challenge_key'), 'utf8'),
    options: config.registrations,
  });
  const registrations = new RegistrationReview({
    store: new KyselyRegistrationStore(store.db),
    findAccount: (accountId) => microblog.accountForModeration(accountId),
    setSuspended: (accountId, suspended) => microblog.setSuspended(accountId, suspended),
    emailOf: (accountId) => identity.emailOf(accountId),
    mail: (message) => mail.send(message),
    audit,
    languageOf: (accountId) => sms.services.languages.ofAccount(accountId),
    clock,
    instanceName: config.instanceName,
    publicUrl: config.publicUrl,
  });
  const auth = new Authentication({
    signUps,
    registrations,
    identity,
    flows: authStore,
    factors,
    codes: sms.services.codes,
    failures: codeFailures,
    messages: sms.securityMessages,
    sessions: oauthStore,
    phones,
    throttle,
    background,
    notifyOwner: async (accountId, kind, details) => {
      await notices.notify(accountId, kind, details);
    },
    contactProved: (accountId, kind, value) => privacy.contactPoints.markVerified(accountId, kind, value),
    languageOf: (accountId) => sms.services.languages.ofAccount(accountId),
    clock,
    instanceName: config.instanceName,
    publicUrl: config.publicUrl,
  });
  const moderation = new AccountModeration({
    findAccount: (idOrUsername) => microblog.accountForModeration(idOrUsername),
    setSuspended: (accountId, suspended) => microblog.setSuspended(accountId, suspended),
    revokeAllSessions: (accountId) => oauth.revokeAllSessions(accountId),
    resetSecondFactors: (accountId) => factors.resetAll(accountId),
    unlockSmsPosting: (accountId) => sms.services.owner.clearLockForStaff(accountId),
    waitingForApproval: (accountId) => registrations.isWaiting(accountId),
    audit,
    notifyOwner: async (accountId, kind, details) => {
      await notices.notify(accountId, kind, details);
    },
  });
  const safetyStore = new KyselySafetyStore(store.db);
  const safety = new Safety({ store: safetyStore, microblog, audit, clock, domain: config.domain });
  if (federation) {
    // Reports cross servers: forwarded ones go out in the server's name, others' come in for staff.
    safety.onReported(async (report) => {
      if (report.forward)
        await federation
          .forwardReport(report)
          .catch((error: unknown) => logger.warn({ err: error }, 'could not forward a report'));
    });
    federation.onReportReceived((report) =>
      safety.fileForwardedReport(report.reporterId, {
        accountId: report.targetAccountId,
        statusIds: report.statusIds,
        comment: report.comment,
      }),
    );
  }
  const pushStore = new KyselyPushStore(store.db, store.engine);
  const pushBox = new SecretBox(() => secret('push_token_key'));
  let vapidLoaded: Promise<VapidKeys> | null = null;
  const vapidKeys = (): Promise<VapidKeys> => {
    const { vapidPublicKey, vapidPrivateKey } = config.push;
    if (vapidPublicKey && vapidPrivateKey)
      return Promise.resolve({ publicKey: vapidPublicKey, privateKey: vapidPrivateKey });
    vapidLoaded ??= instanceSecret(store.db, 'vapid_keys', () => JSON.stringify(generateVapidKeys()), clock.now()).then(
      (json) => JSON.parse(json) as VapidKeys,
    );
    return vapidLoaded;
  };
  const pushSubscriptions = new PushSubscriptions({
    store: pushStore,
    clock,
    seal: (plain) => pushBox.seal(plain),
    allowInsecureEndpoints: config.push.allowInsecureEndpoints,
  });
  let wakePush = () => {};
  microblog.onNotified(new PushNotifier(pushStore, clock, () => void afterCommit(() => wakePush())).notified);
  const securityMonitor = new SecurityMonitor(
    authStore,
    clock,
    { minCodes: config.security.anomalyMinCodes, minCompletion: config.security.anomalyMinCompletion },
    (alert) => logger.warn({ alert }, 'security alert: verification codes are not being used (possible SMS pumping)'),
  );
  const metrics = new MetricsRegistry();
  const deliveryFailures = metrics.counter(
    'sparrow_federation_delivery_failures_total',
    'ActivityPub deliveries that failed (each is retried with back-off by the queue).',
  );
  federationCounters.deliveryFailed = () => deliveryFailures.inc();
  const inboxRefusals = metrics.counter(
    'sparrow_federation_inbox_refused_total',
    'Inbox deliveries refused before signature checks, by reason (too_large, rate_limited, suspended_domain).',
  );
  federationCounters.inboxRefused = (reason) => inboxRefusals.inc({ reason });
  const depthGauge = metrics.gauge(
    'sparrow_federation_queue_messages',
    'ActivityPub messages waiting in the federation queue: due now (ready) or retrying later (delayed).',
  );
  // Per server, read at each scrape; the 50 biggest queues by name, the rest as `other`.
  let federationDomainMetrics: Awaited<ReturnType<FederationOperations['metricsSnapshot']>> | null = null;
  if (config.federation.enabled)
    metrics.onScrape(async () => {
      federationDomainMetrics = await federationOperations.metricsSnapshot();
    });
  metrics.gauge(
    'sparrow_federation_domain_queue_messages',
    'ActivityPub deliveries waiting per remote server (the 50 biggest; the rest summed as domain="other").',
    () => new Map([...(federationDomainMetrics?.queued ?? [])].map(([domain, n]) => [{ domain }, n])),
  );
  metrics.gauge(
    'sparrow_federation_domain_consecutive_failures',
    'Failed deliveries in a row per remote server (the same servers as the queue gauge).',
    () => new Map([...(federationDomainMetrics?.failures ?? [])].map(([domain, n]) => [{ domain }, n])),
  );
  metrics.gauge(
    'sparrow_federation_unavailable_domains',
    'Remote servers given up on after failing long and often (nothing is delivered there until heard from).',
    () => federationDomainMetrics?.unavailable ?? 0,
  );
  const inboundGroup = sms.inboundGroup;
  if (inboundGroup) {
    metrics.gauge(
      'sparrow_sms_inbound_batches',
      'Transactions inbound texts were committed in (group commit).',
      () => inboundGroup.batches,
    );
    metrics.gauge(
      'sparrow_sms_inbound_batched_texts',
      'Inbound texts handled through group commit.',
      () => inboundGroup.units,
    );
  }
  metrics.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage().rss);
  metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  if (entityCache) {
    metrics.gauge(
      'sparrow_entity_cache_hits',
      'Posts and accounts read from the in-process cache.',
      () => entityCache.hits,
    );
    metrics.gauge('sparrow_entity_cache_misses', 'Posts and accounts the cache had to read.', () => entityCache.misses);
  }
  const context: AppContext = {
    requestStarted: entityCache ? () => entityCache.requestStarted() : () => {},
    config,
    logger,
    clock,
    microblog,
    lists,
    filters,
    markers,
    conversations,
    polls,
    scheduledPosts,
    hashtags,
    search,
    trends,
    identity,
    oauth,
    metrics,
    health: new Health([new DatabaseHealthProbe(store.db)]),
    sms: sms.services,
    events,
    media,
    auth,
    signUps,
    registrations,
    factors,
    securityMessages: sms.securityMessages,
    securityMonitor,
    mail,
    devMailbox,
    background,
    links,
    moderation,
    audit,
    notices,
    privacy,
    federation,
    domainBlocks,
    federationOperations,
    remoteMedia,
    startBackgroundWork: async (work) => {
      // Poll endings and scheduled posts are worked by the same loop as the SMS outbox.
      const smsWork = await sms.start(work, [polls, scheduledPosts]);
      // Deliveries and inbox work are leased rows: every process may listen, each message is handled once.
      const federationWork = new AbortController();
      const listening = federation?.startQueue(federationWork.signal);
      const sampleDepth = async () => {
        const depth = await federation?.queueDepth().catch(() => null);
        if (!depth) return;
        depthGauge.set(depth.ready, { state: 'ready' });
        depthGauge.set(depth.delayed, { state: 'delayed' });
      };
      const sampler = federation ? setInterval(() => void sampleDepth(), 15_000) : null;
      sampler?.unref();
      void sampleDepth();
      const dispatcher = new PushDispatcher(
        {
          store: pushStore,
          microblog,
          clock,
          transport: httpPushTransport({ allowInsecure: config.push.allowInsecureEndpoints }),
          vapid: vapidKeys,
          // VAPID needs an https: or mailto: contact for the push services.
          subject: config.publicUrl.startsWith('https:') ? config.publicUrl : `mailto:admin@${config.domain}`,
          open: (sealed) => pushBox.open(sealed),
          avatarUrl: () => `${config.publicUrl}/avatars/original/missing.png`,
          events: {
            failed: (d, error, final) => logger.warn({ push: { id: d.id }, error, final }, 'push delivery failed'),
            gone: (d) => logger.info({ push: { id: d.id } }, 'push subscription gone; removed'),
            error: (error, context) => logger.error({ err: error }, context),
          },
        },
        { owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}` },
      );
      wakePush = () => dispatcher.wake();
      dispatcher.start();
      return {
        async stop() {
          if (sampler) clearInterval(sampler);
          federationWork.abort();
          await listening?.catch(() => {});
          wakePush = () => {};
          await dispatcher.stop();
          await smsWork.stop();
        },
      };
    },
    safety,
    people: new People({ store: safetyStore, microblog, clock }),
    push: { subscriptions: pushSubscriptions, vapidPublicKey: async () => (await vapidKeys()).publicKey },
    maintenance: async () => ({
      mutesExpired: await safety.sweepExpiredMutes(),
      pushRowsSwept: await pushStore.sweep(new Date(clock.now().getTime() - 7 * 24 * 3600_000)),
      homeFeedEntriesTrimmed: await microblogStore.trimHomeFeeds(config.homeFeedLength),
      earlyReceiptsExpired: await sms.store.expireEarlyReceipts(new Date(clock.now().getTime() - 3600_000)),
      authFlowsExpired: await authStore.deleteExpiredFlows(clock.now()),
      throttleCountersExpired:
        (await authStore.deleteExpiredRateLimits(clock.now())) +
        (await authStore.deleteExpiredEventCounts(clock.now())) +
        (await codeFailures.forgetOld()),
      securityAlertsRaised: await securityMonitor.check(),
      mediaRemoved: await media.cleanUp(),
    }),
    close: async () => {
      // Texts still in a batch (their webhook's client may be gone) finish before the store closes.
      await sms.inboundGroup?.idle();
      await background.idle();
      await throttle.close();
      if (mail instanceof SmtpMailTransport) mail.close();
      await events.close();
      await store.close();
    },
  };
  return { context, storage: { connection: store, sms: sms.store } };
}

interface SecurityDeps {
  /** Told about every security message sent (set once the privacy module exists, to record the use). */
  sent: { hook: (event: SendEvent) => void };
  mail: MailTransport;
  throttle: StoreThrottle;
  authStore: KyselyAuthStore;
  codeFailures: CodeFailures;
  pumping: PumpingDetector;
}

/**
 * Inbound texts in shared transactions (group commit, src/store/group-commit.ts): a burst of
 * provider webhooks costs one commit, and each webhook is answered once its text is durable.
 */
function inboundGroupCommit(connection: StoreConnection, maxBatch: number, lanes: number): GroupCommit | null {
  if (maxBatch === 0) return null;
  // A text takes up to two savepoints (its own, and the transaction of a post that is not one
  // statement); PostgreSQL keeps at most 64 subtransactions per transaction in shared memory
  // before every snapshot gets slower.
  if (connection.engine === 'postgres')
    return connection.groupCommit({ maxBatch: Math.min(maxBatch, 24), windowMs: 0, unitTimeoutMs: 2_000, lanes });
  return connection.groupCommit({ maxBatch, windowMs: 0, unitTimeoutMs: 2_000 });
}

async function createSmsServices(
  config: Config,
  options: ContextOptions,
  connection: StoreConnection,
  entityCache: EntityCache | null,
  microblog: Microblog,
  clock: Clock,
  logger: Logger,
  audit: AuditLog,
  notices: AccountNotices,
  security: SecurityDeps,
) {
  const store = new KyselySmsStore(connection.db, connection.engine, entityCache);
  const codes = new VerificationCodes(
    new KyselyCodeStore(connection.db),
    async () =>
      Buffer.from(
        await instanceSecret(connection.db, 'verification_code_key', () => newSecret(32), clock.now()),
        'utf8',
      ),
    clock,
  );
  const policy = new SmsPolicy(store, audit, clock, options.policyRefreshMs);
  let wake = () => {};
  // A reply queued by an inbound text is there for the dispatcher only once the text's batch committed.
  const outbox = new Outbox(store, clock, () => void afterCommit(() => wake()));
  const notifier = new SmsNotifier(store, microblog, outbox, policy, clock, {
    publicUrl: config.publicUrl,
    maxSegments: config.sms.maxSegments,
    batchSize: 500,
    leaseMs: config.sms.leaseSeconds * 1000,
  });
  microblog.onPublished(notifier.postPublished);
  const steps: GateStep[] = [new PostingEnabledStep(), new CountryPolicyStep(policy)];
  let simSwap: SimSwapChecker | null = null;
  if (options.simSwapChecker || config.simSwap.url) {
    const checker =
      options.simSwapChecker ??
      new CamaraSimSwapClient({
        baseUrl: config.simSwap.url!,
        token: config.simSwap.token,
        timeoutMs: config.simSwap.timeoutMs,
      });
    simSwap = new CachedSimSwapChecker(checker, clock);
    steps.push(
      new SimSwapStep(simSwap, store, notices, clock, {
        maxAgeHours: config.simSwap.maxAgeHours,
        failOpen: config.simSwap.failOpen,
      }),
    );
  }
  const securityMessages = new SecurityMessages(
    codes,
    {
      send: async (m) => {
        await outbox.enqueue([
          {
            to: m.to,
            country: m.country,
            text: m.text,
            messageClass: 'security',
            purpose: m.purpose,
            accountId: m.accountId,
          },
        ]);
      },
    },
    security.mail,
    security.throttle,
    security.pumping,
    security.authStore,
    config.security,
    clock,
    (event) => {
      if (event.outcome !== 'sent')
        logger.info({ security_message: { ...event, to: undefined } }, 'security message not sent');
      else security.sent.hook(event);
    },
  );
  const pins = { hash: hashPassword, verify: verifyPassword };
  steps.push(
    new PinStep(pins.verify, store, notices, clock, { requiredAboveFollowers: config.sms.pinFollowerThreshold }),
  );
  steps.push(new RateLimitStep(store, clock, { perMinute: config.sms.postsPerMinute, perDay: config.sms.postsPerDay }));
  const gate = new TrustGate(steps);
  const subscriptions = new SmsSubscriptions(store, microblog, clock);
  microblog.onFollowRequestClosed(subscriptions.followRequestClosed);
  const languages = new LanguagePreferences(new KyselyLanguageStore(connection.db, entityCache), clock);
  const inboundGroup = inboundGroupCommit(connection, config.sms.inboundBatch, config.sms.inboundLanes);
  const channel = new SmsChannel(
    store,
    microblog,
    outbox,
    gate,
    notices,
    subscriptions,
    clock,
    { publicUrl: config.publicUrl, maxPostLength: config.maxPostLength, maxSegments: config.sms.maxSegments },
    languages,
    inboundGroup ? (work, key) => inboundGroup.run(work, key) : undefined,
  );
  const provider = options.smsProvider ?? (await createSmsProvider(config, logger));
  const credentials = new KyselyCredentialStore(connection.db);
  const owner = new SmsOwnerControls(
    store,
    microblog,
    channel,
    notices,
    pins,
    async (accountId, proof) => {
      const stored = await credentials.credentialsByAccount(accountId);
      if (!stored || typeof proof.password !== 'string' || proof.password.length > 1024) return false;
      return verifyPassword(stored.passwordHash, proof.password);
    },
    clock,
  );
  const services: SmsServices = {
    provider,
    policy,
    outbox,
    channel,
    notifier,
    codes,
    gate,
    traffic: new SmsTraffic(store, config.smsPricesFile ? loadPriceTable(config.smsPricesFile) : null),
    owner,
    phones: new PhoneBinding(store, codes, securityMessages, security.codeFailures, clock, async (accountId) =>
      languages.forNumber('', accountId),
    ),
    settings: new SmsSettingsService(store, clock),
    subscriptions,
    languages,
    ussd: new UssdMenu(channel, store, microblog, languages, clock, {
      publicUrl: config.publicUrl,
      provider: provider.name,
    }),
  };

  async function start(
    work: { inProcessWithWeb: boolean },
    otherSteps: readonly BackgroundStep[] = [],
  ): Promise<{ stop(): Promise<void> }> {
    if (work.inProcessWithWeb && !config.sms.dispatchInServe) return { stop: async () => {} };
    const dispatcher = new OutboxDispatcher(
      store,
      provider,
      policy,
      clock,
      {
        ...options.dispatcher,
        owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
        throughputPerSecond: options.dispatcher?.throughputPerSecond ?? config.sms.throughputPerSecond,
        leaseMs: options.dispatcher?.leaseMs ?? config.sms.leaseSeconds * 1000,
      },
      {
        sent: (m) => logger.debug({ sms: { id: m.id, purpose: m.purpose } }, 'SMS sent'),
        failed: (m, error, final) =>
          logger.warn({ sms: { id: m.id, purpose: m.purpose }, error, final }, 'SMS send failed'),
        suppressed: (m, why) => logger.info({ sms: { id: m.id, purpose: m.purpose }, why }, 'SMS suppressed'),
        error: (error, context) => logger.error({ err: error }, context),
      },
      [notifier, new EarlyReceiptReconciler(store, clock), ...otherSteps],
    );
    wake = () => dispatcher.wake();
    await provider.start?.({
      inbound: async (message) => {
        await channel.receive(provider.name, message);
      },
      receipt: async (receipt) => {
        await outbox.applyReceipt(provider.name, receipt);
      },
    });
    dispatcher.start();
    return {
      async stop() {
        wake = () => {};
        await dispatcher.stop();
        await provider.stop?.();
      },
    };
  }

  return { services, store, start, simSwap, securityMessages, inboundGroup };
}
