import type { DiscoveryOptions } from '../privacy/discovery/service.ts';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

type SmsProviderName = 'console' | 'twilio' | 'vonage' | 'android-gateway' | 'smpp' | 'africastalking';
const SMS_PROVIDERS: readonly SmsProviderName[] = [
  'console',
  'twilio',
  'vonage',
  'android-gateway',
  'smpp',
  'africastalking',
];

export interface DatabaseConfig {
  engine: 'sqlite' | 'postgres';
  /** File path for SQLite (`:memory:` allowed), connection string for PostgreSQL. */
  location: string;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** Host name shown in account handles (`user@domain`), derived from the public URL. */
  domain: string;
  instanceName: string;
  dataDir: string;
  database: DatabaseConfig;
  redisUrl: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Posts of accounts with more followers than this are merged at read time, not fanned out. */
  fanoutMaxFollowers: number;
  /** How many entries each materialised home feed keeps. */
  homeFeedLength: number;
  /** Posts and accounts kept rendered-ready in memory per process (0: off); see src/store/entity-cache.ts. */
  entityCacheSize: number;
  /** Processes `sparrow serve` runs (node:cluster, one port); see docs/deployment.md. */
  workers: number;
  maxPostLength: number;
  smsProvider: SmsProviderName;
  twilio: { accountSid: string | null; authToken: string | null; from: string | null; apiBaseUrl: string };
  smpp: { url: string | null; sourceAddr: string | null };
  vonage: {
    apiKey: string | null;
    apiSecret: string | null;
    signatureSecret: string | null;
    from: string | null;
    apiBaseUrl: string;
    signatureMethod: 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';
  };
  androidGateway: { url: string | null; username: string | null; password: string | null; signingKey: string | null };
  africasTalking: {
    username: string | null;
    apiKey: string | null;
    from: string | null;
    apiBaseUrl: string;
    callbackSecret: string | null;
    /** CIDRs allowed to call the callbacks; empty: any address (the URL secret still applies). */
    allowedSources: string[];
  };
  /** JSON file of SMS prices per provider and country (admin console cost estimates); null: none. */
  smsPricesFile: string | null;
  sms: {
    /** Messages per second through this process's provider connection. */
    throughputPerSecond: number;
    /** Longest post notification or GET answer, in SMS segments; longer posts are cut with a link. */
    maxSegments: number;
    /** Run the outbox dispatcher inside `serve` (turn off when separate workers send). */
    dispatchInServe: boolean;
    /** Accounts with more followers than this must use a posting PIN (admins and moderators always). */
    pinFollowerThreshold: number;
    postsPerMinute: number;
    postsPerDay: number;
    /** How long a worker owns claimed messages; after a crash they are sent again once it ends. */
    leaseSeconds: number;
    /** Most inbound texts handled in one transaction (group commit); 0: none, each statement as it comes. */
    inboundBatch: number;
    /** PostgreSQL: inbound batches under way at once, each on its own pooled connection. */
    inboundLanes: number;
  };
  simSwap: { url: string | null; token: string | null; failOpen: boolean; maxAgeHours: number; timeoutMs: number };
  /** Who may sign up, and the limits on sign-up (docs: README "Account security"). */
  registrations: RegistrationsConfig;
  /** Honour X-Forwarded-For from a reverse proxy (only behind one you run). */
  trustProxy: boolean;
  /** ActivityPub (docs/federation.md): on by default; `allowPrivateAddresses` only for tests and labs. */
  federation: {
    enabled: boolean;
    allowPrivateAddresses: boolean;
    /** A server failing this many deliveries in a row over at least `unavailableAfterDays` is given up on. */
    unavailableAfterFailures: number;
    unavailableAfterDays: number;
    /** Fetches of actors' full profiles, posts and collections need an HTTP signature (docs/federation.md). */
    authorizedFetch: boolean;
    /** Largest inbox delivery in bytes (413 above). */
    inboxBodyLimit: number;
    /** Deliveries one sending domain may make per minute (429 above). */
    inboxRatePerMinute: number;
    /** How many missing parents of a received reply are fetched, one after the other. */
    threadFetchDepth: number;
  };
  /** Web Push (VAPID keys from the environment, else generated once and kept in the database). */
  push: {
    vapidPublicKey: string | null;
    vapidPrivateKey: string | null;
    /** Tests only: accept http:// and private or loopback push endpoints. */
    allowInsecureEndpoints: boolean;
  };
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** Outgoing e-mail: SMTP when a URL is set, otherwise a development mailbox kept in memory. */
  mail: { smtpUrl: string | null; from: string };
  security: SecurityLimits;
  /** Contact discovery limits and advertising thresholds (docs/privacy.md). */
  privacy: PrivacyConfig;
  /** Uploaded images and where their files live (docs/media.md). */
  media: MediaConfig;
}

interface MediaConfig {
  /** Local storage directory (used when no S3 bucket is configured). */
  dir: string;
  /** Largest image upload, in bytes. */
  imageSizeLimit: number;
  /** Where files are reached: the S3 public URL, or Sparrow's own `/media`. */
  baseUrl: string;
  s3: {
    bucket: string;
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** Public base URL of the bucket (a CDN, or the bucket's website); null: Sparrow serves the files. */
    publicUrl: string | null;
  } | null;
}

/** Contact discovery (SPEC 3.6) and advertising (3.7) settings; defaults and their reasons in docs/privacy.md. */
interface PrivacyConfig {
  discovery: DiscoveryOptions;
  ads: {
    minAudienceSize: number;
    minAccountAgeDays: number;
    burstSize: number;
    burstWindowHours: number;
    networkClusterSize: number;
  };
}

export type RegistrationsMode = 'open' | 'approval' | 'closed';
const REGISTRATIONS_MODES: readonly RegistrationsMode[] = ['open', 'approval', 'closed'];

/** Sign-up: who may join, the proof-of-work puzzle and the limits beyond one address. */
export interface RegistrationsConfig {
  /** `open`: anyone; `approval`: staff approve each new account; `closed`: operators create accounts by CLI. */
  mode: RegistrationsMode;
  /** Leading zero bits the sign-up puzzle needs when nothing is busy (0 turns the puzzle off). */
  powBits: number;
  /** The most the puzzle is raised to when a network or the whole instance is busy. */
  powMaxBits: number;
  /** Sign-ups started from one network (/24 IPv4, /48 IPv6) per hour. */
  perNetworkPerHour: number;
  /** Sign-ups started with addresses at one e-mail domain per 10 minutes. */
  perDomainPer10Minutes: number;
  /** Sign-ups started on the whole instance per hour. */
  perInstancePerHour: number;
}

/** Limits on security messages and sign-in (SMS pumping / toll fraud and brute-force defence). */
export interface SecurityLimits {
  /** ISO 3166 alpha-2 countries that receive security SMS (null: every country unless its policy says off). */
  smsCountries: string[] | null;
  smsPerNumberPerHour: number;
  smsPerNumberPerDay: number;
  smsPerIpPerHour: number;
  smsPerAccountPerDay: number;
  smsPerPrefixPerHour: number;
  smsPerCountryPerDay: number;
  emailPerAddressPerHour: number;
  emailPerIpPerHour: number;
  signInPerIpPer10Minutes: number;
  signInPerAccountPer10Minutes: number;
  /** Completion-rate alert: at least this many codes in the window, and fewer than this share used. */
  anomalyMinCodes: number;
  anomalyMinCompletion: number;
  /** Codes to a number already verified on the account whose own flow asks (sign-in, second factor, reset). */
  ownSmsPerNumberPerHour: number;
  ownSmsPerNumberPerDay: number;
  ownSmsPerCountryPerDay: number;
  /** Wrong codes in a row, per account and per number, across codes and flows (docs/sms.md). */
  codeFailures: { beforeWait: number; beforeLock: number; lockMs: number };
  /** Real-time SMS-pumping detection on the send path (docs/sms.md). */
  flood: { windowMs: number; perBlock: number; perCountry: number; countries: number; throttleMs: number };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Discovery settings that lost their meaning when discovery stopped keying on IP networks (issue 11). */
const REMOVED_DISCOVERY_SETTINGS: readonly (readonly [string, string])[] = [
  [
    'SPARROW_DISCOVERY_NETWORK_DAILY_LIMIT',
    'accounts are no longer grouped by shared IPs; see SPARROW_DISCOVERY_INSTANCE_DAILY_LIMIT',
  ],
  ['SPARROW_DISCOVERY_YOUNG_ACCOUNT_DAYS', 'replaced by the cohort signal, SPARROW_DISCOVERY_COHORT_*'],
  ['SPARROW_DISCOVERY_YOUNG_CLUSTER_SIZE', 'replaced by the cohort signal, SPARROW_DISCOVERY_COHORT_*'],
  ['SPARROW_DISCOVERY_MISS_RATIO_MIN_LOOKUPS', 'replaced by the cohort signal, SPARROW_DISCOVERY_COHORT_*'],
  ['SPARROW_DISCOVERY_MIN_HIT_PERMILLE', 'replaced by the cohort signal, SPARROW_DISCOVERY_COHORT_*'],
];

/**
 * Reads and validates every setting at once, so an operator sees all mistakes in one run
 * rather than one per restart. Values are never echoed back for secret settings.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === null) return fallback;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = text(name);
    if (raw === null) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[], secret = false): string | null => {
    const raw = text(name);
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
        return null;
      }
      return raw;
    } catch {
      problems.push(secret ? `${name} is not a valid URL` : `${name} is not a valid URL (got "${raw}")`);
      return null;
    }
  };

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = text(name);
    if (raw === null) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  };

  function mediaConfig(): MediaConfig {
    const bucket = text('SPARROW_S3_BUCKET');
    const s3Names = [
      'SPARROW_S3_ENDPOINT',
      'SPARROW_S3_REGION',
      'SPARROW_S3_ACCESS_KEY_ID',
      'SPARROW_S3_SECRET_ACCESS_KEY',
      'SPARROW_S3_PUBLIC_URL',
    ];
    let s3: MediaConfig['s3'] = null;
    if (bucket === null) {
      for (const name of s3Names)
        if (text(name) !== null)
          problems.push(`${name} is set but SPARROW_S3_BUCKET is not (set it to use S3 storage)`);
    } else {
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
        problems.push(`SPARROW_S3_BUCKET must be a bucket name (3–63 lower-case letters, digits, dots, dashes)`);
      const region = text('SPARROW_S3_REGION') ?? 'us-east-1';
      if (!/^[a-z0-9-]{1,40}$/.test(region))
        problems.push(`SPARROW_S3_REGION must be a region name such as eu-central-1`);
      const accessKeyId = text('SPARROW_S3_ACCESS_KEY_ID');
      const secretAccessKey = text('SPARROW_S3_SECRET_ACCESS_KEY');
      if (accessKeyId === null) problems.push('SPARROW_S3_ACCESS_KEY_ID is required when SPARROW_S3_BUCKET is set');
      if (secretAccessKey === null)
        problems.push('SPARROW_S3_SECRET_ACCESS_KEY is required when SPARROW_S3_BUCKET is set');
      const endpoint = url('SPARROW_S3_ENDPOINT', ['http:', 'https:']) ?? `https://s3.${region}.amazonaws.com`;
      const publicUrl = url('SPARROW_S3_PUBLIC_URL', ['http:', 'https:']);
      s3 = {
        bucket,
        endpoint: endpoint.replace(/\/+$/, ''),
        region,
        accessKeyId: accessKeyId ?? '',
        secretAccessKey: secretAccessKey ?? '',
        publicUrl: publicUrl ? publicUrl.replace(/\/+$/, '') : null,
      };
    }
    return {
      dir: resolve(text('SPARROW_MEDIA_DIR') ?? resolve(dataDir, 'media')),
      imageSizeLimit: integer('SPARROW_MEDIA_IMAGE_SIZE_LIMIT', 16 * 1024 * 1024, 1024, 100 * 1024 * 1024),
      baseUrl: s3?.publicUrl ?? `${publicUrl}/media`,
      s3,
    };
  }

  const port = integer('PORT', 3000, 0, 65535);
  const host = text('SPARROW_HOST') ?? '0.0.0.0';
  const publicUrlRaw = url('SPARROW_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const publicUrl = publicUrlRaw.replace(/\/+$/, '');
  const domain = new URL(publicUrl).host;
  const dataDir = resolve(text('SPARROW_DATA_DIR') ?? './data');

  const database = parseDatabaseUrl(text('SPARROW_DATABASE_URL'), dataDir, problems);
  const redisUrl = url('SPARROW_REDIS_URL', ['redis:', 'rediss:'], true);

  const logLevelRaw = text('SPARROW_LOG_LEVEL') ?? 'info';
  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const logLevel = (logLevels as readonly string[]).includes(logLevelRaw)
    ? (logLevelRaw as Config['logLevel'])
    : (problems.push(`SPARROW_LOG_LEVEL must be one of ${logLevels.join(', ')} (got "${logLevelRaw}")`), 'info');

  const providerRaw = text('SPARROW_SMS_PROVIDER') ?? 'console';
  const smsProvider = (SMS_PROVIDERS as readonly string[]).includes(providerRaw)
    ? (providerRaw as SmsProviderName)
    : (problems.push(`SPARROW_SMS_PROVIDER must be one of ${SMS_PROVIDERS.join(', ')} (got "${providerRaw}")`),
      'console');

  const twilio = {
    accountSid: text('SPARROW_TWILIO_ACCOUNT_SID'),
    authToken: text('SPARROW_TWILIO_AUTH_TOKEN'),
    from: text('SPARROW_TWILIO_FROM'),
    apiBaseUrl: (url('SPARROW_TWILIO_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.twilio.com').replace(
      /\/+$/,
      '',
    ),
  };
  if (smsProvider === 'twilio') {
    for (const [name, value] of [
      ['SPARROW_TWILIO_ACCOUNT_SID', twilio.accountSid],
      ['SPARROW_TWILIO_AUTH_TOKEN', twilio.authToken],
      ['SPARROW_TWILIO_FROM', twilio.from],
    ] as const) {
      if (value === null) problems.push(`${name} is required when SPARROW_SMS_PROVIDER=twilio`);
    }
  }
  const smpp = {
    url: url('SPARROW_SMPP_URL', ['smpp:', 'ssmpp:'], true),
    sourceAddr: text('SPARROW_SMPP_SOURCE_ADDR'),
  };
  if (smsProvider === 'smpp' && smpp.url === null && text('SPARROW_SMPP_URL') === null) {
    problems.push('SPARROW_SMPP_URL is required when SPARROW_SMS_PROVIDER=smpp');
  }
  const vonage = {
    apiKey: text('SPARROW_VONAGE_API_KEY'),
    apiSecret: text('SPARROW_VONAGE_API_SECRET'),
    signatureSecret: text('SPARROW_VONAGE_SIGNATURE_SECRET'),
    from: text('SPARROW_VONAGE_FROM'),
    apiBaseUrl: (url('SPARROW_VONAGE_API_BASE_URL', ['http:', 'https:']) ?? 'https://rest.nexmo.com').replace(
      /\/+$/,
      '',
    ),
    signatureMethod: oneOf(
      'SPARROW_VONAGE_SIGNATURE_METHOD',
      ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const,
      'sha256',
    ),
  };
  if (smsProvider === 'vonage') {
    for (const [name, value] of [
      ['SPARROW_VONAGE_API_KEY', vonage.apiKey],
      ['SPARROW_VONAGE_API_SECRET', vonage.apiSecret],
      ['SPARROW_VONAGE_SIGNATURE_SECRET', vonage.signatureSecret],
      ['SPARROW_VONAGE_FROM', vonage.from],
    ] as const) {
      if (value === null) problems.push(`${name} is required when SPARROW_SMS_PROVIDER=vonage`);
    }
  }
  const androidGateway = {
    url: url('SPARROW_ANDROID_GATEWAY_URL', ['http:', 'https:']),
    username: text('SPARROW_ANDROID_GATEWAY_USERNAME'),
    password: text('SPARROW_ANDROID_GATEWAY_PASSWORD'),
    signingKey: text('SPARROW_ANDROID_GATEWAY_SIGNING_KEY'),
  };
  if (smsProvider === 'android-gateway') {
    for (const [name, value] of [
      ['SPARROW_ANDROID_GATEWAY_URL', androidGateway.url ?? text('SPARROW_ANDROID_GATEWAY_URL')],
      ['SPARROW_ANDROID_GATEWAY_USERNAME', androidGateway.username],
      ['SPARROW_ANDROID_GATEWAY_PASSWORD', androidGateway.password],
      ['SPARROW_ANDROID_GATEWAY_SIGNING_KEY', androidGateway.signingKey],
    ] as const) {
      if (value === null) problems.push(`${name} is required when SPARROW_SMS_PROVIDER=android-gateway`);
    }
  }
  const africasTalking = {
    username: text('SPARROW_AFRICASTALKING_USERNAME'),
    apiKey: text('SPARROW_AFRICASTALKING_API_KEY'),
    from: text('SPARROW_AFRICASTALKING_FROM'),
    apiBaseUrl: (
      url('SPARROW_AFRICASTALKING_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.africastalking.com'
    ).replace(/\/+$/, ''),
    callbackSecret: text('SPARROW_AFRICASTALKING_CALLBACK_SECRET'),
    allowedSources: (text('SPARROW_AFRICASTALKING_ALLOWED_SOURCES') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  if (smsProvider === 'africastalking') {
    for (const [name, value] of [
      ['SPARROW_AFRICASTALKING_USERNAME', africasTalking.username],
      ['SPARROW_AFRICASTALKING_API_KEY', africasTalking.apiKey],
      ['SPARROW_AFRICASTALKING_CALLBACK_SECRET', africasTalking.callbackSecret],
    ] as const) {
      if (value === null) problems.push(`${name} is required when SPARROW_SMS_PROVIDER=africastalking`);
    }
    if (africasTalking.callbackSecret !== null && !/^[A-Za-z0-9_-]{16,}$/.test(africasTalking.callbackSecret)) {
      problems.push('SPARROW_AFRICASTALKING_CALLBACK_SECRET must be at least 16 letters, digits, "-" or "_"');
    }
    const badSource = africasTalking.allowedSources.find(
      (s) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(s) || !isIP(s.split('/')[0]!),
    );
    if (badSource !== undefined) {
      problems.push(
        `SPARROW_AFRICASTALKING_ALLOWED_SOURCES must be IP addresses or CIDRs (bad: ${badSource.slice(0, 60)})`,
      );
    }
  }
  const sms = {
    throughputPerSecond: integer('SPARROW_SMS_THROUGHPUT', 30, 1, 10_000),
    maxSegments: integer('SPARROW_SMS_MAX_SEGMENTS', 3, 1, 10),
    dispatchInServe: boolean('SPARROW_SMS_DISPATCH_IN_SERVE', true),
    pinFollowerThreshold: integer('SPARROW_SMS_PIN_FOLLOWER_THRESHOLD', 1000, 0, 1_000_000_000),
    postsPerMinute: integer('SPARROW_SMS_POSTS_PER_MINUTE', 5, 1, 1000),
    postsPerDay: integer('SPARROW_SMS_POSTS_PER_DAY', 100, 1, 100_000),
    leaseSeconds: integer('SPARROW_SMS_LEASE_SECONDS', 60, 1, 3600),
    inboundBatch: integer('SPARROW_SMS_INBOUND_BATCH', 64, 0, 1000),
    inboundLanes: integer('SPARROW_SMS_INBOUND_LANES', 1, 1, 32),
  };
  const simSwap = {
    url: url('SPARROW_SIM_SWAP_URL', ['http:', 'https:']),
    token: text('SPARROW_SIM_SWAP_TOKEN'),
    // Fail closed unless the operator decides that an unreachable carrier API must not stop SMS posting.
    failOpen: boolean('SPARROW_SIM_SWAP_FAIL_OPEN', false),
    maxAgeHours: integer('SPARROW_SIM_SWAP_MAX_AGE_HOURS', 72, 1, 2400),
    timeoutMs: integer('SPARROW_SIM_SWAP_TIMEOUT_MS', 3000, 100, 30_000),
  };

  const countriesRaw = text('SPARROW_SECURITY_SMS_COUNTRIES');
  let smsCountries: string[] | null = null;
  if (countriesRaw !== null && countriesRaw !== '*') {
    smsCountries = countriesRaw
      .split(',')
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean);
    const bad = smsCountries.filter((c) => !/^[A-Z]{2}$/.test(c));
    if (bad.length > 0)
      problems.push(
        `SPARROW_SECURITY_SMS_COUNTRIES must be * or a comma-separated list of ISO 3166 alpha-2 codes (bad: ${bad.join(', ').slice(0, 100)})`,
      );
  }
  const completionPercent = integer('SPARROW_SECURITY_ANOMALY_MIN_COMPLETION_PERCENT', 30, 0, 100);
  const security: SecurityLimits = {
    smsCountries,
    smsPerNumberPerHour: integer('SPARROW_SECURITY_SMS_PER_NUMBER_HOUR', 3, 1, 1000),
    smsPerNumberPerDay: integer('SPARROW_SECURITY_SMS_PER_NUMBER_DAY', 10, 1, 10_000),
    smsPerIpPerHour: integer('SPARROW_SECURITY_SMS_PER_IP_HOUR', 10, 1, 100_000),
    smsPerAccountPerDay: integer('SPARROW_SECURITY_SMS_PER_ACCOUNT_DAY', 10, 1, 10_000),
    smsPerPrefixPerHour: integer('SPARROW_SECURITY_SMS_PER_PREFIX_HOUR', 20, 1, 100_000),
    smsPerCountryPerDay: integer('SPARROW_SECURITY_SMS_PER_COUNTRY_DAY', 1000, 1, 100_000_000),
    emailPerAddressPerHour: integer('SPARROW_SECURITY_EMAIL_PER_ADDRESS_HOUR', 5, 1, 1000),
    emailPerIpPerHour: integer('SPARROW_SECURITY_EMAIL_PER_IP_HOUR', 20, 1, 100_000),
    signInPerIpPer10Minutes: integer('SPARROW_SIGN_IN_PER_IP_10MIN', 30, 1, 100_000),
    signInPerAccountPer10Minutes: integer('SPARROW_SIGN_IN_PER_ACCOUNT_10MIN', 10, 1, 10_000),
    anomalyMinCodes: integer('SPARROW_SECURITY_ANOMALY_MIN_CODES', 20, 1, 1_000_000),
    anomalyMinCompletion: completionPercent / 100,
    ownSmsPerNumberPerHour: integer('SPARROW_SECURITY_OWN_SMS_PER_NUMBER_HOUR', 3, 1, 1000),
    ownSmsPerNumberPerDay: integer('SPARROW_SECURITY_OWN_SMS_PER_NUMBER_DAY', 10, 1, 10_000),
    ownSmsPerCountryPerDay: integer('SPARROW_SECURITY_OWN_SMS_PER_COUNTRY_DAY', 1000, 1, 100_000_000),
    codeFailures: {
      beforeWait: integer('SPARROW_SECURITY_CODE_FAILURES_BEFORE_WAIT', 5, 1, 100),
      beforeLock: integer('SPARROW_SECURITY_CODE_FAILURES_BEFORE_LOCK', 10, 2, 100),
      lockMs: integer('SPARROW_SECURITY_CODE_LOCK_HOURS', 24, 1, 720) * 3600_000,
    },
    flood: {
      windowMs: integer('SPARROW_SECURITY_FLOOD_WINDOW_SECONDS', 60, 10, 3600) * 1000,
      perBlock: integer('SPARROW_SECURITY_FLOOD_PER_BLOCK', 10, 1, 1_000_000),
      perCountry: integer('SPARROW_SECURITY_FLOOD_PER_COUNTRY', 30, 1, 1_000_000),
      countries: integer('SPARROW_SECURITY_FLOOD_COUNTRIES', 8, 1, 1000),
      throttleMs: integer('SPARROW_SECURITY_FLOOD_THROTTLE_MINUTES', 60, 1, 10_080) * 60_000,
    },
  };
  const pushConfig = (): Config['push'] => {
    const vapidPublicKey = text('SPARROW_VAPID_PUBLIC_KEY');
    const vapidPrivateKey = text('SPARROW_VAPID_PRIVATE_KEY');
    if ((vapidPublicKey === null) !== (vapidPrivateKey === null))
      problems.push('SPARROW_VAPID_PUBLIC_KEY and SPARROW_VAPID_PRIVATE_KEY must be set together');
    else if (vapidPublicKey !== null && !/^[A-Za-z0-9_-]{87}$/.test(vapidPublicKey))
      problems.push('SPARROW_VAPID_PUBLIC_KEY must be an uncompressed P-256 key in URL-safe base64 (87 characters)');
    else if (vapidPrivateKey !== null && !/^[A-Za-z0-9_-]{43}$/.test(vapidPrivateKey))
      problems.push('SPARROW_VAPID_PRIVATE_KEY must be a P-256 private key in URL-safe base64 (43 characters)');
    return {
      vapidPublicKey,
      vapidPrivateKey,
      allowInsecureEndpoints: boolean('SPARROW_PUSH_ALLOW_INSECURE_ENDPOINTS', false),
    };
  };
  const registrationsConfig = (): RegistrationsConfig => {
    // SPARROW_REGISTRATIONS_OPEN=false is the older spelling of SPARROW_REGISTRATIONS_MODE=closed.
    const legacyOpen = boolean('SPARROW_REGISTRATIONS_OPEN', true);
    const explicitMode = text('SPARROW_REGISTRATIONS_MODE');
    const mode = oneOf('SPARROW_REGISTRATIONS_MODE', REGISTRATIONS_MODES, legacyOpen ? 'open' : 'closed');
    if (explicitMode !== null && !legacyOpen && mode !== 'closed')
      problems.push(
        `SPARROW_REGISTRATIONS_OPEN=false contradicts SPARROW_REGISTRATIONS_MODE=${mode} (set only SPARROW_REGISTRATIONS_MODE)`,
      );
    const powBits = integer('SPARROW_SIGNUP_POW_BITS', 16, 0, 28);
    const powMaxBits = integer('SPARROW_SIGNUP_POW_MAX_BITS', Math.max(22, powBits), 0, 32);
    if (powMaxBits < powBits)
      problems.push(
        `SPARROW_SIGNUP_POW_MAX_BITS must be at least SPARROW_SIGNUP_POW_BITS (${powBits}) (got "${powMaxBits}")`,
      );
    return {
      mode,
      powBits,
      powMaxBits: Math.max(powMaxBits, powBits),
      perNetworkPerHour: integer('SPARROW_SIGNUP_PER_NETWORK_HOUR', 10, 1, 1_000_000),
      perDomainPer10Minutes: integer('SPARROW_SIGNUP_PER_DOMAIN_10MIN', 10, 1, 1_000_000),
      perInstancePerHour: integer('SPARROW_SIGNUP_PER_HOUR', 60, 1, 10_000_000),
    };
  };
  if (security.codeFailures.beforeLock <= security.codeFailures.beforeWait)
    problems.push(
      `SPARROW_SECURITY_CODE_FAILURES_BEFORE_LOCK (${security.codeFailures.beforeLock}) must be greater than SPARROW_SECURITY_CODE_FAILURES_BEFORE_WAIT (${security.codeFailures.beforeWait})`,
    );
  const mail = {
    smtpUrl: url('SPARROW_SMTP_URL', ['smtp:', 'smtps:'], true),
    from: text('SPARROW_MAIL_FROM') ?? `Sparrow <no-reply@${new URL(publicUrl).hostname}>`,
  };

  const media = mediaConfig();

  const config: Config = {
    port,
    host,
    publicUrl,
    domain,
    instanceName: text('SPARROW_INSTANCE_NAME') ?? 'Sparrow',
    dataDir,
    database,
    redisUrl,
    logLevel,
    fanoutMaxFollowers: integer('SPARROW_FANOUT_MAX_FOLLOWERS', 10_000, 0, 100_000_000),
    homeFeedLength: integer('SPARROW_HOME_FEED_LENGTH', 800, 40, 100_000),
    entityCacheSize: integer('SPARROW_ENTITY_CACHE_SIZE', 50_000, 0, 10_000_000),
    workers: integer('SPARROW_WORKERS', 1, 1, 256),
    maxPostLength: 280,
    smsProvider,
    twilio,
    smpp,
    vonage,
    androidGateway,
    africasTalking,
    smsPricesFile: text('SPARROW_SMS_PRICES_FILE'),
    sms,
    simSwap,
    registrations: registrationsConfig(),
    trustProxy: boolean('SPARROW_TRUST_PROXY', false),
    federation: {
      enabled: boolean('SPARROW_FEDERATION', true),
      allowPrivateAddresses: boolean('SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES', false),
      unavailableAfterFailures: integer('SPARROW_FEDERATION_UNAVAILABLE_AFTER_FAILURES', 20, 1, 1_000_000),
      unavailableAfterDays: integer('SPARROW_FEDERATION_UNAVAILABLE_AFTER_DAYS', 7, 0, 365),
      authorizedFetch: boolean('SPARROW_FEDERATION_AUTHORIZED_FETCH', false),
      inboxBodyLimit: integer('SPARROW_FEDERATION_INBOX_BODY_LIMIT', 262_144, 4096, 16 * 1024 * 1024),
      inboxRatePerMinute: integer('SPARROW_FEDERATION_INBOX_RATE_LIMIT', 600, 1, 1_000_000),
      threadFetchDepth: integer('SPARROW_FEDERATION_THREAD_FETCH_DEPTH', 5, 0, 20),
    },
    metricsToken: text('SPARROW_METRICS_TOKEN'),
    push: pushConfig(),
    mail,
    security,
    media,
    privacy: {
      discovery: {
        dailyLimit: integer('SPARROW_DISCOVERY_DAILY_LIMIT', 200, 1, 100_000),
        totalLimit: integer('SPARROW_DISCOVERY_TOTAL_LIMIT', 1000, 1, 10_000_000),
        ipDailyLimit: integer('SPARROW_DISCOVERY_IP_DAILY_LIMIT', 400, 1, 10_000_000),
        instanceDailyLimit: integer('SPARROW_DISCOVERY_INSTANCE_DAILY_LIMIT', 10_000, 1, 100_000_000),
        minAccountAgeDays: integer('SPARROW_DISCOVERY_MIN_ACCOUNT_AGE_DAYS', 7, 0, 3650),
        minPhoneAgeDays: integer('SPARROW_DISCOVERY_MIN_PHONE_AGE_DAYS', 14, 0, 3650),
        maxPerRequest: integer('SPARROW_DISCOVERY_MAX_PER_REQUEST', 500, 1, 5000),
        sequentialRun: integer('SPARROW_DISCOVERY_SEQUENTIAL_RUN', 5, 3, 1000),
        denseBlockLimit: integer('SPARROW_DISCOVERY_DENSE_BLOCK_LIMIT', 20, 3, 1000),
        concentrationMinLookups: integer('SPARROW_DISCOVERY_CONCENTRATION_MIN_LOOKUPS', 100, 10, 10_000_000),
        concentrationPerBlock: integer('SPARROW_DISCOVERY_CONCENTRATION_PER_BLOCK', 3, 2, 1000),
        cohortWindowHours: integer('SPARROW_DISCOVERY_COHORT_WINDOW_HOURS', 72, 1, 8760),
        cohortMinLookups: integer('SPARROW_DISCOVERY_COHORT_MIN_LOOKUPS', 100, 10, 10_000_000),
        cohortSize: integer('SPARROW_DISCOVERY_COHORT_SIZE', 5, 2, 100_000),
      },
      // SPEC 3.7: audiences under 100 matches are never usable, so the floor is 100.
      ads: {
        minAudienceSize: integer('SPARROW_ADS_MIN_AUDIENCE_SIZE', 100, 100, 10_000_000),
        // Who counts towards the floor (docs/privacy.md §3): bounds keep each rule from being switched off.
        minAccountAgeDays: integer('SPARROW_ADS_MIN_ACCOUNT_AGE_DAYS', 30, 7, 3650),
        burstSize: integer('SPARROW_ADS_BURST_SIZE', 5, 2, 1000),
        burstWindowHours: integer('SPARROW_ADS_BURST_WINDOW_HOURS', 24, 1, 24 * 30),
        networkClusterSize: integer('SPARROW_ADS_NETWORK_CLUSTER_SIZE', 3, 2, 1000),
      },
    },
  };
  for (const [name, replacement] of REMOVED_DISCOVERY_SETTINGS) {
    if (text(name) !== null) problems.push(`${name} was removed: ${replacement} (docs/privacy.md §2); unset it`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseDatabaseUrl(raw: string | null, dataDir: string, problems: string[]): DatabaseConfig {
  if (raw === null) return { engine: 'sqlite', location: resolve(dataDir, 'sparrow.sqlite') };
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      problems.push('SPARROW_DATABASE_URL is not a valid postgres:// URL');
    }
    return { engine: 'postgres', location: raw };
  }
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') {
      problems.push('SPARROW_DATABASE_URL=sqlite: needs a file path, e.g. sqlite:./data/sparrow.sqlite');
      return { engine: 'sqlite', location: ':memory:' };
    }
    return { engine: 'sqlite', location: path === ':memory:' ? path : resolve(path) };
  }
  problems.push('SPARROW_DATABASE_URL must start with sqlite: or postgres://');
  return { engine: 'sqlite', location: ':memory:' };
}

/** A config for tests and tools: defaults plus overrides, no environment read. */
export function configFor(overrides: Env = {}): Config {
  return loadConfig({ SPARROW_LOG_LEVEL: 'silent', ...overrides });
}
