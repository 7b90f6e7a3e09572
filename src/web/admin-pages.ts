import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getCountries } from 'libphonenumber-js/max';
import type { AppContext } from '../app/context.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account } from '../core/model.ts';
import { accountActor, can, checkedReason, describeAlert, type Actor } from '../security/index.ts';
import type { CountryPolicy, TrafficCount } from '../sms/index.ts';
import type { AuditEntry } from '../audit/index.ts';
import { DomainError } from '../shared/errors.ts';
import { html, type SafeHtml } from './html.ts';
import { requireViewer } from './auth-pages.ts';
import { lineChart, minuteSlots, type Series } from './charts.ts';
import {
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
  formatTime,
  type Failure,
} from './layout.ts';

const SECTIONS: [string, string][] = [
  ['/admin/sms', 'SMS policy'],
  ['/admin/traffic', 'SMS traffic'],
  ['/admin/alerts', 'Alerts'],
  ['/admin/audit', 'Audit log'],
  ['/admin/users', 'Users'],
  ['/admin/signups', 'Sign-ups'],
  ['/admin/reports', 'Reports'],
  ['/admin/federation', 'Federation'],
];

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRIES = getCountries()
  .map((code) => ({ code: code as string, name: regionNames.of(code) ?? code }))
  .sort((a, b) => a.name.localeCompare(b.name));
const MAX_SEARCH_ROWS = 40;

export function adminLayout(view: View, request: FastifyRequest, title: string, body: SafeHtml): string {
  return layout(
    view,
    title,
    html`<nav class="sub" aria-label="Admin">${SECTIONS.map(
      ([href, label]) => html`<a href="${href}"${view.path === href ? html` aria-current="page"` : ''}>${label}</a>`,
    )}</nav>
<h1>${title}</h1>${notice(request)}${body}`,
  );
}

/** The account ids an audit label (`account:<id>`, `cli:<operator>`) names. */
function accountIdIn(label: string | null): string | null {
  return label?.startsWith('account:') ? label.slice(8) : null;
}

/**
 * Who acted, as people know them: @name for accounts (linked to the user page), the operator
 * for the CLI (`cli:ops-anna`), the raw label when the account is gone.
 */
function actorName(label: string, accounts: ReadonlyMap<string, Account>): SafeHtml {
  const id = accountIdIn(label);
  if (!id) return html`${label.startsWith('cli:') ? `${label.slice(4)} (command line)` : label}`;
  const account = accounts.get(id);
  return account ? html`<a href="/admin/users?q=${account.username}">@${account.username}</a>` : html`${label}`;
}

/** What each kind of audited action did, in words; kinds added later show their code. */
const AUDIT_WHAT: Record<string, string> = {
  'sms.kill_switch.on': 'turned the SMS kill switch on',
  'sms.kill_switch.off': 'turned the SMS kill switch off',
  'sms.policy.set': 'set the SMS policy for',
  'sms.unlock': 'unlocked SMS posting for',
  'account.warn': 'warned',
  'account.suspend': 'suspended',
  'account.unsuspend': 'lifted the suspension of',
  'account.reset_2fa': 'removed every second factor of',
  'report.resolve': 'resolved report',
  'report.reopen': 'reopened report',
  'report.assign': 'took on report',
  'rule.add': 'added a server rule',
  'rule.remove': 'removed a server rule',
  'advertiser.grant': 'let advertise:',
  'advertiser.revoke': 'stopped advertising for',
  'federation.domain_block': 'blocked the server',
  'federation.domain_unblock': 'lifted the block of',
  'federation.retry': 'retried deliveries to',
};

/** The subject of an audited action as a reader knows it: @name, a country's name, a report number. */
function auditSubject(entry: AuditEntry, accounts: ReadonlyMap<string, Account>): SafeHtml {
  if (entry.subject === 'kill_switch') return html``;
  if (entry.action === 'sms.policy.set') return html` ${regionNames.of(entry.subject) ?? entry.subject}`;
  const account = accounts.get(entry.subject);
  if (account) return html` <a href="/admin/users?q=${account.username}">@${account.username}</a>`;
  return html` ${entry.action === 'report.resolve' ? `#${entry.subject}` : entry.subject}`;
}

/** Each detail of an entry on its own line, values as compact JSON that wraps instead of widening the page. */
function auditDetails(entry: AuditEntry): SafeHtml {
  const rows: [string, string][] = [
    ['action', entry.action],
    ['actor', entry.actor],
    ['subject', entry.subject],
    ...Object.entries(entry.details).map(([key, value]): [string, string] => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  ];
  return html`<details><summary>Details</summary><dl class="details">${rows.map(([key, value]) => html`<dt>${key}</dt><dd><code>${value}</code></dd>`)}</dl></details>`;
}

export function adminPages(ctx: AppContext) {
  const sms = ctx.sms;
  return async (app: FastifyInstance) => {
    const forbiddenPage = (reply: FastifyReply, view: View, message: string) =>
      sendPage(reply, layout(view, 'Forbidden', html`<h1>Forbidden</h1><p>${message}</p>`), 403);

    /**
     * Signed in, and the permission policy lets this account open the console. Each action
     * is then decided again by the service it calls; a refusal comes back as a 403 page.
     */
    const staff =
      (handler: (request: FastifyRequest, reply: FastifyReply, actor: Actor, view: View) => Promise<FastifyReply>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const view = await viewFor(ctx, request, reply);
        const actor = accountActor(me);
        if (!can(actor, 'admin_console.open'))
          return forbiddenPage(reply, view, 'This page is for administrators and moderators.');
        try {
          return await handler(request, reply, actor, view);
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'forbidden')
            return forbiddenPage(reply, view, error.message);
          throw error;
        }
      };

    /** A refused or invalid staff action, on the page, with the status the one table gives it. */
    const actionFailed = (reply: FastifyReply, request: FastifyRequest, view: View, title: string, error: unknown) => {
      if (!(error instanceof DomainError)) throw error;
      return sendPage(reply, adminLayout(view, request, title, errorBox(error.message)), httpStatusOf(error));
    };

    app.get(
      '/admin',
      staff(async (_request, reply) => reply.redirect('/admin/sms', 303)),
    );

    // ── Country policy and kill switch ─────────────────────────────────────────
    async function policyPage(request: FastifyRequest, reply: FastifyReply, actor: Actor, view: View, error?: Failure) {
      const q = queryString(request, 'q', 60).trim();
      const { killSwitch: kill, countries: policies } = await sms.policy.status(actor);
      const byCode = new Map(policies.map((p) => [p.country, p]));
      const needle = q.toLowerCase();
      const rows: { code: string; name: string; policy: CountryPolicy | undefined }[] = q
        ? COUNTRIES.filter((c) => c.code.toLowerCase() === needle || c.name.toLowerCase().includes(needle))
            .slice(0, MAX_SEARCH_ROWS)
            .map((c) => ({ ...c, policy: byCode.get(c.code) }))
        : policies.map((p) => ({ code: p.country, name: regionNames.of(p.country) ?? p.country, policy: p }));
      const isAdmin = can(actor, 'sms_policy.set');
      const mayFlip = can(actor, kill.enabled ? 'kill_switch.off' : 'kill_switch.on');
      const check = (on: boolean | undefined) => (on ? html` checked` : html``);
      const killerId = accountIdIn(kill.updatedBy);
      const killedBy = killerId ? await ctx.microblog.accounts([killerId]) : new Map<string, Account>();
      return sendPage(
        reply,
        adminLayout(
          view,
          request,
          'SMS policy',
          html`${errorBox(error?.message)}
<section class="${kill.enabled ? 'warn' : 'ok'}"><h2>Kill switch: ${kill.enabled ? 'ON — no content SMS' : 'off'}</h2>
${kill.updatedAt ? html`<p class="note">Last changed ${when(view, kill.updatedAt)} by ${actorName(kill.updatedBy ?? '', killedBy)}: “${kill.reason}”</p>` : ''}
<p>Stops every content text (posting by SMS, notifications) on every instance within seconds. Security texts (codes) keep working.</p>
${
  mayFlip
    ? form(
        view,
        '/admin/sms/kill-switch',
        html`<input type="hidden" name="enabled" value="${kill.enabled ? 'off' : 'on'}">
<p><label for="kill-reason">Reason (required, goes to the audit log)</label><br><input id="kill-reason" name="reason" required maxlength="500" size="40"></p>
<p><button class="${kill.enabled ? '' : 'danger'}">${kill.enabled ? 'Turn kill switch off…' : 'Turn kill switch on…'}</button></p>`,
      )
    : html`<p class="note">Only an administrator can turn the kill switch off.</p>`
}</section>
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
      staff((request, reply, actor, view) => policyPage(request, reply, actor, view)),
    );

    app.post(
      '/admin/sms/policy',
      staff(async (request, reply, actor, view) => {
        const q = field(request, 'q', 60);
        try {
          await sms.policy.setCountry(
            field(request, 'country'),
            { posting: field(request, 'posting') === 'on', notifications: field(request, 'notifications') === 'on' },
            { actor, reason: field(request, 'reason') },
          );
          return reply.redirect(
            `/admin/sms?${new URLSearchParams({ ...(q ? { q } : {}), notice: 'policy_saved' }).toString()}`,
            303,
          );
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'forbidden') throw error;
          return policyPage(request, reply, actor, view, failure(error));
        }
      }),
    );

    // Two steps: the first POST shows what will happen; only the confirmed second one acts.
    app.post(
      '/admin/sms/kill-switch',
      staff(async (request, reply, actor, view) => {
        const enabled = field(request, 'enabled') === 'on';
        const reason = field(request, 'reason').trim();
        if (field(request, 'confirm') !== 'yes') {
          // Ask the policy and check the reason before asking for confirmation, so a refusal comes first.
          if (!can(actor, enabled ? 'kill_switch.on' : 'kill_switch.off'))
            return forbiddenPage(reply, view, 'Only an administrator can turn the kill switch off.');
          try {
            checkedReason(reason);
          } catch (error) {
            return policyPage(request, reply, actor, view, failure(error));
          }
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
          await sms.policy.setKillSwitch(enabled, { actor, reason });
          return reply.redirect(`/admin/sms?notice=${enabled ? 'kill_on' : 'kill_off'}`, 303);
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'forbidden') throw error;
          return policyPage(request, reply, actor, view, failure(error));
        }
      }),
    );

    // ── Audit log ─────────────────────────────────────────────────────────────
    app.get(
      '/admin/audit',
      staff(async (request, reply, actor, view) => {
        const entries = await ctx.audit.recent(actor, 100);
        const ids = new Set<string>();
        for (const e of entries) {
          const actorId = accountIdIn(e.actor);
          if (actorId) ids.add(actorId);
          if (/^\d{1,30}$/.test(e.subject)) ids.add(e.subject);
        }
        const accounts = await ctx.microblog.accounts([...ids]);
        // A list, not a table: who and why lead each entry, and nothing is wider than the page.
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'Audit log',
            entries.length === 0
              ? html`<p class="note">No changes yet.</p>`
              : html`<p class="note">The newest ${entries.length} staff and operator actions, newest first.</p>
<ol class="plain audit">${entries.map(
                  (e) =>
                    html`<li><p><strong>${actorName(e.actor, accounts)}</strong> ${AUDIT_WHAT[e.action] ?? e.action}${auditSubject(e, accounts)}</p>
<p class="why">Why: “${e.reason}”</p>
<p class="meta">${when(view, e.createdAt)}</p>${auditDetails(e)}</li>`,
                )}</ol>`,
          ),
        );
      }),
    );

    // ── Traffic ───────────────────────────────────────────────────────────────
    app.get(
      '/admin/traffic',
      staff(async (request, reply, actor, view) => {
        const now = ctx.clock.now();
        const slots = minuteSlots(now, 60);
        const axisTime = (slot: string) => formatTime(new Date(`${slot}:00Z`), view.timeZone, { date: false });
        const counts = await sms.traffic.perMinuteSince(actor, new Date(Date.parse(`${slots[0]!}:00Z`)));
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
        // Segments and their estimated cost per country per day, for the last 7 UTC days.
        const costSince = new Date(Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) - 6 * 86_400_000);
        const costs = await sms.traffic.costsSince(actor, costSince);
        const prices = sms.traffic.prices;
        const money = (amount: number) => `${amount.toFixed(4)} ${prices?.currency ?? ''}`.trim();
        const inbound = counts.filter((c) => c.direction === 'in');
        const outcomes = new Map<string, number>();
        for (const c of inbound) outcomes.set(c.status, (outcomes.get(c.status) ?? 0) + c.count);
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'SMS traffic',
            html`<p class="note">The last hour, per minute (times in ${view.timeZone}). Reload for fresh numbers.</p>
${lineChart('in', 'Inbound texts per minute', slots, series('in'), axisTime)}
${lineChart('out', 'Outbound texts per minute', slots, series('out'), axisTime)}
<h2>Delivery by provider</h2>
${
  providers.size === 0
    ? html`<p class="note">No outbound texts in the last hour.</p>`
    : html`<table tabindex="0" aria-label="Delivery by provider (scrolls sideways on narrow screens)"><thead><tr><th scope="col">Provider</th><th scope="col">Queued</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Failed</th><th scope="col">Suppressed</th><th scope="col">Delivery success</th></tr></thead><tbody>
${[...providers.entries()].map(([provider, row]) => html`<tr><th scope="row">${provider}</th><td>${(row.queued ?? 0) + (row.sending ?? 0)}</td><td>${row.sent ?? 0}</td><td>${row.delivered ?? 0}</td><td>${(row.failed ?? 0) + (row.undelivered ?? 0)}</td><td>${row.suppressed ?? 0}</td><td>${rate(row)}</td></tr>`)}</tbody></table>
<p class="note">Delivery success: delivered ÷ (delivered + failed + undelivered), from delivery receipts; “sent” awaits a receipt.</p>`
}
<h2 id="costs">Segments and estimated cost per country per day</h2>
${
  costs.length === 0
    ? html`<p class="note">Nothing was handed to a provider in the last 7 days.</p>`
    : html`<table tabindex="0" aria-label="Segments and estimated cost per country per day (scrolls sideways on narrow screens)"><thead><tr><th scope="col">Day (UTC)</th><th scope="col">Country</th><th scope="col">Provider</th><th scope="col">Messages</th><th scope="col">Segments</th><th scope="col">Estimated cost</th></tr></thead><tbody>
${costs.map((c) => html`<tr><td>${c.day}</td><th scope="row">${regionNames.of(c.country) ?? c.country} (${c.country})</th><td>${c.provider}</td><td>${c.messages}</td><td>${c.segments}</td><td>${c.estimatedCost === null ? html`<span class="note">no price</span>` : money(c.estimatedCost)}</td></tr>`)}</tbody></table>`
}
<p class="note">${prices ? html`Prices per segment from the table in <code>SPARROW_SMS_PRICES_FILE</code> (${prices.currency}); counted are texts a provider took (sent, delivered or undelivered), not suppressed or queued ones.` : html`No price table: set <code>SPARROW_SMS_PRICES_FILE</code> to a JSON file of prices per provider and country (README) to see estimated costs.`}</p>
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
      staff(async (request, reply, actor, view) => {
        const [alerts, reports] = await Promise.all([
          ctx.securityMonitor.alerts(actor, 50),
          ctx.privacy.discovery.reportList(actor, 'open', 50),
        ]);
        const accounts = await ctx.microblog.accounts(reports.flatMap((r) => r.accountIds).slice(0, 500));
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'Alerts',
            html`<h2>SMS pumping: floods and codes nobody uses</h2>
${
  alerts.length === 0
    ? html`<p class="note">No alerts. One is raised as soon as code requests flood a number block, a country or many countries at once, and when codes sent to a country or number block in an hour are mostly left unused.</p>`
    : html`<table tabindex="0" aria-label="SMS pumping alerts (scrolls sideways on narrow screens)"><thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Where</th><th scope="col">What</th></tr></thead><tbody>${alerts.map(
        (a) =>
          html`<tr><td>${when(view, a.createdAt)}</td><td>${a.kind === 'sms_flood' ? 'flood' : 'unused codes'}</td><td>${a.scope.replace(':', ' ')}</td><td>${describeAlert(a)}</td></tr>`,
      )}</tbody></table>
<p class="note">A flooded target gets no codes to new numbers for <code>SPARROW_SECURITY_FLOOD_THROTTLE_MINUTES</code>; codes to people's own verified numbers still go out. Tighten <code>SPARROW_SECURITY_SMS_PER_PREFIX_HOUR</code> or turn security SMS off for the country (SMS policy) if a range keeps being pumped.</p>`
}
<h2>Contact discovery: fake-account networks</h2>
${
  reports.length === 0
    ? html`<p class="note">No open reports.</p>`
    : reports.map(
        (r) => html`<section class="card"><p><strong>${r.summary}</strong> · ${when(view, r.createdAt)}</p>
<p>Accounts blocked from matching: ${r.accountIds.slice(0, 30).map((id) => {
          const a = accounts.get(id);
          return a ? html`<a href="/admin/users?q=${a.username}">@${a.username}</a> ` : html`${id} `;
        })}${r.accountIds.length > 30 ? `and ${r.accountIds.length - 30} more` : ''}</p>
${form(
  view,
  `/admin/alerts/reports/${r.id}/resolve`,
  html`<p><label for="report-reason-${r.id}">Reason (for the audit log)</label><br><input id="report-reason-${r.id}" name="reason" required maxlength="500"></p>
<p><label><input type="checkbox" name="unblock" value="1"> unblock the accounts</label> <button>Resolve</button></p>`,
)}</section>`,
      )
}`,
          ),
        );
      }),
    );

    app.post(
      '/admin/alerts/reports/:id/resolve',
      staff(async (request, reply, actor, view) => {
        const id = (request.params as { id: string }).id;
        if (/^[0-9]{1,20}$/.test(id)) {
          const unblock = field(request, 'unblock', 5) === '1';
          try {
            await ctx.privacy.discovery.resolveReport(id, unblock, { actor, reason: field(request, 'reason') });
          } catch (error) {
            return actionFailed(reply, request, view, 'Alerts', error);
          }
        }
        return reply.redirect('/admin/alerts?notice=report_resolved', 303);
      }),
    );

    app.get(
      '/admin/users',
      staff(async (request, reply, actor, view) => {
        const q = queryString(request, 'q', 60).trim().replace(/^@/, '');
        const account = q ? await ctx.moderation.find(actor, q).catch(notFoundAsNull) : null;
        let details: SafeHtml = html``;
        if (account) {
          const [state, settings] = await Promise.all([sms.owner.state(account.id), sms.settings.get(account.id)]);
          const reasonField = (id: string) =>
            html`<p><label for="${id}">Reason (for the audit log)</label><br><input id="${id}" name="reason" required maxlength="500"></p>`;
          const may = (action: 'account.suspend' | 'account.unsuspend' | 'account.unlock_sms') =>
            can(actor, action, account);
          details = html`<section class="card"><h2>${name(account)}</h2>
<p>Role: ${account.role} · joined ${when(view, account.createdAt)} · ${account.statusesCount} posts · ${account.followersCount} followers${account.suspended ? html` · <strong>suspended</strong>` : ''}</p>
<p>SMS: ${settings.phone ? `phone linked (${settings.phone.country})` : 'no phone'} · posting ${settings.posting ? 'on' : 'off'} · PIN ${state.pinHash ? 'set' : 'not set'} · wrong PINs ${state.pinFailures} · ${state.lockedAt ? html`<strong>locked (${state.lockReason ?? ''})</strong>` : 'not locked'}</p>
${
  may('account.unlock_sms')
    ? form(
        view,
        `/admin/users/${account.username}/reset-sms`,
        html`${reasonField('unlock-reason')}<p><button>Reset SMS lock and PIN failures</button></p>`,
      )
    : ''
}
${
  account.suspended
    ? may('account.unsuspend')
      ? form(
          view,
          `/admin/users/${account.username}/unsuspend`,
          html`${reasonField('unsuspend-reason')}<p><button>Lift the suspension</button></p>`,
        )
      : ''
    : may('account.suspend')
      ? form(
          view,
          `/admin/users/${account.username}/suspend`,
          html`${reasonField('reason')}<p><button class="danger">Suspend @${account.username}</button></p>`,
        )
      : ''
}
${may('account.suspend') ? '' : html`<p class="note">You cannot act on this account: ${account.role === 'user' ? 'it is your own' : 'only an administrator acts on staff accounts, and never on their own'}.</p>`}
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

    /** The three account actions share one shape: find the account, let the service decide, report back. */
    const accountAction = (
      notice: string,
      run: (account: Account, acting: { actor: Actor; reason: string }) => Promise<unknown>,
    ) =>
      staff(async (request, reply, actor, view) => {
        const username = (request.params as { username: string }).username;
        try {
          const account = await ctx.moderation.find(actor, username);
          await run(account, { actor, reason: field(request, 'reason') });
          return reply.redirect(`/admin/users?${new URLSearchParams({ q: account.username, notice }).toString()}`, 303);
        } catch (error) {
          return actionFailed(reply, request, view, 'Users', error);
        }
      });

    app.post(
      '/admin/users/:username/suspend',
      accountAction('suspended', (account, acting) => ctx.moderation.suspend(account, acting)),
    );
    app.post(
      '/admin/users/:username/unsuspend',
      accountAction('unsuspended', (account, acting) => ctx.moderation.unsuspend(account, acting)),
    );
    app.post(
      '/admin/users/:username/reset-sms',
      accountAction('sms_reset', (account, acting) => ctx.moderation.unlockSmsPosting(account, acting)),
    );

    // ── Sign-ups waiting for approval (registrations mode `approval`, or no puzzle solved) ──
    app.get(
      '/admin/signups',
      staff(async (request, reply, actor, view) => {
        const waiting = await ctx.registrations.pending(actor, 100);
        const rows = waiting.map((application) => {
          const username = application.account.username;
          const decide = (verb: 'approve' | 'reject', label: string, danger: boolean) =>
            can(actor, verb === 'approve' ? 'account.approve' : 'account.reject', application.account)
              ? form(
                  view,
                  `/admin/signups/${username}/${verb}`,
                  html`<label for="${verb}-${username}">Reason</label> <input id="${verb}-${username}" name="reason" required maxlength="500"> <button${danger ? html` class="danger"` : ''}>${label}</button>`,
                  { className: 'cell' },
                )
              : '';
          return html`<li class="card"><p><strong>@${username}</strong> · ${application.email ?? ''} · applied ${when(view, application.createdAt)}</p>
${application.reason ? html`<blockquote>${application.reason}</blockquote>` : html`<p class="note">No reason given.</p>`}
${decide('approve', 'Approve', false)}${decide('reject', 'Reject', true)}</li>`;
        });
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            'Sign-ups',
            html`<p class="note">Registrations are <strong>${ctx.signUps.mode}</strong>. Accounts listed here cannot sign in, post or be seen until approved; the applicant is e-mailed either way.</p>
${rows.length ? html`<ul class="plain">${rows}</ul>` : html`<p>Nobody is waiting.</p>`}`,
          ),
        );
      }),
    );

    const signUpDecision = (
      notice: string,
      run: (account: Account, acting: { actor: Actor; reason: string }) => Promise<unknown>,
    ) =>
      staff(async (request, reply, actor, view) => {
        try {
          const account = await ctx.moderation.find(actor, (request.params as { username: string }).username);
          await run(account, { actor, reason: field(request, 'reason') });
          return reply.redirect(`/admin/signups?notice=${notice}`, 303);
        } catch (error) {
          return actionFailed(reply, request, view, 'Sign-ups', error);
        }
      });
    app.post(
      '/admin/signups/:username/approve',
      signUpDecision('approved', (account, acting) => ctx.registrations.approve(account, acting)),
    );
    app.post(
      '/admin/signups/:username/reject',
      signUpDecision('rejected', (account, acting) => ctx.registrations.reject(account, acting)),
    );
  };
}

function notFoundAsNull(error: unknown): null {
  if (error instanceof DomainError && error.kind === 'not_found') return null;
  throw error;
}
