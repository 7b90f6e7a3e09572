import { type Kysely, type Selectable, sql } from 'kysely';
import type { PushAlerts, PushDelivery, PushPolicy, PushStore, PushSubscription } from '../push/index.ts';
import type { Database, PushSubscriptionsTable } from './schema.ts';

const iso = (d: Date) => d.toISOString();

function toSubscription(row: Selectable<PushSubscriptionsTable>): PushSubscription {
  return {
    id: row.id,
    tokenId: row.token_id,
    accountId: row.account_id,
    endpoint: row.endpoint,
    keys: { p256dh: row.key_p256dh, auth: row.key_auth },
    alerts: JSON.parse(row.alerts) as PushAlerts,
    policy: row.policy as PushPolicy,
    createdAt: new Date(row.created_at),
  };
}

export class KyselyPushStore implements PushStore {
  private readonly db: Kysely<Database>;
  private readonly engine: 'sqlite' | 'postgres';
  constructor(db: Kysely<Database>, engine: 'sqlite' | 'postgres') {
    this.db = db;
    this.engine = engine;
  }

  async replaceSubscription(s: PushSubscription, sealedToken: string) {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('push_subscriptions').where('token_id', '=', s.tokenId).execute();
      await tx
        .insertInto('push_subscriptions')
        .values({
          id: s.id,
          token_id: s.tokenId,
          account_id: s.accountId,
          endpoint: s.endpoint,
          key_p256dh: s.keys.p256dh,
          key_auth: s.keys.auth,
          sealed_token: sealedToken,
          alerts: JSON.stringify(s.alerts),
          policy: s.policy,
          created_at: iso(s.createdAt),
          updated_at: iso(s.createdAt),
        })
        .execute();
    });
  }

  async subscriptionOfToken(tokenId: string) {
    const row = await this.db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('token_id', '=', tokenId)
      .executeTakeFirst();
    return row ? toSubscription(row) : null;
  }

  async updateSubscription(tokenId: string, changes: { alerts: PushAlerts; policy: PushPolicy }, now: Date) {
    await this.db
      .updateTable('push_subscriptions')
      .set({ alerts: JSON.stringify(changes.alerts), policy: changes.policy, updated_at: iso(now) })
      .where('token_id', '=', tokenId)
      .execute();
  }

  async removeSubscriptionOfToken(tokenId: string) {
    await this.db.deleteFrom('push_subscriptions').where('token_id', '=', tokenId).execute();
  }

  async removeSubscription(id: string) {
    await this.db.deleteFrom('push_subscriptions').where('id', '=', id).execute();
  }

  private revokedTokens() {
    return this.db.selectFrom('oauth_tokens').select('id').where('revoked_at', 'is not', null);
  }

  async liveSubscriptionsOf(accountId: string) {
    await this.db
      .deleteFrom('push_subscriptions')
      .where('account_id', '=', accountId)
      .where('token_id', 'in', this.revokedTokens())
      .execute();
    const rows = await this.db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .execute();
    return rows.map(toSubscription);
  }

  async enqueue(
    deliveries: { id: string; subscriptionId: string; accountId: string; notificationId: string }[],
    now: Date,
  ) {
    await this.db
      .insertInto('push_deliveries')
      .values(
        deliveries.map((d) => ({
          id: d.id,
          subscription_id: d.subscriptionId,
          account_id: d.accountId,
          notification_id: d.notificationId,
          status: 'queued',
          attempts: 0,
          next_attempt_at: iso(now),
          lease_owner: null,
          lease_until: null,
          last_error: null,
          created_at: iso(now),
          updated_at: iso(now),
        })),
      )
      .onConflict((oc) => oc.columns(['subscription_id', 'notification_id']).doNothing())
      .execute();
  }

  async claimDue(request: { owner: string; now: Date; leaseUntil: Date; limit: number }): Promise<PushDelivery[]> {
    const now = iso(request.now);
    const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const claimed = await sql<{ id: string; subscription_id: string; notification_id: string; attempts: number }>`
      update push_deliveries
         set status = 'sending', lease_owner = ${request.owner}, lease_until = ${iso(request.leaseUntil)}, updated_at = ${now}
       where id in (
         select d.id from push_deliveries d
           join push_subscriptions s on s.id = d.subscription_id
           join oauth_tokens t on t.id = s.token_id
          where ((d.status = 'queued' and d.next_attempt_at <= ${now}) or (d.status = 'sending' and d.lease_until < ${now}))
            and t.revoked_at is null
          order by d.next_attempt_at, d.id
          limit ${request.limit}
          ${lock})
      returning id, subscription_id, notification_id, attempts`.execute(this.db);
    if (claimed.rows.length === 0) return [];
    const subscriptions = await this.db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('id', 'in', [...new Set(claimed.rows.map((r) => r.subscription_id))])
      .execute();
    const byId = new Map(subscriptions.map((s) => [s.id, s]));
    return claimed.rows
      .flatMap((r) => {
        const s = byId.get(r.subscription_id);
        return s
          ? [
              {
                id: r.id,
                notificationId: r.notification_id,
                attempts: Number(r.attempts),
                subscription: toSubscription(s),
                sealedToken: s.sealed_token,
              },
            ]
          : [];
      })
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async settle(id: string, owner: string, status: 'sent' | 'skipped' | 'failed', error: string | null, now: Date) {
    await this.db
      .updateTable('push_deliveries')
      .set((eb) => ({
        status,
        attempts: status === 'skipped' ? eb.ref('attempts') : eb('attempts', '+', 1),
        lease_owner: null,
        lease_until: null,
        last_error: error ? error.slice(0, 500) : null,
        updated_at: iso(now),
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'sending')
      .execute();
  }

  async retry(id: string, owner: string, error: string, nextAttemptAt: Date, now: Date) {
    await this.db
      .updateTable('push_deliveries')
      .set((eb) => ({
        status: 'queued',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: iso(nextAttemptAt),
        lease_owner: null,
        lease_until: null,
        last_error: error.slice(0, 500),
        updated_at: iso(now),
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'sending')
      .execute();
  }

  async sweep(before: Date) {
    const deliveries = await this.db
      .deleteFrom('push_deliveries')
      .where('status', 'in', ['sent', 'skipped', 'failed'])
      .where('updated_at', '<', iso(before))
      .executeTakeFirst();
    const subscriptions = await this.db
      .deleteFrom('push_subscriptions')
      .where('token_id', 'in', this.revokedTokens())
      .executeTakeFirst();
    return Number(deliveries.numDeletedRows) + Number(subscriptions.numDeletedRows);
  }
}
