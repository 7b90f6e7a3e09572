import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, PostView } from '../core/model.ts';
import type { Report } from '../safety/index.ts';
import { accountActor, can, type Actor } from '../security/index.ts';
import { DomainError } from '../shared/errors.ts';
import { isWellFormedId } from '../shared/ids.ts';
import { adminActionFailed, adminForbidden, adminLayout } from './admin-pages.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
import { field, form, sendPage, viewFor, when, type View } from './layout.ts';
import { rich } from './rich-text.ts';

/**
 * The reports console (`/admin/reports`): open or resolved reports, each with who reported
 * whom, the reported posts as filed, the rules cited, and resolve / reopen / take it; the
 * account's moderation page is one link away. Staff only; every change is audited.
 */
export function adminReportPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const staff =
      (handler: (request: FastifyRequest, reply: FastifyReply, actor: Actor, view: View) => Promise<FastifyReply>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const view = await viewFor(ctx, request, reply);
        const actor = accountActor(me);
        if (!can(actor, 'reports.read')) return adminForbidden(reply, view, view.t('web.admin.staffOnly'));
        return handler(request, reply, actor, view);
      };

    const reportCard = (
      view: View,
      report: Report,
      accounts: ReadonlyMap<string, Account>,
      posts: readonly PostView[],
      rules: ReadonlyMap<string, string>,
    ): SafeHtml => {
      const t = view.t;
      const who = (id: string | null) => {
        const account = id ? accounts.get(id) : undefined;
        return account
          ? html`<a href="/admin/users?q=${account.username}">@${account.username}</a>`
          : html`${t('web.admin.reports.gone')}`;
      };
      const resolved = report.actionTakenAt !== null;
      const actions = html`${
        resolved
          ? form(view, `/admin/reports/${report.id}/reopen`, html`<button>${t('web.admin.reports.reopen')}</button>`, {
              className: 'inline',
            })
          : form(view, `/admin/reports/${report.id}/resolve`, html`<button>${t('web.admin.resolve')}</button>`, {
              className: 'inline',
            })
      } ${
        report.assignedAccountId
          ? html`<span class="note">${rich(view, 'web.admin.reports.takenBy', { who: who(report.assignedAccountId) })}</span>`
          : form(view, `/admin/reports/${report.id}/assign`, html`<button>${t('web.admin.reports.take')}</button>`, {
              className: 'inline',
            })
      }`;
      return html`<li class="card" id="r${report.id}"><p><strong>#${report.id}</strong> · ${t('web.admin.reports.category', { category: report.category })} · ${when(view, report.createdAt)}</p>
<p>${rich(view, 'web.admin.reports.line', { reporter: who(report.accountId), target: who(report.targetAccountId) })}${
        resolved
          ? html` · ${
              report.actionTakenBy
                ? rich(view, 'web.admin.reports.resolvedBy', {
                    time: when(view, report.actionTakenAt!),
                    who: who(report.actionTakenBy),
                  })
                : rich(view, 'web.admin.reports.resolvedAt', { time: when(view, report.actionTakenAt!) })
            }`
          : ''
      }</p>
${report.comment ? html`<blockquote dir="auto">${report.comment}</blockquote>` : html`<p class="note">${t('web.admin.reports.noComment')}</p>`}
${report.ruleIds.length ? html`<p>${t('web.admin.reports.rules', { rules: report.ruleIds.map((r) => rules.get(r) ?? `#${r}`).join('; ') })}</p>` : ''}
${posts.length ? html`<ul class="plain">${posts.map((p) => html`<li><blockquote dir="auto">${p.post.spoilerText ? html`<strong>${p.post.spoilerText}</strong> ` : ''}${p.post.text}</blockquote><p class="note">${t('web.admin.reports.visibility', { visibility: p.post.visibility })} · <a href="/@${p.author.username}/${p.post.id}">${t('web.admin.reports.openPost')}</a></p></li>`)}</ul>` : report.statusIds.length ? html`<p class="note">${t('web.admin.reports.deleted')}</p>` : ''}
<p>${actions} <a href="/admin/users?q=${accounts.get(report.targetAccountId)?.username ?? ''}">${t('web.admin.reports.act')}</a></p></li>`;
    };

    app.get(
      '/admin/reports',
      staff(async (request, reply, actor, view) => {
        const resolved = (request.query as Record<string, unknown>).resolved === '1';
        const reports = await ctx.safety.reports(actor, { resolved }, { limit: 50 });
        const ids = new Set<string>();
        for (const r of reports)
          for (const id of [r.accountId, r.targetAccountId, r.assignedAccountId, r.actionTakenBy]) if (id) ids.add(id);
        const accounts = await ctx.microblog.accounts([...ids]);
        const rules = new Map((await ctx.safety.rules()).map((r) => [r.id, r.text]));
        const cards: SafeHtml[] = [];
        for (const report of reports) {
          const posts: PostView[] = [];
          for (const id of report.statusIds.slice(0, 10)) {
            const post = await ctx.microblog.postView(report.targetAccountId, id).catch(() => null);
            if (post) posts.push(post);
          }
          cards.push(reportCard(view, report, accounts, posts, rules));
        }
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            view.t('web.admin.nav.reports'),
            html`<p><a href="/admin/reports"${resolved ? '' : html` aria-current="page"`}>${view.t('web.admin.reports.openTab')}</a> · <a href="/admin/reports?resolved=1"${resolved ? html` aria-current="page"` : ''}>${view.t('web.admin.reports.resolvedTab')}</a></p>
${cards.length ? html`<ul class="plain">${cards}</ul>` : html`<p>${view.t(resolved ? 'web.admin.reports.noResolved' : 'web.admin.reports.noOpen')}</p>`}`,
          ),
        );
      }),
    );

    const change = (
      verb: string,
      notice: string,
      run: (id: string, acting: { actor: Actor; reason: string }) => Promise<unknown>,
    ) =>
      app.post(
        `/admin/reports/:id/${verb}`,
        staff(async (request, reply, actor, view) => {
          const id = (request.params as { id: string }).id;
          try {
            if (!isWellFormedId(id)) throw new DomainError('not_found', 'Record not found').coded('not_found');
            await run(id, { actor, reason: field(request, 'reason') || `Report ${verb} (admin console)` });
            return reply.redirect(`/admin/reports?notice=${notice}`, 303);
          } catch (error) {
            return adminActionFailed(reply, request, view, view.t('web.admin.nav.reports'), error);
          }
        }),
      );
    change('resolve', 'report_resolved', (id, acting) => ctx.safety.resolve(id, acting));
    change('reopen', 'report_reopened', (id, acting) => ctx.safety.reopen(id, acting));
    change('assign', 'report_assigned', (id, acting) => ctx.safety.assignToSelf(id, acting));
  };
}
