import { createHash } from 'node:crypto';
import { newId } from '../shared/ids.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { DomainError, invalid } from '../shared/errors.ts';
import type { AccessTokenRecord, OAuthApp, OAuthStore, SessionRecord, SessionStore } from './ports.ts';
import { DEFAULT_SCOPES, isSubset, parseScopes, unknownScopes } from './scopes.ts';
import { digest, newSecret, safeEqual } from './tokens.ts';

/** The redirect URI for apps that show the code to the user instead of redirecting. */
export const OUT_OF_BAND = 'urn:ietf:wg:oauth:2.0:oob';
const CODE_TTL_MS = 10 * 60 * 1000;

/** OAuth 2 errors carry the RFC 6749 error code, which the HTTP edge returns as-is. */
export class OAuthError extends DomainError {
  readonly code:
    | 'invalid_request'
    | 'invalid_client'
    | 'invalid_grant'
    | 'unauthorized_client'
    | 'unsupported_grant_type'
    | 'invalid_scope';
  constructor(
    code:
      | 'invalid_request'
      | 'invalid_client'
      | 'invalid_grant'
      | 'unauthorized_client'
      | 'unsupported_grant_type'
      | 'invalid_scope',
    message: string,
  ) {
    super(code === 'invalid_client' ? 'unauthorized' : 'invalid', message);
    this.code = code;
  }
}

export interface RegisteredApp {
  app: OAuthApp;
  clientSecret: string;
}

export interface IssuedToken {
  accessToken: string;
  scopes: string[];
  createdAt: Date;
}

export interface TokenInfo {
  tokenId: string;
  accountId: string | null;
  appId: string | null;
  appName: string | null;
  scopes: string[];
}

/** Where and how a token was issued, shown in the owner's session list. */
export interface SessionMeta {
  kind: 'web' | 'app' | 'operator';
  ip?: string | null;
  agent?: string | null;
}

const TOUCH_INTERVAL_MS = 5 * 60_000;

export class OAuth {
  /** When each token was last marked used by this process; keeps "last used" cheap. */
  private readonly touched = new Map<string, number>();

  private readonly store: OAuthStore & SessionStore;
  private readonly clock: Clock;
  constructor(store: OAuthStore & SessionStore, clock: Clock = systemClock) {
    this.store = store;
    this.clock = clock;
  }

  async registerApp(input: {
    name: string;
    redirectUris: string;
    scopes?: string | null;
    website?: string | null;
  }): Promise<RegisteredApp> {
    const name = input.name.trim();
    if (name === '' || name.length > 100)
      throw invalid('client_name must be 1 to 100 characters', { field: 'client_name' });
    const redirectUris = input.redirectUris.split(/\s+/).filter(Boolean);
    if (redirectUris.length === 0) throw invalid('redirect_uris is required', { field: 'redirect_uris' });
    for (const uri of redirectUris) {
      if (uri !== OUT_OF_BAND && !isAbsoluteUri(uri))
        throw invalid(`redirect_uris contains an invalid URI: ${uri.slice(0, 200)}`, { field: 'redirect_uris' });
    }
    const scopes = parseScopes(input.scopes || DEFAULT_SCOPES);
    const unknown = unknownScopes(scopes);
    if (unknown.length > 0) throw invalid(`Unknown scopes: ${unknown.join(' ')}`, { field: 'scopes' });
    const website = input.website?.trim() || null;
    if (website && !isAbsoluteUri(website)) throw invalid('website must be a URL', { field: 'website' });
    const clientSecret = newSecret();
    const app: OAuthApp = {
      id: newId(this.clock.now().getTime()),
      name,
      website,
      redirectUris,
      scopes,
      clientId: newSecret(24),
      clientSecretHash: digest(clientSecret),
      createdAt: this.clock.now(),
    };
    await this.store.createApp(app);
    return { app, clientSecret };
  }

  async appByClientId(clientId: string): Promise<OAuthApp | null> {
    return this.store.appByClientId(clientId);
  }

  async appById(id: string): Promise<OAuthApp | null> {
    return this.store.appById(id);
  }

  /** Validates an authorization request before the consent page is shown. */
  async checkAuthorizationRequest(input: {
    clientId: string;
    redirectUri: string;
    scope?: string | null;
    responseType?: string | null;
    codeChallenge?: string | null;
    codeChallengeMethod?: string | null;
  }): Promise<{ app: OAuthApp; scopes: string[] }> {
    const app = await this.store.appByClientId(input.clientId);
    if (!app) throw new OAuthError('invalid_client', 'Unknown client_id').coded('oauth.unknown_client');
    if (!app.redirectUris.includes(input.redirectUri))
      throw new OAuthError('invalid_request', 'redirect_uri does not match the registered URIs').coded(
        'oauth.redirect_mismatch',
      );
    if ((input.responseType ?? 'code') !== 'code')
      throw new OAuthError('invalid_request', 'Only response_type=code is supported').coded('oauth.response_type');
    const scopes = parseScopes(input.scope || app.scopes.join(' '));
    if (unknownScopes(scopes).length > 0 || !isSubset(scopes, app.scopes))
      throw new OAuthError('invalid_scope', 'Requested scopes exceed those registered for this app').coded(
        'oauth.scope_exceeds',
      );
    if (input.codeChallenge) {
      const method = input.codeChallengeMethod || 'plain';
      if (method !== 'S256')
        throw new OAuthError('invalid_request', 'code_challenge_method must be S256').coded('oauth.pkce_method');
      if (!/^[A-Za-z0-9_-]{43,128}$/.test(input.codeChallenge))
        throw new OAuthError('invalid_request', 'code_challenge is malformed').coded('oauth.pkce_malformed');
    }
    return { app, scopes };
  }

  /** Issues an authorization code after the signed-in user approved the request. */
  async issueCode(input: {
    app: OAuthApp;
    accountId: string;
    redirectUri: string;
    scopes: string[];
    codeChallenge?: string | null;
    codeChallengeMethod?: string | null;
  }): Promise<string> {
    const code = newSecret();
    const now = this.clock.now();
    await this.store.createCode({
      codeHash: digest(code),
      appId: input.app.id,
      accountId: input.accountId,
      redirectUri: input.redirectUri,
      scopes: input.scopes,
      codeChallenge: input.codeChallenge || null,
      codeChallengeMethod: input.codeChallenge ? 'S256' : null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
    });
    return code;
  }

  async authenticateClient(clientId: string, clientSecret: string | null): Promise<OAuthApp> {
    const app = await this.store.appByClientId(clientId);
    if (!app || clientSecret === null || !safeEqual(digest(clientSecret), app.clientSecretHash)) {
      throw new OAuthError('invalid_client', 'Client authentication failed');
    }
    return app;
  }

  async exchangeCode(input: {
    clientId: string;
    clientSecret: string | null;
    code: string;
    redirectUri: string;
    codeVerifier?: string | null;
    session?: SessionMeta;
  }): Promise<IssuedToken> {
    const app = await this.store.appByClientId(input.clientId);
    if (!app) throw new OAuthError('invalid_client', 'Client authentication failed');
    const now = this.clock.now();
    const code = await this.store.consumeCode(digest(input.code), now);
    if (!code || code.appId !== app.id)
      throw new OAuthError('invalid_grant', 'The authorization code is invalid, expired or already used');
    if (code.expiresAt.getTime() < now.getTime())
      throw new OAuthError('invalid_grant', 'The authorization code has expired');
    if (code.redirectUri !== input.redirectUri)
      throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
    if (code.codeChallenge) {
      // PKCE: a public client proves it started the flow; the secret is then optional.
      if (!input.codeVerifier || !safeEqual(pkceChallenge(input.codeVerifier), code.codeChallenge)) {
        throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
      }
      if (input.clientSecret !== null && !safeEqual(digest(input.clientSecret), app.clientSecretHash)) {
        throw new OAuthError('invalid_client', 'Client authentication failed');
      }
    } else {
      await this.authenticateClient(input.clientId, input.clientSecret);
    }
    return this.issueToken({
      appId: app.id,
      accountId: code.accountId,
      scopes: code.scopes,
      session: input.session ?? { kind: 'app' },
    });
  }

  async clientCredentials(input: {
    clientId: string;
    clientSecret: string | null;
    scope?: string | null;
  }): Promise<IssuedToken> {
    const app = await this.authenticateClient(input.clientId, input.clientSecret);
    const scopes = parseScopes(input.scope || app.scopes.join(' '));
    if (!isSubset(scopes, app.scopes))
      throw new OAuthError('invalid_scope', 'Requested scopes exceed those registered for this app').coded(
        'oauth.scope_exceeds',
      );
    return this.issueToken({ appId: app.id, accountId: null, scopes });
  }

  /** Operator-issued token (CLI), not tied to a registered app. */
  async issueToken(input: {
    appId: string | null;
    accountId: string | null;
    scopes: string[];
    session?: SessionMeta;
  }): Promise<IssuedToken> {
    const unknown = unknownScopes(input.scopes);
    if (unknown.length > 0)
      throw new OAuthError('invalid_scope', `Unknown scopes: ${unknown.join(' ')}`).coded('oauth.unknown_scopes', {
        scopes: unknown.join(' '),
      });
    const accessToken = newSecret();
    const createdAt = this.clock.now();
    await this.store.createToken({
      id: newId(createdAt.getTime()),
      tokenHash: digest(accessToken),
      appId: input.appId,
      accountId: input.accountId,
      scopes: input.scopes,
      createdAt,
      sessionKind: input.session?.kind ?? null,
      sessionIp: input.session?.ip ?? null,
      sessionAgent: input.session?.agent ?? null,
    });
    return { accessToken, scopes: input.scopes, createdAt };
  }

  async revoke(input: { clientId: string; clientSecret: string | null; token: string }): Promise<void> {
    const app = await this.authenticateClient(input.clientId, input.clientSecret);
    // RFC 7009: answer the same whether or not the token existed.
    await this.store.revokeToken(digest(input.token), app.id, this.clock.now());
  }

  async verifyToken(token: string): Promise<TokenInfo | null> {
    if (token.length < 16 || token.length > 512) return null;
    const record: AccessTokenRecord | null = await this.store.tokenByHash(digest(token));
    if (!record || record.revokedAt) return null;
    this.touch(record);
    return {
      tokenId: record.id,
      accountId: record.accountId,
      appId: record.appId,
      appName: record.appName,
      scopes: record.scopes,
    };
  }

  /** The account's signed-in sessions: web sign-ins and app tokens. */
  async sessions(accountId: string): Promise<SessionRecord[]> {
    return this.store.sessions(accountId);
  }

  async revokeSession(accountId: string, sessionId: string): Promise<boolean> {
    this.touched.delete(sessionId);
    return this.store.revokeSession(accountId, sessionId, this.clock.now());
  }

  async revokeAllSessions(accountId: string, keepSessionId?: string): Promise<number> {
    return this.store.revokeAllSessions(accountId, this.clock.now(), keepSessionId);
  }

  private touch(record: AccessTokenRecord): void {
    const now = this.clock.now().getTime();
    const last = this.touched.get(record.id) ?? record.lastUsedAt?.getTime() ?? 0;
    if (now - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(record.id, now);
    if (this.touched.size > 50_000) this.touched.clear();
    void this.store.touchSession(record.id, new Date(now)).catch(() => {});
  }
}

function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function isAbsoluteUri(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol.length > 1 && !['javascript:', 'data:', 'vbscript:'].includes(url.protocol);
  } catch {
    return false;
  }
}
