import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getCountries } from 'libphonenumber-js/max';
import type { AppContext } from '../app/context.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account } from '../core/model.ts';
import { accountActor, can, checkedReason, type Actor, type SecurityAlert } from '../security/index.ts';
import type { CountryPolicy, TrafficCount } from '../sms/index.ts';
import type { AuditEntry } from '../audit/index.ts';
import { DomainError } from '../shared/errors.ts';
import { html, type SafeHtml } from './html.ts';
import { errorText, type Locale, type MessageId } from '../i18n/index.ts';
import { rich } from './rich-text.ts';
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

const SECTIONS: [string, MessageId][] = [
  ['/admin/sms', 'web.admin.nav.sms'],
  ['/admin/traffic', 'web.admin.nav.traffic'],
  ['/admin/alerts', 'web.admin.nav.alerts'],
  ['/admin/audit', 'web.admin.nav.audit'],
  ['/admin/users', 'web.admin.nav.users'],
  ['/admin/signups', 'web.admin.nav.signups'],
  ['/admin/reports', 'web.admin.nav.reports'],
  ['/admin/federation', 'web.admin.nav.federation'],
];

/** Country names in each language (CLDR through Intl; English where CLDR has none). */
const regionNames = new Map<Locale, Intl.DisplayNames>();
function countryName(locale: Locale, code: string): string {
  let names = regionNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale, 'en'], { type: 'region' });
    regionNames.set(locale, names);
  }
  return names.of(code) ?? code;
}
const COUNTRY_CODES: readonly string[] = getCountries();
const MAX_SEARCH_ROWS = 40;

/** Notices after a console action, from the catalogue; others fall back to the shared table. */
const ADMIN_NOTICES: Record<string, MessageId> = {
  policy_saved: 'web.admin.notice.policy_saved',
  kill_on: 'web.admin.notice.kill_on',
  kill_off: 'web.admin.notice.kill_off',
  suspended: 'web.admin.notice.suspended',
  unsuspended: 'web.admin.notice.unsuspended',
  report_resolved: 'web.admin.notice.report_resolved',
  report_reopened: 'web.admin.notice.report_reopened',
  report_assigned: 'web.admin.notice.report_assigned',
  sms_reset: 'web.admin.notice.sms_reset',
  approved: 'web.admin.notice.approved',
  rejected: 'web.admin.notice.rejected',
};

function adminNotice(view: View, request: FastifyRequest): SafeHtml {
  const key = (request.query as Record<string, unknown>).notice;
  const id = typeof key === 'string' && Object.hasOwn(ADMIN_NOTICES, key) ? ADMIN_NOTICES[key] : undefined;
  return id ? html`<p class="notice" role="status">${view.t(id)}</p>` : notice(request);
}

export function adminLayout(view: View, request: FastifyRequest, title: string, body: SafeHtml): string {
  return layout(
    view,
    title,
    html`<nav class="sub" aria-label="${view.t('web.admin.nav.label')}">${SECTIONS.map(
      ([href, label]) =>
        html`<a href="${href}"${view.path === href ? html` aria-current="page"` : ''}>${view.t(label)}</a>`,
    )}</nav>
<h1>${title}</h1>${adminNotice(view, request)}${body}`,
  );
}

/** A 403 page for the console, in the viewer's language. */
export function adminForbidden(reply: FastifyReply, view: View, message: string): FastifyReply {
  const title = view.t('web.admin.forbidden');
  return sendPage(reply, layout(view, title, html`<h1>${title}</h1><p>${message}</p>`), 403);
}

/** A refused or invalid staff action, on the page, in the viewer's language, with the one table's status. */
export function adminActionFailed(
  reply: FastifyReply,
  request: FastifyRequest,
  view: View,
  title: string,
  error: unknown,
): FastifyReply {
  if (!(error instanceof DomainError)) throw error;
  return sendPage(
    reply,
    adminLayout(view, request, title, errorBox(errorText(view.locale, error))),
    httpStatusOf(error),
  );
}

/** Where an alert is about, in the reader's words: a country's name, a number block, or everywhere. */
function alertWhere(view: View, scope: string): string {
  if (scope === 'countries') return view.t('web.admin.alerts.where', { scope: 'countries', value: '' });
  const [kind, value = ''] = scope.split(/:(.*)/s);
  if (kind === 'country') return countryName(view.locale, value);
  if (kind === 'prefix') return view.t('web.admin.alerts.where', { scope: 'prefix', value });
  return scope;
}

/**
 * One line naming what a pumping alert is about (the console's counterpart of the monitor's
 * English `describeAlert`, which the CLI and the API keep), in the reader's language.
 */
function alertText(view: View, alert: Pick<SecurityAlert, 'kind' | 'scope' | 'details'>): SafeHtml {
  const d = alert.details;
  const n = numbers(view.locale, undefined).count;
  const num = (value: unknown) => (typeof value === 'number' ? n(value) : String(value ?? '—'));
  const target = alertWhere(view, alert.scope);
  if (alert.kind === 'sms_flood') {
    const until = typeof d.throttled_until === 'string' ? new Date(d.throttled_until) : null;
    return rich(view, 'web.admin.alerts.flood', {
      target,
      requests: num(d.requests),
      seconds: num(d.window_seconds),
      limit: num(d.limit),
      everywhere: alert.scope === 'countries' ? 'yes' : 'no',
      until: until && !Number.isNaN(until.getTime()) ? when(view, until) : '—',
    });
  }
  return rich(view, 'web.admin.alerts.unused', {
    target,
    completed: num(d.completed),
    issued: num(d.issued),
    minutes: typeof d.window_minutes === 'number' ? d.window_minutes : 0,
  });
}

/**
 * Costs in the price table's currency, counts and days, written the reader's way. Days are
 * plain text (not `<time>`, which the stylesheet sets left to right for times like 13:05 EAT):
 * an Arabic date such as 25/11/2026 is written right to left and would read scrambled.
 */
function numbers(locale: Locale, currency: string | undefined) {
  const count = new Intl.NumberFormat(locale);
  let money: Intl.NumberFormat;
  try {
    money = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency ?? 'USD',
      minimumFractionDigits: 4,
      maximumFractionDigits: 4,
    });
  } catch {
    money = new Intl.NumberFormat(locale, { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  }
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  return {
    count: (n: number) => count.format(n),
    money: (n: number) => money.format(n),
    day: (iso: string) => day.format(new Date(`${iso}T00:00:00Z`)),
    percent: (n: number) => percent.format(n),
  };
}

/** The account ids an audit label (`account:<id>`, `cli:<operator>`) names. */
function accountIdIn(label: string | null): string | null {
  return label?.startsWith('account:') ? label.slice(8) : null;
}

/**
 * Who acted, as people know them: @name for accounts (linked to the user page), the operator
 * for the CLI (`cli:ops-anna`), the raw label when the account is gone.
 */
function actorName(view: View, label: string, accounts: ReadonlyMap<string, Account>): SafeHtml {
  const id = accountIdIn(label);
  if (!id) return html`${label.startsWith('cli:') ? view.t('web.admin.cli', { operator: label.slice(4) }) : label}`;
  const account = accounts.get(id);
  return account ? html`<a href="/admin/users?q=${account.username}">@${account.username}</a>` : html`${label}`;
}

/** Each kind of audited action as a whole sentence; kinds added later show their code. */
const AUDIT_WHAT: Record<string, MessageId> = {
  'sms.kill_switch.on': 'web.admin.audit.kill_on',
  'sms.kill_switch.off': 'web.admin.audit.kill_off',
  'sms.policy.set': 'web.admin.audit.policy',
  'sms.unlock': 'web.admin.audit.unlock',
  'account.warn': 'web.admin.audit.warn',
  'account.suspend': 'web.admin.audit.suspend',
  'account.unsuspend': 'web.admin.audit.unsuspend',
  'account.reset_2fa': 'web.admin.audit.reset2fa',
  'report.resolve': 'web.admin.audit.resolve',
  'report.reopen': 'web.admin.audit.reopen',
  'report.assign': 'web.admin.audit.assign',
  'rule.add': 'web.admin.audit.ruleAdd',
  'rule.remove': 'web.admin.audit.ruleRemove',
  'advertiser.grant': 'web.admin.audit.advGrant',
  'advertiser.revoke': 'web.admin.audit.advRevoke',
  'federation.domain_block': 'web.admin.audit.fedBlock',
  'federation.domain_unblock': 'web.admin.audit.fedUnblock',
  'federation.retry': 'web.admin.audit.fedRetry',
};

/** The subject of an audited action as a reader knows it: @name, a country's name, a report number. */
function auditSubject(view: View, entry: AuditEntry, accounts: ReadonlyMap<string, Account>): SafeHtml {
  if (entry.subject === 'kill_switch') return html``;
  if (entry.action === 'sms.policy.set') return html`${countryName(view.locale, entry.subject)}`;
  const account = accounts.get(entry.subject);
  if (account) return html`<a href="/admin/users?q=${account.username}">@${account.username}</a>`;
  return html`${entry.action.startsWith('report.') ? `#${entry.subject}` : entry.subject}`;
}

/** One audited action as a sentence: who did what to whom. */
function auditSentence(view: View, entry: AuditEntry, accounts: ReadonlyMap<string, Account>): SafeHtml {
  const actor = html`<strong>${actorName(view, entry.actor, accounts)}</strong>`;
  const subject = auditSubject(view, entry, accounts);
  const id = AUDIT_WHAT[entry.action];
  return id
    ? rich(view, id, { actor, subject })
    : rich(view, 'web.admin.audit.other', { actor, action: entry.action, subject });
}

/** Each detail of an entry on its own line, values as compact JSON that wraps instead of widening the page. */
function auditDetails(view: View, entry: AuditEntry): SafeHtml {
  const rows: [string, string][] = [
    ['action', entry.action],
    ['actor', entry.actor],
    ['subject', entry.subject],
    ...Object.entries(entry.details).map(([key, value]): [string, string] => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  ];
  return html`<details><summary>${view.t('web.admin.audit.details')}</summary><dl class="details">${rows.map(([key, value]) => html`<dt>${key}</dt><dd><code>${value}</code></dd>`)}</dl></details>`;
}

export function adminPages(ctx: AppContext) {
  const sms = ctx.sms;
  return async (app: FastifyInstance) => {
    const forbiddenPage = adminForbidden;

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
        if (!can(actor, 'admin_console.open')) return forbiddenPage(reply, view, view.t('web.admin.staffOnly'));
        try {
          return await handler(request, reply, actor, view);
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'forbidden')
            return forbiddenPage(reply, view, errorText(view.locale, error));
          throw error;
        }
      };

    /** A refused or invalid staff action, on the page, with the status the one table gives it. */
    const actionFailed = adminActionFailed;

    app.get(
      '/admin',
      staff(async (_request, reply) => reply.redirect('/admin/sms', 303)),
    );

    // ── Country policy and kill switch ─────────────────────────────────────────
    async function policyPage(request: FastifyRequest, reply: FastifyReply, actor: Actor, view: View, error?: Failure) {
      const q = queryString(request, 'q', 60).trim();
      const { killSwitch: kill, countries: policies } = await sms.policy.status(actor);
      const byCode = new Map(policies.map((p) => [p.country, p]));
      const needle = q.toLocaleLowerCase(view.locale);
      // Found by the code, or by the name in the reader's language or in English.
      const named = (code: string) => countryName(view.locale, code);
      const rows: { code: string; name: string; policy: CountryPolicy | undefined }[] = q
        ? COUNTRY_CODES.map((code) => ({ code, name: named(code) }))
            .filter(
              (c) =>
                c.code.toLowerCase() === needle ||
                c.name.toLocaleLowerCase(view.locale).includes(needle) ||
                countryName('en', c.code).toLowerCase().includes(needle),
            )
            .sort((a, b) => a.name.localeCompare(b.name, view.locale))
            .slice(0, MAX_SEARCH_ROWS)
            .map((c) => ({ ...c, policy: byCode.get(c.code) }))
        : policies.map((p) => ({ code: p.country, name: named(p.country), policy: p }));
      const t = view.t;
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
          t('web.admin.nav.sms'),
          html`${errorBox(error?.message)}
<section class="${kill.enabled ? 'warn' : 'ok'}"><h2>${t('web.admin.kill.heading', { on: kill.enabled })}</h2>
${kill.updatedAt ? html`<p class="note">${rich(view, 'web.admin.kill.changed', { time: when(view, kill.updatedAt), actor: actorName(view, kill.updatedBy ?? '', killedBy), reason: kill.reason ?? '' })}</p>` : ''}
<p>${t('web.admin.kill.explain')}</p>
${
  mayFlip
    ? form(
        view,
        '/admin/sms/kill-switch',
        html`<input type="hidden" name="enabled" value="${kill.enabled ? 'off' : 'on'}">
<p><label for="kill-reason">${t('web.admin.kill.reason')}</label><br><input id="kill-reason" name="reason" required maxlength="500" size="40"></p>
<p><button class="${kill.enabled ? '' : 'danger'}">${t(kill.enabled ? 'web.admin.kill.turnOff' : 'web.admin.kill.turnOn')}</button></p>`,
      )
    : html`<p class="note">${t('web.admin.kill.adminOnly')}</p>`
}</section>
<h2>${t('web.admin.countries')}</h2>
<form method="get" action="/admin/sms" class="inline" role="search"><label for="q">${t('web.admin.countries.find')}</label> <input id="q" name="q" value="${q}" maxlength="60" placeholder="${t('web.admin.countries.placeholder')}"> <button>${t('web.admin.search')}</button>${q ? html` <a href="/admin/sms">${t('web.admin.countries.showEnabled')}</a>` : ''}</form>
<p class="note">${q ? t('web.admin.countries.matching', { q }) : t('web.admin.countries.withPolicy')}${isAdmin ? '' : ` ${t('web.admin.countries.adminOnly')}`}</p>
${
  rows.length === 0
    ? html`<p class="note">${t('web.admin.countries.none')}</p>`
    : html`<table class="policy"><thead><tr><th scope="col">${t('web.admin.col.country')}</th><th scope="col">${t('web.admin.col.posting')}</th><th scope="col">${t('web.admin.col.notifications')}</th>${isAdmin ? html`<th scope="col">${t('web.admin.col.change')}</th>` : ''}</tr></thead><tbody>
${rows.map(
  (r) =>
    html`<tr><th scope="row">${r.name} <span class="note">${r.code}</span></th><td>${t('web.admin.policy.posting', { on: r.policy?.posting === true })}</td><td>${t('web.admin.policy.notifications', { on: r.policy?.notifications === true })}</td>${
      isAdmin
        ? html`<td>${form(
            view,
            '/admin/sms/policy',
            html`<input type="hidden" name="country" value="${r.code}"><input type="hidden" name="q" value="${q}">
<label><input type="checkbox" name="posting" value="on"${check(r.policy?.posting)}> ${t('web.admin.policy.postingBox')}</label> <label><input type="checkbox" name="notifications" value="on"${check(r.policy?.notifications)}> ${t('web.admin.policy.notificationsBox')}</label>
<label class="sr" for="reason-${r.code}">${t('web.admin.reason')}</label><input id="reason-${r.code}" name="reason" placeholder="${t('web.admin.reasonPlaceholder')}" maxlength="500" size="10"> <button>${t('web.admin.save')}</button>`,
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
          return policyPage(request, reply, actor, view, failure(error, view));
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
            return forbiddenPage(reply, view, view.t('web.admin.kill.adminOnly'));
          try {
            checkedReason(reason);
          } catch (error) {
            return policyPage(request, reply, actor, view, failure(error, view));
          }
          return sendPage(
            reply,
            adminLayout(
              view,
              request,
              view.t(enabled ? 'web.admin.kill.confirmOnTitle' : 'web.admin.kill.confirmOffTitle'),
              html`
<p class="${enabled ? 'warn' : ''}">${view.t(enabled ? 'web.admin.kill.confirmOn' : 'web.admin.kill.confirmOff')}</p><p>${view.t('web.admin.kill.reasonShown', { reason })}</p>
${form(
  view,
  '/admin/sms/kill-switch',
  html`<input type="hidden" name="enabled" value="${enabled ? 'on' : 'off'}"><input type="hidden" name="reason" value="${reason}"><input type="hidden" name="confirm" value="yes">
<p><button class="${enabled ? 'danger' : ''}">${view.t(enabled ? 'web.admin.kill.yesOn' : 'web.admin.kill.yesOff')}</button> <a href="/admin/sms">${view.t('web.admin.cancel')}</a></p>`,
)}`,
            ),
          );
        }
        try {
          await sms.policy.setKillSwitch(enabled, { actor, reason });
          return reply.redirect(`/admin/sms?notice=${enabled ? 'kill_on' : 'kill_off'}`, 303);
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'forbidden') throw error;
          return policyPage(request, reply, actor, view, failure(error, view));
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
            view.t('web.admin.nav.audit'),
            entries.length === 0
              ? html`<p class="note">${view.t('web.admin.audit.empty')}</p>`
              : html`<p class="note">${view.t('web.admin.audit.intro', { count: entries.length })}</p>
<ol class="plain audit">${entries.map(
                  (e) =>
                    html`<li><p>${auditSentence(view, e, accounts)}</p>
<p class="why">${view.t('web.admin.audit.why', { reason: e.reason })}</p>
<p class="meta">${when(view, e.createdAt)}</p>${auditDetails(view, e)}</li>`,
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
          return finished === 0 ? '—' : format.percent(delivered / finished);
        };
        // Segments and their estimated cost per country per day, for the last 7 UTC days.
        const costSince = new Date(Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) - 6 * 86_400_000);
        const costs = await sms.traffic.costsSince(actor, costSince);
        const prices = sms.traffic.prices;
        const format = numbers(view.locale, prices?.currency);
        const t = view.t;
        const n = format.count;
        const scrolls = (table: string) => t('web.admin.scrolls', { table });
        const inbound = counts.filter((c) => c.direction === 'in');
        const outcomes = new Map<string, number>();
        for (const c of inbound) outcomes.set(c.status, (outcomes.get(c.status) ?? 0) + c.count);
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            t('web.admin.nav.traffic'),
            html`<p class="note">${t('web.admin.traffic.intro', { zone: view.timeZone })}</p>
${lineChart(view, 'in', t('web.admin.traffic.inChart'), slots, series('in'), axisTime)}
${lineChart(view, 'out', t('web.admin.traffic.outChart'), slots, series('out'), axisTime)}
<h2>${t('web.admin.traffic.delivery')}</h2>
${
  providers.size === 0
    ? html`<p class="note">${t('web.admin.traffic.noOutbound')}</p>`
    : html`<table tabindex="0" aria-label="${scrolls(t('web.admin.traffic.delivery'))}"><thead><tr><th scope="col">${t('web.admin.col.provider')}</th><th scope="col">${t('web.admin.col.queued')}</th><th scope="col">${t('web.admin.col.sent')}</th><th scope="col">${t('web.admin.col.delivered')}</th><th scope="col">${t('web.admin.col.failed')}</th><th scope="col">${t('web.admin.col.suppressed')}</th><th scope="col">${t('web.admin.col.success')}</th></tr></thead><tbody>
${[...providers.entries()].map(([provider, row]) => html`<tr><th scope="row">${provider}</th><td>${n((row.queued ?? 0) + (row.sending ?? 0))}</td><td>${n(row.sent ?? 0)}</td><td>${n(row.delivered ?? 0)}</td><td>${n((row.failed ?? 0) + (row.undelivered ?? 0))}</td><td>${n(row.suppressed ?? 0)}</td><td>${rate(row)}</td></tr>`)}</tbody></table>
<p class="note">${t('web.admin.traffic.successNote')}</p>`
}
<h2 id="costs">${t('web.admin.costs.heading')}</h2>
${
  costs.length === 0
    ? html`<p class="note">${t('web.admin.costs.none')}</p>`
    : html`<table tabindex="0" aria-label="${scrolls(t('web.admin.costs.heading'))}"><thead><tr><th scope="col">${t('web.admin.col.day')}</th><th scope="col">${t('web.admin.col.country')}</th><th scope="col">${t('web.admin.col.provider')}</th><th scope="col">${t('web.admin.col.messages')}</th><th scope="col">${t('web.admin.col.segments')}</th><th scope="col">${t('web.admin.col.cost')}</th></tr></thead><tbody>
${costs.map((c) => html`<tr><td data-day="${c.day}">${format.day(c.day)}</td><th scope="row">${countryName(view.locale, c.country)} (${c.country})</th><td>${c.provider}</td><td>${n(c.messages)}</td><td>${n(c.segments)}</td><td class="money">${c.estimatedCost === null ? html`<span class="note">${t('web.admin.costs.noPrice')}</span>` : format.money(c.estimatedCost)}</td></tr>`)}</tbody></table>`
}
<p class="note">${prices ? rich(view, 'web.admin.costs.prices', { file: html`<code>SPARROW_SMS_PRICES_FILE</code>`, currency: prices.currency }) : rich(view, 'web.admin.costs.noTable', { file: html`<code>SPARROW_SMS_PRICES_FILE</code>` })}</p>
<h2>${t('web.admin.traffic.inbound')}</h2>
${outcomes.size === 0 ? html`<p class="note">${t('web.admin.traffic.noInbound')}</p>` : html`<ul>${[...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => html`<li>${t('web.admin.traffic.outcome', { outcome, count })}</li>`)}</ul>`}`,
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
        const t = view.t;
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            t('web.admin.nav.alerts'),
            html`<h2>${t('web.admin.alerts.pumping')}</h2>
${
  alerts.length === 0
    ? html`<p class="note">${t('web.admin.alerts.none')}</p>`
    : html`<table tabindex="0" aria-label="${t('web.admin.scrolls', { table: t('web.admin.alerts.table') })}"><thead><tr><th scope="col">${t('web.admin.col.when')}</th><th scope="col">${t('web.admin.col.kind')}</th><th scope="col">${t('web.admin.col.where')}</th><th scope="col">${t('web.admin.col.what')}</th></tr></thead><tbody>${alerts.map(
        (a) =>
          html`<tr><td>${when(view, a.createdAt)}</td><td>${t('web.admin.alerts.kind', { kind: a.kind })}</td><td>${alertWhere(view, a.scope)}</td><td>${alertText(view, a)}</td></tr>`,
      )}</tbody></table>
<p class="note">${rich(view, 'web.admin.alerts.advice', { throttle: html`<code>SPARROW_SECURITY_FLOOD_THROTTLE_MINUTES</code>`, perPrefix: html`<code>SPARROW_SECURITY_SMS_PER_PREFIX_HOUR</code>` })}</p>`
}
<h2>${t('web.admin.alerts.discovery')}</h2>
${
  reports.length === 0
    ? html`<p class="note">${t('web.admin.alerts.noReports')}</p>`
    : reports.map(
        (r) => html`<section class="card"><p><strong>${r.summary}</strong> · ${when(view, r.createdAt)}</p>
<p>${rich(view, 'web.admin.alerts.blocked', {
          accounts: html`${r.accountIds.slice(0, 30).map((id) => {
            const a = accounts.get(id);
            return a ? html`<a href="/admin/users?q=${a.username}">@${a.username}</a> ` : html`${id} `;
          })}${r.accountIds.length > 30 ? t('web.admin.alerts.more', { count: r.accountIds.length - 30 }) : ''}`,
        })}</p>
${form(
  view,
  `/admin/alerts/reports/${r.id}/resolve`,
  html`<p><label for="report-reason-${r.id}">${t('web.admin.reasonAudit')}</label><br><input id="report-reason-${r.id}" name="reason" required maxlength="500"></p>
<p><label><input type="checkbox" name="unblock" value="1"> ${t('web.admin.alerts.unblock')}</label> <button>${t('web.admin.resolve')}</button></p>`,
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
            return actionFailed(reply, request, view, view.t('web.admin.nav.alerts'), error);
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
        const t = view.t;
        if (account) {
          const [state, settings] = await Promise.all([sms.owner.state(account.id), sms.settings.get(account.id)]);
          const reasonField = (id: string) =>
            html`<p><label for="${id}">${t('web.admin.reasonAudit')}</label><br><input id="${id}" name="reason" required maxlength="500"></p>`;
          const may = (action: 'account.suspend' | 'account.unsuspend' | 'account.unlock_sms') =>
            can(actor, action, account);
          details = html`<section class="card"><h2>${name(account)}</h2>
<p>${rich(view, 'web.admin.users.summary', { role: account.role, joined: when(view, account.createdAt), posts: account.statusesCount, followers: account.followersCount })}${account.suspended ? html` · <strong>${t('web.admin.users.suspended')}</strong>` : ''}</p>
<p>${rich(view, 'web.admin.users.sms', {
            phone: settings.phone
              ? t('web.admin.users.phone', { country: countryName(view.locale, settings.phone.country) })
              : t('web.admin.users.noPhone'),
            posting: settings.posting,
            pin: state.pinHash !== null && state.pinHash !== undefined,
            failures: state.pinFailures,
            lock: state.lockedAt
              ? html`<strong>${t('web.admin.users.locked', { reason: state.lockReason ?? '' })}</strong>`
              : t('web.admin.users.notLocked'),
          })}</p>
${
  may('account.unlock_sms')
    ? form(
        view,
        `/admin/users/${account.username}/reset-sms`,
        html`${reasonField('unlock-reason')}<p><button>${t('web.admin.users.resetSms')}</button></p>`,
      )
    : ''
}
${
  account.suspended
    ? may('account.unsuspend')
      ? form(
          view,
          `/admin/users/${account.username}/unsuspend`,
          html`${reasonField('unsuspend-reason')}<p><button>${t('web.admin.users.unsuspend')}</button></p>`,
        )
      : ''
    : may('account.suspend')
      ? form(
          view,
          `/admin/users/${account.username}/suspend`,
          html`${reasonField('reason')}<p><button class="danger">${t('web.admin.users.suspend', { username: account.username })}</button></p>`,
        )
      : ''
}
${may('account.suspend') ? '' : html`<p class="note">${t(account.role === 'user' ? 'web.admin.users.cannotOwn' : 'web.admin.users.cannotStaff')}</p>`}
<p class="note">${t('web.admin.users.suspendNote')}</p></section>`;
        }
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            t('web.admin.nav.users'),
            html`<form method="get" action="/admin/users" class="inline" role="search"><label for="uq">${t('web.admin.users.username')}</label> <input id="uq" name="q" value="${q}" maxlength="60"> <button>${t('web.admin.users.find')}</button></form>
${q && !account ? html`<p class="note">${t('web.admin.users.none', { username: q })}</p>` : ''}${details}`,
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
          return actionFailed(reply, request, view, view.t('web.admin.nav.users'), error);
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
        const t = view.t;
        const rows = waiting.map((application) => {
          const username = application.account.username;
          const decide = (verb: 'approve' | 'reject', label: string, danger: boolean) =>
            can(actor, verb === 'approve' ? 'account.approve' : 'account.reject', application.account)
              ? form(
                  view,
                  `/admin/signups/${username}/${verb}`,
                  html`<label for="${verb}-${username}">${t('web.admin.reason')}</label> <input id="${verb}-${username}" name="reason" required maxlength="500"> <button${danger ? html` class="danger"` : ''}>${label}</button>`,
                  { className: 'cell' },
                )
              : '';
          return html`<li class="card"><p>${rich(view, 'web.admin.signups.applied', { username: html`<strong>@${username}</strong>`, email: application.email ?? '', time: when(view, application.createdAt) })}</p>
${application.reason ? html`<blockquote>${application.reason}</blockquote>` : html`<p class="note">${t('web.admin.signups.noReason')}</p>`}
${decide('approve', t('web.admin.signups.approve'), false)}${decide('reject', t('web.admin.signups.reject'), true)}</li>`;
        });
        return sendPage(
          reply,
          adminLayout(
            view,
            request,
            t('web.admin.nav.signups'),
            html`<p class="note">${t('web.admin.signups.mode', { mode: ctx.signUps.mode })}</p>
${rows.length ? html`<ul class="plain">${rows}</ul>` : html`<p>${t('web.admin.signups.none')}</p>`}`,
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
          return actionFailed(reply, request, view, view.t('web.admin.nav.signups'), error);
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
