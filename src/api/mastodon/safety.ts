import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Account, NotificationView, PostView } from '../../core/index.ts';
import type { InstanceRule, Report } from '../../safety/index.ts';
import { accountActor, type Actor } from '../../security/index.ts';
import { actingAccount, optionalUser, requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { count, flag, id, input, list, oneOf, paging, text } from '../input.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import {
  accountSchema,
  renderAccount,
  renderReport,
  renderStatus,
  reportSchema,
  statusSchema,
  type Urls,
} from './entities.ts';

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const bool = { type: 'boolean' } as const;
const ruleSchema = { type: 'object', properties: { id: str, text: str, hint: str } } as const;
const adminAccountSchema = {
  type: ['object', 'null'],
  properties: {
    id: str,
    username: str,
    domain: nullableStr,
    created_at: str,
    role: { type: 'object', properties: { name: str } },
    confirmed: bool,
    approved: bool,
    disabled: bool,
    silenced: bool,
    suspended: bool,
    account: accountSchema,
  },
} as const;
const adminReportSchema = {
  type: 'object',
  properties: {
    id: str,
    action_taken: bool,
    action_taken_at: nullableStr,
    category: str,
    comment: str,
    forwarded: bool,
    created_at: str,
    updated_at: str,
    account: adminAccountSchema,
    target_account: adminAccountSchema,
    assigned_account: adminAccountSchema,
    action_taken_by_account: adminAccountSchema,
    statuses: { type: 'array', items: statusSchema },
    rules: { type: 'array', items: ruleSchema },
  },
} as const;
const muteAccountSchema = {
  type: 'object',
  properties: { ...accountSchema.properties, mute_expires_at: nullableStr },
} as const;
const suggestionSchema = {
  type: 'object',
  properties: { source: str, sources: { type: 'array', items: str }, account: accountSchema },
} as const;
const familiarSchema = {
  type: 'object',
  properties: { id: str, accounts: { type: 'array', items: accountSchema } },
} as const;

const listInput = input(paging);
const domainInput = input({ domain: text('acct') }, ['domain']);
const reportInput = input(
  {
    account_id: id,
    status_ids: list('id', 50),
    comment: text('reason'),
    category: oneOf(['spam', 'legal', 'violation', 'other']),
    rule_ids: list('id', 50),
    forward: flag,
    forward_to_domains: list('acct', 20),
  },
  ['account_id'],
);
const suggestionsInput = input({ limit: { type: 'string', maxLength: 10, pattern: '^[0-9]+$' } });
const directoryInput = input({
  offset: count(0, 100_000),
  limit: count(1, 80),
  order: oneOf(['active', 'new']),
  local: flag,
});
const familiarInput = input({ id: list('id', 100) });
const adminReportsInput = input({ ...paging, resolved: flag, account_id: id, target_account_id: id });
const staffReasonInput = input({ text: text('reason') });

/**
 * The reports behind `admin.report` notifications, rendered for a viewer who is staff (a
 * viewer who no longer is gets none).
 */
export async function notificationReports(
  ctx: AppContext,
  viewerId: string,
  views: readonly NotificationView[],
): Promise<Map<string, ReturnType<typeof renderReport>>> {
  const out = new Map<string, ReturnType<typeof renderReport>>();
  const ids = [...new Set(views.flatMap((v) => (v.notification.reportId ? [v.notification.reportId] : [])))];
  if (ids.length === 0) return out;
  const actor = accountActor(await ctx.microblog.account(viewerId));
  for (const id of ids) {
    const report = await ctx.safety.reportForStaff(actor, id).catch(() => null);
    if (!report) continue;
    const target = (await ctx.microblog.accounts([report.targetAccountId])).get(report.targetAccountId);
    if (target) out.set(id, renderReport(report, target, ctx.config));
  }
  return out;
}

export function renderRule(rule: InstanceRule) {
  return { id: rule.id, text: rule.text, hint: rule.hint };
}

function renderAdminAccount(account: Account | undefined, urls: Urls) {
  if (!account) return null;
  return {
    id: account.id,
    username: account.username,
    domain: null,
    created_at: account.createdAt.toISOString(),
    role: { name: account.role },
    confirmed: true,
    approved: true,
    disabled: false,
    silenced: false,
    suspended: account.suspended,
    account: renderAccount(account, urls),
  };
}

/**
 * The safety lists (blocks, mutes, domain blocks), reports (filing, and the staff side of
 * Mastodon's admin API), the server's rules, and people discovery (suggestions, directory,
 * familiar followers).
 */
export function safetyRoutes(ctx: AppContext) {
  const urls = ctx.config;
  const accountList = { schema: { response: { 200: { type: 'array', items: accountSchema } } } };

  /** Admin reports with their accounts, posts (as staff see them) and rules, in few reads. */
  const renderAdminReports = async (reports: Report[], viewerId: string) => {
    const ids = new Set<string>();
    for (const r of reports)
      for (const a of [r.accountId, r.targetAccountId, r.assignedAccountId, r.actionTakenBy]) if (a) ids.add(a);
    const accounts = await ctx.microblog.accounts([...ids]);
    const rules = new Map((await ctx.safety.rules()).map((r) => [r.id, r]));
    const out = [];
    for (const report of reports) {
      const statuses: PostView[] = [];
      for (const statusId of report.statusIds) {
        // Staff see what was reported even when followers-only; a deleted post is simply gone.
        const view = await ctx.microblog.postView(report.targetAccountId, statusId).catch(() => null);
        if (view) statuses.push(view);
      }
      out.push({
        id: report.id,
        action_taken: report.actionTakenAt !== null,
        action_taken_at: report.actionTakenAt?.toISOString() ?? null,
        category: report.category,
        comment: report.comment,
        forwarded: report.forward && (accounts.get(report.targetAccountId)?.domain ?? null) !== null,
        created_at: report.createdAt.toISOString(),
        updated_at: report.updatedAt.toISOString(),
        account: renderAdminAccount(accounts.get(report.accountId), urls),
        target_account: renderAdminAccount(accounts.get(report.targetAccountId), urls),
        assigned_account: renderAdminAccount(
          report.assignedAccountId ? accounts.get(report.assignedAccountId) : undefined,
          urls,
        ),
        action_taken_by_account: renderAdminAccount(
          report.actionTakenBy ? accounts.get(report.actionTakenBy) : undefined,
          urls,
        ),
        statuses: statuses.map((v) => renderStatus(v, urls)),
        rules: report.ruleIds.flatMap((r) => {
          const rule = rules.get(r);
          return rule ? [renderRule(rule)] : [];
        }),
      });
    }
    void viewerId;
    return out;
  };

  return async (app: FastifyInstance) => {
    // ── Blocks, mutes, domain blocks ──
    app.get('/api/v1/blocks', accountList, async (request, reply) => {
      const { accountId } = requireUser(request, 'read:blocks');
      const params = listInput.read(request);
      const rows = await ctx.safety.blocks(accountId, pageOf(params, 40, 80));
      const link = linkHeader(
        urls.publicUrl,
        request,
        cursorsOf(rows, (r) => r.cursor),
        { limit: params.limit },
      );
      if (link) void reply.header('Link', link);
      return rows.map((r) => renderAccount(r.account, urls));
    });

    app.get(
      '/api/v1/mutes',
      { schema: { response: { 200: { type: 'array', items: muteAccountSchema } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:mutes');
        const params = listInput.read(request);
        const rows = await ctx.safety.mutes(accountId, pageOf(params, 40, 80));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(rows, (r) => r.cursor),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return rows.map((r) => ({
          ...renderAccount(r.account, urls),
          mute_expires_at: r.expiresAt?.toISOString() ?? null,
        }));
      },
    );

    app.get(
      '/api/v1/domain_blocks',
      { schema: { response: { 200: { type: 'array', items: str } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:blocks');
        const params = listInput.read(request);
        const rows = await ctx.safety.domainBlocks(accountId, pageOf(params, 100, 200));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(rows, (r) => r.cursor),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return rows.map((r) => r.domain);
      },
    );
    app.post('/api/v1/domain_blocks', async (request) => {
      const { accountId } = requireUser(request, 'write:blocks');
      await ctx.safety.blockDomain(accountId, domainInput.read(request).domain);
      return {};
    });
    app.delete('/api/v1/domain_blocks', async (request) => {
      const { accountId } = requireUser(request, 'write:blocks');
      await ctx.safety.unblockDomain(accountId, domainInput.read(request).domain);
      return {};
    });

    // Sparrow has no featured accounts ("endorsements") yet: an honest empty list.
    app.get('/api/v1/endorsements', accountList, async (request) => {
      requireUser(request, 'read:accounts');
      return [];
    });

    // ── Reports ──
    app.post('/api/v1/reports', { schema: { response: { 200: reportSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write:reports');
      const params = reportInput.read(request);
      const report = await ctx.safety.report(accountId, {
        accountId: params.account_id,
        statusIds: params.status_ids ?? [],
        ruleIds: params.rule_ids ?? [],
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
        ...(params.category !== undefined ? { category: params.category } : {}),
        ...(params.forward !== undefined ? { forward: params.forward } : {}),
      });
      return renderReport(report, await ctx.microblog.account(report.targetAccountId), urls);
    });

    // ── Reports, the staff side (moderators and administrators) ──
    const staff = (request: FastifyRequest, scope: string): Promise<{ actor: Actor; accountId: string }> =>
      actingAccount(ctx.microblog, request, scope);

    app.get(
      '/api/v1/admin/reports',
      { schema: { response: { 200: { type: 'array', items: adminReportSchema } } } },
      async (request, reply) => {
        const { actor, accountId } = await staff(request, 'admin:read:reports');
        const params = adminReportsInput.read(request);
        const reports = await ctx.safety.reports(
          actor,
          {
            ...(params.resolved !== undefined ? { resolved: params.resolved } : {}),
            ...(params.account_id ? { accountId: params.account_id } : {}),
            ...(params.target_account_id ? { targetAccountId: params.target_account_id } : {}),
          },
          pageOf(params, 100, 200),
        );
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(reports, (r) => r.id),
          {
            limit: params.limit,
            resolved: params.resolved,
            account_id: params.account_id,
            target_account_id: params.target_account_id,
          },
        );
        if (link) void reply.header('Link', link);
        return renderAdminReports(reports, accountId);
      },
    );

    app.get('/api/v1/admin/reports/:id', { schema: { response: { 200: adminReportSchema } } }, async (request) => {
      const { actor, accountId } = await staff(request, 'admin:read:reports');
      const [rendered] = await renderAdminReports([await ctx.safety.reportForStaff(actor, pathId(request))], accountId);
      return rendered;
    });

    const reportAction = (
      path: string,
      defaultReason: string,
      act: (id: string, acting: { actor: Actor; reason: string }) => Promise<Report>,
    ) => {
      app.post(
        `/api/v1/admin/reports/:id/${path}`,
        { schema: { response: { 200: adminReportSchema } } },
        async (request) => {
          const { actor, accountId } = await staff(request, 'admin:write:reports');
          const reason = staffReasonInput.read(request).text?.trim() || defaultReason;
          const [rendered] = await renderAdminReports([await act(pathId(request), { actor, reason })], accountId);
          return rendered;
        },
      );
    };
    reportAction('resolve', 'Report resolved (admin API)', (id, acting) => ctx.safety.resolve(id, acting));
    reportAction('reopen', 'Report reopened (admin API)', (id, acting) => ctx.safety.reopen(id, acting));
    reportAction('assign_to_self', 'Report assigned (admin API)', (id, acting) => ctx.safety.assignToSelf(id, acting));
    reportAction('unassign', 'Report unassigned (admin API)', (id, acting) => ctx.safety.unassign(id, acting));

    // ── People discovery ──
    app.get(
      '/api/v2/suggestions',
      { schema: { response: { 200: { type: 'array', items: suggestionSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read');
        const { limit } = suggestionsInput.read(request);
        const n = Math.min(Math.max(Number(limit ?? 40), 1), 80);
        return (await ctx.people.suggestions(accountId, n)).map((s) => ({
          source: s.source === 'friends' ? 'past_interactions' : 'global',
          sources: [s.source === 'friends' ? 'friends_of_friends' : 'most_followed'],
          account: renderAccount(s.account, urls),
        }));
      },
    );
    app.get('/api/v1/suggestions', accountList, async (request) => {
      const { accountId } = requireUser(request, 'read');
      const { limit } = suggestionsInput.read(request);
      const n = Math.min(Math.max(Number(limit ?? 40), 1), 80);
      return (await ctx.people.suggestions(accountId, n)).map((s) => renderAccount(s.account, urls));
    });
    app.delete('/api/v1/suggestions/:id', async (request) => {
      const { accountId } = requireUser(request, 'read');
      await ctx.people.dismissSuggestion(accountId, pathId(request));
      return {};
    });

    app.get('/api/v1/directory', accountList, async (request) => {
      const viewer = optionalUser(request, 'read:accounts');
      const params = directoryInput.read(request);
      // Every account is local: `local=true` changes nothing until federation.
      const accounts = await ctx.people.directory(viewer?.accountId ?? null, {
        order: params.order ?? 'active',
        offset: params.offset ?? 0,
        limit: params.limit ?? 40,
      });
      return accounts.map((a) => renderAccount(a, urls));
    });

    app.get(
      '/api/v1/accounts/familiar_followers',
      { schema: { response: { 200: { type: 'array', items: familiarSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:follows');
        // Mastodon's spelling is `?id[]=1&id[]=2`; masto.js sends a bare list as `?0=1&1=2`.
        const query = request.query as Record<string, unknown>;
        const ids =
          familiarInput.read(request).id ??
          Object.keys(query)
            .filter((k) => /^[0-9]{1,3}$/.test(k) && typeof query[k] === 'string')
            .map((k) => query[k] as string);
        if (ids.length > 100) throw new HttpError(422, 'id has too many items (at most 100)');
        if (ids.some((v) => !/^[0-9]{1,20}$/.test(v))) throw new HttpError(422, 'id is not a valid id');
        return (await ctx.people.familiarFollowers(accountId, ids)).map((f) => ({
          id: f.id,
          accounts: f.accounts.map((a) => renderAccount(a, urls)),
        }));
      },
    );
  };
}
