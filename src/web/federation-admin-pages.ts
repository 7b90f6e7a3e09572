import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { DomainBlock } from '../federation/ports.ts';
import type { DomainOverview, QueueOverview } from '../federation/operations.ts';
import { accountActor, can, type Actor } from '../security/index.ts';
import { DomainError } from '../shared/errors.ts';
import { adminLayout } from './admin-pages.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
import { errorBox, failure, field, form, layout, sendPage, viewFor, when, type Failure, type View } from './layout.ts';

const SEVERITY: Record<string, string> = {
  suspend: 'Suspend: nothing in or out, its accounts suspended here',
  limit: 'Limit: only posts of accounts someone here follows get in',
};

const STATUS: Record<DomainOverview['status'], string> = {
  ok: 'OK',
  failing: 'Failing',
  unavailable: 'Unavailable (given up on)',
};

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
        if (!can(actor, 'domain_blocks.read'))
          return sendPage(
            reply,
            layout(view, 'Forbidden', html`<h1>Forbidden</h1><p>This page is for administrators and moderators.</p>`),
            403,
          );
        return handler(request, reply, actor, view);
      };

    const queueSection = (view: View, q: QueueOverview): SafeHtml =>
      html`<h2>Queue</h2><dl class="details">
<dt>Waiting</dt><dd>${String(q.total)}</dd>
<dt>Due now</dt><dd>${String(q.ready)}</dd>
<dt>Retrying later</dt><dd>${String(q.delayed)}</dd>
<dt>Being handled</dt><dd>${String(q.inProgress)}</dd>
<dt>Kinds</dt><dd>${String(q.byKind.outbox)} deliveries, ${String(q.byKind.inbox)} received, ${String(q.byKind.other)} other</dd>
<dt>Oldest</dt><dd>${q.oldestCreatedAt ? when(view, q.oldestCreatedAt) : '—'}</dd></dl>`;

    const domainsSection = (view: View, domains: DomainOverview[], manage: boolean): SafeHtml => {
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
        ) => html`<tr id="d-${d.domain}"><td>${d.domain}</td><td>${STATUS[d.status]}${d.blocked ? html` · blocked (${d.blocked})` : ''}</td><td>${String(d.queued)}</td><td>${String(d.consecutiveFailures)}</td>
<td>${d.lastSuccessAt ? when(view, d.lastSuccessAt) : '—'}</td><td>${d.lastInboundAt ? when(view, d.lastInboundAt) : '—'}</td>
<td>${d.lastFailureAt ? html`${when(view, d.lastFailureAt)} <code>${d.lastFailure ?? ''}</code>` : '—'}</td>${manage ? html`<td>${d.queued > 0 || d.status !== 'ok' ? retry(d.domain, 'Retry now') : ''}</td>` : ''}</tr>`,
      );
      return html`<h2>Servers</h2>${
        domains.length === 0
          ? html`<p>No server delivered to or heard from yet.</p>`
          : html`<table tabindex="0" aria-label="Delivery by server (scrolls sideways on narrow screens)"><thead><tr><th scope="col">Server</th><th scope="col">Status</th><th scope="col">Queued</th><th scope="col">Failures in a row</th><th scope="col">Last delivery</th><th scope="col">Last heard from</th><th scope="col">Last failure</th>${manage ? html`<th scope="col">Retry</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`
      }${manage ? html`<p>${retry(null, 'Retry every waiting delivery now')}</p>` : ''}`;
    };

    const blocksSection = (
      view: View,
      blocks: DomainBlock[],
      manage: boolean,
      typed: Record<string, string>,
    ): SafeHtml => {
      const rows = blocks.map(
        (b) =>
          html`<tr><td>${b.domain}</td><td>${b.severity}${b.rejectMedia ? ' · media rejected' : ''}</td><td>${b.reason}</td><td>${when(view, b.createdAt)}</td>${
            manage
              ? html`<td>${form(
                  view,
                  '/admin/federation/blocks/lift',
                  html`<input type="hidden" name="domain" value="${b.domain}"><label>Reason <input name="reason" required maxlength="500"></label> <button>Lift</button>`,
                  { className: 'inline' },
                )}</td>`
              : ''
          }</tr>`,
      );
      const add = manage
        ? form(
            view,
            '/admin/federation/blocks',
            html`<h3>Block a server</h3>
<p><label>Domain <input name="domain" required maxlength="253" placeholder="example.social" value="${typed.domain ?? ''}"></label></p>
<fieldset><legend>Severity</legend>${Object.entries(SEVERITY).map(
              ([value, label]) =>
                html`<p><label><input type="radio" name="severity" value="${value}"${(typed.severity ?? 'suspend') === value ? ' checked' : ''}> ${label}</label></p>`,
            )}<p><label><input type="checkbox" name="reject_media"${typed.reject_media ? ' checked' : ''}> Reject media from it</label></p></fieldset>
<p><label>Reason (audited) <input name="reason" required maxlength="500" value="${typed.reason ?? ''}"></label></p>
<p><button>Block</button></p>`,
          )
        : html``;
      return html`<h2>Blocked servers</h2>${
        blocks.length === 0
          ? html`<p>No server is blocked.</p>`
          : html`<table tabindex="0" aria-label="Blocked servers (scrolls sideways on narrow screens)"><thead><tr><th scope="col">Server</th><th scope="col">Severity</th><th scope="col">Reason</th><th scope="col">Since</th>${manage ? html`<th scope="col">Lift</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`
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
        ? html`<p>Federating as <strong>${ctx.config.domain}</strong>.</p>`
        : html`<p>Federation is off (<code>SPARROW_FEDERATION=off</code>): this server is an island.</p>`;
      return sendPage(
        reply,
        adminLayout(
          view,
          request,
          'Federation',
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
        throw new DomainError('invalid', 'Severity must be suspend or limit');
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
      if (!removed) throw new DomainError('not_found', 'That server is not blocked');
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
