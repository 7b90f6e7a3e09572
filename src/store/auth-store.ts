import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type {
  AccountFactors,
  AuthFlow,
  CodeFailureStore,
  CompletionStat,
  EventCounter,
  FailureRecord,
  FactorStore,
  FlowKind,
  FlowStage,
  FlowStore,
  SecurityAlert,
  SecurityMonitorStore,
  StoredPasskey,
} from '../security/ports.ts';
import { windowBucket } from '../security/pumping.ts';
import type { AuthFlowsTable, Database, PasskeysTable } from './schema.ts';

const iso = (d: Date) => d.toISOString();

function toFlow(row: Selectable<AuthFlowsTable>): AuthFlow {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    kind: row.kind as FlowKind,
    stage: row.stage as FlowStage,
    accountId: row.account_id,
    target: row.target,
    challenge: row.challenge,
    attempts: row.attempts,
    ip: row.ip,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    completedAt: row.completed_at ? new Date(row.completed_at) : null,
  };
}

function toPasskey(row: Selectable<PasskeysTable>): StoredPasskey {
  return {
    id: row.id,
    accountId: row.account_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports.split(',').filter(Boolean),
    name: row.name,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
  };
}

/** Second factors, sign-in flows and the security monitor's data. */
export class KyselyAuthStore implements FactorStore, FlowStore, SecurityMonitorStore, CodeFailureStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async factors(accountId: string): Promise<AccountFactors> {
    const row = await this.db
      .selectFrom('account_factors')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return {
      accountId,
      totpSecret: row?.totp_secret ?? null,
      totpPendingSecret: row?.totp_pending_secret ?? null,
      totpLastStep: row?.totp_last_step ?? null,
      smsTwoFactor: row?.sms_two_factor === 1,
      requireStrong: row?.require_strong === 1,
    };
  }

  async saveFactors(factors: AccountFactors, now: Date): Promise<void> {
    const values = {
      totp_secret: factors.totpSecret,
      totp_pending_secret: factors.totpPendingSecret,
      totp_last_step: factors.totpLastStep,
      sms_two_factor: factors.smsTwoFactor ? 1 : 0,
      require_strong: factors.requireStrong ? 1 : 0,
      updated_at: iso(now),
    };
    await this.db
      .insertInto('account_factors')
      .values({ account_id: factors.accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
  }

  async useTotpStep(accountId: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('account_factors')
      .set({ totp_last_step: step })
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceRecoveryCodes(accountId: string, codes: { id: string; hash: string }[], now: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('recovery_codes').where('account_id', '=', accountId).execute();
      if (codes.length > 0) {
        await tx
          .insertInto('recovery_codes')
          .values(
            codes.map((c) => ({
              id: c.id,
              account_id: accountId,
              code_hash: c.hash,
              used_at: null,
              created_at: iso(now),
            })),
          )
          .execute();
      }
    });
  }

  async useRecoveryCode(accountId: string, hash: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: iso(now) })
      .where('account_id', '=', accountId)
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recoveryCodesLeft(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addPasskey(passkey: StoredPasskey): Promise<void> {
    await this.db
      .insertInto('passkeys')
      .values({
        id: passkey.id,
        account_id: passkey.accountId,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        transports: passkey.transports.join(','),
        name: passkey.name,
        created_at: iso(passkey.createdAt),
        last_used_at: null,
      })
      .execute();
  }

  async passkeys(accountId: string): Promise<StoredPasskey[]> {
    const rows = await this.db
      .selectFrom('passkeys')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
    return rows.map(toPasskey);
  }

  async passkey(id: string): Promise<StoredPasskey | null> {
    const row = await this.db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPasskey(row) : null;
  }

  async passkeyUsed(id: string, counter: number, now: Date): Promise<void> {
    await this.db
      .updateTable('passkeys')
      .set({ counter, last_used_at: iso(now) })
      .where('id', '=', id)
      .execute();
  }

  async removePasskey(accountId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('passkeys')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async createFlow(flow: AuthFlow): Promise<void> {
    await this.db
      .insertInto('auth_flows')
      .values({
        id: flow.id,
        secret_hash: flow.secretHash,
        kind: flow.kind,
        stage: flow.stage,
        account_id: flow.accountId,
        target: flow.target,
        challenge: flow.challenge,
        attempts: flow.attempts,
        ip: flow.ip,
        created_at: iso(flow.createdAt),
        expires_at: iso(flow.expiresAt),
        completed_at: null,
      })
      .execute();
  }

  async flowBySecretHash(secretHash: string): Promise<AuthFlow | null> {
    const row = await this.db
      .selectFrom('auth_flows')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
    return row ? toFlow(row) : null;
  }

  async updateFlow(
    id: string,
    patch: Partial<Pick<AuthFlow, 'stage' | 'accountId' | 'challenge' | 'target' | 'completedAt'>>,
  ): Promise<void> {
    const set: Updateable<AuthFlowsTable> = {};
    if (patch.stage !== undefined) set.stage = patch.stage;
    if (patch.accountId !== undefined) set.account_id = patch.accountId;
    if (patch.challenge !== undefined) set.challenge = patch.challenge;
    if (patch.target !== undefined) set.target = patch.target;
    if (patch.completedAt !== undefined) set.completed_at = patch.completedAt ? iso(patch.completedAt) : null;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('auth_flows').set(set).where('id', '=', id).execute();
  }

  async completeFlow(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('auth_flows')
      .set({ stage: 'done', completed_at: iso(now) })
      .where('id', '=', id)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async countFlowAttempt(id: string): Promise<number> {
    const row = await this.db
      .updateTable('auth_flows')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    return row?.attempts ?? Number.MAX_SAFE_INTEGER;
  }

  async deleteExpiredFlows(now: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('auth_flows')
      .where('expires_at', '<', iso(new Date(now.getTime() - 24 * 3600_000)))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Throttle counters whose window has passed (expire is in epoch milliseconds). */
  async deleteExpiredRateLimits(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('rate_limits').where('expire', '<', now.getTime()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async failureRecords(keys: string[]): Promise<Map<string, FailureRecord>> {
    const found = new Map<string, FailureRecord>();
    if (keys.length === 0) return found;
    const rows = await this.db.selectFrom('code_failures').selectAll().where('key', 'in', keys).execute();
    for (const row of rows)
      found.set(row.key, { failures: Number(row.failures), lastFailureAt: new Date(row.last_failure_at) });
    return found;
  }

  async addFailure(key: string, at: Date, forgetBefore: Date): Promise<FailureRecord> {
    // One statement, so parallel attempts all count.
    const row = await this.db
      .insertInto('code_failures')
      .values({ key, failures: 1, last_failure_at: iso(at) })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when code_failures.last_failure_at < ${iso(forgetBefore)} then 1 else code_failures.failures + 1 end`,
          last_failure_at: iso(at),
        }),
      )
      .returning(['failures', 'last_failure_at'])
      .executeTakeFirstOrThrow();
    return { failures: Number(row.failures), lastFailureAt: new Date(row.last_failure_at) };
  }

  async clearFailures(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.db.deleteFrom('code_failures').where('key', 'in', keys).execute();
  }

  async deleteFailuresBefore(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('code_failures')
      .where('last_failure_at', '<', iso(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Pumping-detector counters whose window has passed (expires_at is in epoch milliseconds). */
  async deleteExpiredEventCounts(now: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('security_event_counts')
      .where('expires_at', '<', now.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async completionStats(
    since: Date,
    until: Date,
  ): Promise<{ countries: CompletionStat[]; prefixes: CompletionStat[] }> {
    const grouped = async (column: 'country' | 'prefix') => {
      const rows = await this.db
        .selectFrom('verification_codes')
        .select([
          `${column} as scope`,
          (eb) => eb.fn.countAll<number>().as('issued'),
          sql<number>`sum(case when consumed_at is not null and attempts > 0 then 1 else 0 end)`.as('completed'),
        ])
        .where('created_at', '>=', iso(since))
        .where('created_at', '<', iso(until))
        .where(column, 'is not', null)
        .groupBy(column)
        .execute();
      return rows.map((r) => ({ scope: String(r.scope), issued: Number(r.issued), completed: Number(r.completed) }));
    };
    return { countries: await grouped('country'), prefixes: await grouped('prefix') };
  }

  async addAlert(alert: SecurityAlert): Promise<void> {
    await this.db
      .insertInto('security_alerts')
      .values({
        id: alert.id,
        kind: alert.kind,
        scope: alert.scope,
        details: JSON.stringify(alert.details),
        created_at: iso(alert.createdAt),
        acknowledged_at: null,
      })
      .execute();
  }

  async latestAlert(kind: string, scope: string): Promise<SecurityAlert | null> {
    const row = await this.db
      .selectFrom('security_alerts')
      .selectAll()
      .where('kind', '=', kind)
      .where('scope', '=', scope)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toAlert(row) : null;
  }

  async alerts(limit: number): Promise<SecurityAlert[]> {
    const rows = await this.db.selectFrom('security_alerts').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toAlert);
  }

  async securitySmsCountrySetting(country: string): Promise<boolean | null> {
    const row = await this.db
      .selectFrom('sms_country_policy')
      .select('security')
      .where('country', '=', country)
      .executeTakeFirst();
    return row?.security === null || row?.security === undefined ? null : row.security === 1;
  }
}

function toAlert(row: Selectable<Database['security_alerts']>): SecurityAlert {
  return {
    id: row.id,
    kind: row.kind,
    scope: row.scope,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: new Date(row.created_at),
    acknowledgedAt: row.acknowledged_at ? new Date(row.acknowledged_at) : null,
  };
}

/** The pumping detector's sliding-window counts in the database (when Redis is not configured). */
export class KyselyEventCounter implements EventCounter {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async add(key: string, at: Date, windowMs: number): Promise<{ inWindow: number; firstInBucket: boolean }> {
    const { bucket, previousWeight } = windowBucket(at, windowMs);
    const name = `${windowMs}:${key.slice(0, 200)}`;
    // One statement, so parallel requests on every instance all count.
    const row = await this.db
      .insertInto('security_event_counts')
      .values({ key: name, bucket, events: 1, expires_at: (bucket + 2) * windowMs })
      .onConflict((oc) =>
        oc.columns(['key', 'bucket']).doUpdateSet({ events: sql<number>`security_event_counts.events + 1` }),
      )
      .returning('events')
      .executeTakeFirstOrThrow();
    const current = Number(row.events);
    const previous = await this.events(name, bucket - 1);
    return { inWindow: Math.ceil(current + previous * previousWeight), firstInBucket: current === 1 };
  }

  async count(key: string, at: Date, windowMs: number): Promise<number> {
    const { bucket, previousWeight } = windowBucket(at, windowMs);
    const name = `${windowMs}:${key.slice(0, 200)}`;
    return Math.ceil((await this.events(name, bucket)) + (await this.events(name, bucket - 1)) * previousWeight);
  }

  private async events(name: string, bucket: number): Promise<number> {
    const row = await this.db
      .selectFrom('security_event_counts')
      .select('events')
      .where('key', '=', name)
      .where('bucket', '=', bucket)
      .executeTakeFirst();
    return Number(row?.events ?? 0);
  }
}
