import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getCountries } from 'libphonenumber-js/max';
import type { AppContext } from '../app/context.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account } from '../core/model.ts';
import type { CountryPolicy, TrafficCount } from '../sms/index.ts';
import { DomainError } from '../shared/errors.ts';
import { html, type SafeHtml } from './html.ts';
import { requireViewer } from './auth-pages.ts';
import { lineChart, minuteSlots, type Series } from './charts.ts';
import {
  button,
  errorBox,
  field,
  form,
  layout,
  name,
  notice,
  queryString,
  sendPage,
  viewFor,
  when,
  type View,
  failure,
  formFailure,
  type Failure,
} from './layout.ts';

const SECTIONS: [string, string][] = [
  ['/admin/sms', 'SMS policy'],
  ['/admin/traffic', 'SMS traffic'],
  ['/admin/alerts', 'Alerts'],
  ['/admin/audit', 'Audit log'],
  ['/admin/users', 'Users'],
];

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRIES = getCountries()
  .map((code) => ({ code: code as string, name: regionNames.of(code) ?? code }))
  .sort((a, b) => a.name.localeCompare(b.name));
const MAX_SEARCH_ROWS = 40;

function adminLayout(view: View, request: FastifyRequest, title: string, body: SafeHtml): string {
  return layout(
    view,
    title,
    html`<nav class="sub" aria-label="Admin">${SECTIONS.map(
      ([href, label]) => html`<a href="${href}"${view.path === href ? html` aria-current="page"` : ''}>${label}</a>`,
    )}</nav>
<h1>${title}</h1>${notice(request)}${body}`,
  );
}

function actorLabel(actor: string): string {
  return actor.startsWith('account:') ? `account ${actor.slice(8)}` : actor;
}

export function adminPages(ctx: AppContext) {
  const sms = ctx.sms;
  return async (app: FastifyInstance) => {
    /** Staff only: administrators and moderators; everyone else gets 403. */
    const staff =
      (
        handler: (request: FastifyRequest, reply: FastifyReply, me: Account, view: View) => Promise<FastifyReply>,
        adminOnly = false,
      ) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const view = await viewFor(ctx, request, reply);
        if (me.role === 'user' || (adminOnly && me.role !== 'admin')) {
          return sendPage(
            reply,
            layout(
              view,
              'Forbidden',
              html`<h1>Forbidden</h1><p>This page is for ${adminOnly ? 'administrators' : 'administrators and moderators'}.</p>`,
            ),
            403,
          );
        }
        return handler(request, reply, me, view);
      };

    app.get(
      '/admin',
      staff(async (_request, reply) => reply.redirect('/admin/sms', 303)),
    );

    // ── Country policy and kill switch ─────────────────────────────────────────
    async function policyPage(request: FastifyRequest, reply: FastifyReply, view: View, error?: Failure) {
      const q = queryString(request, 'q', 60).trim();
      const [policies, kill] = await Promise.all([sms.policy.list(), sms.store.killSwitch()]);
      const byCode = new Map(policies.map((p) => [p.country, p]));
      const needle = q.toLowerCase();
      const rows: { code: string; name: string; policy: CountryPolicy | undefined }[] = q
        ? COUNTRIES.filter((c) => c.code.toLowerCase() === needle || c.name.toLowerCase().includes(needle))
            .slice(0, MAX_SEARCH_ROWS)
            .map((c) => ({ ...c, policy: byCode.get(c.code) }))
        : policies.map((p) => ({ code: p.country, name: regionNames.of(p.country) ?? p.country, policy: p }));
      const isAdmin = view.viewer?.role === 'admin';
      const check = (on: boolean | undefined) => (on ? html` checked` : html``);
      return sendPage(
        reply,
        adminLayout(
          view,
          request,
          'SMS policy',
          html`${errorBox(error?.message)}
<section class="${kill.enabled ? 'warn' : 'ok'}"><h2>Kill switch: ${kill.enabled ? 'ON — no content SMS' : 'off'}</h2>
${kill.updatedAt ? html`<p class="note">Last changed ${when(kill.updatedAt)} by ${actorLabel(kill.updatedBy ?? '')}: “${kill.reason}”</p>` : ''}
<p>Stops every content text (posting by SMS, notifications) on every instance within seconds. Security texts (codes) keep working.</p>
${form(
  view,
  '/admin/sms/kill-switch',
  html`<input type="hidden" name="enabled" value="${kill.enabled ? 'off' : 'on'}">
<p><label for="kill-reason">Reason (required, goes to the audit log)</label><br><input id="kill-reason" name="reason" required maxlength="500" size="40"></p>
<p><button class="${kill.enabled ? '' : 'danger'}">${kill.enabled ? 'Turn kill switch off…' : 'Turn kill switch on…'}</button></p>`,
)}</section>
<h2>Countries</h2>
<form method="get" action="/admin/sms" class="inline" role="search"><label for="q">Find a country</label> <input id="q" name="q" value="${q}" maxlength="60" placeholder="Kenya or KE"> <button>Search</button>${q ? html` <a href="/admin/sms">Show enabled</a>` : ''}</form>
<p class="note">${q ? `Countries matching “${q}”.` : 'Countries with a policy; search to add one. Everything else is off.'}${isAdmin ? '' : ' Only administrators can change country policy.'}</p>
${
  rows.length === 0
    ? html`<p class="note">No countries.</p>`
    : html`<table class="policy"><thead><tr><th scope="col">Country</th><th scope="col">Posting</th><th scope="col">Notifications</th>${isAdmin ? html`<th scope="col">Change</th>` : ''}</tr></thead><tbody>
${rows.map(
  (r) =>
    html`<tr><th scope="row">${r.name} <span class="note">${r.code}</span></th><td>Posting ${r.policy?.posting ? 'on' : 'off'}</td><td>Notifications ${r.policy?.notifications ? 'on' : 'off'}</td>${
      isAdmin
        ? html`<td>${form(
            view,
            '/admin/sms/policy',
            html`<input type="hidden" name="country" value="${r.code}"><input type="hidden" name="q" value="${q}">
<label><input type="checkbox" name="posting" value="on"${check(r.policy?.posting)}> posting</label> <label><input type="checkbox" name="notifications" value="on"${check(r.policy?.notifications)}> notifications</label>
<label class="sr" for="reason-${r.code}">Reason</label><input id="reason-${r.code}" name="reason" placeholder="reason" maxlength="500" size="10"> <button>Save</button>`,
            { className: 'cell' },
          )}</td>`
        : ''
    }</tr>`,
)}
</tbody></table>`
}`,
        ),
        error?.status ?? 200,
      );
    }
    app.get(
      '/admin/sms',
      staff((request, reply, _me, view) => policyPage(request, reply, view)),
    );

    app.post(
      '/admin/sms/policy',
      staff(async (request, reply, me, view) => {
        const q = field(request, 'q', 60);
        try {
          await sms.policy.setCountry(
            field(request, 'country'),
            { posting: field(request, 'posting') === 'on', notifications: field(request, 'notifications') === 'on' },
            { id: `account:${me.id}`, reason: field(request, 'reason') },
          );
          return reply.redirect(
            `/admin/sms?${new URLSearchParams({ ...(q ? { q } : {}), notice: 'policy_saved' }).toString()}`,
            303,
          );
        } catch (error) {
          return policyPage(request, reply, view, failure(error));
        }
      }, true),
    );

    // Two steps: the first POST shows what will happen; only the confirmed second one acts.
    app.post(
      '/admin/sms/kill-switch',
      staff(async (request, reply, me, view) => {
        const enabled = field(request, 'enabled') === 'on';
        const reason = field(request, 'reason').trim();
        if (reason === '')
          return policyPage(request, reply, view, formFailure('A reason is required for the audit log.'));
        if (field(request, 'confirm') !== 'yes') {
          return sendPage(
            reply,
            adminLayout(
              view,
              request,
              enabled ? 'Turn the kill switch on?' : 'Turn the kill switch off?',
              html`
<p class="${enabled ? 'warn' : ''}">${
                enabled
                  ? 'Every content text stops on every instance: nobody can post by SMS and no notifications go out. Security codes still go out.'
                  : 'Content texts resume wherever country policy allows them.'
              }</p><p>Reason: “${reason}”</p>
${form(
  view,
  '/admin/sms/kill-switch',
  html`<input type="hidden" name="enabled" value="${enabled ? 'on' : 'off'}"><input type="hidden" name="reason" value="${reason}"><input type="hidden" name="confirm" value="yes">
<p><button class="${enabled ? 'danger' : ''}">Yes, turn it ${enabled ? 'on' : 'off'}</button> <a href="/admin/sms">Cancel</a></p>`,
)}`,
            ),
          );
        }
        try {
          await sms.policy.setKillSwitch(enabled, { id: `account:${me.id}`, reason });
          return reply.redirect(`/admin/sms?notice=${enabled ? 'kill_on' : 'kill_off'}`, 303);
        } catch (error) {
          return policyPage(request, reply, view, failure(error));
        }
      }),
    );

    // ── Audit log ─────────────────────────────────────────────────────────────
    app.get(
      '/admin/audit',
      staff(async (request, reply, _me, view) => {
        const entries = await sms.policy.auditLog(100);
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'Audit log',
            entries.length === 0
              ? html`<p class="note">No changes yet.</p>`
              : html`<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Why</th></tr></thead><tbody>${entries.map(
                  (e) =>
                    html`<tr><td>${when(e.createdAt)}</td><td>${actorLabel(e.actor)}</td><td>${e.action} ${e.subject}<br><small class="note">${JSON.stringify(e.details).slice(0, 160)}</small></td><td>${e.reason}</td></tr>`,
                )}</tbody></table>`,
          ),
        );
      }),
    );

    // ── Traffic ───────────────────────────────────────────────────────────────
    app.get(
      '/admin/traffic',
      staff(async (request, reply, _me, view) => {
        const now = ctx.clock.now();
        const slots = minuteSlots(now, 60);
        const counts = await sms.store.trafficSince(new Date(Date.parse(`${slots[0]!}:00Z`)));
        const series = (direction: TrafficCount['direction']): Series[] => {
          const byProvider = new Map<string, number[]>();
          const index = new Map(slots.map((s, i) => [s, i]));
          for (const c of counts) {
            if (c.direction !== direction) continue;
            const values =
              byProvider.get(c.provider) ??
              byProvider
                .set(
                  c.provider,
                  slots.map(() => 0),
                )
                .get(c.provider)!;
            const i = index.get(c.minute);
            if (i !== undefined) values[i]! += c.count;
          }
          return [...byProvider.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([label, values]) => ({ label, values }));
        };
        const providers = new Map<string, Record<string, number>>();
        for (const c of counts) {
          if (c.direction !== 'out') continue;
          const row = providers.get(c.provider) ?? providers.set(c.provider, {}).get(c.provider)!;
          row[c.status] = (row[c.status] ?? 0) + c.count;
        }
        const rate = (row: Record<string, number>) => {
          const delivered = row.delivered ?? 0;
          const finished = delivered + (row.failed ?? 0) + (row.undelivered ?? 0);
          return finished === 0 ? '—' : `${Math.round((delivered / finished) * 1000) / 10}%`;
        };
        const inbound = counts.filter((c) => c.direction === 'in');
        const outcomes = new Map<string, number>();
        for (const c of inbound) outcomes.set(c.status, (outcomes.get(c.status) ?? 0) + c.count);
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'SMS traffic',
            html`<p class="note">The last hour, per minute (UTC). Reload for fresh numbers.</p>
${lineChart('in', 'Inbound texts per minute', slots, series('in'))}
${lineChart('out', 'Outbound texts per minute', slots, series('out'))}
<h2>Delivery by provider</h2>
${
  providers.size === 0
    ? html`<p class="note">No outbound texts in the last hour.</p>`
    : html`<table><thead><tr><th scope="col">Provider</th><th scope="col">Queued</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Failed</th><th scope="col">Suppressed</th><th scope="col">Delivery success</th></tr></thead><tbody>
${[...providers.entries()].map(([provider, row]) => html`<tr><th scope="row">${provider}</th><td>${(row.queued ?? 0) + (row.sending ?? 0)}</td><td>${row.sent ?? 0}</td><td>${row.delivered ?? 0}</td><td>${(row.failed ?? 0) + (row.undelivered ?? 0)}</td><td>${row.suppressed ?? 0}</td><td>${rate(row)}</td></tr>`)}</tbody></table>
<p class="note">Delivery success: delivered ÷ (delivered + failed + undelivered), from delivery receipts; “sent” awaits a receipt.</p>`
}
<h2>Inbound outcomes</h2>
${outcomes.size === 0 ? html`<p class="note">No inbound texts in the last hour.</p>` : html`<ul>${[...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([outcome, n]) => html`<li>${outcome.replace(/_/g, ' ')}: ${n}</li>`)}</ul>`}`,
          ),
        );
      }),
    );

    // ── Users ─────────────────────────────────────────────────────────────────
    // ── Fraud and enumeration alerts ─────────────────────────────────────────
    app.get(
      '/admin/alerts',
      staff(async (request, reply, _me, view) => {
        const [alerts, reports] = await Promise.all([
          ctx.securityMonitor.alerts(50),
          ctx.privacy.discovery.reportList('open', 50),
        ]);
        const accounts = await ctx.microblog.accounts(reports.flatMap((r) => r.accountIds).slice(0, 500));
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'Alerts',
            html`<h2>SMS pumping: codes nobody uses</h2>
${
  alerts.length === 0
    ? html`<p class="note">No alerts. One is raised when codes sent to a country or number block in an hour are mostly left unused.</p>`
    : html`<table><thead><tr><th scope="col">When</th><th scope="col">Where</th><th scope="col">Codes</th><th scope="col">Used</th></tr></thead><tbody>${alerts.map(
        (a) =>
          html`<tr><td>${when(a.createdAt)}</td><td>${a.scope.replace(':', ' ')}</td><td>${String(a.details.issued ?? '')}</td><td>${String(a.details.completed ?? '')} (${Math.round(Number(a.details.completion_rate ?? 0) * 100)}%)</td></tr>`,
      )}</tbody></table>
<p class="note">Tighten <code>SPARROW_SECURITY_SMS_PER_PREFIX_HOUR</code> or turn security SMS off for the country (SMS policy) if a range is being pumped.</p>`
}
<h2>Contact discovery: fake-account networks</h2>
${
  reports.length === 0
    ? html`<p class="note">No open reports.</p>`
    : reports.map(
        (r) => html`<section class="card"><p><strong>${r.summary}</strong> · ${when(r.createdAt)}</p>
<p>Accounts blocked from matching: ${r.accountIds.slice(0, 30).map((id) => {
          const a = accounts.get(id);
          return a ? html`<a href="/admin/users?q=${a.username}">@${a.username}</a> ` : html`${id} `;
        })}${r.accountIds.length > 30 ? `and ${r.accountIds.length - 30} more` : ''}</p>
${button(view, `/admin/alerts/reports/${r.id}/resolve`, 'Resolve, keep blocked')} ${button(view, `/admin/alerts/reports/${r.id}/resolve`, 'Resolve and unblock', html`<input type="hidden" name="unblock" value="1">`)}</section>`,
      )
}`,
          ),
        );
      }),
    );

    app.post(
      '/admin/alerts/reports/:id/resolve',
      staff(async (request, reply, me) => {
        const id = (request.params as { id: string }).id;
        if (/^[0-9]{1,20}$/.test(id)) {
          const unblock = field(request, 'unblock', 5) === '1';
          const report = await ctx.privacy.discovery.resolveReport(id, me.id, unblock);
          if (report)
            await sms.policy.recordAction({ id: `account:${me.id}`, reason: '' }, 'report.resolve', id, { unblock });
        }
        return reply.redirect('/admin/alerts?notice=report_resolved', 303);
      }),
    );

    app.get(
      '/admin/users',
      staff(async (request, reply, _me, view) => {
        const q = queryString(request, 'q', 60).trim().replace(/^@/, '');
        const account = q ? await ctx.microblog.accountForModeration(q) : null;
        let details: SafeHtml = html``;
        if (account) {
          const [state, settings] = await Promise.all([sms.owner.state(account.id), sms.settings.get(account.id)]);
          details = html`<section class="card"><h2>${name(account)}</h2>
<p>Role: ${account.role} · joined ${when(account.createdAt)} · ${account.statusesCount} posts · ${account.followersCount} followers${account.suspended ? html` · <strong>suspended</strong>` : ''}</p>
<p>SMS: ${settings.phone ? `phone linked (${settings.phone.country})` : 'no phone'} · posting ${settings.posting ? 'on' : 'off'} · PIN ${state.pinHash ? 'set' : 'not set'} · wrong PINs ${state.pinFailures} · ${state.lockedAt ? html`<strong>locked (${state.lockReason ?? ''})</strong>` : 'not locked'}</p>
${button(view, `/admin/users/${account.username}/reset-sms`, 'Reset SMS lock and PIN failures')}
${
  account.suspended
    ? button(view, `/admin/users/${account.username}/unsuspend`, 'Lift the suspension')
    : form(
        view,
        `/admin/users/${account.username}/suspend`,
        html`<p><label for="reason">Reason (for the audit log)</label><br><input id="reason" name="reason" required maxlength="500"></p><p><button class="danger">Suspend @${account.username}</button></p>`,
      )
}
<p class="note">Suspension hides the account, its posts and its texts, and signs it out everywhere; nothing is deleted.</p></section>`;
        }
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'Users',
            html`<form method="get" action="/admin/users" class="inline" role="search"><label for="uq">Username</label> <input id="uq" name="q" value="${q}" maxlength="60"> <button>Find</button></form>
${q && !account ? html`<p class="note">No account @${q}.</p>` : ''}${details}`,
          ),
        );
      }),
    );

    app.post(
      '/admin/users/:username/suspend',
      staff(async (request, reply, me, view) => {
        const account = await ctx.microblog.accountForModeration((request.params as { username: string }).username);
        const reason = field(request, 'reason').trim();
        if (!account) return reply.redirect('/admin/users', 303);
        if (reason === '')
          return sendPage(reply, adminLayout(view, request, 'Users', errorBox('A reason is required.')), 422);
        try {
          await ctx.moderation.suspend(account, { id: `account:${me.id}`, reason, account: me });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          return sendPage(reply, adminLayout(view, request, 'Users', errorBox(error.message)), httpStatusOf(error));
        }
        return reply.redirect(
          `/admin/users?${new URLSearchParams({ q: account.username, notice: 'suspended' }).toString()}`,
          303,
        );
      }),
    );

    app.post(
      '/admin/users/:username/unsuspend',
      staff(async (request, reply, me) => {
        const account = await ctx.microblog.accountForModeration((request.params as { username: string }).username);
        if (account?.suspended)
          await ctx.moderation.unsuspend(account, { id: `account:${me.id}`, reason: '', account: me });
        return reply.redirect(
          `/admin/users?${new URLSearchParams({ q: account?.username ?? '', notice: 'unsuspended' }).toString()}`,
          303,
        );
      }),
    );

    app.post(
      '/admin/users/:username/reset-sms',
      staff(async (request, reply, me) => {
        const account = await ctx.microblog.accountForModeration((request.params as { username: string }).username);
        if (account) {
          const now = ctx.clock.now();
          await sms.store.resetPinFailures(account.id);
          await sms.store.unlockPosting(account.id, now);
          await sms.policy.recordAction({ id: `account:${me.id}`, reason: '' }, 'sms.unlock', account.id, {
            username: account.username,
          });
          // The owner hears about it on their other channels, like any unlock.
          await sms.alerts.alert(account.id, 'sms_posting_unlocked', { by: 'staff' });
        }
        return reply.redirect(
          `/admin/users?${new URLSearchParams({ q: account?.username ?? '', notice: 'sms_reset' }).toString()}`,
          303,
        );
      }),
    );
  };
}
