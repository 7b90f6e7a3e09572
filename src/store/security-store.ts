import type { Kysely, Selectable } from 'kysely';
import type { Account } from '../core/model.ts';
import type { NewAccount } from '../core/ports.ts';
import type {
  AccessTokenRecord,
  AuthorizationCode,
  ApplicationStatus,
  CredentialStore,
  OAuthApp,
  RegistrationStore,
  SignUpApplication,
  OAuthStore,
  SessionRecord,
  SessionStore,
  StoredCredentials,
} from '../security/ports.ts';
import { conflict } from '../shared/errors.ts';
import { toAccount } from './microblog-store.ts';
import type { Database, OAuthAppsTable } from './schema.ts';
import { precompiled } from './precompiled.ts';
import { memoized, type EntityCache } from './entity-cache.ts';

const iso = (d: Date) => d.toISOString();

function uniqueViolationOn(error: unknown): string | null {
  const e = error as { code?: string; message?: string; constraint?: string };
  if (e?.code === '23505') return `${e.constraint ?? ''} ${e.message ?? ''}`;
  if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT')) return e.message ?? '';
  return null;
}

export class KyselyCredentialStore implements CredentialStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  async createUser(
    account: NewAccount,
    credentials: { email: string; emailKey: string; passwordHash: string },
    application?: { reason: string | null },
  ): Promise<Account> {
    const row = {
      id: account.id,
      username: account.username,
      username_key: account.username.toLowerCase(),
      display_name: account.displayName,
      note: account.note,
      role: account.role,
      locked: 0,
      bot: 0,
      created_at: iso(account.createdAt),
      updated_at: iso(account.createdAt),
      // An account waiting for approval is held suspended from its first moment: it never signs in before staff decide.
      suspended_at: application ? iso(account.createdAt) : null,
      followers_count: 0,
      following_count: 0,
      statuses_count: 0,
      last_status_at: null,
    };
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('accounts').values(row).execute();
        await tx
          .insertInto('credentials')
          .values({
            account_id: account.id,
            email: credentials.email,
            email_key: credentials.emailKey,
            password_hash: credentials.passwordHash,
            created_at: iso(account.createdAt),
          })
          .execute();
        if (application)
          await tx
            .insertInto('sign_up_applications')
            .values({
              account_id: account.id,
              reason: application.reason,
              status: 'pending',
              created_at: iso(account.createdAt),
              decided_at: null,
            })
            .execute();
      });
    } catch (error) {
      const violation = uniqueViolationOn(error);
      if (violation !== null) {
        throw conflict(violation.includes('email') ? 'E-mail address is already in use' : 'Username is already taken');
      }
      throw error;
    }
    return toAccount(row);
  }

  async credentialsByEmail(emailKey: string): Promise<StoredCredentials | null> {
    const row = await this.db
      .selectFrom('credentials')
      .select(['account_id', 'email', 'password_hash'])
      .where('email_key', '=', emailKey)
      .executeTakeFirst();
    return row ? { accountId: row.account_id, email: row.email, passwordHash: row.password_hash } : null;
  }

  // Read after every text posted by SMS (the owner's e-mail alert): built and compiled once.
  private readonly credentialsByAccountQuery = precompiled(
    () => this.db,
    (accountId: string) =>
      this.db
        .selectFrom('credentials')
        .select(['account_id', 'email', 'password_hash'])
        .where('account_id', '=', accountId),
  );

  async credentialsByAccount(accountId: string): Promise<StoredCredentials | null> {
    const [row] = await this.credentialsByAccountQuery(accountId);
    return row ? { accountId: row.account_id, email: row.email, passwordHash: row.password_hash } : null;
  }

  /**
   * The owner's e-mail address, read after every text posted by SMS (the owner's alert): kept
   * (the address alone, never the password hash) until a write to `credentials` drops it.
   */
  async emailByAccount(accountId: string): Promise<string | null> {
    return memoized(
      this.cache,
      'email',
      accountId,
      ['credentials'],
      async () => (await this.credentialsByAccountQuery(accountId))[0]?.email ?? null,
    );
  }

  async setPasswordHash(accountId: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('credentials')
      .set({ password_hash: passwordHash })
      .where('account_id', '=', accountId)
      .execute();
  }
}

function toApp(row: Selectable<OAuthAppsTable>): OAuthApp {
  return {
    id: row.id,
    name: row.name,
    website: row.website,
    redirectUris: row.redirect_uris.split('\n').filter(Boolean),
    scopes: row.scopes.split(' ').filter(Boolean),
    clientId: row.client_id,
    clientSecretHash: row.client_secret_hash,
    createdAt: new Date(row.created_at),
  };
}

export class KyselyOAuthStore implements OAuthStore, SessionStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  async createApp(app: OAuthApp): Promise<void> {
    await this.db
      .insertInto('oauth_apps')
      .values({
        id: app.id,
        name: app.name,
        website: app.website,
        redirect_uris: app.redirectUris.join('\n'),
        scopes: app.scopes.join(' '),
        client_id: app.clientId,
        client_secret_hash: app.clientSecretHash,
        created_at: iso(app.createdAt),
      })
      .execute();
  }

  async appByClientId(clientId: string): Promise<OAuthApp | null> {
    const row = await this.db.selectFrom('oauth_apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toApp(row) : null;
  }

  async appById(id: string): Promise<OAuthApp | null> {
    const row = await this.db.selectFrom('oauth_apps').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toApp(row) : null;
  }

  async createCode(code: AuthorizationCode): Promise<void> {
    await this.db
      .insertInto('oauth_codes')
      .values({
        code_hash: code.codeHash,
        app_id: code.appId,
        account_id: code.accountId,
        redirect_uri: code.redirectUri,
        scopes: code.scopes.join(' '),
        code_challenge: code.codeChallenge,
        code_challenge_method: code.codeChallengeMethod,
        created_at: iso(code.createdAt),
        expires_at: iso(code.expiresAt),
        used_at: null,
      })
      .execute();
  }

  async consumeCode(codeHash: string, at: Date): Promise<AuthorizationCode | null> {
    // The conditional update is the single point where a code is spent, so two
    // concurrent exchanges of one code cannot both succeed.
    const updated = await this.db
      .updateTable('oauth_codes')
      .set({ used_at: iso(at) })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return null;
    const row = await this.db
      .selectFrom('oauth_codes')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      codeHash: row.code_hash,
      appId: row.app_id,
      accountId: row.account_id,
      redirectUri: row.redirect_uri,
      scopes: row.scopes.split(' ').filter(Boolean),
      codeChallenge: row.code_challenge,
      codeChallengeMethod: row.code_challenge_method,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
    };
  }

  async createToken(token: Omit<AccessTokenRecord, 'appName' | 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    await this.db
      .insertInto('oauth_tokens')
      .values({
        id: token.id,
        token_hash: token.tokenHash,
        app_id: token.appId,
        account_id: token.accountId,
        scopes: token.scopes.join(' '),
        created_at: iso(token.createdAt),
        revoked_at: null,
        last_used_at: null,
        session_kind: token.sessionKind ?? null,
        session_ip: token.sessionIp ?? null,
        session_agent: token.sessionAgent?.slice(0, 300) ?? null,
      })
      .execute();
  }

  /** Read on every API request: kept until tokens or apps change (a token's last use aside). */
  async tokenByHash(tokenHash: string): Promise<AccessTokenRecord | null> {
    return memoized(this.cache, 'token', tokenHash, ['oauth_tokens', 'oauth_apps'], () =>
      this.loadTokenByHash(tokenHash),
    );
  }

  private async loadTokenByHash(tokenHash: string): Promise<AccessTokenRecord | null> {
    const row = await this.db
      .selectFrom('oauth_tokens as t')
      .leftJoin('oauth_apps as a', 'a.id', 't.app_id')
      .select([
        't.id',
        't.token_hash',
        't.app_id',
        'a.name as app_name',
        't.account_id',
        't.scopes',
        't.created_at',
        't.revoked_at',
        't.last_used_at',
      ])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      tokenHash: row.token_hash,
      appId: row.app_id,
      appName: row.app_name ?? null,
      accountId: row.account_id,
      scopes: row.scopes.split(' ').filter(Boolean),
      createdAt: new Date(row.created_at),
      revokedAt: row.revoked_at ? new Date(row.revoked_at) : null,
      lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
    };
  }

  async revokeToken(tokenHash: string, appId: string | null, at: Date): Promise<boolean> {
    let q = this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: iso(at) })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null);
    if (appId !== null) q = q.where('app_id', '=', appId);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeTokensForApp(appId: string, accountId: string, at: Date): Promise<void> {
    await this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: iso(at) })
      .where('app_id', '=', appId)
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async sessions(accountId: string): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('oauth_tokens as t')
      .leftJoin('oauth_apps as a', 'a.id', 't.app_id')
      .select([
        't.id',
        't.app_id',
        'a.name as app_name',
        't.session_kind',
        't.session_ip',
        't.session_agent',
        't.scopes',
        't.created_at',
        't.last_used_at',
      ])
      .where('t.account_id', '=', accountId)
      .where('t.revoked_at', 'is', null)
      .orderBy('t.id', 'desc')
      .limit(200)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      appId: row.app_id,
      appName: row.app_name ?? null,
      kind: row.session_kind ?? (row.app_id ? 'app' : 'operator'),
      ip: row.session_ip,
      agent: row.session_agent,
      scopes: row.scopes.split(' ').filter(Boolean),
      createdAt: new Date(row.created_at),
      lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
    }));
  }

  async revokeSession(accountId: string, id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: iso(at) })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeAllSessions(accountId: string, at: Date, keepId?: string): Promise<number> {
    let q = this.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: iso(at) })
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null);
    if (keepId) q = q.where('id', '!=', keepId);
    const result = await q.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async touchSession(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('oauth_tokens')
      .set({ last_used_at: iso(at) })
      .where('id', '=', id)
      .execute();
  }
}

function toApplication(row: Selectable<Database['sign_up_applications']>): SignUpApplication {
  return {
    accountId: row.account_id,
    reason: row.reason,
    status: row.status as ApplicationStatus,
    createdAt: new Date(row.created_at),
    decidedAt: row.decided_at ? new Date(row.decided_at) : null,
  };
}

export class KyselyRegistrationStore implements RegistrationStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async applications(status: ApplicationStatus, limit: number): Promise<SignUpApplication[]> {
    const rows = await this.db
      .selectFrom('sign_up_applications')
      .selectAll()
      .where('status', '=', status)
      .orderBy('created_at', 'asc')
      .orderBy('account_id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toApplication);
  }

  async application(accountId: string): Promise<SignUpApplication | null> {
    const row = await this.db
      .selectFrom('sign_up_applications')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? toApplication(row) : null;
  }

  async decide(accountId: string, status: 'approved' | 'rejected', at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sign_up_applications')
      .set({ status, decided_at: iso(at) })
      .where('account_id', '=', accountId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
