import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { AdsStore, Audience, AudienceSizing, Campaign, InteractionShare } from '../privacy/ads/index.ts';
import type {
  AudienceMatch,
  ContactPointStore,
  NewContactPoint,
  PurposeKeys,
  SourceContact,
} from '../privacy/contact-points/index.ts';
import type {
  DiscoveryStore,
  LookupActivity,
  LookupRecord,
  LookupScope,
  ModerationStore,
} from '../privacy/discovery/index.ts';
import type {
  ConsentRecord,
  ContactKind,
  ContactPoint,
  ContactUse,
  ModerationReport,
  Purpose,
} from '../privacy/model.ts';
import { newId } from '../shared/ids.ts';
import { isUniqueViolation } from './microblog-store.ts';
import { chunks } from './paging.ts';
import type {
  AdAudiencesTable,
  AdCampaignsTable,
  ContactPointsTable,
  Database,
  ModerationReportsTable,
} from './schema.ts';
import { memoized, type EntityCache } from './entity-cache.ts';

const iso = (d: Date) => d.toISOString();
const date = (s: string | null) => (s === null ? null : new Date(s));

/**
 * A contact point counts only while its account still holds the contact for security
 * (the verified SMS phone, the sign-in e-mail): purpose-bound reads check this in the
 * same query, so a number given up or moved to another account never matches for the old owner.
 */
function held(eb: ExpressionBuilder<Database, 'contact_points'>) {
  return eb.or([
    eb.and([
      eb('contact_points.kind', '=', 'phone'),
      eb.exists(
        eb
          .selectFrom('sms_phones')
          .select('sms_phones.account_id')
          .whereRef('sms_phones.e164', '=', 'contact_points.value')
          .whereRef('sms_phones.account_id', '=', 'contact_points.account_id'),
      ),
    ]),
    eb.and([
      eb('contact_points.kind', '=', 'email'),
      eb.exists(
        eb
          .selectFrom('credentials')
          .select('credentials.account_id')
          .whereRef('credentials.email_key', '=', 'contact_points.value')
          .whereRef('credentials.account_id', '=', 'contact_points.account_id'),
      ),
    ]),
  ]);
}

/** Contact-point storage: used only by src/privacy/contact-points (and wired by the composition root). */
export class KyselyContactPointStore implements ContactPointStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  async sourceContacts(accountId: string): Promise<SourceContact[]> {
    const [emails, phones] = await Promise.all([
      this.db.selectFrom('credentials').select('email_key').where('account_id', '=', accountId).execute(),
      this.db.selectFrom('sms_phones').select(['e164', 'verified_at']).where('account_id', '=', accountId).execute(),
    ]);
    return [
      ...emails.map((e): SourceContact => ({ kind: 'email', value: e.email_key, verifiedAt: null })),
      ...phones.map((p): SourceContact => ({ kind: 'phone', value: p.e164, verifiedAt: new Date(p.verified_at) })),
    ];
  }

  private async withPurposes(rows: Selectable<ContactPointsTable>[]): Promise<ContactPoint[]> {
    if (rows.length === 0) return [];
    const purposes = await this.db
      .selectFrom('contact_point_purposes')
      .selectAll()
      .where(
        'contact_point_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((row) => {
      const on: Partial<Record<Purpose, Date>> = {};
      for (const p of purposes) if (p.contact_point_id === row.id) on[p.purpose as Purpose] = new Date(p.since);
      return {
        id: row.id,
        accountId: row.account_id,
        kind: row.kind as ContactKind,
        value: row.value,
        verifiedAt: date(row.verified_at),
        createdAt: new Date(row.created_at),
        purposes: on,
      };
    });
  }

  async contactPoints(accountId: string): Promise<ContactPoint[]> {
    return this.withPurposes(
      await this.db
        .selectFrom('contact_points')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id')
        .execute(),
    );
  }

  async contactPoint(accountId: string, id: string): Promise<ContactPoint | null> {
    const rows = await this.db
      .selectFrom('contact_points')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .execute();
    return (await this.withPurposes(rows))[0] ?? null;
  }

  async contactPointById(id: string): Promise<ContactPoint | null> {
    return (
      (
        await this.withPurposes(await this.db.selectFrom('contact_points').selectAll().where('id', '=', id).execute())
      )[0] ?? null
    );
  }

  async findByValue(accountId: string, kind: ContactKind, value: string): Promise<ContactPoint | null> {
    const rows = await this.db
      .selectFrom('contact_points')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('kind', '=', kind)
      .where('value', '=', value)
      .execute();
    return (await this.withPurposes(rows))[0] ?? null;
  }

  async createContactPoint(
    point: NewContactPoint,
    implied: readonly Purpose[],
    consentIds: readonly string[],
  ): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        // The security side says this account holds the contact now: a copy left by a former holder goes.
        await tx
          .deleteFrom('contact_points')
          .where('kind', '=', point.kind)
          .where('value', '=', point.value)
          .where('account_id', '<>', point.accountId)
          .execute();
        await tx
          .insertInto('contact_points')
          .values({
            id: point.id,
            account_id: point.accountId,
            kind: point.kind,
            value: point.value,
            discovery_key: null,
            ad_hash: null,
            verified_at: point.verifiedAt ? iso(point.verifiedAt) : null,
            created_at: iso(point.createdAt),
          })
          .execute();
        if (implied.length === 0) return;
        await tx
          .insertInto('contact_point_purposes')
          .values(implied.map((purpose) => ({ contact_point_id: point.id, purpose, since: iso(point.createdAt) })))
          .execute();
        await tx
          .insertInto('consent_records')
          .values(
            implied.map((purpose, i) => ({
              id: consentIds[i]!,
              account_id: point.accountId,
              contact_point_id: point.id,
              purpose,
              action: 'grant',
              source: 'implied',
              created_at: iso(point.createdAt),
            })),
          )
          .execute();
      });
    } catch (error) {
      // Another request created it first.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  async setVerified(id: string, verifiedAt: Date | null): Promise<void> {
    await this.db
      .updateTable('contact_points')
      .set({ verified_at: verifiedAt ? iso(verifiedAt) : null })
      .where('id', '=', id)
      .execute();
  }

  async deleteContactPoint(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('contact_point_purposes').where('contact_point_id', '=', id).execute();
      await tx.deleteFrom('contact_points').where('id', '=', id).execute();
    });
  }

  async setPurpose(
    point: ContactPoint,
    purpose: Purpose,
    on: boolean,
    keys: PurposeKeys,
    record: ConsentRecord,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (on) {
        await tx
          .insertInto('contact_point_purposes')
          .values({
            contact_point_id: point.id,
            purpose,
            since: iso(record.createdAt),
            network_key: keys.grantNetwork ?? null,
          })
          .onConflict((oc) => oc.columns(['contact_point_id', 'purpose']).doNothing())
          .execute();
      } else {
        await tx
          .deleteFrom('contact_point_purposes')
          .where('contact_point_id', '=', point.id)
          .where('purpose', '=', purpose)
          .execute();
      }
      const set: { discovery_key?: string | null; ad_hash?: string | null } = {};
      if (keys.discoveryKey !== undefined) set.discovery_key = keys.discoveryKey;
      if (keys.adHash !== undefined) set.ad_hash = keys.adHash;
      if (Object.keys(set).length > 0)
        await tx.updateTable('contact_points').set(set).where('id', '=', point.id).execute();
      await tx
        .insertInto('consent_records')
        .values({
          id: record.id,
          account_id: record.accountId,
          contact_point_id: record.contactPointId,
          purpose: record.purpose,
          action: record.action,
          source: record.source,
          created_at: iso(record.createdAt),
        })
        .execute();
    });
  }

  async consents(contactPointId: string, limit: number): Promise<ConsentRecord[]> {
    const rows = await this.db
      .selectFrom('consent_records')
      .selectAll()
      .where('contact_point_id', '=', contactPointId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      contactPointId: r.contact_point_id,
      accountId: r.account_id,
      purpose: r.purpose as Purpose,
      action: r.action as ConsentRecord['action'],
      source: r.source as ConsentRecord['source'],
      createdAt: new Date(r.created_at),
    }));
  }

  async recordUses(uses: readonly ContactUse[]): Promise<void> {
    for (const chunk of chunks(uses, 200)) {
      await this.db
        .insertInto('contact_point_uses')
        .values(
          chunk.map((u) => ({
            id: u.id,
            account_id: u.accountId,
            contact_point_id: u.contactPointId,
            purpose: u.purpose,
            kind: u.kind,
            detail: u.detail,
            created_at: iso(u.createdAt),
          })),
        )
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  }

  async uses(contactPointId: string, limit: number): Promise<ContactUse[]> {
    const rows = await this.db
      .selectFrom('contact_point_uses')
      .selectAll()
      .where('contact_point_id', '=', contactPointId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      contactPointId: r.contact_point_id,
      accountId: r.account_id,
      purpose: r.purpose as Purpose,
      kind: r.kind as ContactUse['kind'],
      detail: r.detail,
      createdAt: new Date(r.created_at),
    }));
  }

  async useCounts(accountId: string): Promise<Map<string, Record<string, number>>> {
    const rows = await this.db
      .selectFrom('contact_point_uses')
      .select(['contact_point_id', 'kind', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', accountId)
      .groupBy(['contact_point_id', 'kind'])
      .execute();
    const out = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const counts = out.get(row.contact_point_id) ?? {};
      counts[row.kind] = Number(row.n);
      out.set(row.contact_point_id, counts);
    }
    return out;
  }

  async discoverable(keys: readonly string[]): Promise<{ contactPointId: string; accountId: string; key: string }[]> {
    const out: { contactPointId: string; accountId: string; key: string }[] = [];
    for (const chunk of chunks(keys, 500)) {
      const rows = await this.db
        .selectFrom('contact_points')
        .select(['id', 'account_id', 'discovery_key'])
        .where('discovery_key', 'in', chunk)
        .where(held)
        .execute();
      for (const r of rows) out.push({ contactPointId: r.id, accountId: r.account_id, key: r.discovery_key! });
    }
    return out;
  }

  async audienceMatches(audienceId: string): Promise<AudienceMatch[]> {
    const rows = await this.db
      .selectFrom('contact_points')
      .innerJoin('ad_audience_hashes', 'ad_audience_hashes.hash', 'contact_points.ad_hash')
      .innerJoin('contact_point_purposes', (join) =>
        join
          .onRef('contact_point_purposes.contact_point_id', '=', 'contact_points.id')
          .on('contact_point_purposes.purpose', '=', 'advertising'),
      )
      .select([
        'contact_points.id',
        'contact_points.account_id',
        'contact_point_purposes.since',
        'contact_point_purposes.network_key',
      ])
      .where('ad_audience_hashes.audience_id', '=', audienceId)
      .where(held)
      .execute();
    return rows.map((r) => ({
      contactPointId: r.id,
      accountId: r.account_id,
      consentedAt: new Date(r.since),
      grantNetwork: r.network_key,
    }));
  }

  async advertisingGrantNetworks(accountId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('contact_point_purposes')
      .innerJoin('contact_points', 'contact_points.id', 'contact_point_purposes.contact_point_id')
      .select('contact_point_purposes.network_key')
      .where('contact_points.account_id', '=', accountId)
      .where('contact_point_purposes.purpose', '=', 'advertising')
      .where('contact_point_purposes.network_key', 'is not', null)
      .execute();
    return rows.map((r) => r.network_key!);
  }

  async audienceMembers(audienceId: string): Promise<{ contactPointId: string; accountId: string }[]> {
    const rows = await this.db
      .selectFrom('contact_points')
      .innerJoin('ad_audience_hashes', 'ad_audience_hashes.hash', 'contact_points.ad_hash')
      .select(['contact_points.id', 'contact_points.account_id'])
      .where('ad_audience_hashes.audience_id', '=', audienceId)
      .where(held)
      .execute();
    return rows.map((r) => ({ contactPointId: r.id, accountId: r.account_id }));
  }

  /** Asked on every newest home page (promoted posts): kept until contact points, numbers or e-mails change. */
  async advertisingHashesOf(accountId: string): Promise<{ contactPointId: string; hash: string }[]> {
    return memoized(this.cache, 'ad-hashes', accountId, ['contact_points', 'sms_phones', 'credentials'], () =>
      this.loadAdvertisingHashesOf(accountId),
    );
  }

  private async loadAdvertisingHashesOf(accountId: string): Promise<{ contactPointId: string; hash: string }[]> {
    const rows = await this.db
      .selectFrom('contact_points')
      .select(['id', 'ad_hash'])
      .where('account_id', '=', accountId)
      .where('ad_hash', 'is not', null)
      .where(held)
      .execute();
    return rows.map((r) => ({ contactPointId: r.id, hash: r.ad_hash! }));
  }
}

export class KyselyDiscoveryStore implements DiscoveryStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async seenContacts(accountId: string, keys: readonly string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    for (const chunk of chunks(keys, 500)) {
      const rows = await this.db
        .selectFrom('discovery_lookups')
        .select('contact_key')
        .where('account_id', '=', accountId)
        .where('contact_key', 'in', chunk)
        .where('answered', '=', 1)
        .execute();
      for (const r of rows) seen.add(r.contact_key);
    }
    return seen;
  }

  async countLookups(scope: LookupScope): Promise<number> {
    let q = this.db
      .selectFrom('discovery_lookups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('answered', '=', 1);
    if (scope.accountId !== undefined) q = q.where('account_id', '=', scope.accountId);
    if (scope.ipKey !== undefined) q = q.where('ip_key', '=', scope.ipKey);
    if (scope.since) q = q.where('created_at', '>=', iso(scope.since));
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async blockSpread(accountId: string, since: Date): Promise<{ lookups: number; blocks: number }> {
    const row = await this.db
      .selectFrom('discovery_lookups')
      .select((eb) => [
        eb.fn.countAll<number>().as('lookups'),
        eb.fn.count<number>('block_key').distinct().as('blocks'),
      ])
      .where('account_id', '=', accountId)
      .where('block_key', 'is not', null)
      .where('created_at', '>=', iso(since))
      .executeTakeFirstOrThrow();
    return { lookups: Number(row.lookups), blocks: Number(row.blocks) };
  }

  async blockDensity(accountId: string, blockKeys: readonly string[], since: Date): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks(blockKeys, 200)) {
      const rows = await this.db
        .selectFrom('discovery_lookups')
        .select(['block_key', (eb) => eb.fn.countAll<number>().as('n')])
        .where('account_id', '=', accountId)
        .where('block_key', 'in', chunk)
        .where('created_at', '>=', iso(since))
        .groupBy('block_key')
        .execute();
      for (const r of rows) if (r.block_key) out.set(r.block_key, Number(r.n));
    }
    return out;
  }

  async activity(since: Date, minLookups: number): Promise<LookupActivity[]> {
    const rows = await this.db
      .selectFrom('discovery_lookups')
      .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('block_key', 'is not', null)
      .where('created_at', '>=', iso(since))
      .groupBy('account_id')
      .having((eb) => eb.fn.countAll(), '>=', minLookups)
      .execute();
    const out = new Map<string, LookupActivity>(
      rows.map((r) => [r.account_id, { accountId: r.account_id, lookups: Number(r.n), matchedAccounts: [] }]),
    );
    for (const chunk of chunks([...out.keys()], 200)) {
      const matched = await this.db
        .selectFrom('discovery_lookups')
        .select(['account_id', 'matched_account_id'])
        .distinct()
        .where('account_id', 'in', chunk)
        .where('matched_account_id', 'is not', null)
        .where('created_at', '>=', iso(since))
        .execute();
      for (const m of matched) out.get(m.account_id)?.matchedAccounts.push(m.matched_account_id!);
    }
    return [...out.values()];
  }

  async uploadedBy(accountIds: readonly string[], contactKeys: readonly string[]): Promise<Set<string>> {
    // Runs even with nothing to check, so a lookup costs the same whether or not something matched.
    const rows = await this.db
      .selectFrom('discovery_lookups')
      .select('account_id')
      .distinct()
      .where('account_id', 'in', accountIds.length > 0 ? [...accountIds] : [''])
      .where('contact_key', 'in', contactKeys.length > 0 ? [...contactKeys] : [''])
      .execute();
    return new Set(rows.map((r) => r.account_id));
  }

  async topLookers(since: Date, limit: number): Promise<{ accountId: string; lookups: number }[]> {
    const rows = await this.db
      .selectFrom('discovery_lookups')
      .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('answered', '=', 1)
      .where('created_at', '>=', iso(since))
      .groupBy('account_id')
      .orderBy('n', 'desc')
      .orderBy('account_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ accountId: r.account_id, lookups: Number(r.n) }));
  }

  async recordLookups(rows: readonly LookupRecord[]): Promise<void> {
    for (const chunk of chunks(rows, 500)) {
      await this.db
        .insertInto('discovery_lookups')
        .values(
          chunk.map((r) => ({
            account_id: r.accountId,
            contact_key: r.contactKey,
            block_key: r.blockKey,
            ip_key: r.ipKey,
            hit: r.matchedAccountId ? 1 : 0,
            answered: r.answered ? 1 : 0,
            matched_account_id: r.matchedAccountId,
            created_at: iso(r.at),
          })),
        )
        // A contact first refused (evidence only) and later answered becomes an answered lookup then.
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'contact_key'])
            .doUpdateSet((eb) => ({
              answered: eb.ref('excluded.answered'),
              hit: eb.ref('excluded.hit'),
              matched_account_id: eb.ref('excluded.matched_account_id'),
              ip_key: eb.ref('excluded.ip_key'),
              created_at: eb.ref('excluded.created_at'),
            }))
            .where('discovery_lookups.answered', '=', 0)
            .where((eb) => eb.ref('excluded.answered'), '=', 1),
        )
        .execute();
    }
  }

  async blockedAmong(accountIds: readonly string[]): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('discovery_blocks')
      .select('account_id')
      .where('account_id', 'in', [...accountIds])
      .execute();
    return new Set(rows.map((r) => r.account_id));
  }

  async block(accountIds: readonly string[], reason: string, reportId: string, at: Date): Promise<void> {
    for (const chunk of chunks(accountIds, 200)) {
      await this.db
        .insertInto('discovery_blocks')
        .values(chunk.map((id) => ({ account_id: id, reason, report_id: reportId, created_at: iso(at) })))
        .onConflict((oc) => oc.column('account_id').doNothing())
        .execute();
    }
  }

  async unblockReport(reportId: string): Promise<void> {
    await this.db.deleteFrom('discovery_blocks').where('report_id', '=', reportId).execute();
  }
}

function toReport(row: Selectable<ModerationReportsTable>): ModerationReport {
  return {
    id: row.id,
    kind: row.kind as ModerationReport['kind'],
    summary: row.summary,
    details: JSON.parse(row.details) as Record<string, unknown>,
    accountIds: JSON.parse(row.account_ids) as string[],
    status: row.status as ModerationReport['status'],
    createdAt: new Date(row.created_at),
    resolvedAt: date(row.resolved_at),
    resolvedBy: row.resolved_by,
  };
}

export class KyselyModerationStore implements ModerationStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async createReport(report: ModerationReport): Promise<void> {
    await this.db
      .insertInto('moderation_reports')
      .values({
        id: report.id,
        kind: report.kind,
        summary: report.summary,
        details: JSON.stringify(report.details),
        account_ids: JSON.stringify(report.accountIds),
        status: report.status,
        created_at: iso(report.createdAt),
        resolved_at: null,
        resolved_by: null,
      })
      .execute();
  }

  async reports(status: 'open' | 'resolved' | null, limit: number): Promise<ModerationReport[]> {
    let q = this.db.selectFrom('moderation_reports').selectAll().orderBy('id', 'desc').limit(limit);
    if (status) q = q.where('status', '=', status);
    return (await q.execute()).map(toReport);
  }

  async resolve(id: string, by: string, at: Date): Promise<ModerationReport | null> {
    await this.db
      .updateTable('moderation_reports')
      .set({ status: 'resolved', resolved_at: iso(at), resolved_by: by })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .execute();
    const row = await this.db.selectFrom('moderation_reports').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toReport(row) : null;
  }
}

function toCampaign(row: Selectable<AdCampaignsTable>): Campaign {
  return {
    id: row.id,
    advertiserId: row.advertiser_id,
    audienceId: row.audience_id,
    postId: row.post_id,
    frequencyCap: row.frequency_cap,
    status: row.status as Campaign['status'],
    createdAt: new Date(row.created_at),
    stoppedAt: date(row.stopped_at),
  };
}

function toAudience(row: Selectable<AdAudiencesTable>): Audience {
  return {
    id: row.id,
    advertiserId: row.advertiser_id,
    name: row.name,
    hashCount: row.hash_count,
    createdAt: new Date(row.created_at),
    sizing:
      row.sized_at === null
        ? null
        : { usable: row.usable === 1, sizeFloor: row.size_floor, at: new Date(row.sized_at) },
  };
}

export class KyselyAdsStore implements AdsStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async isAdvertiser(accountId: string): Promise<boolean> {
    return (
      (await this.db
        .selectFrom('advertisers')
        .select('account_id')
        .where('account_id', '=', accountId)
        .executeTakeFirst()) !== undefined
    );
  }

  async setAdvertiser(accountId: string, on: boolean, by: string, at: Date): Promise<void> {
    if (on) {
      await this.db
        .insertInto('advertisers')
        .values({ account_id: accountId, granted_by: by, created_at: iso(at) })
        .onConflict((oc) => oc.column('account_id').doNothing())
        .execute();
    } else {
      await this.db.deleteFrom('advertisers').where('account_id', '=', accountId).execute();
    }
  }

  async createAudience(audience: Audience, hashes: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('ad_audiences')
        .values({
          id: audience.id,
          advertiser_id: audience.advertiserId,
          name: audience.name,
          hash_count: hashes.length,
          created_at: iso(audience.createdAt),
        })
        .execute();
      for (const chunk of chunks(hashes, 1000)) {
        await tx
          .insertInto('ad_audience_hashes')
          .values(chunk.map((hash) => ({ audience_id: audience.id, hash })))
          .onConflict((oc) => oc.columns(['audience_id', 'hash']).doNothing())
          .execute();
      }
    });
  }

  async addHashes(audienceId: string, hashes: readonly string[]): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      for (const chunk of chunks(hashes, 1000)) {
        await tx
          .insertInto('ad_audience_hashes')
          .values(chunk.map((hash) => ({ audience_id: audienceId, hash })))
          .onConflict((oc) => oc.columns(['audience_id', 'hash']).doNothing())
          .execute();
      }
      const row = await tx
        .selectFrom('ad_audience_hashes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('audience_id', '=', audienceId)
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('ad_audiences')
        .set({ hash_count: Number(row.n) })
        .where('id', '=', audienceId)
        .execute();
      return Number(row.n);
    });
  }

  async setSizing(audienceId: string, sizing: AudienceSizing): Promise<void> {
    await this.db
      .updateTable('ad_audiences')
      .set({ usable: sizing.usable ? 1 : 0, size_floor: sizing.sizeFloor, sized_at: iso(sizing.at) })
      .where('id', '=', audienceId)
      .execute();
  }

  async audience(id: string): Promise<Audience | null> {
    const row = await this.db.selectFrom('ad_audiences').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAudience(row) : null;
  }

  async audiences(advertiserId: string): Promise<Audience[]> {
    const rows = await this.db
      .selectFrom('ad_audiences')
      .selectAll()
      .where('advertiser_id', '=', advertiserId)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
    return rows.map(toAudience);
  }

  async recordAdvertiserNetwork(advertiserId: string, networkKey: string, at: Date): Promise<void> {
    await this.db
      .insertInto('ad_advertiser_networks')
      .values({ advertiser_id: advertiserId, network_key: networkKey, first_seen: iso(at), last_seen: iso(at) })
      .onConflict((oc) => oc.columns(['advertiser_id', 'network_key']).doUpdateSet({ last_seen: iso(at) }))
      .execute();
  }

  async advertiserNetworks(advertiserId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('ad_advertiser_networks')
      .select('network_key')
      .where('advertiser_id', '=', advertiserId)
      .execute();
    return rows.map((r) => r.network_key);
  }

  async interactionShares(advertiserId: string, accountIds: readonly string[]): Promise<Map<string, InteractionShare>> {
    const shares = new Map<string, InteractionShare>();
    const add = (accountId: string, total: number, withAdvertiser: number) => {
      const share = shares.get(accountId) ?? { total: 0, withAdvertiser: 0 };
      share.total += Number(total);
      share.withAdvertiser += Number(withAdvertiser);
      shares.set(accountId, share);
    };
    const toAdvertiser = (
      column: 'target_account_id' | 'posts.account_id' | 'in_reply_to_account_id' | 'original.account_id',
    ) => sql<number>`sum(case when ${sql.ref(column)} = ${advertiserId} then 1 else 0 end)`;
    for (const chunk of chunks(accountIds, 500)) {
      const follows = await this.db
        .selectFrom('follows')
        .select([
          'account_id',
          (eb) => eb.fn.countAll<number>().as('total'),
          toAdvertiser('target_account_id').as('mine'),
        ])
        .where('account_id', 'in', chunk)
        .groupBy('account_id')
        .execute();
      for (const r of follows) add(r.account_id, r.total, r.mine);
      const favourites = await this.db
        .selectFrom('favourites')
        .innerJoin('posts', 'posts.id', 'favourites.post_id')
        .select([
          'favourites.account_id',
          (eb) => eb.fn.countAll<number>().as('total'),
          toAdvertiser('posts.account_id').as('mine'),
        ])
        .where('favourites.account_id', 'in', chunk)
        .groupBy('favourites.account_id')
        .execute();
      for (const r of favourites) add(r.account_id, r.total, r.mine);
      const replies = await this.db
        .selectFrom('posts')
        .select([
          'account_id',
          (eb) => eb.fn.countAll<number>().as('total'),
          toAdvertiser('in_reply_to_account_id').as('mine'),
        ])
        .where('account_id', 'in', chunk)
        .where('in_reply_to_account_id', 'is not', null)
        .groupBy('account_id')
        .execute();
      for (const r of replies) add(r.account_id, r.total, r.mine);
      const boosts = await this.db
        .selectFrom('posts')
        .innerJoin('posts as original', 'original.id', 'posts.reblog_of_id')
        .select([
          'posts.account_id',
          (eb) => eb.fn.countAll<number>().as('total'),
          toAdvertiser('original.account_id').as('mine'),
        ])
        .where('posts.account_id', 'in', chunk)
        .groupBy('posts.account_id')
        .execute();
      for (const r of boosts) add(r.account_id, r.total, r.mine);
    }
    return shares;
  }

  async createCampaign(c: Campaign): Promise<void> {
    await this.db
      .insertInto('ad_campaigns')
      .values({
        id: c.id,
        advertiser_id: c.advertiserId,
        audience_id: c.audienceId,
        post_id: c.postId,
        frequency_cap: c.frequencyCap,
        status: c.status,
        created_at: iso(c.createdAt),
        stopped_at: null,
      })
      .execute();
  }

  async campaign(id: string): Promise<Campaign | null> {
    const row = await this.db.selectFrom('ad_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toCampaign(row) : null;
  }

  async campaigns(advertiserId: string): Promise<Campaign[]> {
    return (
      await this.db
        .selectFrom('ad_campaigns')
        .selectAll()
        .where('advertiser_id', '=', advertiserId)
        .orderBy('id', 'desc')
        .limit(200)
        .execute()
    ).map(toCampaign);
  }

  async stopCampaign(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('ad_campaigns')
      .set({ status: 'stopped', stopped_at: iso(at) })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .execute();
  }

  async activeCampaignsMatching(hashes: readonly string[]): Promise<{ campaign: Campaign; hash: string }[]> {
    if (hashes.length === 0) return [];
    const rows = await this.db
      .selectFrom('ad_campaigns')
      .innerJoin('ad_audience_hashes', 'ad_audience_hashes.audience_id', 'ad_campaigns.audience_id')
      .selectAll('ad_campaigns')
      .select('ad_audience_hashes.hash')
      .where('ad_campaigns.status', '=', 'active')
      .where('ad_audience_hashes.hash', 'in', [...hashes])
      .orderBy('ad_campaigns.id', 'desc')
      .limit(50)
      .execute();
    return rows.map((r) => ({ campaign: toCampaign(r), hash: r.hash }));
  }

  async impressions(campaignId: string, accountId: string, day: string): Promise<number> {
    const row = await this.db
      .selectFrom('ad_impressions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('account_id', '=', accountId)
      .where('day', '=', day)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async recordImpression(campaignId: string, accountId: string, day: string, at: Date): Promise<void> {
    await this.db
      .insertInto('ad_impressions')
      .values({ id: newId(at.getTime()), campaign_id: campaignId, account_id: accountId, day, created_at: iso(at) })
      .execute();
  }
}
