import type { NewAccount } from '../core/ports.ts';
import type { Account } from '../core/model.ts';

export interface StoredCredentials {
  accountId: string;
  email: string;
  passwordHash: string;
}

export interface CredentialStore {
  /** Creates the account and its login in one transaction; conflict if username or e-mail is taken. */
  createUser(account: NewAccount, credentials: { email: string; emailKey: string; passwordHash: string }): Promise<Account>;
  credentialsByEmail(emailKey: string): Promise<StoredCredentials | null>;
  credentialsByAccount(accountId: string): Promise<StoredCredentials | null>;
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
}

export interface OAuthStore {
  createApp(app: OAuthApp): Promise<void>;
  appByClientId(clientId: string): Promise<OAuthApp | null>;
  appById(id: string): Promise<OAuthApp | null>;
  createCode(code: AuthorizationCode): Promise<void>;
  /** Marks the code used and returns it, or null when unknown or already used: a code works once. */
  consumeCode(codeHash: string, at: Date): Promise<AuthorizationCode | null>;
  createToken(token: Omit<AccessTokenRecord, 'appName' | 'revokedAt'>): Promise<void>;
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
  issuedSince(purpose: string, subject: string, target: string, since: Date): Promise<{ bySubject: number; byTarget: number }>;
}
