import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { DomainBlock } from '../federation/ports.ts';
import type { DomainOverview, QueueOverview } from '../federation/operations.ts';
import { accountActor, can, type Actor } from '../security/index.ts';
import { DomainError } from '../shared/errors.ts';
import { adminForbidden, adminLayout } from './admin-pages.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
import { errorBox, failure, field, form, sendPage, viewFor, when, type Failure, type View } from './layout.ts';
import { rich, strong } from './rich-text.ts';

const SEVERITIES = ['suspend', 'limit'] as const;
const code: (inner: SafeHtml) => SafeHtml = (inner) => html`<code>${inner}</code>`;

/**
 * The federation console (`/admin/federation`): the delivery queue, each server's delivery
 * state, and the blocked servers — with, for administrators, blocking, lifting and retrying
 * now. The same domain services, permissions (`domain_blocks.read` to look,
 * `domain_blocks.manage` to change) and audit log as the admin API and `sparrow federation`.
 */
export function federationAdminPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const staff =
      (handler: (request: FastifyRequest, reply: FastifyReply, actor: Actor, view: View) => Promise<FastifyReply>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const view = await viewFor(ctx, request, reply);
        const actor = accountActor(me);
        if (!can(actor, 'domain_blocks.read')) return adminForbidden(reply, view, view.t('web.admin.staffOnly'));
        return handler(request, reply, actor, view);
      };

    const queueSection = (view: View, q: QueueOverview): SafeHtml => {
      const n = new Intl.NumberFormat(view.locale).format;
      const t = view.t;
      return html`<h2>${t('web.admin.federation.queue')}</h2><dl class="details">
<dt>${t('web.admin.federation.waiting')}</dt><dd>${n(q.total)}</dd>
<dt>${t('web.admin.federation.due')}</dt><dd>${n(q.ready)}</dd>
<dt>${t('web.admin.federation.delayed')}</dt><dd>${n(q.delayed)}</dd>
<dt>${t('web.admin.federation.inProgress')}</dt><dd>${n(q.inProgress)}</dd>
<dt>${t('web.admin.federation.outbox')}</dt><dd>${n(q.byKind.outbox)}</dd>
<dt>${t('web.admin.federation.inbox')}</dt><dd>${n(q.byKind.inbox)}</dd>
<dt>${t('web.admin.federation.other')}</dt><dd>${n(q.byKind.other)}</dd>
<dt>${t('web.admin.federation.oldest')}</dt><dd>${q.oldestCreatedAt ? when(view, q.oldestCreatedAt) : '—'}</dd></dl>`;
    };

    const domainsSection = (view: View, domains: DomainOverview[], manage: boolean): SafeHtml => {
      const { t } = view;
      const n = new Intl.NumberFormat(view.locale).format;
      const retry = (domain: string | null, label: string) =>
        form(
          view,
          '/admin/federation/retry',
          html`${domain ? html`<input type="hidden" name="domain" value="${domain}">` : ''}<button>${label}</button>`,
          { className: 'inline' },
        );
      const rows = domains.map(
        (
          d,
        ) => html`<tr id="d-${d.domain}"><td>${d.domain}</td><td>${t('web.admin.federation.status', { status: d.status })}${d.blocked ? html` · ${t('web.admin.federation.blockedAs', { severity: d.blocked })}` : ''}</td><td>${n(d.queued)}</td><td>${n(d.consecutiveFailures)}</td>
<td>${d.lastSuccessAt ? when(view, d.lastSuccessAt) : '—'}</td><td>${d.lastInboundAt ? when(view, d.lastInboundAt) : '—'}</td>
<td>${d.lastFailureAt ? html`${when(view, d.lastFailureAt)} <code>${d.lastFailure ?? ''}</code>` : '—'}</td>${manage ? html`<td>${d.queued > 0 || d.status !== 'ok' ? retry(d.domain, t('web.admin.federation.retryNow')) : ''}</td>` : ''}</tr>`,
      );
      const head = (
        [
          'web.admin.federation.col.server',
          'web.admin.federation.col.status',
          'web.admin.federation.col.queued',
          'web.admin.federation.col.failures',
          'web.admin.federation.col.lastDelivery',
          'web.admin.federation.col.lastHeard',
          'web.admin.federation.col.lastFailure',
          ...(manage ? (['web.admin.federation.col.retry'] as const) : []),
        ] as const
      ).map((id) => html`<th scope="col">${t(id)}</th>`);
      return html`<h2>${t('web.admin.federation.servers')}</h2>${
        domains.length === 0
          ? html`<p>${t('web.admin.federation.noServers')}</p>`
          : html`<table tabindex="0" aria-label="${t('web.admin.scrolls', { table: t('web.admin.federation.serversTable') })}"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`
      }${manage ? html`<p>${retry(null, t('web.admin.federation.retryAll'))}</p>` : ''}`;
    };

    const blocksSection = (
      view: View,
      blocks: DomainBlock[],
      manage: boolean,
      typed: Record<string, string>,
    ): SafeHtml => {
      const { t } = view;
      const rows = blocks.map(
        (b) =>
          html`<tr><td>${b.domain}</td><td>${t('web.admin.federation.severityName', { severity: b.severity })}${b.rejectMedia ? html` · ${t('web.admin.federation.mediaRejected')}` : ''}</td><td dir="auto">${b.reason}</td><td>${when(view, b.createdAt)}</td>${
            manage
              ? html`<td>${form(
                  view,
                  '/admin/federation/blocks/lift',
                  html`<input type="hidden" name="domain" value="${b.domain}"><label>${t('web.admin.reason')} <input name="reason" required maxlength="500"></label> <button>${t('web.admin.federation.lift')}</button>`,
                  { className: 'inline' },
                )}</td>`
              : ''
          }</tr>`,
      );
      const severityLabel = { suspend: t('web.admin.federation.suspend'), limit: t('web.admin.federation.limit') };
      const add = manage
        ? form(
            view,
            '/admin/federation/blocks',
            html`<h3>${t('web.admin.federation.blockHeading')}</h3>
<p><label>${t('web.admin.federation.domain')} <input name="domain" required maxlength="253" placeholder="example.social" dir="ltr" value="${typed.domain ?? ''}"></label></p>
<fieldset><legend>${t('web.admin.federation.severity')}</legend>${SEVERITIES.map(
              (value) =>
                html`<p><label><input type="radio" name="severity" value="${value}"${(typed.severity ?? 'suspend') === value ? ' checked' : ''}> ${severityLabel[value]}</label></p>`,
            )}<p><label><input type="checkbox" name="reject_media"${typed.reject_media ? ' checked' : ''}> ${t('web.admin.federation.rejectMedia')}</label></p></fieldset>
<p><label>${t('web.admin.reasonAudit')} <input name="reason" required maxlength="500" value="${typed.reason ?? ''}"></label></p>
<p><button>${t('web.admin.federation.block')}</button></p>`,
          )
        : html``;
      const head = (
        [
          'web.admin.federation.col.server',
          'web.admin.federation.col.severity',
          'web.admin.reason',
          'web.admin.federation.col.since',
          ...(manage ? (['web.admin.federation.col.lift'] as const) : []),
        ] as const
      ).map((id) => html`<th scope="col">${t(id)}</th>`);
      return html`<h2>${t('web.admin.federation.blocked')}</h2>${
        blocks.length === 0
          ? html`<p>${t('web.admin.federation.noBlocks')}</p>`
          : html`<table tabindex="0" aria-label="${t('web.admin.scrolls', { table: t('web.admin.federation.blocked') })}"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`
      }${add}`;
    };

    async function page(
      request: FastifyRequest,
      reply: FastifyReply,
      actor: Actor,
      view: View,
      problem?: Failure,
      typed: Record<string, string> = {},
    ) {
      const manage = can(actor, 'domain_blocks.manage');
      const [queue, domains, blocks] = await Promise.all([
        ctx.federationOperations.queueOverview(actor),
        ctx.federationOperations.domains(actor),
        ctx.domainBlocks.list({ actor, reason: 'read' }),
      ]);
      const state = ctx.config.federation.enabled
        ? html`<p>${rich(view, 'web.admin.federation.on', { domain: ctx.config.domain }, { b: strong })}</p>`
        : html`<p>${rich(view, 'web.admin.federation.off', {}, { code })}</p>`;
      return sendPage(
        reply,
        adminLayout(
          view,
          request,
          view.t('web.admin.nav.federation'),
          html`${errorBox(problem?.message)}${state}${queueSection(view, queue)}${domainsSection(view, domains, manage)}${blocksSection(view, blocks, manage, typed)}`,
        ),
        problem?.status ?? 200,
      );
    }

    app.get(
      '/admin/federation',
      staff((request, reply, actor, view) => page(request, reply, actor, view)),
    );

    const change = (path: string, run: (request: FastifyRequest, actor: Actor) => Promise<string>) =>
      app.post(
        path,
        staff(async (request, reply, actor, view) => {
          try {
            const notice = await run(request, actor);
            return reply.redirect(`/admin/federation?notice=${notice}`, 303);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            const typed = Object.fromEntries(
              ['domain', 'severity', 'reason', 'reject_media'].map((key) => [key, field(request, key, 500)]),
            );
            return page(request, reply, actor, view, failure(error, view), path.endsWith('/blocks') ? typed : {});
          }
        }),
      );

    change('/admin/federation/blocks', async (request, actor) => {
      const severity = field(request, 'severity') || 'suspend';
      if (severity !== 'suspend' && severity !== 'limit')
        throw new DomainError('invalid', 'Severity must be suspend or limit').coded('federation.severity_choice');
      await ctx.domainBlocks.block(
        field(request, 'domain', 300),
        { severity, rejectMedia: field(request, 'reject_media') !== '' },
        { actor, reason: field(request, 'reason') },
      );
      return 'domain_blocked';
    });

    change('/admin/federation/blocks/lift', async (request, actor) => {
      const removed = await ctx.domainBlocks.unblock(field(request, 'domain', 300), {
        actor,
        reason: field(request, 'reason'),
      });
      if (!removed) throw new DomainError('not_found', 'That server is not blocked').coded('federation.not_blocked');
      return 'domain_unblocked';
    });

    change('/admin/federation/retry', async (request, actor) => {
      const domain = field(request, 'domain', 300);
      await ctx.federationOperations.retry(domain === '' ? null : domain, {
        actor,
        reason: field(request, 'reason') || 'retry now (admin console)',
      });
      return 'deliveries_retried';
    });
  };
}
