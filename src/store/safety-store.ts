import { type Kysely, type Selectable, sql } from 'kysely';
import type { Page } from '../core/model.ts';
import type { InstanceRule, MuteEntry, NewReport, Report, ReportCategory, SafetyStore } from '../safety/index.ts';
import { applyPage, chunks, newestFirst } from './paging.ts';
import type { Database, ReportsTable } from './schema.ts';

const iso = (d: Date) => d.toISOString();

function toReport(row: Selectable<ReportsTable>): Report {
  return {
    id: row.id,
    accountId: row.account_id,
    targetAccountId: row.target_account_id,
    statusIds: JSON.parse(row.status_ids) as string[],
    comment: row.comment,
    category: row.category as ReportCategory,
    ruleIds: JSON.parse(row.rule_ids) as string[],
    forward: row.forward === 1,
    assignedAccountId: row.assigned_account_id,
    actionTakenAt: row.action_taken_at ? new Date(row.action_taken_at) : null,
    actionTakenBy: row.action_taken_by,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class KyselySafetyStore implements SafetyStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async blocks(accountId: string, page: Page) {
    const rows = await applyPage(
      this.db
        .selectFrom('blocks')
        .select(['target_account_id as accountId', 'id as cursor'])
        .where('account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async mutes(accountId: string, page: Page, now: Date): Promise<MuteEntry[]> {
    const rows = await applyPage(
      this.db
        .selectFrom('mutes')
        .select(['target_account_id', 'id', 'hide_notifications', 'expires_at'])
        .where('account_id', '=', accountId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', iso(now))])),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page).map((r) => ({
      accountId: r.target_account_id,
      cursor: r.id,
      hideNotifications: r.hide_notifications === 1,
      expiresAt: r.expires_at ? new Date(r.expires_at) : null,
    }));
  }

  async deleteExpiredMutes(now: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('mutes')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', iso(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async domainBlocks(accountId: string, page: Page) {
    const rows = await applyPage(
      this.db.selectFrom('domain_blocks').select(['domain', 'id as cursor']).where('account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async addDomainBlock(input: { id: string; accountId: string; domain: string; createdAt: Date }) {
    await this.db
      .insertInto('domain_blocks')
      .values({ id: input.id, account_id: input.accountId, domain: input.domain, created_at: iso(input.createdAt) })
      .onConflict((oc) => oc.columns(['account_id', 'domain']).doNothing())
      .execute();
  }

  async removeDomainBlock(accountId: string, domain: string) {
    await this.db
      .deleteFrom('domain_blocks')
      .where('account_id', '=', accountId)
      .where('domain', '=', domain)
      .execute();
  }

  async insertReport(report: NewReport, staffNotifications: { id: string; accountId: string }[]) {
    const now = iso(report.createdAt);
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('reports')
        .values({
          id: report.id,
          account_id: report.accountId,
          target_account_id: report.targetAccountId,
          status_ids: JSON.stringify(report.statusIds),
          comment: report.comment,
          category: report.category,
          rule_ids: JSON.stringify(report.ruleIds),
          forward: report.forward ? 1 : 0,
          assigned_account_id: null,
          action_taken_at: null,
          action_taken_by: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      if (staffNotifications.length > 0)
        await tx
          .insertInto('notifications')
          .values(
            staffNotifications.map((n) => ({
              id: n.id,
              account_id: n.accountId,
              type: 'admin.report' as const,
              from_account_id: report.accountId,
              post_id: null,
              report_id: report.id,
              created_at: now,
            })),
          )
          .execute();
    });
  }

  async reportById(id: string) {
    const row = await this.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toReport(row) : null;
  }

  async reports(filter: { resolved: boolean | null; targetAccountId?: string; accountId?: string }, page: Page) {
    let q = this.db.selectFrom('reports').selectAll();
    if (filter.resolved === true) q = q.where('action_taken_at', 'is not', null);
    if (filter.resolved === false) q = q.where('action_taken_at', 'is', null);
    if (filter.targetAccountId) q = q.where('target_account_id', '=', filter.targetAccountId);
    if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
    return newestFirst(await applyPage(q, 'id', page).execute(), page).map(toReport);
  }

  async updateReport(
    id: string,
    changes: { assignedAccountId?: string | null; actionTakenAt?: Date | null; actionTakenBy?: string | null },
    now: Date,
  ) {
    await this.db
      .updateTable('reports')
      .set({
        ...(changes.assignedAccountId !== undefined ? { assigned_account_id: changes.assignedAccountId } : {}),
        ...(changes.actionTakenAt !== undefined
          ? { action_taken_at: changes.actionTakenAt ? iso(changes.actionTakenAt) : null }
          : {}),
        ...(changes.actionTakenBy !== undefined ? { action_taken_by: changes.actionTakenBy } : {}),
        updated_at: iso(now),
      })
      .where('id', '=', id)
      .execute();
  }

  async staffAccountIds() {
    const rows = await this.db
      .selectFrom('accounts')
      .select('id')
      .where('role', 'in', ['moderator', 'admin'])
      .where('suspended_at', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }

  async rules(): Promise<InstanceRule[]> {
    return this.db.selectFrom('instance_rules').select(['id', 'text', 'hint']).orderBy('id').execute();
  }

  async addRule(rule: InstanceRule, createdAt: Date) {
    await this.db
      .insertInto('instance_rules')
      .values({ id: rule.id, text: rule.text, hint: rule.hint, created_at: iso(createdAt) })
      .execute();
  }

  async removeRule(id: string) {
    const result = await this.db.deleteFrom('instance_rules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async suggestions(accountId: string, limit: number, now: Date) {
    // Accounts that may never be suggested to this viewer.
    const excluded = sql<string>`(
      select cast(${accountId} as text)
      union select target_account_id from follows where account_id = ${accountId}
      union select target_account_id from follow_requests where account_id = ${accountId}
      union select target_account_id from blocks where account_id = ${accountId}
      union select account_id from blocks where target_account_id = ${accountId}
      union select target_account_id from mutes where account_id = ${accountId}
        and (expires_at is null or expires_at > ${iso(now)})
      union select target_account_id from suggestion_dismissals where account_id = ${accountId}
    )`;
    const friends = await sql<{ id: string; n: number | string }>`
      select f2.target_account_id as id, count(*) as n
        from follows f1
        join follows f2 on f2.account_id = f1.target_account_id
        join accounts a on a.id = f2.target_account_id
       where f1.account_id = ${accountId}
         and a.suspended_at is null and a.discoverable = 1
         and f2.target_account_id not in ${excluded}
       group by f2.target_account_id
       order by count(*) desc, f2.target_account_id desc
       limit ${limit}`.execute(this.db);
    const result: { accountId: string; source: 'friends' | 'popular' }[] = friends.rows.map((r) => ({
      accountId: r.id,
      source: 'friends',
    }));
    if (result.length < limit) {
      const taken = result.map((r) => r.accountId);
      let q = this.db
        .selectFrom('accounts')
        .select('id')
        .where('suspended_at', 'is', null)
        .where('discoverable', '=', 1)
        .where('id', 'not in', excluded)
        .orderBy('followers_count', 'desc')
        .orderBy('id', 'desc')
        .limit(limit - result.length);
      if (taken.length > 0) q = q.where('id', 'not in', taken);
      for (const row of await q.execute()) result.push({ accountId: row.id, source: 'popular' });
    }
    return result;
  }

  async dismissSuggestion(accountId: string, targetId: string, now: Date) {
    await this.db
      .insertInto('suggestion_dismissals')
      .values({ account_id: accountId, target_account_id: targetId, created_at: iso(now) })
      .onConflict((oc) => oc.columns(['account_id', 'target_account_id']).doNothing())
      .execute();
  }

  async directory(order: 'active' | 'new', offset: number, limit: number) {
    let q = this.db.selectFrom('accounts').select('id').where('suspended_at', 'is', null).where('discoverable', '=', 1);
    // Accounts that never posted come last when ordering by activity.
    q =
      order === 'active'
        ? q
            .orderBy(sql`case when last_status_at is null then 1 else 0 end`)
            .orderBy('last_status_at', 'desc')
            .orderBy('id', 'desc')
        : q.orderBy('id', 'desc');
    return (await q.limit(limit).offset(offset).execute()).map((r) => r.id);
  }

  async familiarFollowers(viewerId: string, targetIds: readonly string[]) {
    const result = new Map<string, string[]>();
    for (const chunk of chunks(targetIds)) {
      if (chunk.length === 0) continue;
      const rows = await this.db
        .selectFrom('follows as theirs')
        .innerJoin('follows as mine', 'mine.target_account_id', 'theirs.account_id')
        .select(['theirs.target_account_id as target', 'theirs.account_id as follower'])
        .where('mine.account_id', '=', viewerId)
        .where('theirs.target_account_id', 'in', chunk)
        .where('theirs.account_id', '<>', viewerId)
        .orderBy('theirs.id', 'desc')
        .execute();
      for (const row of rows) {
        const list = result.get(row.target) ?? [];
        if (list.length < 40) list.push(row.follower);
        result.set(row.target, list);
      }
    }
    return result;
  }
}
