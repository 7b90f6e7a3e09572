import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import type { AuditEntry } from '../audit/index.ts';
import type { CodeStore, StoredCode } from '../security/ports.ts';
import { auditRow } from './audit-store.ts';
import type {
  HeldMessage,
  HoldStatus,
  LockReason,
  SmsSecurityState,
  BoundPhone,
  CountryPolicy,
  InboundOutcome,
  KillSwitchState,
  MessageClass,
  NewOutboxMessage,
  OutboxMessage,
  OutboxStatus,
  SmsSettings,
} from '../sms/model.ts';
import type {
  ClaimRequest,
  ClaimedFanoutJob,
  FanoutJob,
  InboundRecord,
  ReceivedText,
  SmsRecipient,
  SmsStore,
  SegmentCount,
  TrafficCount,
} from '../sms/ports.ts';
import type { Engine } from './database.ts';
import { type EntityCache, keyedDependency, memoized } from './entity-cache.ts';
import { isUniqueViolation } from './microblog-store.ts';
import { chunks } from './paging.ts';
import { precompiled, precompiledQuery } from './precompiled.ts';
import { untilUnitEnds } from './group-commit.ts';
import type { Database, SmsHoldsTable, SmsOutboxTable, VerificationCodesTable } from './schema.ts';

const iso = (d: Date) => d.toISOString();

type SettingsRow = Pick<Selectable<Database['sms_settings']>, 'posting' | 'notifications'>;
type SecurityRow = Pick<
  Selectable<Database['sms_settings']>,
  'pin_hash' | 'pin_failures' | 'locked_at' | 'lock_reason' | 'confirmed_until'
>;
const toSettings = (row: SettingsRow | undefined): SmsSettings => ({
  posting: row?.posting === 1,
  notifications: row ? row.notifications === 1 : true,
});
const toSecurityState = (row: SecurityRow | undefined): SmsSecurityState => ({
  pinHash: row?.pin_hash ?? null,
  pinFailures: row?.pin_failures ?? 0,
  lockedAt: row?.locked_at ? new Date(row.locked_at) : null,
  lockReason: (row?.lock_reason as LockReason | null | undefined) ?? null,
  confirmedUntil: row?.confirmed_until ?? null,
});
const KILL_SWITCH = 'kill_switch';

function toOutbox(row: Selectable<SmsOutboxTable>): OutboxMessage {
  return {
    id: row.id,
    to: row.to_number,
    country: row.country,
    text: row.text,
    messageClass: row.class as MessageClass,
    purpose: row.purpose,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    provider: row.provider,
    providerMessageId: row.provider_message_id,
    lastError: row.last_error,
    encoding: row.encoding as OutboxMessage['encoding'],
    segments: row.segments,
    accountId: row.account_id,
    postId: row.post_id,
    replyLink: row.reply_link ?? null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Rolls a fan-out batch back: another worker holds the job now. */
class LeaseLost extends Error {}

async function insertOutbox(
  db: Kysely<Database> | Transaction<Database>,
  messages: readonly NewOutboxMessage[],
): Promise<void> {
  for (const part of chunks(messages, 400)) {
    await db
      .insertInto('sms_outbox')
      .values(
        part.map((m) => ({
          id: m.id,
          to_number: m.to,
          country: m.country,
          text: m.text,
          class: m.messageClass,
          purpose: m.purpose,
          status: 'queued',
          attempts: 0,
          next_attempt_at: iso(m.createdAt),
          lease_until: null,
          lease_owner: null,
          provider: null,
          provider_message_id: null,
          last_error: null,
          encoding: m.encoding,
          segments: m.segments,
          account_id: m.accountId,
          post_id: m.postId,
          reply_link: m.replyLink ?? null,
          created_at: iso(m.createdAt),
          updated_at: iso(m.createdAt),
        })),
      )
      .execute();
  }
}

export class KyselySmsStore implements SmsStore {
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;
  /**
   * What every inbound text reads and almost nothing writes — the number's binding, the owner's
   * gate settings, whether anyone follows the author by SMS — kept in the entity cache's memos,
   * dropped by any write to those rows (from the statement on, in this process; by the event bus
   * or data_version elsewhere), so the trust gate decides on the state a read would give.
   */
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, engine: Engine, cache: EntityCache | null = null) {
    this.db = db;
    this.engine = engine;
    this.cache = cache;
  }

  // The statements every inbound text runs, built and compiled once (see precompiled.ts).
  private readonly phoneByNumberQuery = precompiled(
    () => this.db,
    (e164: string) => this.db.selectFrom('sms_phones').selectAll().where('e164', '=', e164),
  );
  private readonly recordInboundQuery = precompiledQuery(
    (
      id: string,
      provider: string,
      providerMessageId: string,
      from: string,
      to: string,
      text: string,
      receivedAt: string,
    ) =>
      this.db
        .insertInto('sms_inbound')
        .values({
          id,
          provider,
          provider_message_id: providerMessageId,
          from_number: from,
          to_number: to,
          text,
          received_at: receivedAt,
          outcome: 'received',
          account_id: null,
          post_id: null,
        })
        .onConflict((oc) => oc.columns(['provider', 'provider_message_id']).doNothing()),
  );
  private readonly finishInboundQuery = precompiledQuery(
    (id: string, outcome: string, accountId: string | null, postId: string | null) =>
      this.db.updateTable('sms_inbound').set({ outcome, account_id: accountId, post_id: postId }).where('id', '=', id),
  );
  private readonly gateStateQuery = precompiled(
    () => this.db,
    (accountId: string) =>
      this.db
        .selectFrom('sms_settings')
        .select(['posting', 'notifications', 'pin_hash', 'pin_failures', 'locked_at', 'lock_reason', 'confirmed_until'])
        .where('account_id', '=', accountId),
  );
  private readonly inboundCountsQuery = precompiled(
    () => this.db,
    (e164: string, since: readonly string[], earliest: string) =>
      this.db
        .selectFrom('sms_inbound')
        .select((eb) =>
          since.map((at, i) =>
            eb.fn.sum<number>(eb.case().when('received_at', '>=', at).then(1).else(0).end()).as(`n${i}`),
          ),
        )
        .where('from_number', '=', e164)
        .where('received_at', '>=', earliest)
        .where('outcome', 'in', ['posted', 'command', 'held', 'received']),
  );
  private readonly hasSubscribersQuery = precompiled(
    () => this.db,
    (targetId: string) =>
      this.db.selectFrom('sms_subscriptions').select('account_id').where('target_id', '=', targetId).limit(1),
  );
  private readonly createFanoutJobQuery = precompiledQuery(
    (id: string, postId: string, authorId: string, afterAccountId: string | null, now: string) =>
      this.db.insertInto('sms_fanout_jobs').values({
        id,
        post_id: postId,
        author_id: authorId,
        after_account_id: afterAccountId,
        status: 'pending',
        lease_until: null,
        created_at: now,
        updated_at: now,
      }),
  );

  // ── Phones ──────────────────────────────────────────────────────────────────

  async phoneOfAccount(accountId: string): Promise<BoundPhone | null> {
    const row = await this.db
      .selectFrom('sms_phones')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row
      ? { accountId: row.account_id, e164: row.e164, country: row.country, verifiedAt: new Date(row.verified_at) }
      : null;
  }

  phoneByNumber(e164: string): Promise<BoundPhone | null> {
    return memoized(this.cache, 'sms-phone-by-number', e164, ['sms_phones'], async () => {
      const [row] = await this.phoneByNumberQuery(e164);
      return row
        ? Object.freeze({
            accountId: row.account_id,
            e164: row.e164,
            country: row.country,
            verifiedAt: new Date(row.verified_at),
          })
        : null;
    });
  }

  async bindPhone(phone: BoundPhone): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.deleteFrom('sms_phones').where('account_id', '=', phone.accountId).execute();
        await tx
          .insertInto('sms_phones')
          .values({
            account_id: phone.accountId,
            e164: phone.e164,
            country: phone.country,
            verified_at: iso(phone.verifiedAt),
          })
          .execute();
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async unbindPhone(accountId: string): Promise<void> {
    await this.db.deleteFrom('sms_phones').where('account_id', '=', accountId).execute();
  }

  // ── Settings and subscriptions ──────────────────────────────────────────────

  async settings(accountId: string): Promise<SmsSettings> {
    const row = await this.db
      .selectFrom('sms_settings')
      .select(['posting', 'notifications'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return toSettings(row);
  }

  async updateSettings(accountId: string, changes: Partial<SmsSettings>, now: Date): Promise<SmsSettings> {
    const current = await this.settings(accountId);
    const next = { ...current, ...changes };
    await this.db
      .insertInto('sms_settings')
      .values({
        account_id: accountId,
        posting: next.posting ? 1 : 0,
        notifications: next.notifications ? 1 : 0,
        updated_at: iso(now),
        pin_hash: null,
        pin_failures: 0,
        locked_at: null,
        lock_reason: null,
        confirmed_until: null,
      })
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({
          ...(changes.posting !== undefined ? { posting: changes.posting ? 1 : 0 } : {}),
          ...(changes.notifications !== undefined ? { notifications: changes.notifications ? 1 : 0 } : {}),
          updated_at: iso(now),
        }),
      )
      .execute();
    return this.settings(accountId);
  }

  async subscribe(accountId: string, targetId: string, now: Date): Promise<void> {
    await this.db
      .insertInto('sms_subscriptions')
      .values({ account_id: accountId, target_id: targetId, created_at: iso(now) })
      .onConflict((oc) => oc.columns(['account_id', 'target_id']).doNothing())
      .execute();
  }

  async unsubscribe(accountId: string, targetId: string): Promise<void> {
    await this.db
      .deleteFrom('sms_subscriptions')
      .where('account_id', '=', accountId)
      .where('target_id', '=', targetId)
      .execute();
  }

  async isSubscribed(accountId: string, targetId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('sms_subscriptions')
      .select('account_id')
      .where('account_id', '=', accountId)
      .where('target_id', '=', targetId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async subscribedAmong(accountId: string, targetIds: readonly string[]): Promise<Set<string>> {
    if (targetIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('sms_subscriptions')
      .select('target_id')
      .where('account_id', '=', accountId)
      .where('target_id', 'in', [...targetIds])
      .execute();
    return new Set(rows.map((r) => r.target_id));
  }

  async subscriptionsOf(accountId: string, limit: number): Promise<string[]> {
    // Only choices that carry posts now: a choice waiting for a follow request to be accepted does not.
    const rows = await this.db
      .selectFrom('sms_subscriptions as s')
      .innerJoin('follows as f', (join) =>
        join.onRef('f.account_id', '=', 's.account_id').onRef('f.target_account_id', '=', 's.target_id'),
      )
      .select('s.target_id')
      .where('s.account_id', '=', accountId)
      .orderBy('s.created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.target_id);
  }

  hasSubscribers(targetId: string): Promise<boolean> {
    return memoized(
      this.cache,
      'sms-has-subscribers',
      targetId,
      [keyedDependency('sms_subscribers', targetId)],
      async () => (await this.hasSubscribersQuery(targetId)).length > 0,
    );
  }

  async smsRecipients(targetId: string, afterAccountId: string | null, limit: number): Promise<SmsRecipient[]> {
    let query = this.db
      .selectFrom('sms_subscriptions as s')
      .innerJoin('follows as f', (join) =>
        join.onRef('f.account_id', '=', 's.account_id').onRef('f.target_account_id', '=', 's.target_id'),
      )
      .innerJoin('sms_phones as p', 'p.account_id', 's.account_id')
      .leftJoin('sms_settings as st', 'st.account_id', 's.account_id')
      .leftJoin('sms_opt_outs as o', 'o.e164', 'p.e164')
      .select(['s.account_id as accountId', 'p.e164 as e164', 'p.country as country'])
      .where('s.target_id', '=', targetId)
      .where((eb) => eb.or([eb('st.notifications', 'is', null), eb('st.notifications', '=', 1)]))
      .where('o.e164', 'is', null)
      .orderBy('s.account_id')
      .limit(limit);
    if (afterAccountId) query = query.where('s.account_id', '>', afterAccountId);
    return query.execute();
  }

  // ── Opt-outs ────────────────────────────────────────────────────────────────

  async optOut(e164: string, now: Date): Promise<void> {
    await this.db
      .insertInto('sms_opt_outs')
      .values({ e164, opted_out_at: iso(now) })
      .onConflict((oc) => oc.column('e164').doNothing())
      .execute();
  }

  async optIn(e164: string): Promise<void> {
    await this.db.deleteFrom('sms_opt_outs').where('e164', '=', e164).execute();
  }

  async isOptedOut(e164: string): Promise<boolean> {
    return (
      (await this.db.selectFrom('sms_opt_outs').select('e164').where('e164', '=', e164).executeTakeFirst()) !==
      undefined
    );
  }

  // ── Inbound log ─────────────────────────────────────────────────────────────

  async recordInbound(record: InboundRecord): Promise<boolean> {
    const result = await this.db.executeQuery(
      this.recordInboundQuery(
        record.id,
        record.provider,
        record.providerMessageId,
        record.from,
        record.to,
        record.text,
        iso(record.receivedAt),
      ),
    );
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async textsFrom(e164: string, limit: number): Promise<ReceivedText[]> {
    const rows = await this.db
      .selectFrom('sms_inbound')
      .select(['id', 'text', 'outcome', 'received_at'])
      .where('from_number', '=', e164)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      text: r.text,
      outcome: r.outcome as ReceivedText['outcome'],
      receivedAt: new Date(r.received_at),
    }));
  }

  async takeOverUnfinishedInbound(
    provider: string,
    providerMessageId: string,
    staleBefore: Date,
    now: Date,
  ): Promise<string | null> {
    const row = await this.db
      .updateTable('sms_inbound')
      .set({ received_at: iso(now) })
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .where('outcome', '=', 'received')
      .where('received_at', '<', iso(staleBefore))
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  async finishInbound(
    id: string,
    outcome: InboundOutcome,
    accountId: string | null,
    postId: string | null,
  ): Promise<void> {
    // Its text's last write: in a batch, it goes with the text's other trailing writes as one statement.
    await this.db.executeQuery(untilUnitEnds(this.finishInboundQuery(id, outcome, accountId, postId)));
  }

  // ── Outbox ──────────────────────────────────────────────────────────────────

  async enqueue(messages: readonly NewOutboxMessage[]): Promise<void> {
    await insertOutbox(this.db, messages);
  }

  /**
   * Claims due messages (and ones whose holder's lease ran out) in one statement.
   * PostgreSQL workers skip rows another worker is claiming; SQLite has one writer at a time.
   * Security and compliance messages are claimed before content, so codes never wait
   * behind a large notification backlog.
   */
  async claimDue(request: ClaimRequest): Promise<OutboxMessage[]> {
    const urgent = await this.claim(request, sql`class <> 'content'`, request.limit);
    const rest = request.limit - urgent.length;
    const content = rest > 0 ? await this.claim(request, sql`class = 'content'`, rest) : [];
    return [...urgent, ...content];
  }

  private async claim(
    request: ClaimRequest,
    classFilter: ReturnType<typeof sql>,
    limit: number,
  ): Promise<OutboxMessage[]> {
    const now = iso(request.now);
    const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<Selectable<SmsOutboxTable>>`
      update sms_outbox
         set status = 'sending', lease_owner = ${request.owner}, lease_until = ${iso(request.leaseUntil)}, updated_at = ${now}
       where id in (
         select id from sms_outbox
          where ((status = 'queued' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < ${now}))
            and ${classFilter}
          order by next_attempt_at, id
          limit ${limit}
          ${lock})
      returning *`.execute(this.db);
    return result.rows.map(toOutbox).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async markSent(
    id: string,
    owner: string,
    provider: string,
    providerMessageId: string,
    now: Date,
    replaceText?: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const early = await tx
        .deleteFrom('sms_early_receipts')
        .where('provider', '=', provider)
        .where('provider_message_id', '=', providerMessageId)
        .returning(['status', 'error'])
        .executeTakeFirst();
      await tx
        .updateTable('sms_outbox')
        .set((eb) => ({
          status: early?.status ?? 'sent',
          provider,
          provider_message_id: providerMessageId,
          attempts: eb('attempts', '+', 1),
          lease_owner: null,
          lease_until: null,
          last_error: early?.error ?? null,
          updated_at: iso(now),
          ...(replaceText !== undefined ? { text: replaceText } : {}),
        }))
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'sending')
        .execute();
    });
  }

  async markRetry(id: string, owner: string, error: string, nextAttemptAt: Date, now: Date): Promise<void> {
    await this.db
      .updateTable('sms_outbox')
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

  async markFinal(
    id: string,
    owner: string | null,
    status: 'failed' | 'suppressed',
    error: string,
    now: Date,
  ): Promise<void> {
    let query = this.db
      .updateTable('sms_outbox')
      .set((eb) => ({
        status,
        lease_owner: null,
        lease_until: null,
        last_error: error.slice(0, 500),
        updated_at: iso(now),
        attempts: status === 'failed' ? eb('attempts', '+', 1) : eb.ref('attempts'),
      }))
      .where('id', '=', id);
    if (owner !== null) query = query.where('lease_owner', '=', owner).where('status', '=', 'sending');
    await query.execute();
  }

  async applyReceipt(
    provider: string,
    providerMessageId: string,
    status: 'sent' | 'delivered' | 'failed' | 'undelivered',
    error: string | null,
    now: Date,
  ): Promise<boolean> {
    // Receipts can arrive out of order; a final state is never replaced by 'sent'.
    const settled = status === 'sent' ? ['sent'] : ['sent', 'delivered', 'failed', 'undelivered'];
    const result = await this.db
      .updateTable('sms_outbox')
      .set({ status, last_error: error, updated_at: iso(now) })
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .where('status', 'in', settled)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return true;
    // Not (yet) known by this id: a final receipt may have overtaken the send's bookkeeping.
    // It is kept briefly for markSent; receipts for messages that are not ours expire unused.
    if (status !== 'sent') {
      await this.db
        .insertInto('sms_early_receipts')
        .values({ provider, provider_message_id: providerMessageId, status, error, received_at: iso(now) })
        .onConflict((oc) =>
          oc.columns(['provider', 'provider_message_id']).doUpdateSet({ status, error, received_at: iso(now) }),
        )
        .execute();
    }
    return false;
  }

  async reconcileEarlyReceipts(now: Date, limit: number): Promise<number> {
    const matched = await this.db
      .selectFrom('sms_early_receipts as e')
      .innerJoin('sms_outbox as o', (join) =>
        join.onRef('o.provider', '=', 'e.provider').onRef('o.provider_message_id', '=', 'e.provider_message_id'),
      )
      .where('o.status', '=', 'sent')
      .select(['e.provider', 'e.provider_message_id', 'e.status', 'e.error'])
      .limit(limit)
      .execute();
    let applied = 0;
    for (const receipt of matched) {
      await this.db.transaction().execute(async (tx) => {
        const taken = await tx
          .deleteFrom('sms_early_receipts')
          .where('provider', '=', receipt.provider)
          .where('provider_message_id', '=', receipt.provider_message_id)
          .executeTakeFirst();
        // Another worker reconciled it first.
        if (Number(taken.numDeletedRows) === 0) return;
        await tx
          .updateTable('sms_outbox')
          .set({ status: receipt.status, last_error: receipt.error, updated_at: iso(now) })
          .where('provider', '=', receipt.provider)
          .where('provider_message_id', '=', receipt.provider_message_id)
          .where('status', '=', 'sent')
          .execute();
        applied++;
      });
    }
    return applied;
  }

  async expireEarlyReceipts(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('sms_early_receipts')
      .where('received_at', '<', iso(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async outboxMessage(id: string): Promise<OutboxMessage | null> {
    const row = await this.db.selectFrom('sms_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toOutbox(row) : null;
  }

  async messagesTo(e164: string, limit: number): Promise<OutboxMessage[]> {
    const rows = await this.db
      .selectFrom('sms_outbox')
      .selectAll()
      .where('to_number', '=', e164)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toOutbox);
  }

  async outboxCounts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('sms_outbox')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  // ── Fan-out jobs ────────────────────────────────────────────────────────────

  async createFanoutJob(job: FanoutJob, now: Date): Promise<void> {
    await this.db.executeQuery(
      untilUnitEnds(this.createFanoutJobQuery(job.id, job.postId, job.authorId, job.afterAccountId, iso(now))),
    );
  }

  async claimFanoutJob(now: Date, leaseUntil: Date): Promise<ClaimedFanoutJob | null> {
    const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<{ id: string; post_id: string; author_id: string; after_account_id: string | null }>`
      update sms_fanout_jobs set lease_until = ${iso(leaseUntil)}, updated_at = ${iso(now)}
       where id = (
         select id from sms_fanout_jobs
          where status = 'pending' and (lease_until is null or lease_until < ${iso(now)})
          order by id limit 1 ${lock})
      returning id, post_id, author_id, after_account_id`.execute(this.db);
    const row = result.rows[0];
    return row
      ? {
          id: row.id,
          postId: row.post_id,
          authorId: row.author_id,
          afterAccountId: row.after_account_id,
          leaseUntil,
        }
      : null;
  }

  async queueFanoutBatch(
    job: ClaimedFanoutJob,
    messages: readonly NewOutboxMessage[],
    next: { afterAccountId: string | null; done: boolean },
    now: Date,
  ): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await insertOutbox(tx, messages);
        // Only while our lease holds: a worker that stalled past it must not queue the batch
        // the job's new holder is queuing too.
        const moved = await tx
          .updateTable('sms_fanout_jobs')
          .set({
            after_account_id: next.afterAccountId,
            status: next.done ? 'done' : 'pending',
            lease_until: null,
            updated_at: iso(now),
          })
          .where('id', '=', job.id)
          .where('status', '=', 'pending')
          .where('lease_until', '=', iso(job.leaseUntil))
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw new LeaseLost();
      });
      return true;
    } catch (error) {
      if (error instanceof LeaseLost) return false;
      throw error;
    }
  }

  async advanceFanoutJob(id: string, afterAccountId: string | null, done: boolean, now: Date): Promise<void> {
    await this.db
      .updateTable('sms_fanout_jobs')
      .set({
        after_account_id: afterAccountId,
        status: done ? 'done' : 'pending',
        lease_until: null,
        updated_at: iso(now),
      })
      .where('id', '=', id)
      .execute();
  }

  // ── Policy, kill switch, audit ──────────────────────────────────────────────

  async countryPolicies(): Promise<CountryPolicy[]> {
    const rows = await this.db.selectFrom('sms_country_policy').selectAll().execute();
    return rows.map((r) => ({
      country: r.country,
      posting: r.posting === 1,
      notifications: r.notifications === 1,
      security: r.security === null ? null : r.security === 1,
      updatedAt: new Date(r.updated_at),
      updatedBy: r.updated_by,
    }));
  }

  async setCountryPolicy(policy: CountryPolicy, audit: AuditEntry): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const values = {
        posting: policy.posting ? 1 : 0,
        notifications: policy.notifications ? 1 : 0,
        security: policy.security === null ? null : policy.security ? 1 : 0,
        updated_at: iso(policy.updatedAt),
        updated_by: policy.updatedBy,
      };
      await tx
        .insertInto('sms_country_policy')
        .values({ country: policy.country, ...values })
        .onConflict((oc) => oc.column('country').doUpdateSet(values))
        .execute();
      await tx.insertInto('audit_log').values(auditRow(audit)).execute();
    });
  }

  async killSwitch(): Promise<KillSwitchState> {
    const row = await this.db.selectFrom('sms_switches').selectAll().where('name', '=', KILL_SWITCH).executeTakeFirst();
    return row
      ? {
          enabled: row.enabled === 1,
          reason: row.reason,
          updatedAt: new Date(row.updated_at),
          updatedBy: row.updated_by,
        }
      : { enabled: false, reason: '', updatedAt: null, updatedBy: null };
  }

  async setKillSwitch(state: KillSwitchState, audit: AuditEntry): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const values = {
        enabled: state.enabled ? 1 : 0,
        reason: state.reason,
        updated_at: iso(state.updatedAt ?? audit.createdAt),
        updated_by: state.updatedBy ?? audit.actor,
      };
      await tx
        .insertInto('sms_switches')
        .values({ name: KILL_SWITCH, ...values })
        .onConflict((oc) => oc.column('name').doUpdateSet(values))
        .execute();
      await tx.insertInto('audit_log').values(auditRow(audit)).execute();
    });
  }

  // ── Trust gate state ────────────────────────────────────────────────────────

  /** Settings rows are created on first need, so every update below has a row to change. */
  private async ensureSettings(accountId: string, now: Date): Promise<void> {
    await this.db
      .insertInto('sms_settings')
      .values({
        account_id: accountId,
        posting: 0,
        notifications: 1,
        updated_at: iso(now),
        pin_hash: null,
        pin_failures: 0,
        locked_at: null,
        lock_reason: null,
        confirmed_until: null,
      })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
  }

  gateState(accountId: string): Promise<{ settings: SmsSettings; security: SmsSecurityState }> {
    return memoized(this.cache, 'sms-gate-state', accountId, [keyedDependency('sms_settings', accountId)], async () => {
      const [row] = await this.gateStateQuery(accountId);
      return Object.freeze({
        settings: Object.freeze(toSettings(row)),
        security: Object.freeze(toSecurityState(row)),
      });
    });
  }

  async securityState(accountId: string): Promise<SmsSecurityState> {
    const row = await this.db
      .selectFrom('sms_settings')
      .select(['pin_hash', 'pin_failures', 'locked_at', 'lock_reason', 'confirmed_until'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return toSecurityState(row);
  }

  async setPinHash(accountId: string, pinHash: string | null, now: Date): Promise<void> {
    await this.ensureSettings(accountId, now);
    await this.db
      .updateTable('sms_settings')
      .set({ pin_hash: pinHash, pin_failures: 0, updated_at: iso(now) })
      .where('account_id', '=', accountId)
      .execute();
  }

  async recordPinFailure(accountId: string): Promise<number> {
    const row = await this.db
      .updateTable('sms_settings')
      .set((eb) => ({ pin_failures: eb('pin_failures', '+', 1) }))
      .where('account_id', '=', accountId)
      .returning('pin_failures')
      .executeTakeFirst();
    return row?.pin_failures ?? 0;
  }

  async resetPinFailures(accountId: string): Promise<void> {
    await this.db
      .updateTable('sms_settings')
      .set({ pin_failures: 0 })
      .where('account_id', '=', accountId)
      .where('pin_failures', '>', 0)
      .execute();
  }

  async lockPosting(accountId: string, reason: LockReason, now: Date): Promise<void> {
    await this.ensureSettings(accountId, now);
    // The first reason stands: a SIM-swap freeze is not turned into a PIN lock by later texts.
    await this.db
      .updateTable('sms_settings')
      .set({ locked_at: iso(now), lock_reason: reason, updated_at: iso(now) })
      .where('account_id', '=', accountId)
      .where('locked_at', 'is', null)
      .execute();
  }

  async unlockPosting(accountId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('sms_settings')
      .set({ locked_at: null, lock_reason: null, pin_failures: 0, updated_at: iso(now) })
      .where('account_id', '=', accountId)
      .execute();
  }

  async confirmSmsPosts(accountId: string, upToPostId: string): Promise<void> {
    await this.db
      .updateTable('sms_settings')
      .set({ confirmed_until: upToPostId })
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('confirmed_until', 'is', null), eb('confirmed_until', '<', upToPostId)]))
      .execute();
  }

  async smsPostIdsAfter(accountId: string, afterPostId: string | null): Promise<string[]> {
    let query = this.db
      .selectFrom('posts')
      .select('id')
      .where('account_id', '=', accountId)
      .where('source', '=', 'sms');
    if (afterPostId) query = query.where('id', '>', afterPostId);
    return (await query.orderBy('id').execute()).map((r) => r.id);
  }

  async inboundCountsSince(e164: string, since: readonly Date[]): Promise<number[]> {
    if (since.length === 0) return [];
    const earliest = since.reduce((a, b) => (a < b ? a : b));
    const [row] = await this.inboundCountsQuery(e164, since.map(iso), iso(earliest));
    return since.map((_, i) => Number((row as Record<string, unknown> | undefined)?.[`n${i}`] ?? 0));
  }

  async createHold(hold: HeldMessage): Promise<void> {
    await this.db
      .insertInto('sms_holds')
      .values({
        id: hold.id,
        account_id: hold.accountId,
        inbound_id: hold.inboundId,
        text: hold.text,
        reason: hold.reason,
        status: hold.status,
        created_at: iso(hold.createdAt),
        decided_at: null,
      })
      .execute();
  }

  async holds(accountId: string, status: HoldStatus | null, limit: number): Promise<HeldMessage[]> {
    let query = this.db
      .selectFrom('sms_holds')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('id', 'desc')
      .limit(limit);
    if (status) query = query.where('status', '=', status);
    return (await query.execute()).map(toHold);
  }

  async hold(id: string): Promise<HeldMessage | null> {
    const row = await this.db.selectFrom('sms_holds').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toHold(row) : null;
  }

  async decideHold(id: string, status: 'released' | 'discarded', now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sms_holds')
      .set({ status, decided_at: iso(now) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  // ── Reply throttling ────────────────────────────────────────────────────────

  async takeReplySlot(number: string, kind: string, since: Date, now: Date): Promise<boolean> {
    // One statement: insert, or take over a slot older than `since`; concurrent texts get one reply.
    const result = await this.db
      .insertInto('sms_reply_throttle')
      .values({ number, kind, last_sent_at: iso(now) })
      .onConflict((oc) =>
        oc
          .columns(['number', 'kind'])
          .doUpdateSet({ last_sent_at: iso(now) })
          .where('sms_reply_throttle.last_sent_at', '<', iso(since)),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  // ── Traffic (admin console) ────────────────────────────────────────────────

  async segmentsSince(since: Date): Promise<SegmentCount[]> {
    // Timestamps are ISO text on both engines: the first 10 characters are the UTC day.
    const rows = await this.db
      .selectFrom('sms_outbox')
      .select([
        sql<string>`substr(created_at, 1, 10)`.as('day'),
        'country',
        'provider',
        (eb) => eb.fn.countAll<number>().as('messages'),
        (eb) => eb.fn.sum<number>('segments').as('segments'),
      ])
      .where('created_at', '>=', iso(since))
      .where('status', 'in', ['sent', 'delivered', 'undelivered'])
      .groupBy([sql`substr(created_at, 1, 10)`, 'country', 'provider'])
      .execute();
    return rows.map((r) => ({
      day: r.day,
      country: r.country,
      provider: r.provider ?? 'unassigned',
      messages: Number(r.messages),
      segments: Number(r.segments),
    }));
  }

  async trafficSince(since: Date): Promise<TrafficCount[]> {
    // Timestamps are ISO text on both engines: the first 16 characters are the UTC minute.
    const minute = sql<string>`substr(created_at, 1, 16)`;
    const outbound = await this.db
      .selectFrom('sms_outbox')
      .select([minute.as('minute'), 'provider', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('created_at', '>=', iso(since))
      .groupBy([sql`substr(created_at, 1, 16)`, 'provider', 'status'])
      .execute();
    const inMinute = sql<string>`substr(received_at, 1, 16)`;
    const inbound = await this.db
      .selectFrom('sms_inbound')
      .select([inMinute.as('minute'), 'provider', 'outcome', (eb) => eb.fn.countAll<number>().as('n')])
      .where('received_at', '>=', iso(since))
      .groupBy([sql`substr(received_at, 1, 16)`, 'provider', 'outcome'])
      .execute();
    return [
      ...outbound.map((r) => ({
        minute: r.minute,
        direction: 'out' as const,
        provider: r.provider ?? 'unassigned',
        status: r.status,
        count: Number(r.n),
      })),
      ...inbound.map((r) => ({
        minute: r.minute,
        direction: 'in' as const,
        provider: r.provider,
        status: r.outcome,
        count: Number(r.n),
      })),
    ];
  }
}

function toHold(row: Selectable<SmsHoldsTable>): HeldMessage {
  return {
    id: row.id,
    accountId: row.account_id,
    inboundId: row.inbound_id,
    text: row.text,
    reason: row.reason as HeldMessage['reason'],
    status: row.status as HoldStatus,
    createdAt: new Date(row.created_at),
    decidedAt: row.decided_at ? new Date(row.decided_at) : null,
  };
}

function toCode(row: Selectable<VerificationCodesTable>): StoredCode {
  return {
    id: row.id,
    purpose: row.purpose,
    subject: row.subject,
    target: row.target,
    codeHash: row.code_hash,
    attempts: row.attempts,
    expiresAt: new Date(row.expires_at),
    consumedAt: row.consumed_at ? new Date(row.consumed_at) : null,
    createdAt: new Date(row.created_at),
  };
}

export class KyselyCodeStore implements CodeStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async replaceCode(code: StoredCode): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('verification_codes')
        .set({ consumed_at: iso(code.createdAt) })
        .where('purpose', '=', code.purpose)
        .where('subject', '=', code.subject)
        .where('consumed_at', 'is', null)
        .execute();
      await tx
        .insertInto('verification_codes')
        .values({
          id: code.id,
          purpose: code.purpose,
          subject: code.subject,
          target: code.target,
          code_hash: code.codeHash,
          attempts: 0,
          expires_at: iso(code.expiresAt),
          consumed_at: null,
          created_at: iso(code.createdAt),
          country: code.country ?? null,
          prefix: code.prefix ?? null,
        })
        .execute();
    });
  }

  async activeCode(purpose: string, subject: string, now: Date): Promise<StoredCode | null> {
    const row = await this.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('purpose', '=', purpose)
      .where('subject', '=', subject)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', iso(now))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toCode(row) : null;
  }

  async countAttempt(id: string): Promise<number> {
    const row = await this.db
      .updateTable('verification_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    return row?.attempts ?? Number.MAX_SAFE_INTEGER;
  }

  async consume(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('verification_codes')
      .set({ consumed_at: iso(now) })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async issuedSince(
    purpose: string,
    subject: string,
    target: string,
    since: Date,
  ): Promise<{ bySubject: number; byTarget: number }> {
    const [bySubject, byTarget] = await Promise.all([
      this.db
        .selectFrom('verification_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('purpose', '=', purpose)
        .where('subject', '=', subject)
        .where('created_at', '>=', iso(since))
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('verification_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('purpose', '=', purpose)
        .where('target', '=', target)
        .where('created_at', '>=', iso(since))
        .executeTakeFirstOrThrow(),
    ]);
    return { bySubject: Number(bySubject.n), byTarget: Number(byTarget.n) };
  }
}

/** The keyed-hash secret for codes: created once per installation, shared by every instance. */
export async function instanceSecret(
  db: Kysely<Database>,
  name: string,
  create: () => string,
  now: Date,
): Promise<string> {
  await db
    .insertInto('instance_secrets')
    .values({ name, value: create(), created_at: iso(now) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('instance_secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}
