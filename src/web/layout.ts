import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, PostView } from '../core/model.ts';
import { DomainError } from '../shared/errors.ts';
import { FIELD_LIMITS, type LimitedField } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { renderPostHtml } from '../core/post-html.ts';
import { html, page, trusted, type SafeHtml } from './html.ts';
import { CSRF_FIELD, csrfToken, currentSession } from './session.ts';

/** What every page renderer gets: who is looking and the form token for this browser. */
export interface View {
  ctx: AppContext;
  viewer: Account | null;
  csrf: string;
  /** Path of the page, to mark the current navigation entry. */
  path: string;
  /** The zone times are shown in: the viewer's choice, else UTC (and every time says which). */
  timeZone: string;
}

export async function viewFor(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<View> {
  const session = await currentSession(ctx, request);
  return {
    ctx,
    viewer: session?.account ?? null,
    csrf: await csrfToken(ctx, request, reply),
    path: request.url.split('?')[0] ?? '/',
    timeZone: session?.account.timeZone ?? 'UTC',
  };
}

/** A form that posts with the CSRF token. */
export function form(view: View, action: string, body: SafeHtml, options: { className?: string } = {}): SafeHtml {
  return html`<form method="post" action="${action}"${options.className ? html` class="${options.className}"` : ''}><input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">${body}</form>`;
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
  const simulator =
    view.ctx.config.smsProvider === 'console' ? html` ${navLink(view, '/dev/phone', 'Phone simulator')}` : '';
  const nav = v
    ? html`<nav aria-label="Main">${navLink(view, '/home', 'Home')} ${navLink(view, '/notifications', 'Notifications')} ${navLink(view, '/messages', 'Messages')} ${navLink(view, `/@${v.username}`, 'Profile')} ${navLink(view, '/settings', 'Settings')}${v.role !== 'user' ? html` ${navLink(view, '/admin', 'Admin')}` : ''}${simulator} ${button(view, '/logout', 'Log out', '', 'inline out link')}</nav>`
    : html`<nav aria-label="Main">${navLink(view, '/', 'Sparrow')} ${navLink(view, '/login', 'Log in')} ${navLink(view, '/signup', 'Sign up')}${simulator}</nav>`;
  return page({
    title: `${title} · Sparrow`,
    body: html`<header>${nav}</header><main id="main">${body}</main>`,
    scripts: options.scripts ?? ['/static/sparrow.js'],
    ...(options.head ? { head: options.head } : {}),
  });
}

/** Fixed messages for ?notice=… after a redirect: the query can only pick one, never inject text. */
const NOTICES: Record<string, string> = {
  report_reopened: 'Report reopened.',
  report_assigned: 'Report assigned to you.',
  posted: 'Posted.',
  deleted: 'Post deleted.',
  followed: 'Followed.',
  unfollowed: 'Unfollowed.',
  requested: 'Follow request sent. You will see their followers-only posts once they accept.',
  request_withdrawn: 'Follow request withdrawn.',
  request_accepted: 'Accepted: they follow you now.',
  request_rejected: 'Request rejected.',
  saved: 'Saved.',
  time_zone_saved: 'Time zone saved: times are now shown in it.',
  code_sent: 'If that number can receive texts from us, a code is on its way. Enter it below.',
  phone_linked: 'Phone number linked.',
  phone_removed: 'Phone number removed.',
  pin_set: 'Posting PIN set.',
  pin_cleared: 'Posting PIN removed.',
  released: 'Held text released.',
  discarded: 'Held text discarded.',
  not_me: 'Done: SMS posts since your last confirmation were removed and SMS posting is locked.',
  confirmed: 'Thanks: your SMS posts so far are confirmed as yours.',
  unlocked: 'SMS posting unlocked.',
  sent: 'Message sent.',
  policy_saved: 'Country policy saved.',
  kill_on: 'Kill switch is ON: no content SMS is sent or acted on.',
  kill_off: 'Kill switch is OFF.',
  suspended: 'Account suspended: hidden everywhere and signed out.',
  unsuspended: 'Suspension lifted.',
  report_resolved: 'Report resolved.',
  sms_reset: 'SMS lock and PIN failures reset.',
  approved: 'Account approved; the applicant was told by e-mail.',
  rejected: 'Sign-up rejected; the applicant was told by e-mail.',
  welcome: 'Welcome to Sparrow!',
  password_reset: 'Your password was changed and every session signed out. Log in with the new password.',
  totp_on: 'Authenticator app turned on.',
  totp_off: 'Authenticator app turned off.',
  sms_2fa_on: 'SMS codes turned on (the weakest factor).',
  sms_2fa_off: 'SMS codes turned off.',
  strong_on: 'A strong factor is now required.',
  strong_off: 'A strong factor is no longer required.',
  passkey_added: 'Passkey added.',
  passkey_removed: 'Passkey removed.',
  password_changed: 'Password changed. Every other session was signed out.',
  session_revoked: 'That session was signed out.',
  others_signed_out: 'Every other session was signed out.',
};

export function notice(request: FastifyRequest): SafeHtml {
  const key = (request.query as Record<string, unknown>).notice;
  const text = typeof key === 'string' ? NOTICES[key] : undefined;
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

export function errorBox(message: string | null | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}

/** A domain failure a person can act on (bad input, conflict), or rethrows anything else. */
export function userMessage(error: unknown): string {
  if (error instanceof DomainError && error.kind !== 'not_found') return error.message;
  throw error;
}

/** What went wrong with a form, and the status its page answers with. */
export interface Failure {
  message: string;
  status: number;
}

/** A domain failure a person can act on, with the status the one table gives it; rethrows anything else. */
export function failure(error: unknown): Failure {
  return { message: userMessage(error), status: httpStatusOf(error) };
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
  return html`<time datetime="${date.toISOString()}" title="${view.timeZone}">${formatTime(date, view.timeZone, options)}</time>`;
}

function sourceLabel(source: string): string {
  if (source === 'sms') return 'via SMS';
  if (source === 'web') return 'via web';
  if (source.startsWith('api:')) return `via ${source.slice(4)}`;
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
  return html`<article class="post${options.promoted ? ' promoted' : ''}">${options.promoted ? html`<p class="meta"><strong>Promoted</strong> · <a href="/settings/privacy">why you see this</a></p>` : ''}${item.reblog ? html`<p class="meta">${name(item.author)} boosted</p>` : ''}
<p class="meta">${name(shown.author)}</p>
${p.spoilerText ? html`<details><summary>${p.spoilerText}</summary><div class="text">${text}</div></details>` : html`<div class="text">${text}</div>`}
<p class="meta"><a href="/@${shown.author.username}/${p.id}">${when(view, p.createdAt)}</a> · ${sourceLabel(p.source)}${p.visibility !== 'public' ? ` · ${p.visibility}` : ''}${p.repliesCount > 0 ? ` · ${p.repliesCount} repl${p.repliesCount === 1 ? 'y' : 'ies'}` : ''}${
    options.link !== false ? html` · <a href="/@${shown.author.username}/${p.id}#reply">Reply</a>` : ''
  }${own ? html` ${button(view, `/posts/${p.id}/delete`, 'Delete', '', 'inline link')}` : ''}</p></article>`;
}

export function postList(view: View, items: readonly PostView[], empty: string): SafeHtml {
  return items.length === 0 ? html`<p class="note">${empty}</p>` : html`${items.map((item) => postCard(view, item))}`;
}

/** "Older" link for cursor paging (Mastodon-style max_id). */
export function olderLink(
  path: string,
  items: readonly { id: string }[],
  limit: number,
  extra: Record<string, string> = {},
): SafeHtml {
  if (items.length < limit) return html``;
  const params = new URLSearchParams({ ...extra, max_id: items.at(-1)!.id });
  return html`<p><a href="${path}?${params.toString()}" rel="next">Older</a></p>`;
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
  if (value.length > limit) throw new DomainError('invalid', `${key} is too long (at most ${limit} characters)`);
  return value;
}

const DEFAULT_FIELD_LIMIT = 5000;

export function queryString(request: FastifyRequest, key: string, max = 200): string {
  const value = (request.query as Record<string, unknown>)[key];
  return typeof value === 'string' ? value.slice(0, max) : '';
}
