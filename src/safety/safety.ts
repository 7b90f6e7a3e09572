import type { AuditLog } from '../audit/index.ts';
import type { Account, Microblog, Page } from '../core/index.ts';
import { authorize, checkedReason, type Acting, type Actor } from '../security/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { REPORT_CATEGORIES, type InstanceRule, type MuteEntry, type Report, type ReportCategory } from './model.ts';
import type { SafetyStore } from './ports.ts';

export interface ReportInput {
  accountId: string;
  statusIds?: readonly string[];
  comment?: string;
  category?: string;
  ruleIds?: readonly string[];
  forward?: boolean;
}

const MAX_COMMENT = 1000;
const MAX_RULE_TEXT = 300;
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * What people do to keep themselves safe and what staff see of it: the lists of blocked and
 * muted accounts and blocked domains, reports to staff (with their handling, audited) and the
 * server's rules. Blocking and muting themselves are the microblog's (one visibility rule).
 */
export class Safety {
  private readonly store: SafetyStore;
  private readonly microblog: Microblog;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  /** This server's own domain: its accounts are the local ones, never domain-blocked. */
  private readonly domain: string;
  private readonly reportedListeners: ((report: Report) => Promise<unknown>)[] = [];
  constructor(deps: { store: SafetyStore; microblog: Microblog; audit: AuditLog; clock: Clock; domain: string }) {
    this.store = deps.store;
    this.microblog = deps.microblog;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.domain = deps.domain.toLowerCase().replace(/:\d+$/, '');
  }

  // ── Lists ───────────────────────────────────────────────────────────────────

  async blocks(accountId: string, page: Page): Promise<{ account: Account; cursor: string }[]> {
    return this.withAccounts(await this.store.blocks(accountId, page));
  }

  async mutes(accountId: string, page: Page): Promise<(MuteEntry & { account: Account })[]> {
    const rows = await this.store.mutes(accountId, page, this.clock.now());
    const accounts = await this.microblog.accounts(rows.map((r) => r.accountId));
    return rows.flatMap((r) => {
      const account = accounts.get(r.accountId);
      return account && !account.suspended ? [{ ...r, account }] : [];
    });
  }

  async sweepExpiredMutes(): Promise<number> {
    return this.store.deleteExpiredMutes(this.clock.now());
  }

  private async withAccounts(rows: { accountId: string; cursor: string }[]) {
    const accounts = await this.microblog.accounts(rows.map((r) => r.accountId));
    return rows.flatMap((r) => {
      const account = accounts.get(r.accountId);
      return account && !account.suspended ? [{ account, cursor: r.cursor }] : [];
    });
  }

  // ── Domain blocks ───────────────────────────────────────────────────────────

  /**
   * A person hides a whole server. Every account is local until federation arrives, so a
   * block is stored (and listed) now and applies once accounts of other servers exist; this
   * server's own domain cannot be blocked.
   */
  async blockDomain(accountId: string, domain: string): Promise<void> {
    const normalised = this.checkedDomain(domain);
    if (normalised === this.domain)
      throw invalid('You can’t block your own server', { field: 'domain' }).coded('domain_block.own_server');
    const now = this.clock.now();
    await this.store.addDomainBlock({ id: newId(now.getTime()), accountId, domain: normalised, createdAt: now });
  }

  async unblockDomain(accountId: string, domain: string): Promise<void> {
    await this.store.removeDomainBlock(accountId, this.checkedDomain(domain));
  }

  async domainBlocks(accountId: string, page: Page): Promise<{ domain: string; cursor: string }[]> {
    return this.store.domainBlocks(accountId, page);
  }

  private checkedDomain(domain: string): string {
    let value = domain.trim().toLowerCase().replace(/\.$/, '');
    // People paste addresses: keep the host.
    if (/^https?:\/\//.test(value)) {
      try {
        value = new URL(value).hostname;
      } catch {
        throw invalid('domain is not a domain name', { field: 'domain' }).coded('domain_block.not_domain');
      }
    }
    value = value.replace(/^@/, '');
    if (!DOMAIN_PATTERN.test(value))
      throw invalid('domain is not a domain name', { field: 'domain' }).coded('domain_block.not_domain');
    return value;
  }

  // ── Rules ───────────────────────────────────────────────────────────────────

  async rules(): Promise<InstanceRule[]> {
    return this.store.rules();
  }

  async addRule(actor: Actor, text: string, hint = ''): Promise<InstanceRule> {
    authorize(actor, 'rules.manage');
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.length > MAX_RULE_TEXT)
      throw invalid(`A rule is 1 to ${MAX_RULE_TEXT} characters`, { field: 'text' }).coded('rule.length', {
        max: MAX_RULE_TEXT,
      });
    if (hint.trim().length > MAX_COMMENT)
      throw invalid('The hint is too long', { field: 'hint' }).coded('rule.hint_too_long');
    const now = this.clock.now();
    const rule = { id: newId(now.getTime()), text: trimmed, hint: hint.trim() };
    await this.store.addRule(rule, now);
    await this.audit.record(actor, 'instance rule added', 'rule.add', rule.id, { text: rule.text });
    return rule;
  }

  async removeRule(actor: Actor, id: string): Promise<void> {
    authorize(actor, 'rules.manage');
    if (!(await this.store.removeRule(id))) throw notFound();
    await this.audit.record(actor, 'instance rule removed', 'rule.remove', id);
  }

  // ── Reports ─────────────────────────────────────────────────────────────────

  /**
   * Files a report about an account, citing its posts (only ones the reporter can see) and
   * rules of this server. Staff are notified; the reporter sees only this report.
   */
  async report(reporterId: string, input: ReportInput): Promise<Report> {
    const reporter = await this.microblog.account(reporterId);
    const target = await this.microblog.account(input.accountId);
    if (target.id === reporter.id)
      throw invalid('You can’t report yourself', { field: 'account_id' }).coded('report.self');
    const statusIds = [...new Set(input.statusIds ?? [])];
    for (const id of statusIds) {
      const post = await this.microblog.visiblePost(reporterId, id).catch(() => null);
      if (!post || post.accountId !== target.id)
        throw invalid('status_ids must be posts by the reported account', { field: 'status_ids' }).coded(
          'report.foreign_posts',
        );
    }
    const comment = (input.comment ?? '').trim();
    if ([...comment].length > MAX_COMMENT)
      throw invalid(`comment must be at most ${MAX_COMMENT} characters`, { field: 'comment' }).coded(
        'report.comment_too_long',
        { max: MAX_COMMENT },
      );
    const ruleIds = [...new Set(input.ruleIds ?? [])];
    if (ruleIds.length > 0) {
      const known = new Set((await this.store.rules()).map((r) => r.id));
      if (ruleIds.some((id) => !known.has(id)))
        throw invalid('rule_ids names an unknown rule', { field: 'rule_ids' }).coded('report.unknown_rule');
    }
    let category: ReportCategory = ruleIds.length > 0 ? 'violation' : 'other';
    if (input.category !== undefined) {
      if (!(REPORT_CATEGORIES as readonly string[]).includes(input.category))
        throw invalid(`category must be one of ${REPORT_CATEGORIES.join(', ')}`, { field: 'category' });
      category = input.category as ReportCategory;
    }
    if (category === 'violation' && ruleIds.length === 0)
      throw invalid('A report of a rule violation names the rules (rule_ids)', { field: 'rule_ids' }).coded(
        'report.rules_needed',
      );
    if (category !== 'violation' && ruleIds.length > 0) ruleIds.length = 0;
    const now = this.clock.now();
    const report = {
      id: newId(now.getTime()),
      accountId: reporter.id,
      targetAccountId: target.id,
      statusIds,
      comment,
      category,
      ruleIds,
      forward: input.forward ?? false,
      createdAt: now,
    };
    // Every staff member hears of it, except the reported account itself.
    const staff = (await this.store.staffAccountIds()).filter((id) => id !== target.id);
    const notifications = staff.map((accountId) => ({ id: newId(now.getTime()), accountId }));
    await this.store.insertReport(report, notifications);
    await this.microblog.notificationsStored(notifications);
    const filed = { ...report, assignedAccountId: null, actionTakenAt: null, actionTakenBy: null, updatedAt: now };
    // Federation forwards a report about an account of another server when the reporter asked.
    for (const listener of this.reportedListeners) await listener(filed).catch(() => {});
    return filed;
  }

  /** Hears of every report filed (federation forwards those with `forward` about remote accounts). */
  onReported(listener: (report: Report) => Promise<unknown>): void {
    this.reportedListeners.push(listener);
  }

  /**
   * A report another server forwarded about an account here, filed in the name of that
   * server's actor: the posts it cites that the actor may see, its words, for staff to handle.
   */
  async fileForwardedReport(
    reporterId: string,
    input: { accountId: string; statusIds: readonly string[]; comment: string },
  ): Promise<Report> {
    const statusIds: string[] = [];
    for (const id of input.statusIds)
      if (await this.microblog.visiblePost(reporterId, id).catch(() => null)) statusIds.push(id);
    return this.report(reporterId, {
      accountId: input.accountId,
      statusIds,
      comment: [...input.comment.trim()].slice(0, MAX_COMMENT).join(''),
      category: 'other',
    });
  }

  /** A report as its reporter may see it: their own only. */
  async ownReport(reporterId: string, id: string): Promise<Report> {
    const report = await this.store.reportById(id);
    if (!report || report.accountId !== reporterId) throw notFound();
    return report;
  }

  /** Reports for staff, open ones by default, newest first. */
  async reports(
    actor: Actor,
    filter: { resolved?: boolean; targetAccountId?: string; accountId?: string },
    page: Page,
  ): Promise<Report[]> {
    authorize(actor, 'reports.read');
    return this.store.reports({ ...filter, resolved: filter.resolved ?? false }, page);
  }

  /** Several reports by id, for rendering notifications; only for staff. */
  async reportForStaff(actor: Actor, id: string): Promise<Report> {
    authorize(actor, 'reports.read');
    const report = await this.store.reportById(id);
    if (!report) throw notFound();
    return report;
  }

  async resolve(id: string, acting: Acting): Promise<Report> {
    return this.change(id, acting, 'report.resolve', (report, by, now) =>
      report.actionTakenAt ? {} : { actionTakenAt: now, actionTakenBy: by },
    );
  }

  async reopen(id: string, acting: Acting): Promise<Report> {
    return this.change(id, acting, 'report.reopen', () => ({ actionTakenAt: null, actionTakenBy: null }));
  }

  async assignToSelf(id: string, acting: Acting): Promise<Report> {
    return this.change(id, acting, 'report.assign', (_report, by) => ({ assignedAccountId: by }));
  }

  async unassign(id: string, acting: Acting): Promise<Report> {
    return this.change(id, acting, 'report.assign', () => ({ assignedAccountId: null }));
  }

  private async change(
    id: string,
    acting: Acting,
    action: 'report.resolve' | 'report.reopen' | 'report.assign',
    changes: (
      report: Report,
      by: string | null,
      now: Date,
    ) => { assignedAccountId?: string | null; actionTakenAt?: Date | null; actionTakenBy?: string | null },
  ): Promise<Report> {
    authorize(acting.actor, 'reports.resolve');
    const reason = checkedReason(acting.reason);
    const report = await this.store.reportById(id);
    if (!report) throw notFound();
    const now = this.clock.now();
    const by = acting.actor.kind === 'account' ? acting.actor.account.id : null;
    const update = changes(report, by, now);
    await this.store.updateReport(id, update, now);
    await this.audit.record(acting.actor, reason, action, `report:${id}`, {
      target_account_id: report.targetAccountId,
      ...(update.assignedAccountId !== undefined ? { assigned_to: update.assignedAccountId } : {}),
    });
    return { ...report, ...update, updatedAt: now };
  }
}
