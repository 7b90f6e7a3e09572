import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, ProfileField } from '../core/model.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import type { AccountNotice } from '../notices/index.ts';
import { NotFollowingError } from '../sms/index.ts';
import { maskContact } from '../privacy/index.ts';
import { html, type SafeHtml } from './html.ts';
import type { MessageId } from '../i18n/index.ts';
import { link, rich, strong } from './rich-text.ts';
import { requireViewer } from './auth-pages.ts';
import { avatarImage, headerImage } from './media-html.ts';
import { uploadedFile } from '../http/multipart.ts';
import {
  button,
  errorBox,
  field,
  form,
  layout,
  maxId,
  name,
  notice,
  olderLink,
  sendPage,
  viewFor,
  when,
  type View,
  failure,
  type Failure,
} from './layout.ts';

const SECTIONS: [string, MessageId][] = [
  ['/settings/profile', 'web.settings.section.profile'],
  ['/settings/phone', 'web.settings.section.phone'],
  ['/settings/sms', 'web.settings.section.sms'],
  ['/settings/sms/follows', 'web.settings.section.smsFollows'],
  ['/settings/sms/holds', 'web.settings.section.holds'],
  ['/settings/events', 'web.settings.section.events'],
  ['/settings/security', 'web.settings.section.security'],
  ['/settings/privacy', 'web.settings.section.privacy'],
];

export function settingsLayout(
  view: View,
  request: FastifyRequest,
  title: string,
  body: SafeHtml,
  options: { scripts?: string[] } = {},
): string {
  return layout(
    view,
    title,
    html`<nav class="sub" aria-label="${view.t('web.nav.settings')}">${SECTIONS.map(
      ([href, label]) =>
        html`<a href="${href}"${view.path === href ? html` aria-current="page"` : ''}>${view.t(label)}</a>`,
    )}</nav>
<h1>${title}</h1>${notice(request)}${body}`,
    options,
  );
}

/** What changed in sign-in protection (`web.event.change`). */
const CHANGES = new Set([
  'authenticator_app_added',
  'authenticator_app_removed',
  'recovery_codes_regenerated',
  'sms_two_factor_on',
  'sms_two_factor_off',
  'strong_factor_required',
  'strong_factor_no_longer_required',
  'password_changed',
  'passkey_removed',
  'reset_by_operator',
]);

function eventText(view: View, event: AccountNotice): string {
  // `web.event.text` selects on every notice kind (`NoticeKind`); its `other` case covers the rest.
  const change =
    typeof event.details.change === 'string' && CHANGES.has(event.details.change) ? event.details.change : 'none';
  const flood = event.details.reason === 'too_many_requests';
  return view.t('web.event.text', { kind: event.kind, flood, change });
}

function eventItem(view: View, event: AccountNotice): SafeHtml {
  const postId =
    typeof event.details.postId === 'string'
      ? event.details.postId
      : typeof event.details.post_id === 'string'
        ? event.details.post_id
        : null;
  return html`<li><p>${eventText(view, event)} <span class="note">${when(view, event.createdAt)}</span>${
    postId && view.viewer ? html` <a href="/@${view.viewer.username}/${postId}">${view.t('web.event.seePost')}</a>` : ''
  }</p></li>`;
}

/** Runs a page or action for the signed-in viewer; redirects others to log in. */
export function signedInFor(ctx: AppContext) {
  return (handler: (request: FastifyRequest, reply: FastifyReply, me: Account) => Promise<FastifyReply>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      return handler(request, reply, me);
    };
}

/** Avatar and header: both in one multipart form (works without script), each removable. */
function profileImagesSection(view: View, me: Account): SafeHtml {
  const urls = view.ctx.config;
  const t = view.t;
  const accept = 'image/jpeg,image/png,image/webp,image/gif,image/avif';
  return html`<h2 id="pictures">${t('web.settings.pictures')}</h2>
${me.avatar ? html`<p>${avatarImage(urls, me, 96)}</p>` : ''}${me.header ? html`<p>${headerImage(urls, me)}</p>` : ''}
${form(
  view,
  '/settings/profile/images',
  html`<p><label for="avatar">${t('web.settings.avatar')}</label><br><input id="avatar" name="avatar" type="file" accept="${accept}"></p>
<p><label for="header">${t('web.settings.header')}</label><br><input id="header" name="header" type="file" accept="${accept}"></p>
<p><button>${t('web.settings.upload')}</button></p>`,
  { multipart: true },
)}
<div class="row">${me.avatar ? button(view, '/settings/profile/avatar/remove', t('web.settings.removeAvatar')) : ''}${me.header ? button(view, '/settings/profile/header/remove', t('web.settings.removeHeader')) : ''}</div>`;
}

export function settingsPages(ctx: AppContext) {
  const sms = ctx.sms;
  return async (app: FastifyInstance) => {
    const signedIn = signedInFor(ctx);

    app.get(
      '/settings',
      signedIn(async (_request, reply) => reply.redirect('/settings/profile', 303)),
    );

    // ── Profile and time zone ─────────────────────────────────────────────────
    async function profilePage(
      request: FastifyRequest,
      reply: FastifyReply,
      me: Account,
      error?: Failure,
      values?: {
        displayName: string;
        note: string;
        locked: boolean;
        discoverable: boolean;
        bot: boolean;
        fields: ProfileField[];
      },
      zoneError?: { failure: Failure; value: string },
    ) {
      const view = await viewFor(ctx, request, reply);
      const t = view.t;
      const locked = values?.locked ?? me.locked;
      const discoverable = values?.discoverable ?? me.discoverable;
      const bot = values?.bot ?? me.bot;
      const fields = values?.fields ?? me.fields;
      const fieldRows = [0, 1, 2, 3].map((i) => {
        const f = fields[i];
        return html`<p class="pair"><label for="field_${i}_name">${t('web.settings.fieldLabel', { n: i + 1 })}</label><br><input id="field_${i}_name" name="field_${i}_name" maxlength="255" value="${f?.name ?? ''}"><br><label for="field_${i}_value">${t('web.settings.fieldContent', { n: i + 1 })}</label><br><input id="field_${i}_value" name="field_${i}_value" maxlength="255" value="${f?.value ?? ''}"></p>`;
      });
      const waiting = await ctx.microblog.followRequestCount(me.id);
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          t('web.settings.section.profile'),
          html`${errorBox(error?.message)}
${form(
  view,
  '/settings/profile',
  html`<p><label for="display_name">${t('web.settings.displayName')}</label><br><input id="display_name" name="display_name" maxlength="30" value="${values?.displayName ?? me.displayName}"></p>
<p><label for="note">${t('web.settings.bio')}</label><br><textarea id="note" name="note" rows="4" maxlength="500">${values?.note ?? me.note}</textarea></p>
<p><label><input type="checkbox" name="locked" value="on"${locked ? html` checked` : ''} aria-describedby="locked-help"> ${t('web.settings.locked')}</label><br>
<small id="locked-help" class="note">${t('web.settings.lockedHelp')}</small></p>
<fieldset><legend>${t('web.settings.fields')}</legend><p class="note">${t('web.settings.fieldsHelp')}</p>
${fieldRows}</fieldset>
<p><label><input type="checkbox" name="discoverable" value="on"${discoverable ? html` checked` : ''} aria-describedby="discoverable-help"> ${t('web.settings.discoverable')}</label><br>
<small id="discoverable-help" class="note">${t('web.settings.discoverableHelp')}</small></p>
<p><label><input type="checkbox" name="bot" value="on"${bot ? html` checked` : ''}> ${t('web.settings.bot')}</label></p>
<p><button>${t('web.settings.save')}</button></p>`,
)}
${profileImagesSection(view, me)}
${locked || waiting > 0 ? html`<p><a href="/follow_requests">${t('web.settings.followRequests', { count: waiting })}</a></p>` : ''}
<p class="note">${rich(view, 'web.settings.yourProfile', { username: me.username }, { a: link(`/@${me.username}`) })}</p>
<h2 id="time-zone">${t('web.settings.timeZone')}</h2>${errorBox(zoneError?.failure.message)}
<p>${rich(view, 'web.settings.timesShownIn', { zone: me.timeZone ?? 'UTC', chosen: me.timeZone !== null }, { b: strong })}</p>
${form(
  view,
  '/settings/time-zone',
  html`<p><label for="time_zone">${t('web.settings.timeZone')}</label><br><input id="time_zone" name="time_zone" maxlength="64" autocomplete="off" spellcheck="false" placeholder="UTC" value="${zoneError?.value ?? me.timeZone ?? ''}"${me.timeZone || zoneError ? '' : html` data-browser-time-zone`}><br><small class="note">${t('web.settings.timeZoneHelp', { chosen: me.timeZone !== null })}</small></p>
<p><button>${t('web.settings.saveTimeZone')}</button></p>`,
)}`,
        ),
        error?.status ?? zoneError?.failure.status ?? 200,
      );
    }
    app.get(
      '/settings/profile',
      signedIn((request, reply, me) => profilePage(request, reply, me)),
    );
    app.post(
      '/settings/profile/images',
      { config: { uploads: true } },
      signedIn(async (request, reply, me) => {
        try {
          for (const kind of ['avatar', 'header'] as const) {
            const file = uploadedFile(request, kind);
            if (file) await ctx.media.setProfileImage(me.id, kind, file.data);
          }
          return reply.redirect('/settings/profile?notice=saved', 303);
        } catch (error) {
          return profilePage(request, reply, me, failure(error, await viewFor(ctx, request, reply)));
        }
      }),
    );
    for (const kind of ['avatar', 'header'] as const) {
      app.post(
        `/settings/profile/${kind}/remove`,
        signedIn(async (_request, reply, me) => {
          await ctx.media.removeProfileImage(me.id, kind);
          return reply.redirect('/settings/profile?notice=saved', 303);
        }),
      );
    }
    app.post(
      '/settings/profile',
      signedIn(async (request, reply, me) => {
        const displayName = field(request, 'display_name');
        const note = field(request, 'note');
        // A form without JavaScript sends an unticked box as nothing at all: absent means open.
        const locked = field(request, 'locked') === 'on';
        const discoverable = field(request, 'discoverable') === 'on';
        const bot = field(request, 'bot') === 'on';
        const fields = [0, 1, 2, 3].map((i) => ({
          name: field(request, `field_${i}_name`, FIELD_LIMITS.field_name),
          value: field(request, `field_${i}_value`, FIELD_LIMITS.field_value),
        }));
        try {
          await ctx.microblog.updateProfile(me.id, { displayName, note, locked, discoverable, bot, fields });
          return reply.redirect('/settings/profile?notice=saved', 303);
        } catch (error) {
          return profilePage(request, reply, me, failure(error, await viewFor(ctx, request, reply)), {
            displayName,
            note,
            locked,
            discoverable,
            bot,
            fields,
          });
        }
      }),
    );
    app.post(
      '/settings/time-zone',
      signedIn(async (request, reply, me) => {
        const zone = field(request, 'time_zone', 100).trim();
        try {
          await ctx.microblog.setTimeZone(me.id, zone === '' ? null : zone);
          return reply.redirect('/settings/profile?notice=time_zone_saved#time-zone', 303);
        } catch (error) {
          return profilePage(request, reply, me, undefined, undefined, {
            failure: failure(error, await viewFor(ctx, request, reply)),
            value: zone,
          });
        }
      }),
    );

    // ── Phone ─────────────────────────────────────────────────────────────────
    /**
     * One of three states, said in words: no number, a code waiting for a number (sent to
     * +…, with the form to enter it), or a linked number (and perhaps a code for a new one).
     * The code form shows only while a code is waiting; a number typed in stays in its field.
     */
    async function phonePage(
      request: FastifyRequest,
      reply: FastifyReply,
      me: Account,
      error?: Failure,
      typedNumber?: string,
    ) {
      const view = await viewFor(ctx, request, reply);
      const t = view.t;
      const [phone, pending] = await Promise.all([sms.phones.phoneOf(me.id), sms.phones.pendingNumber(me.id)]);
      const askedJustNow = (request.query as Record<string, unknown>).notice === 'code_sent';
      const verifyForm = form(
        view,
        '/settings/phone/verify',
        html`<p><label for="code">${t('web.auth.codeFromText')}</label><br><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required></p><p><button>${t('web.auth.verify')}</button></p>`,
      );
      const numberValue = typedNumber ?? pending?.e164 ?? '';
      const requestForm = form(
        view,
        '/settings/phone',
        html`<p><label for="number">${t(phone ? 'web.phone.otherNumber' : 'web.auth.mobileNumber')}</label><br><input id="number" name="number" type="tel" inputmode="tel" autocomplete="tel" required maxlength="40" placeholder="+254712345678" value="${numberValue}"></p>
<p><button${pending ? html` class="secondary"` : ''}>${t(pending ? 'web.phone.sendNewCode' : 'web.phone.sendCode')}</button></p>`,
      );
      const linked = phone
        ? html`<section class="card state" aria-labelledby="phone-state"><h2 id="phone-state">${t('web.phone.linked')}</h2><p>${rich(view, 'web.phone.linkedText', { number: maskContact('phone', phone.e164), country: phone.country, verified: when(view, phone.verifiedAt) }, { b: strong, a: link('/settings/sms') })}</p>
<p><a class="btn danger" href="/settings/phone/remove">${t('web.phone.removeLink')}</a></p></section>`
        : pending
          ? ''
          : html`<section class="card state" aria-labelledby="phone-state"><h2 id="phone-state">${t('web.phone.none')}</h2><p>${t('web.phone.noneText')}</p></section>`;
      const waiting = pending
        ? html`<section class="card state" aria-labelledby="code-state"><h2 id="code-state">${t('web.phone.codeSentTo', { number: pending.e164 })}</h2><p>${rich(view, 'web.phone.enterCode', { until: when(view, pending.expiresAt, { date: false }), replacing: phone !== null, old: phone ? maskContact('phone', phone.e164) : '' })}</p>${verifyForm}</section>`
        : askedJustNow
          ? html`<p class="warn">${t('web.phone.noCodeWaiting')}</p>`
          : '';
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          t('web.settings.section.phone'),
          html`${errorBox(error?.message)}
${linked}${waiting}
<h2>${t(pending ? 'web.phone.wrongNumber' : phone ? 'web.phone.change' : 'web.phone.link')}</h2>
<p class="note">${t('web.phone.help')}</p>
${requestForm}`,
        ),
        error?.status ?? 200,
      );
    }
    app.get(
      '/settings/phone',
      signedIn((request, reply, me) => phonePage(request, reply, me)),
    );
    app.post(
      '/settings/phone',
      signedIn(async (request, reply, me) => {
        const number = field(request, 'number');
        try {
          await sms.phones.request(me.id, number, { ip: request.ip });
          return reply.redirect('/settings/phone?notice=code_sent#code', 303);
        } catch (error) {
          return phonePage(request, reply, me, failure(error, await viewFor(ctx, request, reply)), number);
        }
      }),
    );
    app.post(
      '/settings/phone/verify',
      signedIn(async (request, reply, me) => {
        try {
          await sms.phones.verify(me.id, field(request, 'code').replace(/\s+/g, ''));
          return reply.redirect('/settings/phone?notice=phone_linked', 303);
        } catch (error) {
          return phonePage(request, reply, me, failure(error, await viewFor(ctx, request, reply)));
        }
      }),
    );
    // Removing the number is a step of its own: it ends posting, notifications and SMS sign-in codes.
    app.get(
      '/settings/phone/remove',
      signedIn(async (request, reply, me) => {
        const phone = await sms.phones.phoneOf(me.id);
        if (!phone) return reply.redirect('/settings/phone', 303);
        const view = await viewFor(ctx, request, reply);
        const t = view.t;
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            t('web.phone.removeTitle'),
            html`<section class="warn"><p>${rich(view, 'web.phone.removeMeans', { number: maskContact('phone', phone.e164) }, { b: strong })}</p>
<ul><li>${t('web.phone.removeNoPosts')}</li><li>${t('web.phone.removeNoNotifications')}</li><li>${t('web.phone.removeNoCodes')}</li></ul>
<p>${t('web.phone.removeAgain')}</p></section>
<div class="row">${form(view, '/settings/phone/remove', html`<button class="danger">${t('web.phone.removeYes')}</button>`, { className: 'inline' })}<a href="/settings/phone">${t('web.phone.removeCancel')}</a></div>`,
          ),
        );
      }),
    );
    app.post(
      '/settings/phone/remove',
      signedIn(async (_request, reply, me) => {
        await sms.phones.unbind(me.id);
        return reply.redirect('/settings/phone?notice=phone_removed', 303);
      }),
    );

    // ── SMS posting, notifications, PIN, locks ──────────────────────────────────
    async function smsPage(request: FastifyRequest, reply: FastifyReply, me: Account, error?: Failure) {
      const view = await viewFor(ctx, request, reply);
      const [settings, state] = await Promise.all([sms.settings.get(me.id), sms.owner.state(me.id)]);
      const check = (on: boolean) => (on ? html` checked` : html``);
      const t = view.t;
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          t('web.settings.section.sms'),
          html`${errorBox(error?.message)}
${settings.phone ? html`<p>${rich(view, 'web.sms.textsFrom', { number: maskContact('phone', settings.phone.e164) }, { b: strong })}</p>` : html`<p class="warn">${rich(view, 'web.sms.noPhone', {}, { a: link('/settings/phone') })}</p>`}
${
  state.lockedAt
    ? html`<section class="warn"><h2>${t('web.sms.lockedTitle')}</h2><p>${rich(view, 'web.sms.lockedSince', { since: when(view, state.lockedAt), reason: state.lockReason === 'pin' || state.lockReason === 'sim_swap' ? state.lockReason : 'not_me' })}</p>
${form(view, '/settings/sms/unlock', html`<p><label for="unlock-password">${t('web.login.password')}</label><br><input id="unlock-password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p><p><button>${t('web.sms.unlock')}</button></p>`)}</section>`
    : ''
}
<h2>${t('web.sms.channels')}</h2>
${form(
  view,
  '/settings/sms',
  html`<p><label><input type="checkbox" name="posting" value="on"${check(settings.posting)}> ${t('web.sms.posting')}</label></p>
<p><label><input type="checkbox" name="notifications" value="on"${check(settings.notifications)}> ${t('web.sms.notifications')}</label></p>
<p><button>${t('web.settings.save')}</button></p>`,
)}
<h2>${t('web.sms.pin')}</h2>
<p>${t('web.sms.pinState', { set: state.pinHash !== null, staff: me.role !== 'user' })}</p>
${form(view, '/settings/sms/pin', html`<p><label for="pin">${t('web.sms.newPin')}</label><br><input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" pattern="[0-9]{4,8}" minlength="4" maxlength="8" required></p><p><button>${t('web.sms.setPin')}</button></p>`)}
${state.pinHash && me.role === 'user' ? button(view, '/settings/sms/pin/clear', t('web.sms.removePin')) : ''}
<h2>${t('web.sms.postsBySms')}</h2>
<p>${t('web.sms.notMeHelp')}</p>
<div class="row">${button(view, '/settings/sms/not-me', t('web.sms.notMe'), '', 'inline danger')} ${button(view, '/settings/sms/confirm', t('web.sms.allMine'))}</div>`,
        ),
        error?.status ?? 200,
      );
    }
    app.get(
      '/settings/sms',
      signedIn((request, reply, me) => smsPage(request, reply, me)),
    );
    app.post(
      '/settings/sms',
      signedIn(async (request, reply, me) => {
        await sms.settings.update(me.id, {
          posting: field(request, 'posting') === 'on',
          notifications: field(request, 'notifications') === 'on',
        });
        return reply.redirect('/settings/sms?notice=saved', 303);
      }),
    );
    app.post(
      '/settings/sms/pin',
      signedIn(async (request, reply, me) => {
        try {
          await sms.owner.setPin(me.id, field(request, 'pin'));
          return reply.redirect('/settings/sms?notice=pin_set', 303);
        } catch (error) {
          return smsPage(request, reply, me, failure(error, await viewFor(ctx, request, reply)));
        }
      }),
    );
    app.post(
      '/settings/sms/pin/clear',
      signedIn(async (request, reply, me) => {
        try {
          await sms.owner.setPin(me.id, null);
          return reply.redirect('/settings/sms?notice=pin_cleared', 303);
        } catch (error) {
          return smsPage(request, reply, me, failure(error, await viewFor(ctx, request, reply)));
        }
      }),
    );
    app.post(
      '/settings/sms/unlock',
      signedIn(async (request, reply, me) => {
        try {
          await sms.owner.unlock(me.id, { password: field(request, 'password') });
          return reply.redirect('/settings/sms?notice=unlocked', 303);
        } catch (error) {
          return smsPage(request, reply, me, failure(error, await viewFor(ctx, request, reply)));
        }
      }),
    );
    app.post(
      '/settings/sms/not-me',
      signedIn(async (_request, reply, me) => {
        await sms.owner.notMe(me.id);
        return reply.redirect('/settings/sms?notice=not_me', 303);
      }),
    );
    app.post(
      '/settings/sms/confirm',
      signedIn(async (_request, reply, me) => {
        await sms.owner.confirm(me.id);
        return reply.redirect('/settings/sms?notice=confirmed', 303);
      }),
    );

    // ── Per-account SMS notifications (what FOLLOW / ON @user / OFF @user set by text) ──
    async function smsFollowsPage(
      request: FastifyRequest,
      reply: FastifyReply,
      me: Account,
      error: string | null = null,
      status = 200,
    ) {
      const view = await viewFor(ctx, request, reply);
      const settings = await sms.settings.get(me.id);
      const rows = await ctx.microblog.following(me.id, { limit: 80, maxId: maxId(request) });
      const texted = maxId(request) ? [] : await sms.subscriptions.subscriptionsOf(me.id, 200);
      const accounts = await ctx.microblog.accounts([...texted, ...rows.map((r) => r.accountId)]);
      const subscribed = await sms.subscriptions.subscribedAmong(
        me.id,
        rows.map((r) => r.accountId),
      );
      const list = rows.map((r) => ({ account: accounts.get(r.accountId), on: subscribed.has(r.accountId) }));
      const textedNames = texted.map((id) => accounts.get(id)).filter((a): a is Account => a !== undefined);
      const t = view.t;
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          t('web.settings.section.smsFollows'),
          html`${errorBox(error)}
<p>${rich(view, 'web.smsFollows.intro', { on: settings.notifications }, { a: link('/settings/sms'), code: (inner) => html`<code>${inner}</code>` })}</p>
${textedNames.length > 0 ? html`<p>${t('web.smsFollows.now', { names: new Intl.ListFormat(view.locale, { type: 'unit' }).format(textedNames.map((a) => `@${a.username}`)) })}</p>` : ''}
${
  list.length === 0
    ? html`<p class="note">${t('web.smsFollows.none')}</p>`
    : html`<ul class="plain">${list.map(({ account, on }) =>
        account
          ? html`<li class="row">${name(account)} <span class="note">${t(on ? 'web.smsFollows.bySms' : 'web.smsFollows.notBySms')}</span> ${button(
              view,
              `/settings/sms/follows/${account.username}`,
              t(on ? 'web.smsFollows.stop' : 'web.smsFollows.start'),
              html`<input type="hidden" name="on" value="${on ? 'off' : 'on'}">`,
            )}</li>`
          : '',
      )}</ul>`
}
${olderLink(
  view,
  '/settings/sms/follows',
  rows.map((r) => ({ id: r.cursor })),
  80,
)}`,
        ),
        status,
      );
    }
    app.get(
      '/settings/sms/follows',
      signedIn(async (request, reply, me) => smsFollowsPage(request, reply, me)),
    );
    app.post(
      '/settings/sms/follows/:username',
      signedIn(async (request, reply, me) => {
        const target = await ctx.microblog.lookup((request.params as { username: string }).username);
        if (target && field(request, 'on') === 'on') {
          try {
            await sms.subscriptions.subscribe(me.id, target);
          } catch (error) {
            if (!(error instanceof NotFollowingError)) throw error;
            return smsFollowsPage(request, reply, me, error.message, 409);
          }
        } else if (target) {
          await sms.subscriptions.unsubscribe(me.id, target.id);
        }
        return reply.redirect('/settings/sms/follows?notice=saved', 303);
      }),
    );

    // ── Held texts ─────────────────────────────────────────────────────────────
    app.get(
      '/settings/sms/holds',
      signedIn(async (request, reply, me) => {
        const view = await viewFor(ctx, request, reply);
        const holds = await sms.owner.holds(me.id, null);
        const t = view.t;
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            t('web.settings.section.holds'),
            html`<p>${t('web.holds.intro')}</p>
${
  holds.length === 0
    ? html`<p class="note">${t('web.holds.none')}</p>`
    : html`<ul class="plain">${holds.map(
        (h) => html`<li class="hold"><blockquote>${h.text}</blockquote>
<p class="meta">${when(view, h.createdAt)} · ${t('web.holds.meta', { reason: h.reason, status: h.status })}</p>${
          h.status === 'pending'
            ? html`<div class="row">${button(view, `/settings/sms/holds/${h.id}/release`, t('web.holds.release'))} ${button(view, `/settings/sms/holds/${h.id}/discard`, t('web.holds.discard'), '', 'inline danger')}</div>`
            : ''
        }</li>`,
      )}</ul>`
}`,
          ),
        );
      }),
    );
    for (const action of ['release', 'discard'] as const) {
      app.post(
        `/settings/sms/holds/:id/${action}`,
        signedIn(async (request, reply, me) => {
          const id = (request.params as { id: string }).id;
          if (action === 'release') await sms.owner.release(me.id, id);
          else await sms.owner.discard(me.id, id);
          return reply.redirect(`/settings/sms/holds?notice=${action}d`, 303);
        }),
      );
    }

    // ── Security events ────────────────────────────────────────────────────────
    app.get(
      '/settings/events',
      signedIn(async (request, reply, me) => {
        const view = await viewFor(ctx, request, reply);
        const events = await ctx.notices.list(me.id, 100);
        // Seen here: the banner on the home page goes away.
        await ctx.notices.markRead(me.id);
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            view.t('web.settings.section.events'),
            html`<p>${rich(view, 'web.events.intro', {}, { notMe: link('/settings/sms'), security: link('/settings/security') })}</p>
${events.length === 0 ? html`<p class="note">${view.t('web.events.none')}</p>` : html`<ul class="plain events">${events.map((e) => eventItem(view, e))}</ul>`}`,
          ),
        );
      }),
    );
  };
}
