import type { NewAccount } from '../core/ports.ts';
import type { Account } from '../core/model.ts';

export interface StoredCredentials {
  accountId: string;
  email: string;
  passwordHash: string;
}

export interface CredentialStore {
  /**
   * Creates the account and its login in one transaction; conflict if username or e-mail is taken.
   * With an application, the account is created suspended (hidden, no sign-in) until staff approve it.
   */
  createUser(
    account: NewAccount,
    credentials: { email: string; emailKey: string; passwordHash: string },
    application?: { reason: string | null },
  ): Promise<Account>;
  credentialsByEmail(emailKey: string): Promise<StoredCredentials | null>;
  credentialsByAccount(accountId: string): Promise<StoredCredentials | null>;
  emailByAccount(accountId: string): Promise<string | null>;
  setPasswordHash(accountId: string, passwordHash: string): Promise<void>;
}

export interface OAuthApp {
  id: string;
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
  clientId: string;
  clientSecretHash: string;
  createdAt: Date;
}

export interface AuthorizationCode {
  codeHash: string;
  appId: string;
  accountId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface AccessTokenRecord {
  id: string;
  tokenHash: string;
  appId: string | null;
  appName: string | null;
  accountId: string | null;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt?: Date | null;
  sessionKind?: string | null;
  sessionIp?: string | null;
  sessionAgent?: string | null;
}

export interface OAuthStore {
  createApp(app: OAuthApp): Promise<void>;
  appByClientId(clientId: string): Promise<OAuthApp | null>;
  appById(id: string): Promise<OAuthApp | null>;
  createCode(code: AuthorizationCode): Promise<void>;
  /** Marks the code used and returns it, or null when unknown or already used: a code works once. */
  consumeCode(codeHash: string, at: Date): Promise<AuthorizationCode | null>;
  createToken(token: Omit<AccessTokenRecord, 'appName' | 'revokedAt' | 'lastUsedAt'>): Promise<void>;
  tokenByHash(tokenHash: string): Promise<AccessTokenRecord | null>;
  /** Revokes a token; with appId, only if it belongs to that app. Returns whether one was revoked. */
  revokeToken(tokenHash: string, appId: string | null, at: Date): Promise<boolean>;
  /** Revokes every token issued from a code (used when a code is replayed). */
  revokeTokensForApp(appId: string, accountId: string, at: Date): Promise<void>;
}

export interface StoredCode {
  id: string;
  purpose: string;
  subject: string;
  target: string;
  codeHash: string;
  attempts: number;
  expiresAt: Date;
  consumedAt: Date | null;
  createdAt: Date;
  /** Where an SMS code went, for completion-rate monitoring (SMS pumping shows as codes nobody uses). */
  country?: string | null;
  prefix?: string | null;
}

export interface CodeStore {
  /** Stores a new code and retires every earlier unconsumed one of the same purpose and subject. */
  replaceCode(code: StoredCode): Promise<void>;
  /** The newest unconsumed, unexpired code for this purpose and subject. */
  activeCode(purpose: string, subject: string, now: Date): Promise<StoredCode | null>;
  /** Counts an attempt; returns the attempt count after it (atomic, so parallel guesses all count). */
  countAttempt(id: string): Promise<number>;
  /** Marks the code used; false if it was already used (single use under races). */
  consume(id: string, now: Date): Promise<boolean>;
  /** Codes issued since `since` for this purpose to this subject, and to this target. */
  issuedSince(
    purpose: string,
    subject: string,
    target: string,
    since: Date,
  ): Promise<{ bySubject: number; byTarget: number }>;
}

export interface AccountFactors {
  accountId: string;
  /** Encrypted with the instance key (the server must be able to compute TOTP codes). */
  totpSecret: string | null;
  /** A secret shown to the owner but not yet confirmed with a first code. */
  totpPendingSecret: string | null;
  totpLastStep: number | null;
  smsTwoFactor: boolean;
  requireStrong: boolean;
}

export interface StoredPasskey {
  id: string;
  accountId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface FactorStore {
  factors(accountId: string): Promise<AccountFactors>;
  saveFactors(factors: AccountFactors, now: Date): Promise<void>;
  /** Records a used TOTP step; false when it (or a later one) was used already, so a code works once. */
  useTotpStep(accountId: string, step: number): Promise<boolean>;
  replaceRecoveryCodes(accountId: string, codes: { id: string; hash: string }[], now: Date): Promise<void>;
  /** Marks the matching unused code used; false if none matched (single use under races). */
  useRecoveryCode(accountId: string, hash: string, now: Date): Promise<boolean>;
  recoveryCodesLeft(accountId: string): Promise<number>;
  addPasskey(passkey: StoredPasskey): Promise<void>;
  passkeys(accountId: string): Promise<StoredPasskey[]>;
  passkey(id: string): Promise<StoredPasskey | null>;
  passkeyUsed(id: string, counter: number, now: Date): Promise<void>;
  removePasskey(accountId: string, id: string): Promise<boolean>;
}

/** `signup_review`: a sign-up without a solved puzzle (scripts off); its account waits for staff approval. */
export type FlowKind =
  | 'password'
  | 'sms_login'
  | 'password_reset'
  | 'signup'
  | 'signup_review'
  | 'passkey_registration';
export type FlowStage = 'code' | 'second_factor' | 'done';

export interface AuthFlow {
  id: string;
  secretHash: string;
  kind: FlowKind;
  stage: FlowStage;
  /** Null when the flow was started for a contact that has no account: it looks the same from outside. */
  accountId: string | null;
  target: string | null;
  challenge: string | null;
  attempts: number;
  ip: string | null;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
}

export interface FlowStore {
  createFlow(flow: AuthFlow): Promise<void>;
  flowBySecretHash(secretHash: string): Promise<AuthFlow | null>;
  updateFlow(
    id: string,
    patch: Partial<Pick<AuthFlow, 'stage' | 'accountId' | 'challenge' | 'target' | 'completedAt'>>,
  ): Promise<void>;
  /** Marks the flow done; false if it already was (a flow completes once). */
  completeFlow(id: string, now: Date): Promise<boolean>;
  /** Counts an attempt and returns the count after it. */
  countFlowAttempt(id: string): Promise<number>;
  deleteExpiredFlows(now: Date): Promise<number>;
}

export interface SessionRecord {
  id: string;
  appId: string | null;
  appName: string | null;
  kind: string;
  ip: string | null;
  agent: string | null;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface SessionStore {
  sessions(accountId: string): Promise<SessionRecord[]>;
  revokeSession(accountId: string, id: string, at: Date): Promise<boolean>;
  /** Revokes every session of the account except `keepId` (after a password reset, "sign out everywhere"). */
  revokeAllSessions(accountId: string, at: Date, keepId?: string): Promise<number>;
  touchSession(id: string, at: Date): Promise<void>;
}

/** One security message over SMS (always sent: kill switch and posting policy never apply). */
interface SecuritySms {
  to: string;
  country: string;
  text: string;
  purpose: string;
  accountId: string | null;
}

export interface SecuritySmsSender {
  send(message: SecuritySms): Promise<void>;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Delivers e-mail: SMTP in production, a development mailbox otherwise. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
}

/**
 * Counts events against named limits shared by every instance. `consume` answers false
 * when the limit is reached, and also when the counter store cannot be reached: security
 * throttles fail closed.
 */
export interface Throttle {
  consume(limit: string, key: string, points?: number): Promise<boolean>;
}

export interface ThrottleLimit {
  points: number;
  durationSeconds: number;
}

export interface CompletionStat {
  scope: string;
  issued: number;
  completed: number;
}

export interface SecurityAlert {
  id: string;
  kind: string;
  scope: string;
  details: Record<string, unknown>;
  createdAt: Date;
  acknowledgedAt: Date | null;
}

export interface SecurityMonitorStore {
  /** Security codes sent since `since` and how many were used, per country and per number prefix. */
  completionStats(since: Date, until: Date): Promise<{ countries: CompletionStat[]; prefixes: CompletionStat[] }>;
  addAlert(alert: SecurityAlert): Promise<void>;
  latestAlert(kind: string, scope: string): Promise<SecurityAlert | null>;
  alerts(limit: number): Promise<SecurityAlert[]>;
  /** Null: the country follows the instance default. */
  securitySmsCountrySetting(country: string): Promise<boolean | null>;
}

export type ApplicationStatus = 'pending' | 'approved' | 'rejected';

/** An account that waits (or waited) for staff approval, with the applicant's "why I want to join". */
export interface SignUpApplication {
  accountId: string;
  reason: string | null;
  status: ApplicationStatus;
  createdAt: Date;
  decidedAt: Date | null;
}

export interface RegistrationStore {
  /** Oldest first. */
  applications(status: ApplicationStatus, limit: number): Promise<SignUpApplication[]>;
  application(accountId: string): Promise<SignUpApplication | null>;
  /** Decides a pending application; false when it was not pending (decided once, under races too). */
  decide(accountId: string, status: 'approved' | 'rejected', at: Date): Promise<boolean>;
}

/** Wrong codes in a row for one key (an account or a number), across codes and flows. */
export interface FailureRecord {
  failures: number;
  lastFailureAt: Date;
}

export interface CodeFailureStore {
  failureRecords(keys: string[]): Promise<Map<string, FailureRecord>>;
  /**
   * Counts one failure atomically and returns the record after it; a run whose last failure
   * is older than `forgetBefore` starts again at one.
   */
  addFailure(key: string, at: Date, forgetBefore: Date): Promise<FailureRecord>;
  clearFailures(keys: string[]): Promise<void>;
  deleteFailuresBefore(before: Date): Promise<number>;
}

/**
 * Counts events per key in a sliding window of time taken from the injected clock, shared by
 * every instance (Redis when configured, otherwise the database).
 */
export interface EventCounter {
  /** Counts one event; returns the events in the window ending at `at` and whether it was the first in this bucket. */
  add(key: string, at: Date, windowMs: number): Promise<{ inWindow: number; firstInBucket: boolean }>;
  /** The events in the window ending at `at`, without counting one. */
  count(key: string, at: Date, windowMs: number): Promise<number>;
}
