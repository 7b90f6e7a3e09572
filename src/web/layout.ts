import { postImages } from './media-html.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, PostView } from '../core/model.ts';
import { DomainError } from '../shared/errors.ts';
import { FIELD_LIMITS, type LimitedField } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { renderPostHtml } from '../core/post-html.ts';
import { html, page, trusted, type SafeHtml } from './html.ts';
import { rich } from './rich-text.ts';
import { CSRF_FIELD, csrfToken, currentSession } from './session.ts';
import {
  DEFAULT_LOCALE,
  LANGUAGE_NAMES,
  LOCALES,
  direction,
  errorText,
  fromAcceptLanguage,
  isLocale,
  translator,
  type Locale,
  type MessageId,
  type Translate,
} from '../i18n/index.ts';

/** What every page renderer gets: who is looking and the form token for this browser. */
export interface View {
  ctx: AppContext;
  viewer: Account | null;
  csrf: string;
  /** Path of the page, to mark the current navigation entry. */
  path: string;
  /** The zone times are shown in: the viewer's choice, else UTC (and every time says which). */
  timeZone: string;
  /** The language pages are shown in, and its messages (src/i18n). */
  locale: Locale;
  t: Translate;
}

/** The browser's language choice for visitors who are not signed in (and before they are). */
export const LANGUAGE_COOKIE = 'sparrow_lang';

export async function viewFor(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<View> {
  const session = await currentSession(ctx, request);
  const cookie = request.cookies[LANGUAGE_COOKIE];
  // The account's choice, else this browser's, else what the browser asks for, else English.
  const locale =
    (session ? await ctx.sms.languages.ofAccount(session.account.id) : null) ??
    (isLocale(cookie) ? cookie : null) ??
    fromAcceptLanguage(request.headers['accept-language']) ??
    DEFAULT_LOCALE;
  const t = translator(locale);
  pageLocales.set(request, t);
  return {
    ctx,
    viewer: session?.account ?? null,
    csrf: await csrfToken(ctx, request, reply),
    path: request.url.split('?')[0] ?? '/',
    timeZone: session?.account.timeZone ?? 'UTC',
    locale,
    t,
  };
}

/** The language switcher: a plain form (works without script), at the foot of every page. */
function languageSwitcher(view: View): SafeHtml {
  const back = view.path.startsWith('/') && !view.path.startsWith('//') ? view.path : '/';
  return form(
    view,
    '/language',
    html`<input type="hidden" name="return" value="${back}"><label for="language-choice">${view.t('web.language.label')}</label> <select id="language-choice" name="language">${LOCALES.map(
      (code) =>
        html`<option value="${code}" lang="${code}"${code === view.locale ? trusted(' selected') : ''}>${LANGUAGE_NAMES[code]}</option>`,
    )}</select> <button>${view.t('web.language.save')}</button>`,
    { className: 'inline language' },
  );
}

/** A form that posts with the CSRF token. */
export function form(
  view: View,
  action: string,
  body: SafeHtml,
  options: { className?: string; multipart?: boolean } = {},
): SafeHtml {
  return html`<form method="post" action="${action}"${options.className ? html` class="${options.className}"` : ''}${options.multipart ? html` enctype="multipart/form-data"` : ''}><input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">${body}</form>`;
}

/** A one-button form (follow, delete, release…). */
export function button(
  view: View,
  action: string,
  label: string,
  extra: SafeHtml | string = '',
  className = 'inline',
): SafeHtml {
  return form(view, action, html`${extra}<button>${label}</button>`, { className });
}

function navLink(view: View, href: string, label: string): SafeHtml {
  const current = view.path === href || (href !== '/' && view.path.startsWith(`${href}/`));
  return html`<a href="${href}"${current ? trusted(' aria-current="page"') : ''}>${label}</a>`;
}

export function layout(
  view: View,
  title: string,
  body: SafeHtml,
  options: { scripts?: string[]; head?: SafeHtml } = {},
): string {
  const v = view.viewer;
  const t = view.t;
  const simulator =
    view.ctx.config.smsProvider === 'console' ? html` ${navLink(view, '/dev/phone', t('web.nav.simulator'))}` : '';
  const nav = v
    ? html`<nav aria-label="${t('web.nav.main')}">${navLink(view, '/home', t('web.nav.home'))} ${navLink(view, '/notifications', t('web.nav.notifications'))} ${navLink(view, '/messages', t('web.nav.messages'))} ${navLink(view, '/lists', t('web.nav.lists'))} ${navLink(view, '/search', t('web.nav.search'))} ${navLink(view, `/@${v.username}`, t('web.nav.profile'))} ${navLink(view, '/settings', t('web.nav.settings'))}${v.role !== 'user' ? html` ${navLink(view, '/admin', t('web.nav.admin'))}` : ''}${simulator} ${button(view, '/logout', t('web.nav.logout'), '', 'inline out link')}</nav>`
    : html`<nav aria-label="${t('web.nav.main')}">${navLink(view, '/', 'Sparrow')} ${navLink(view, '/search', t('web.nav.search'))} ${navLink(view, '/login', t('web.nav.login'))} ${navLink(view, '/signup', t('web.nav.signup'))}${simulator}</nav>`;
  return page({
    title: `${title} · Sparrow`,
    lang: view.locale,
    dir: direction(view.locale),
    body: html`<header>${nav}</header><main id="main">${body}</main><footer>${languageSwitcher(view)}</footer>`,
    scripts: options.scripts ?? ['/static/sparrow.js'],
    ...(options.head ? { head: options.head } : {}),
  });
}

/** Fixed messages for ?notice=… after a redirect: the query can only pick one, never inject text. */
const NOTICES: Record<string, MessageId> = {
  report_reopened: 'web.notice.report_reopened',
  report_assigned: 'web.notice.report_assigned',
  posted: 'web.notice.posted',
  liked: 'web.notice.liked',
  unliked: 'web.notice.unliked',
  boosted: 'web.notice.boosted',
  unboosted: 'web.notice.unboosted',
  bookmarked: 'web.notice.bookmarked',
  unbookmarked: 'web.notice.unbookmarked',
  not_allowed: 'web.notice.not_allowed',
  deleted: 'web.notice.deleted',
  edited: 'web.notice.edited',
  voted: 'web.notice.voted',
  followed: 'web.notice.followed',
  unfollowed: 'web.notice.unfollowed',
  requested: 'web.notice.requested',
  request_withdrawn: 'web.notice.request_withdrawn',
  request_accepted: 'web.notice.request_accepted',
  request_rejected: 'web.notice.request_rejected',
  saved: 'web.notice.saved',
  time_zone_saved: 'web.notice.time_zone_saved',
  code_sent: 'web.notice.code_sent',
  phone_linked: 'web.notice.phone_linked',
  phone_removed: 'web.notice.phone_removed',
  pin_set: 'web.notice.pin_set',
  pin_cleared: 'web.notice.pin_cleared',
  released: 'web.notice.released',
  discarded: 'web.notice.discarded',
  not_me: 'web.notice.not_me',
  confirmed: 'web.notice.confirmed',
  unlocked: 'web.notice.unlocked',
  sent: 'web.notice.sent',
  policy_saved: 'web.notice.policy_saved',
  kill_on: 'web.notice.kill_on',
  kill_off: 'web.notice.kill_off',
  suspended: 'web.notice.suspended',
  unsuspended: 'web.notice.unsuspended',
  report_resolved: 'web.notice.report_resolved',
  sms_reset: 'web.notice.sms_reset',
  approved: 'web.notice.approved',
  rejected: 'web.notice.rejected',
  welcome: 'web.notice.welcome',
  password_reset: 'web.notice.password_reset',
  totp_on: 'web.notice.totp_on',
  totp_off: 'web.notice.totp_off',
  sms_2fa_on: 'web.notice.sms_2fa_on',
  sms_2fa_off: 'web.notice.sms_2fa_off',
  strong_on: 'web.notice.strong_on',
  strong_off: 'web.notice.strong_off',
  passkey_added: 'web.notice.passkey_added',
  passkey_removed: 'web.notice.passkey_removed',
  password_changed: 'web.notice.password_changed',
  session_revoked: 'web.notice.session_revoked',
  others_signed_out: 'web.notice.others_signed_out',
  list_created: 'web.notice.list_created',
  list_saved: 'web.notice.list_saved',
  list_deleted: 'web.notice.list_deleted',
  member_added: 'web.notice.member_added',
  member_removed: 'web.notice.member_removed',
  domain_blocked: 'web.notice.domain_blocked',
  domain_unblocked: 'web.notice.domain_unblocked',
  deliveries_retried: 'web.notice.deliveries_retried',
};

/** The language of the page each request renders (set by `viewFor`), so notices follow it. */
const pageLocales = new WeakMap<FastifyRequest, Translate>();

export function notice(request: FastifyRequest): SafeHtml {
  const key = (request.query as Record<string, unknown>).notice;
  const id = typeof key === 'string' && Object.hasOwn(NOTICES, key) ? NOTICES[key] : undefined;
  if (!id) return html``;
  const t = pageLocales.get(request) ?? translator(DEFAULT_LOCALE);
  return html`<p class="notice" role="status">${t(id)}</p>`;
}

export function errorBox(message: string | null | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}

/**
 * A domain failure a person can act on (bad input, conflict), or rethrows anything else; in
 * the viewer's language when the page passes its view (src/i18n/domain-errors.ts).
 */
export function userMessage(error: unknown, view?: Pick<View, 'locale'>): string {
  if (error instanceof DomainError && error.kind !== 'not_found')
    return errorText(view?.locale ?? DEFAULT_LOCALE, error);
  throw error;
}

/** What went wrong with a form, and the status its page answers with. */
export interface Failure {
  message: string;
  status: number;
}

/** A domain failure a person can act on, with the status the one table gives it; rethrows anything else. */
export function failure(error: unknown, view?: Pick<View, 'locale'>): Failure {
  return { message: userMessage(error, view), status: httpStatusOf(error) };
}

export function sendPage(reply: FastifyReply, markup: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(markup);
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The one way pages write a time: in `zone`, with the zone's short name (`EAT`, `GMT+2`,
 * `UTC`), as `2026-11-25 13:05 EAT` (or `13:05 EAT` with `date: false`).
 */
export function formatTime(date: Date, zone: string, options: { date?: boolean } = {}): string {
  let format = timeFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    timeFormats.set(zone, format);
  }
  const part = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  const time = `${part.hour}:${part.minute} ${part.timeZoneName}`;
  return options.date === false ? time : `${part.year}-${part.month}-${part.day} ${time}`;
}

/** A time on a page, in the reader's zone and saying which; the exact instant stays machine-readable. */
export function when(view: Pick<View, 'timeZone'>, date: Date, options: { date?: boolean } = {}): SafeHtml {
  // Digits and the zone read left to right in every language: the stylesheet isolates <time> (Arabic pages).
  return html`<time datetime="${date.toISOString()}" title="${view.timeZone}">${formatTime(date, view.timeZone, options)}</time>`;
}

function sourceLabel(view: View, source: string): string {
  if (source === 'sms' || source === 'web') return view.t('web.post.via', { source });
  if (source.startsWith('api:')) return view.t('web.post.via', { source: source.slice(4) });
  return '';
}

export function name(account: Account): SafeHtml {
  return html`<a class="who" href="/@${account.username}"><strong>${account.displayName || account.username}</strong> <span class="acct">@${account.username}</span></a>`;
}

/** One post, its text rendered by the same escaping renderer the API uses. */
export function postCard(view: View, item: PostView, options: { link?: boolean; promoted?: boolean } = {}): SafeHtml {
  const shown = item.reblog ?? item;
  const p = shown.post;
  const text = trusted(
    renderPostHtml(
      p.text,
      shown.mentions.map((a) => ({ username: a.username, url: `/@${a.username}` })),
    ),
  );
  const own = view.viewer?.id === p.accountId;
  return html`<article class="post${options.promoted ? ' promoted' : ''}">${options.promoted ? html`<p class="meta"><strong>${view.t('web.post.promoted')}</strong> · <a href="/settings/privacy">${view.t('web.post.why')}</a></p>` : ''}${item.reblog ? html`<p class="meta">${name(item.author)} ${view.t('web.post.boosted')}</p>` : ''}
<p class="meta">${name(shown.author)}</p>
${p.spoilerText ? html`<details><summary dir="auto">${p.spoilerText}</summary><div class="text" dir="auto">${text}</div>${postImages(view.ctx.config, shown, view.t)}</details>` : html`<div class="text" dir="auto">${text}</div>${postImages(view.ctx.config, shown, view.t)}`}
${shown.poll ? pollBlock(view, shown) : ''}<p class="meta"><a href="/@${shown.author.username}/${p.id}">${when(view, p.createdAt)}</a>${p.editedAt ? html` · <a href="/@${shown.author.username}/${p.id}/history">${view.t('web.post.edited')}</a>` : ''} · ${sourceLabel(view, p.source)}${p.visibility !== 'public' ? ` · ${view.t('web.post.visibility', { visibility: p.visibility })}` : ''}${p.repliesCount > 0 ? ` · ${view.t('web.post.replies', { count: p.repliesCount })}` : ''}${
    options.link !== false
      ? html` · <a href="/@${shown.author.username}/${p.id}#reply">${view.t('web.post.reply')}</a>`
      : ''
  }${own && !item.reblog ? html` · <a href="/@${shown.author.username}/${p.id}/edit">${view.t('web.post.edit')}</a>` : ''}${own ? html` ${button(view, `/posts/${p.id}/delete`, view.t('web.post.delete'), '', 'inline link')}` : ''}</p></article>`;
}

/**
 * A post's poll: a plain form (radio buttons, or checkboxes when several choices are
 * allowed) while the viewer may vote, otherwise the results with a bar per option
 * (hidden until the end when the author asked so).
 */
function pollBlock(view: View, item: PostView): SafeHtml {
  const poll = item.poll!;
  const { id, options, multiple } = poll.poll;
  const canVote = view.viewer !== null && !poll.expired && poll.voted === false;
  const t = view.t;
  const summary = html`<p class="meta">${t('web.poll.votes', { count: poll.votesCount })} · ${t('web.poll.voters', { count: poll.votersCount })} · ${rich(view, 'web.poll.ends', { ended: poll.expired, when: when(view, poll.poll.expiresAt) })}</p>`;
  if (canVote) {
    const type = multiple ? 'checkbox' : 'radio';
    return form(
      view,
      `/polls/${id}/vote`,
      html`<fieldset><legend>${t('web.poll.choose', { multiple })}</legend>${options.map(
        (title, i) =>
          html`<label><input type="${type}" name="choices" value="${String(i)}"${multiple ? '' : ' required'}> ${title}</label>`,
      )}</fieldset><button>${t('web.poll.vote')}</button>${summary}`,
      { className: 'poll' },
    );
  }
  const total = poll.votesCount;
  const own = new Set(poll.ownVotes ?? []);
  return html`<div class="poll"><ul>${options.map((title, i) => {
    const votes = poll.optionVotes[i];
    const mine = own.has(i) ? ` ${t('web.poll.yourVote')}` : '';
    if (votes === null || votes === undefined) return html`<li>${title}${mine}</li>`;
    const percent = total === 0 ? 0 : Math.round((votes / total) * 100);
    return html`<li><span>${title}${mine}</span> <progress max="100" value="${String(percent)}">${String(percent)}%</progress> ${String(percent)}% (${String(votes)})</li>`;
  })}</ul>${poll.optionVotes.some((v) => v === null) ? html`<p class="note">${t('web.poll.resultsLater')}</p>` : ''}${summary}</div>`;
}

export function postList(view: View, items: readonly PostView[], empty: string): SafeHtml {
  return items.length === 0 ? html`<p class="note">${empty}</p>` : html`${items.map((item) => postCard(view, item))}`;
}

/** "Older" link for cursor paging (Mastodon-style max_id). */
export function olderLink(
  view: Pick<View, 't'>,
  path: string,
  items: readonly { id: string }[],
  limit: number,
  extra: Record<string, string> = {},
): SafeHtml {
  if (items.length < limit) return html``;
  const params = new URLSearchParams({ ...extra, max_id: items.at(-1)!.id });
  return html`<p><a href="${path}?${params.toString()}" rel="next">${view.t('web.older')}</a></p>`;
}

export function maxId(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown>).max_id;
  return typeof value === 'string' && /^\d{1,30}$/.test(value) ? value : undefined;
}

/**
 * A form field as text ('' when absent). Its cap comes from the one table of field limits
 * (`max` only for fields the table does not know); a longer value is refused with a message
 * naming the field, never cut short (a cut password would silently become another one).
 */
export function field(request: FastifyRequest, key: string, max?: number): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const value = body[key];
  if (typeof value !== 'string') return '';
  const limit = max ?? (key in FIELD_LIMITS ? FIELD_LIMITS[key as LimitedField] : DEFAULT_FIELD_LIMIT);
  if (value.length > limit)
    throw new DomainError('invalid', `${key} is too long (at most ${limit} characters)`).coded('field.too_long', {
      field: key,
      max: limit,
    });
  return value;
}

const DEFAULT_FIELD_LIMIT = 5000;

export function queryString(request: FastifyRequest, key: string, max = 200): string {
  const value = (request.query as Record<string, unknown>)[key];
  return typeof value === 'string' ? value.slice(0, max) : '';
}
