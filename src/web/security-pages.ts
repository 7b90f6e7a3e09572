import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account } from '../core/model.ts';
import { DomainError } from '../shared/errors.ts';
import { html, type SafeHtml } from './html.ts';
import { link, rich, strong } from './rich-text.ts';
import { errorBox, field, sendPage, userMessage, viewFor, when, type View } from './layout.ts';
import { CSRF_FIELD, clearSessionCookie, currentSession } from './session.ts';
import { settingsLayout, signedInFor } from './settings-pages.ts';
import { scriptText } from './script-text.ts';

/** Things shown once, right after the action that produced them, never stored for later. */
interface OneTime {
  error?: string;
  totpSetup?: { secret: string; uri: string };
  recoveryCodes?: string[];
}

/** A password field with a unique id (several forms on the page ask for it). */
function passwordFieldOf(view: View, id: string): SafeHtml {
  return html`<p><label for="${id}">${view.t('web.security.yourPassword')}</label><br><input id="${id}" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>`;
}

function postForm(view: View, action: string, body: SafeHtml, attrs: SafeHtml = html``): SafeHtml {
  return html`<form method="post" action="${action}"${attrs}><input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">${body}</form>`;
}

/** "JBSW Y3DP EHPK 3PXP": easier to type into an app than one long run of letters. */
function grouped(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

function recoveryBlock(view: View, codes: string[]): SafeHtml {
  return html`<section class="card" id="recovery-codes"><h2>${view.t('web.security.yourRecoveryCodes')}</h2>
<p class="warn">${rich(view, 'web.security.saveCodes', {}, { b: strong })}</p>
<ol class="codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ol></section>`;
}

export function securityPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const signedIn = signedInFor(ctx);

    async function securityPage(
      request: FastifyRequest,
      reply: FastifyReply,
      me: Account,
      once: OneTime = {},
      status = 200,
    ): Promise<FastifyReply> {
      const view = await viewFor(ctx, request, reply);
      const session = await currentSession(ctx, request);
      const [s, sessions] = await Promise.all([ctx.factors.summary(me.id), ctx.oauth.sessions(me.id)]);
      const t = view.t;
      const yesNo = (on: boolean) => t('web.security.onOff', { on });
      const passwordField = (id: string) => passwordFieldOf(view, id);

      const setup = once.totpSetup
        ? html`<section class="card" id="totp-setup"><h2>${t('web.security.setupTitle')}</h2>
<p>${t('web.security.setupHelp')}</p>
<p><code class="secret">${grouped(once.totpSetup.secret)}</code></p>
<p class="note">${rich(view, 'web.security.setupLink', { uri: once.totpSetup.uri }, { code: (inner) => html`<code>${inner}</code>` })}</p>
${postForm(
  view,
  '/settings/security/totp/confirm',
  html`<p><label for="totp-confirm-code">${t('web.security.codeShown')}</label><br><input id="totp-confirm-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="12"></p>
<p><button>${t('web.security.totpTurnOn')}</button></p>`,
)}</section>`
        : '';

      const totp = s.totp
        ? html`<p>${rich(view, 'web.security.totpState', { on: true }, { b: strong })}</p>${postForm(view, '/settings/security/totp/disable', html`${passwordField('totp-off-password')}<p><button class="danger">${t('web.security.totpTurnOff')}</button></p>`)}`
        : html`<p>${rich(view, 'web.security.totpState', { on: false }, { b: strong })}</p>
${s.totpPending && !once.totpSetup ? postForm(view, '/settings/security/totp/confirm', html`<p>${t('web.security.setupUnfinished')}</p><p><label for="totp-pending-code">${t('web.security.codeShown')}</label><br><input id="totp-pending-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="12"></p><p><button>${t('web.security.finishSetup')}</button></p>`) : ''}
${once.totpSetup ? '' : postForm(view, '/settings/security/totp', html`${passwordField('totp-password')}<p><button>${t('web.security.setupButton')}</button></p>`)}`;

      const sms = html`<p>${rich(view, 'web.security.smsState', { on: s.smsTwoFactor }, { b: strong })}</p><p class="warn">${t('web.security.weakest')}</p>
${
  !s.hasPhone && !s.smsTwoFactor
    ? html`<p class="note">${rich(view, 'web.security.smsNeedsPhone', {}, { a: link('/settings/phone') })}</p>`
    : postForm(
        view,
        '/settings/security/sms',
        html`<input type="hidden" name="on" value="${s.smsTwoFactor ? 'off' : 'on'}">${passwordField('sms-password')}<p><button>${t('web.security.smsToggle', { on: s.smsTwoFactor })}</button></p>`,
      )
}`;

      const strongPart = html`<p>${rich(view, 'web.security.strongState', { on: s.requireStrong }, { b: strong })}</p>
${postForm(view, '/settings/security/strong', html`<input type="hidden" name="on" value="${s.requireStrong ? 'off' : 'on'}">${passwordField('strong-password')}<p><button>${t('web.security.strongToggle', { on: s.requireStrong })}</button></p>`)}`;

      const passkeys = html`${
        s.passkeys.length === 0
          ? html`<p class="note">${t('web.security.noPasskeys')}</p>`
          : html`<ul class="plain">${s.passkeys.map(
              (
                p,
                i,
              ) => html`<li><p><strong>${p.name}</strong> <span class="note">${rich(view, 'web.security.passkeyDates', { added: when(view, p.createdAt), used: p.lastUsedAt !== null, lastUsed: p.lastUsedAt ? when(view, p.lastUsedAt) : '' })}</span></p>
${postForm(view, `/settings/security/passkeys/${encodeURIComponent(p.id)}/remove`, html`${passwordField(`passkey-remove-${i}`)}<button class="danger">${t('web.security.remove')}</button>`)}</li>`,
            )}</ul>`
      }
<h3>${t('web.security.addPasskey')}</h3>
<p class="note" data-passkey-nojs>${t('web.security.passkeyNeedsJs')}</p>
${postForm(
  view,
  '/settings/security/passkeys/options',
  html`<p><label for="passkey-name">${t('web.security.passkeyName')}</label><br><input id="passkey-name" name="name" maxlength="100" value="${t('web.security.passkey')}" required></p>
${passwordField('passkey-password')}<p><button>${t('web.security.addPasskey')}</button></p>`,
  html` data-passkey="register" data-finish="/settings/security/passkeys"${scriptText(view, { 'passkey-cancelled': 'web.script.passkeyCancelled', 'passkey-failed': 'web.script.passkeyFailed', 'passkey-expired': 'web.script.signInExpired' })} hidden`,
)}`;

      const sessionItems = sessions.map(
        (x) => html`<li><strong>${t('web.security.sessionKind', { kind: x.kind, app: x.appName ?? '' })}</strong>${
          x.id === session?.tokenId ? html` <strong class="ok">${t('web.security.thisBrowser')}</strong>` : ''
        }
<span class="note">${x.agent ? x.agent.slice(0, 120) : t('web.security.unknownAgent')} · ${rich(view, 'web.security.sessionDates', { ip: x.ip ?? '—', started: when(view, x.createdAt), used: x.lastUsedAt !== null, lastUsed: x.lastUsedAt ? when(view, x.lastUsedAt) : '' })}</span>
${postForm(view, `/settings/security/sessions/${encodeURIComponent(x.id)}/revoke`, html`<button class="link">${t('web.security.signOut')}</button>`, html` class="inline"`)}</li>`,
      );

      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          t('web.settings.section.security'),
          html`${errorBox(once.error)}${setup}${once.recoveryCodes ? recoveryBlock(view, once.recoveryCodes) : ''}
<section id="summary"><h2>${t('web.security.status')}</h2><ul>
<li>${rich(view, 'web.security.twoFactorState', { state: yesNo(s.twoFactorEnabled) }, { b: strong })}</li>
<li>${t('web.security.factorsLine', { totp: yesNo(s.totp), passkeys: s.passkeys.length, sms: yesNo(s.smsTwoFactor) })}</li>
<li>${t('web.security.strongLine', { strong: yesNo(s.requireStrong), left: s.recoveryCodesLeft })}</li></ul>
<p class="note">${t('web.security.weakest')} ${t('web.security.everyChange')}</p></section>
<section id="authenticator"><h2>${t('web.security.totp')}</h2>${totp}</section>
<section id="passkeys"><h2>${t('web.security.passkeys')}</h2>${passkeys}</section>
<section id="sms-codes"><h2>${t('web.security.smsCodes')}</h2>${sms}</section>
<section id="strong"><h2>${t('web.security.strong')}</h2>${strongPart}</section>
<section id="recovery"><h2>${t('web.security.recoveryCodes')}</h2><p>${t('web.security.recoveryLeft', { count: s.recoveryCodesLeft })}</p>
${postForm(view, '/settings/security/recovery_codes', html`${passwordField('recovery-password')}<p><button>${t('web.security.newRecoveryCodes')}</button></p>`)}</section>
<section id="password"><h2>${t('web.security.changePassword')}</h2>
${postForm(
  view,
  '/settings/security/password',
  html`<p><label for="current-password">${t('web.security.currentPassword')}</label><br><input id="current-password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024"></p>
<p><label for="new-password">${t('web.auth.newPassword')}</label><br><input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></p>
<p class="note">${t('web.security.othersSignedOut')}</p><p><button>${t('web.security.changePassword')}</button></p>`,
)}</section>
<section id="sessions"><h2>${t('web.security.sessions')}</h2>
<p class="note">${t('web.security.sessionsHelp')}</p>
<ul class="plain sessions">${sessionItems}</ul>
${postForm(view, '/settings/security/sessions/revoke_others', html`<button class="danger">${t('web.security.signOutOthers')}</button>`)}</section>`,
          { scripts: ['/static/sparrow.js', '/static/passkey.js'] },
        ),
        status,
      );
    }

    /** Runs a change to sign-in protection (the domain asks for the password again); shows the page with any error. */
    const guarded = (
      action: (request: FastifyRequest, reply: FastifyReply, me: Account, password: string) => Promise<FastifyReply>,
    ) =>
      signedIn(async (request, reply, me) => {
        try {
          return await action(request, reply, me, field(request, 'password', 2048));
        } catch (error) {
          return securityPage(
            request,
            reply,
            me,
            { error: userMessage(error, await viewFor(ctx, request, reply)) },
            httpStatusOf(error),
          );
        }
      });

    app.get(
      '/settings/security',
      signedIn((request, reply, me) => securityPage(request, reply, me)),
    );

    app.post(
      '/settings/security/totp',
      guarded(async (request, reply, me, password) => {
        const totpSetup = await ctx.factors.beginTotp(
          me.id,
          password,
          `${me.username}@${ctx.config.domain}`,
          ctx.config.instanceName,
        );
        return securityPage(request, reply, me, { totpSetup });
      }),
    );

    app.post(
      '/settings/security/totp/confirm',
      signedIn(async (request, reply, me) => {
        try {
          const { recoveryCodes } = await ctx.factors.confirmTotp(me.id, field(request, 'code').replace(/\s+/g, ''));
          if (!recoveryCodes) return reply.redirect('/settings/security?notice=totp_on', 303);
          return securityPage(request, reply, me, { recoveryCodes });
        } catch (error) {
          return securityPage(
            request,
            reply,
            me,
            { error: userMessage(error, await viewFor(ctx, request, reply)) },
            httpStatusOf(error),
          );
        }
      }),
    );

    app.post(
      '/settings/security/totp/disable',
      guarded(async (_request, reply, me, password) => {
        await ctx.factors.disableTotp(me.id, password);
        return reply.redirect('/settings/security?notice=totp_off', 303);
      }),
    );

    app.post(
      '/settings/security/sms',
      guarded(async (request, reply, me, password) => {
        const on = field(request, 'on') === 'on';
        await ctx.factors.changeProtection(me.id, password, { smsTwoFactor: on });
        return reply.redirect(`/settings/security?notice=${on ? 'sms_2fa_on' : 'sms_2fa_off'}`, 303);
      }),
    );

    app.post(
      '/settings/security/strong',
      guarded(async (request, reply, me, password) => {
        const on = field(request, 'on') === 'on';
        await ctx.factors.changeProtection(me.id, password, { requireStrong: on });
        return reply.redirect(`/settings/security?notice=${on ? 'strong_on' : 'strong_off'}`, 303);
      }),
    );

    app.post(
      '/settings/security/recovery_codes',
      guarded(async (request, reply, me, password) => {
        const recoveryCodes = await ctx.factors.regenerateRecoveryCodes(me.id, password);
        return securityPage(request, reply, me, { recoveryCodes });
      }),
    );

    // Passkey registration: called by /static/passkey.js (fetch), answers JSON.
    app.post(
      '/settings/security/passkeys/options',
      signedIn(async (request, reply, me) => {
        try {
          return reply.send(
            await ctx.factors.passkeyRegistrationOptions(me.id, field(request, 'password', 2048), me.username),
          );
        } catch (error) {
          return reply
            .status(httpStatusOf(error))
            .send({ error: userMessage(error, await viewFor(ctx, request, reply)) });
        }
      }),
    );

    app.post(
      '/settings/security/passkeys',
      signedIn(async (request, reply, me) => {
        try {
          let credential: unknown = null;
          try {
            credential = JSON.parse(field(request, 'credential') || 'null');
          } catch {
            credential = null;
          }
          if (!credential || typeof credential !== 'object' || Array.isArray(credential))
            throw new DomainError('invalid', 'The passkey could not be read. Try again.').coded('passkey.unreadable');
          const name = field(request, 'name').trim() || 'Passkey';
          await ctx.factors.registerPasskey(
            me.id,
            credential as Parameters<typeof ctx.factors.registerPasskey>[1],
            name,
          );
          return reply.redirect('/settings/security?notice=passkey_added#passkeys', 303);
        } catch (error) {
          return securityPage(
            request,
            reply,
            me,
            { error: userMessage(error, await viewFor(ctx, request, reply)) },
            httpStatusOf(error),
          );
        }
      }),
    );

    app.post(
      '/settings/security/passkeys/:id/remove',
      guarded(async (request, reply, me, password) => {
        const id = (request.params as { id: string }).id;
        if (typeof id !== 'string' || id.length > 1400 || !(await ctx.factors.removePasskey(me.id, password, id))) {
          throw new DomainError('invalid', 'That passkey was not found.').coded('passkey.not_found');
        }
        return reply.redirect('/settings/security?notice=passkey_removed#passkeys', 303);
      }),
    );

    app.post(
      '/settings/security/password',
      signedIn(async (request, reply, me) => {
        try {
          const session = await currentSession(ctx, request);
          await ctx.auth.changePassword(
            me.id,
            field(request, 'current_password', FIELD_LIMITS.password),
            field(request, 'new_password', FIELD_LIMITS.password),
            session?.tokenId ?? null,
          );
          return reply.redirect('/settings/security?notice=password_changed', 303);
        } catch (error) {
          return securityPage(
            request,
            reply,
            me,
            { error: userMessage(error, await viewFor(ctx, request, reply)) },
            httpStatusOf(error),
          );
        }
      }),
    );

    app.post(
      '/settings/security/sessions/:id/revoke',
      signedIn(async (request, reply, me) => {
        const id = (request.params as { id: string }).id;
        const session = await currentSession(ctx, request);
        if (typeof id !== 'string' || id.length > 100 || !(await ctx.oauth.revokeSession(me.id, id))) {
          const { t } = await viewFor(ctx, request, reply);
          return securityPage(request, reply, me, { error: t('web.security.alreadySignedOut') }, 404);
        }
        if (id === session?.tokenId) {
          clearSessionCookie(ctx, reply);
          return reply.redirect('/', 303);
        }
        return reply.redirect('/settings/security?notice=session_revoked#sessions', 303);
      }),
    );

    app.post(
      '/settings/security/sessions/revoke_others',
      signedIn(async (request, reply, me) => {
        const session = await currentSession(ctx, request);
        await ctx.oauth.revokeAllSessions(me.id, session?.tokenId);
        return reply.redirect('/settings/security?notice=others_signed_out#sessions', 303);
      }),
    );
  };
}
