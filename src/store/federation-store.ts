import type { JsonWebKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  DomainBlock,
  DomainBlockStore,
  FederationStore,
  RemoteEndpoints,
  RemoteFollower,
  StoredKeyPair,
} from '../federation/ports.ts';
import { type EntityCache, keyedDependency, memoized } from './entity-cache.ts';
import { precompiled } from './precompiled.ts';
import type { Database } from './schema.ts';

/** Signing keys of local accounts and delivery endpoints of remote ones (migration 0020). */
export class KyselyFederationStore implements FederationStore {
  private readonly db: Kysely<Database>;
  /** Keeps "has followers on other servers" per account: every local post asks, and it rarely changes. */
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  async keyPairs(accountId: string): Promise<StoredKeyPair[]> {
    const rows = await this.db
      .selectFrom('actor_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('algorithm')
      .execute();
    return rows.map((row) => ({
      algorithm: row.algorithm as StoredKeyPair['algorithm'],
      publicJwk: JSON.parse(row.public_jwk) as JsonWebKey,
      privateSealed: row.private_jwk_sealed,
    }));
  }

  async addKeyPairs(accountId: string, pairs: readonly StoredKeyPair[], now: Date): Promise<void> {
    if (pairs.length === 0) return;
    await this.db
      .insertInto('actor_keys')
      .values(
        pairs.map((pair) => ({
          account_id: accountId,
          algorithm: pair.algorithm,
          public_jwk: JSON.stringify(pair.publicJwk),
          private_jwk_sealed: pair.privateSealed,
          created_at: now.toISOString(),
        })),
      )
      .onConflict((oc) => oc.columns(['account_id', 'algorithm']).doNothing())
      .execute();
  }

  async replaceKeyPairs(accountId: string, pairs: readonly StoredKeyPair[], now: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('actor_keys').where('account_id', '=', accountId).execute();
      if (pairs.length === 0) return;
      await tx
        .insertInto('actor_keys')
        .values(
          pairs.map((pair) => ({
            account_id: accountId,
            algorithm: pair.algorithm,
            public_jwk: JSON.stringify(pair.publicJwk),
            private_jwk_sealed: pair.privateSealed,
            created_at: now.toISOString(),
          })),
        )
        .execute();
    });
  }

  async keyedAccounts(): Promise<string[]> {
    const rows = await this.db.selectFrom('actor_keys').select('account_id').distinct().execute();
    return rows.map((row) => row.account_id);
  }

  async saveEndpoints(accountId: string, endpoints: RemoteEndpoints, now: Date): Promise<void> {
    const values = {
      inbox_url: endpoints.inbox,
      shared_inbox_url: endpoints.sharedInbox,
      followers_url: endpoints.followersUrl,
      fetched_at: now.toISOString(),
    };
    await this.db
      .insertInto('remote_actors')
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
  }

  async endpoints(accountIds: readonly string[]): Promise<Map<string, RemoteEndpoints>> {
    if (accountIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('remote_actors').selectAll().where('account_id', 'in', accountIds).execute();
    return new Map(
      rows.map((row) => [
        row.account_id,
        { inbox: row.inbox_url, sharedInbox: row.shared_inbox_url, followersUrl: row.followers_url },
      ]),
    );
  }

  async endpointsFetchedAt(accountId: string): Promise<Date | null> {
    const row = await this.db
      .selectFrom('remote_actors')
      .select('fetched_at')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? new Date(row.fetched_at) : null;
  }

  /** Whether any account on another server follows `accountId`: the follows index and the actors' keys, no row read. */
  private readonly anyRemoteFollowerQuery = precompiled(
    () => this.db,
    (accountId: string) =>
      this.db
        .selectFrom('follows as f')
        .select('f.account_id')
        .where('f.target_account_id', '=', accountId)
        .where((eb) =>
          eb.exists(
            eb.selectFrom('remote_actors as r').select('r.account_id').whereRef('r.account_id', '=', 'f.account_id'),
          ),
        )
        .limit(1),
  );
  private readonly remoteFollowersQuery = precompiled(
    () => this.db,
    (accountId: string, cursor: string | null, limit: number) => {
      let query = this.db
        .selectFrom('follows')
        .innerJoin('accounts', 'accounts.id', 'follows.account_id')
        .innerJoin('remote_actors', 'remote_actors.account_id', 'follows.account_id')
        .select([
          'follows.id as followId',
          'accounts.id as accountId',
          'accounts.uri as uri',
          'remote_actors.inbox_url as inbox',
          'remote_actors.shared_inbox_url as sharedInbox',
        ])
        .where('follows.target_account_id', '=', accountId)
        .where('accounts.suspended_at', 'is', null)
        .orderBy('follows.id')
        .limit(limit);
      if (cursor !== null) query = query.where('follows.id', '>', cursor);
      return query;
    },
  );

  /** Dropped by any write to the account's followers (keyed) or to any remote actor. */
  private hasRemoteFollower(accountId: string): Promise<boolean> {
    return memoized(
      this.cache,
      'has-remote-follower',
      accountId,
      [keyedDependency('followed_by', accountId), 'remote_actors'],
      async () => (await this.anyRemoteFollowerQuery(accountId)).length > 0,
    );
  }

  async remoteFollowers(
    accountId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ items: RemoteFollower[]; next: string | null }> {
    // Every local post asks; most accounts have no follower on another server, which the probe tells cheaply.
    if (cursor === null && !(await this.hasRemoteFollower(accountId))) return { items: [], next: null };
    const rows = await this.remoteFollowersQuery(accountId, cursor, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.flatMap((row) =>
        row.uri ? [{ accountId: row.accountId, uri: row.uri, inbox: row.inbox, sharedInbox: row.sharedInbox }] : [],
      ),
      next: rows.length > limit ? (page.at(-1)?.followId ?? null) : null,
    };
  }

  async followers(
    accountId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ items: { uri: string | null; username: string }[]; next: string | null }> {
    let query = this.db
      .selectFrom('follows')
      .innerJoin('accounts', 'accounts.id', 'follows.account_id')
      .select(['follows.id as followId', 'accounts.uri as uri', 'accounts.username as username'])
      .where('follows.target_account_id', '=', accountId)
      .where('accounts.suspended_at', 'is', null)
      .orderBy('follows.id')
      .limit(limit + 1);
    if (cursor) query = query.where('follows.id', '>', cursor);
    const rows = await query.execute();
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({ uri: row.uri, username: row.username })),
      next: rows.length > limit ? (page.at(-1)?.followId ?? null) : null,
    };
  }
}

/** Admins' blocks of other servers (migration 0020). */
export class KyselyDomainBlockStore implements DomainBlockStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async saveDomainBlock(block: DomainBlock): Promise<DomainBlock> {
    const values = {
      severity: block.severity,
      reject_media: block.rejectMedia ? 1 : 0,
      reason: block.reason,
      created_by: block.createdBy,
    };
    await this.db
      .insertInto('instance_domain_blocks')
      .values({ id: block.id, domain: block.domain, created_at: block.createdAt.toISOString(), ...values })
      .onConflict((oc) => oc.column('domain').doUpdateSet(values))
      .execute();
    const saved = (await this.domainBlocks()).find((b) => b.domain === block.domain);
    return saved ?? block;
  }

  async removeDomainBlock(domain: string): Promise<DomainBlock | null> {
    const existing = (await this.domainBlocks()).find((b) => b.domain === domain) ?? null;
    if (existing) await this.db.deleteFrom('instance_domain_blocks').where('domain', '=', domain).execute();
    return existing;
  }

  async domainBlocks(): Promise<DomainBlock[]> {
    const rows = await this.db.selectFrom('instance_domain_blocks').selectAll().orderBy('domain').execute();
    return rows.map((row) => ({
      id: row.id,
      domain: row.domain,
      // Anything unknown reads as the strictest.
      severity: row.severity === 'limit' || row.severity === 'noop' ? row.severity : 'suspend',
      rejectMedia: row.reject_media === 1,
      reason: row.reason,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at),
    }));
  }

  async setDomainSuspended(domain: string, at: Date | null): Promise<number> {
    const result = await this.db
      .updateTable('accounts')
      .set({ suspended_at: at ? at.toISOString() : null })
      .where('domain', '=', domain)
      .where((eb) => (at ? eb('suspended_at', 'is', null) : eb('suspended_at', 'is not', null)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
