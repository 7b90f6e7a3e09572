import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, ProfileField } from '../core/model.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import type { AccountNotice } from '../notices/index.ts';
import { NotFollowingError } from '../sms/index.ts';
import { maskContact } from '../privacy/index.ts';
import { html, type SafeHtml } from './html.ts';
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

const SECTIONS: [string, string][] = [
  ['/settings/profile', 'Profile'],
  ['/settings/phone', 'Phone'],
  ['/settings/sms', 'SMS posting & PIN'],
  ['/settings/sms/follows', 'SMS notifications'],
  ['/settings/sms/holds', 'Held texts'],
  ['/settings/events', 'Security events'],
  ['/settings/security', 'Sign-in & 2FA'],
  ['/settings/privacy', 'Privacy'],
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
    html`<nav class="sub" aria-label="Settings">${SECTIONS.map(
      ([href, label]) => html`<a href="${href}"${view.path === href ? html` aria-current="page"` : ''}>${label}</a>`,
    )}</nav>
<h1>${title}</h1>${notice(request)}${body}`,
    options,
  );
}

const EVENT_TEXT: Record<string, string> = {
  sms_post: 'A post was made by SMS from your phone number.',
  sim_swap_detected: 'Your mobile carrier reported a recent SIM change: SMS posting is frozen.',
  sim_swap_check_failed: 'We could not check your number with your carrier; the text was held.',
  sms_posting_locked: 'SMS posting was locked.',
  sms_message_held: 'A text from your number was held for you to review.',
  sms_not_me: 'You reported SMS posts as not yours; they were removed and SMS posting was locked.',
  sms_posting_unlocked: 'SMS posting was unlocked.',
  sign_in_code_withheld:
    'Someone asked for a sign-in code by SMS; none was sent because your carrier reported a recent SIM change.',
  reset_code_withheld:
    'Someone asked for a password reset code by SMS; none was sent because your carrier reported a recent SIM change.',
  sms_codes_locked:
    'Too many wrong SMS codes were entered: codes by SMS are locked for a while. Signing in with your password (and other factor) or resetting it by e-mail lifts the lock.',
  password_reset: 'Your password was reset and every session was signed out.',
  recovery_code_used: 'A recovery code was used to sign in.',
  two_factor_changed: 'Your sign-in protection changed.',
  passkey_added: 'A passkey was added.',
  session_revoked: 'A session was signed out.',
};

const CHANGE_TEXT: Record<string, string> = {
  authenticator_app_added: 'an authenticator app was added',
  authenticator_app_removed: 'the authenticator app was removed',
  recovery_codes_regenerated: 'new recovery codes were made',
  sms_two_factor_on: 'SMS codes were turned on',
  sms_two_factor_off: 'SMS codes were turned off',
  strong_factor_required: 'a strong factor is now required',
  strong_factor_no_longer_required: 'a strong factor is no longer required',
  password_changed: 'the password was changed',
  passkey_removed: 'a passkey was removed',
  reset_by_operator: 'an operator removed every second factor',
};

/** Codes withheld because too many were asked for the number (not because of a SIM change). */
const FLOOD_WITHHELD_TEXT: Record<string, string> = {
  sign_in_code_withheld:
    'Someone asked for a sign-in code by SMS; none was sent because too many codes were asked for your number. Sign in with your password, or from a network you used before.',
  reset_code_withheld:
    'Someone asked for a password reset code by SMS; none was sent because too many codes were asked for your number. Reset it by e-mail.',
};

function eventText(event: AccountNotice): string {
  const base =
    (event.details.reason === 'too_many_requests' ? FLOOD_WITHHELD_TEXT[event.kind] : undefined) ??
    EVENT_TEXT[event.kind] ??
    event.kind.replace(/_/g, ' ');
  const change = typeof event.details.change === 'string' ? CHANGE_TEXT[event.details.change] : undefined;
  return change ? `${base.replace(/\.$/, '')}: ${change}.` : base;
}

function eventItem(view: View, event: AccountNotice): SafeHtml {
  const postId =
    typeof event.details.postId === 'string'
      ? event.details.postId
      : typeof event.details.post_id === 'string'
        ? event.details.post_id
        : null;
  return html`<li><p>${eventText(event)} <span class="note">${when(view, event.createdAt)}</span>${
    postId && view.viewer ? html` <a href="/@${view.viewer.username}/${postId}">See the post</a>` : ''
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
  const accept = 'image/jpeg,image/png,image/webp,image/gif,image/avif';
  return html`<h2 id="pictures">Profile pictures</h2>
${me.avatar ? html`<p>${avatarImage(urls, me, 96)}</p>` : ''}${me.header ? html`<p>${headerImage(urls, me)}</p>` : ''}
${form(
  view,
  '/settings/profile/images',
  html`<p><label for="avatar">Avatar (cropped to a square, 400×400)</label><br><input id="avatar" name="avatar" type="file" accept="${accept}"></p>
<p><label for="header">Header (cropped to 1500×500)</label><br><input id="header" name="header" type="file" accept="${accept}"></p>
<p><button>Upload</button></p>`,
  { multipart: true },
)}
<div class="row">${me.avatar ? button(view, '/settings/profile/avatar/remove', 'Remove avatar') : ''}${me.header ? button(view, '/settings/profile/header/remove', 'Remove header') : ''}</div>`;
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
      const locked = values?.locked ?? me.locked;
      const discoverable = values?.discoverable ?? me.discoverable;
      const bot = values?.bot ?? me.bot;
      const fields = values?.fields ?? me.fields;
      const fieldRows = [0, 1, 2, 3].map((i) => {
        const f = fields[i];
        return html`<p class="pair"><label for="field_${i}_name">Label ${i + 1}</label><br><input id="field_${i}_name" name="field_${i}_name" maxlength="255" value="${f?.name ?? ''}"><br><label for="field_${i}_value">Content ${i + 1}</label><br><input id="field_${i}_value" name="field_${i}_value" maxlength="255" value="${f?.value ?? ''}"></p>`;
      });
      const waiting = await ctx.microblog.followRequestCount(me.id);
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          'Profile',
          html`${errorBox(error?.message)}
${form(
  view,
  '/settings/profile',
  html`<p><label for="display_name">Display name</label><br><input id="display_name" name="display_name" maxlength="30" value="${values?.displayName ?? me.displayName}"></p>
<p><label for="note">Bio</label><br><textarea id="note" name="note" rows="4" maxlength="500">${values?.note ?? me.note}</textarea></p>
<p><label><input type="checkbox" name="locked" value="on"${locked ? html` checked` : ''} aria-describedby="locked-help"> Approve followers by hand</label><br>
<small id="locked-help" class="note">People then ask to follow you and see your followers-only posts only once you accept. Turning this off accepts everyone still waiting.</small></p>
<fieldset><legend>Profile fields</legend><p class="note">Up to four label and content pairs shown on your profile (a website, pronouns…). Links become links.</p>
${fieldRows}</fieldset>
<p><label><input type="checkbox" name="discoverable" value="on"${discoverable ? html` checked` : ''} aria-describedby="discoverable-help"> Suggest my account to others</label><br>
<small id="discoverable-help" class="note">You may then appear in follow suggestions and the profile directory. Off, you never do.</small></p>
<p><label><input type="checkbox" name="bot" value="on"${bot ? html` checked` : ''}> This is an automated account</label></p>
<p><button>Save</button></p>`,
)}
${profileImagesSection(view, me)}
${locked || waiting > 0 ? html`<p><a href="/follow_requests">Follow requests</a>${waiting > 0 ? ` (${waiting} waiting)` : ''}</p>` : ''}
<p class="note">Your profile: <a href="/@${me.username}">@${me.username}</a></p>
<h2 id="time-zone">Time zone</h2>${errorBox(zoneError?.failure.message)}
<p>Times are shown in <strong>${me.timeZone ?? 'UTC'}</strong>${me.timeZone ? '' : ' (no zone chosen yet, so UTC)'}; every time on a page says which zone it is in.</p>
${form(
  view,
  '/settings/time-zone',
  html`<p><label for="time_zone">Time zone</label><br><input id="time_zone" name="time_zone" maxlength="64" autocomplete="off" spellcheck="false" placeholder="UTC" value="${zoneError?.value ?? me.timeZone ?? ''}"${me.timeZone || zoneError ? '' : html` data-browser-time-zone`}><br><small class="note">An IANA name such as Africa/Nairobi, Europe/Berlin or America/New_York; empty for UTC.${me.timeZone ? '' : ' Where the page can ask your browser, the field is filled with its zone: save to use it.'}</small></p>
<p><button>Save time zone</button></p>`,
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
          return profilePage(request, reply, me, failure(error));
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
          return profilePage(request, reply, me, failure(error), {
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
          return profilePage(request, reply, me, undefined, undefined, { failure: failure(error), value: zone });
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
      const [phone, pending] = await Promise.all([sms.phones.phoneOf(me.id), sms.phones.pendingNumber(me.id)]);
      const askedJustNow = (request.query as Record<string, unknown>).notice === 'code_sent';
      const verifyForm = form(
        view,
        '/settings/phone/verify',
        html`<p><label for="code">Code from the text message</label><br><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required></p><p><button>Verify</button></p>`,
      );
      const numberValue = typedNumber ?? pending?.e164 ?? '';
      const requestForm = form(
        view,
        '/settings/phone',
        html`<p><label for="number">${phone ? 'Use another number' : 'Mobile number'}</label><br><input id="number" name="number" type="tel" inputmode="tel" autocomplete="tel" required maxlength="40" placeholder="+254712345678" value="${numberValue}"></p>
<p><button${pending ? html` class="secondary"` : ''}>${pending ? 'Send a new code' : 'Send code'}</button></p>`,
      );
      const linked = phone
        ? html`<section class="card state" aria-labelledby="phone-state"><h2 id="phone-state">Linked</h2><p><strong>${maskContact('phone', phone.e164)}</strong> (${phone.country}), verified ${when(view, phone.verifiedAt)}. Texts from it can post, follow and get notifications as set under <a href="/settings/sms">SMS posting</a>.</p>
<p><a class="btn danger" href="/settings/phone/remove">Remove this number…</a></p></section>`
        : pending
          ? ''
          : html`<section class="card state" aria-labelledby="phone-state"><h2 id="phone-state">No number linked</h2><p>Link a mobile number to post and get notifications by text message.</p></section>`;
      const waiting = pending
        ? html`<section class="card state" aria-labelledby="code-state"><h2 id="code-state">Code sent to ${pending.e164}</h2><p>Enter the 6-digit code from the text (valid until ${when(view, pending.expiresAt, { date: false })})${phone ? html` to link this number instead of ${maskContact('phone', phone.e164)}` : ''}.</p>${verifyForm}</section>`
        : askedJustNow
          ? html`<p class="warn">No code is waiting: that number may not be able to receive texts from us, or too many codes were asked for in the last hour. Check the number, or try again later.</p>`
          : '';
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          'Phone',
          html`${errorBox(error?.message)}
${linked}${waiting}
<h2>${pending ? 'Wrong number, or no text?' : phone ? 'Change number' : 'Link a number'}</h2>
<p class="note">We text a 6-digit code to the number. It is valid for 10 minutes. Use the international format, starting with +.</p>
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
          return phonePage(request, reply, me, failure(error), number);
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
          return phonePage(request, reply, me, failure(error));
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
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            'Remove your phone number?',
            html`<section class="warn"><p>Removing <strong>${maskContact('phone', phone.e164)}</strong> means:</p>
<ul><li>texts from it no longer post, follow or reach you;</li><li>you get no notifications by text;</li><li>sign-in and second-factor codes by SMS stop.</li></ul>
<p>You can link it again later with a new code.</p></section>
<div class="row">${form(view, '/settings/phone/remove', html`<button class="danger">Yes, remove this number</button>`, { className: 'inline' })}<a href="/settings/phone">Cancel, keep it</a></div>`,
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
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          'SMS posting & PIN',
          html`${errorBox(error?.message)}
${settings.phone ? html`<p>Texts from <strong>${maskContact('phone', settings.phone.e164)}</strong> can act for you only as set here.</p>` : html`<p class="warn">No phone linked yet: <a href="/settings/phone">link a number</a> first.</p>`}
${
  state.lockedAt
    ? html`<section class="warn"><h2>SMS posting is locked</h2><p>Since ${when(view, state.lockedAt)} (${state.lockReason === 'pin' ? 'too many wrong PINs' : state.lockReason === 'sim_swap' ? 'your SIM card changed' : 'you reported posts as not yours'}). Unlock with your password.</p>
${form(view, '/settings/sms/unlock', html`<p><label for="unlock-password">Password</label><br><input id="unlock-password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p><p><button>Unlock SMS posting</button></p>`)}</section>`
    : ''
}
<h2>Channels</h2>
${form(
  view,
  '/settings/sms',
  html`<p><label><input type="checkbox" name="posting" value="on"${check(settings.posting)}> Let me post by text message</label></p>
<p><label><input type="checkbox" name="notifications" value="on"${check(settings.notifications)}> Send me notifications by text message</label></p>
<p><button>Save</button></p>`,
)}
<h2>Posting PIN</h2>
<p>${state.pinHash ? 'A PIN is set: start every text you post with it.' : 'No PIN set. With a PIN, a text only posts when it starts with it.'}${me.role !== 'user' ? ' Administrators and moderators must keep one.' : ''}</p>
${form(view, '/settings/sms/pin', html`<p><label for="pin">New PIN (4 to 8 digits)</label><br><input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" pattern="[0-9]{4,8}" minlength="4" maxlength="8" required></p><p><button>Set PIN</button></p>`)}
${state.pinHash && me.role === 'user' ? button(view, '/settings/sms/pin/clear', 'Remove PIN') : ''}
<h2>Posts by SMS</h2>
<p>If a post came from your number and it was not you, this removes every SMS post since your last confirmation, discards held texts and locks SMS posting.</p>
<div class="row">${button(view, '/settings/sms/not-me', 'This wasn’t me', '', 'inline danger')} ${button(view, '/settings/sms/confirm', 'They were all mine')}</div>`,
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
          return smsPage(request, reply, me, failure(error));
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
          return smsPage(request, reply, me, failure(error));
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
          return smsPage(request, reply, me, failure(error));
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
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          'SMS notifications',
          html`${errorBox(error)}
<p>${settings.notifications ? 'Text notifications are on.' : html`Text notifications are off for everyone (<a href="/settings/sms">change</a>).`} Choose whose posts reach you by SMS. Texting <code>FOLLOW @name</code>, <code>ON @name</code> or <code>OFF @name</code> does the same.</p>
${textedNames.length > 0 ? html`<p>By SMS now: ${textedNames.map((a, i) => html`${i > 0 ? ', ' : ''}@${a.username}`)}.</p>` : ''}
${
  list.length === 0
    ? html`<p class="note">You do not follow anyone yet.</p>`
    : html`<ul class="plain">${list.map(({ account, on }) =>
        account
          ? html`<li class="row">${name(account)} <span class="note">${on ? 'by SMS' : 'not by SMS'}</span> ${button(
              view,
              `/settings/sms/follows/${account.username}`,
              on ? 'Stop texts' : 'Text me their posts',
              html`<input type="hidden" name="on" value="${on ? 'off' : 'on'}">`,
            )}</li>`
          : '',
      )}</ul>`
}
${olderLink(
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
        const reasons: Record<string, string> = {
          sim_swap: 'SIM change',
          sim_swap_unavailable: 'carrier check unavailable',
          rate_limit: 'too many texts',
        };
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            'Held texts',
            html`<p>Texts from your number that were not acted on. Release one to act on it now, or discard it.</p>
${
  holds.length === 0
    ? html`<p class="note">No held texts.</p>`
    : html`<ul class="plain">${holds.map(
        (h) => html`<li class="hold"><blockquote>${h.text}</blockquote>
<p class="meta">${when(view, h.createdAt)} · held: ${reasons[h.reason] ?? h.reason} · ${h.status}</p>${
          h.status === 'pending'
            ? html`<div class="row">${button(view, `/settings/sms/holds/${h.id}/release`, 'Release')} ${button(view, `/settings/sms/holds/${h.id}/discard`, 'Discard', '', 'inline danger')}</div>`
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
            'Security events',
            html`<p>What happened to your account’s security and through SMS. If an SMS post here was not you, use <a href="/settings/sms">This wasn’t me</a>; if anything else was not you, change your password and review <a href="/settings/security">Sign-in &amp; 2FA</a>.</p>
${events.length === 0 ? html`<p class="note">Nothing yet.</p>` : html`<ul class="plain events">${events.map((e) => eventItem(view, e))}</ul>`}`,
          ),
        );
      }),
    );
  };
}
