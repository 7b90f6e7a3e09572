import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account } from '../core/model.ts';
import { DomainError } from '../shared/errors.ts';
import { html, type SafeHtml } from './html.ts';
import { errorBox, field, sendPage, userMessage, viewFor, when, type View } from './layout.ts';
import { CSRF_FIELD, clearSessionCookie, currentSession } from './session.ts';
import { settingsLayout, signedInFor } from './settings-pages.ts';

const WEAKEST_NOTE =
  'SMS is the weakest factor: a SIM swap or an intercepted message defeats it. Prefer an authenticator app or a passkey.';

/** Things shown once, right after the action that produced them, never stored for later. */
interface OneTime {
  error?: string;
  totpSetup?: { secret: string; uri: string };
  recoveryCodes?: string[];
}

/** A password field with a unique id (several forms on the page ask for it). */
function passwordField(id: string, label = 'Your password'): SafeHtml {
  return html`<p><label for="${id}">${label}</label><br><input id="${id}" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>`;
}

function postForm(view: View, action: string, body: SafeHtml, attrs: SafeHtml = html``): SafeHtml {
  return html`<form method="post" action="${action}"${attrs}><input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">${body}</form>`;
}

/** "JBSW Y3DP EHPK 3PXP": easier to type into an app than one long run of letters. */
function grouped(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}

function yesNo(on: boolean): string {
  return on ? 'On' : 'Off';
}

function recoveryBlock(codes: string[]): SafeHtml {
  return html`<section class="card" id="recovery-codes"><h2>Your recovery codes</h2>
<p class="warn"><strong>Save these now</strong> (print them or keep them in a password manager): they are shown only this once. Each code signs you in once if you lose your authenticator app or passkeys.</p>
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

      const setup = once.totpSetup
        ? html`<section class="card" id="totp-setup"><h2>Set up your authenticator app</h2>
<p>In your authenticator app, add an account and type this key (or paste the link below into an app that accepts it):</p>
<p><code class="secret">${grouped(once.totpSetup.secret)}</code></p>
<p class="note">Link: <code>${once.totpSetup.uri}</code></p>
${postForm(
  view,
  '/settings/security/totp/confirm',
  html`<p><label for="totp-confirm-code">Code shown by the app</label><br><input id="totp-confirm-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="12"></p>
<p><button>Turn on authenticator app</button></p>`,
)}</section>`
        : '';

      const totp = s.totp
        ? html`<p>Authenticator app: <strong>on</strong>.</p>${postForm(view, '/settings/security/totp/disable', html`${passwordField('totp-off-password')}<p><button class="danger">Turn off authenticator app</button></p>`)}`
        : html`<p>Authenticator app: <strong>off</strong>. Apps such as Aegis, FreeOTP or Google Authenticator show a new 6-digit code every 30 seconds.</p>
${s.totpPending && !once.totpSetup ? postForm(view, '/settings/security/totp/confirm', html`<p>Setup was started but not finished.</p><p><label for="totp-pending-code">Code shown by the app</label><br><input id="totp-pending-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="12"></p><p><button>Finish setup</button></p>`) : ''}
${once.totpSetup ? '' : postForm(view, '/settings/security/totp', html`${passwordField('totp-password')}<p><button>Set up authenticator app</button></p>`)}`;

      const sms = html`<p>SMS codes: <strong>${yesNo(s.smsTwoFactor)}</strong>.</p><p class="warn">${WEAKEST_NOTE}</p>
${
  !s.hasPhone && !s.smsTwoFactor
    ? html`<p class="note">To use SMS codes, <a href="/settings/phone">link and verify a phone number</a> first.</p>`
    : postForm(
        view,
        '/settings/security/sms',
        html`<input type="hidden" name="on" value="${s.smsTwoFactor ? 'off' : 'on'}">${passwordField('sms-password')}<p><button>${s.smsTwoFactor ? 'Turn SMS codes off' : 'Turn SMS codes on'}</button></p>`,
      )
}`;

      const strong = html`<p>Require a strong factor: <strong>${yesNo(s.requireStrong)}</strong>. When on, a code by SMS is never enough on its own: signing in needs your authenticator app, a passkey or a recovery code.</p>
${postForm(view, '/settings/security/strong', html`<input type="hidden" name="on" value="${s.requireStrong ? 'off' : 'on'}">${passwordField('strong-password')}<p><button>${s.requireStrong ? 'Stop requiring a strong factor' : 'Require a strong factor'}</button></p>`)}`;

      const passkeys = html`${
        s.passkeys.length === 0
          ? html`<p class="note">No passkeys yet.</p>`
          : html`<ul class="plain">${s.passkeys.map(
              (
                p,
                i,
              ) => html`<li><p><strong>${p.name}</strong> <span class="note">added ${when(view, p.createdAt)}${p.lastUsedAt ? html`, last used ${when(view, p.lastUsedAt)}` : ', never used'}</span></p>
${postForm(view, `/settings/security/passkeys/${encodeURIComponent(p.id)}/remove`, html`${passwordField(`passkey-remove-${i}`)}<button class="danger">Remove</button>`)}</li>`,
            )}</ul>`
      }
<h3>Add a passkey</h3>
<p class="note" data-passkey-nojs>Adding a passkey needs JavaScript, which is off or unavailable in this browser.</p>
${postForm(
  view,
  '/settings/security/passkeys/options',
  html`<p><label for="passkey-name">Name for this passkey</label><br><input id="passkey-name" name="name" maxlength="100" value="Passkey" required></p>
${passwordField('passkey-password')}<p><button>Add a passkey</button></p>`,
  html` data-passkey="register" data-finish="/settings/security/passkeys" hidden`,
)}`;

      const sessionItems = sessions.map(
        (
          x,
        ) => html`<li><strong>${x.kind === 'web' ? 'Web browser' : x.kind === 'app' ? `App: ${x.appName ?? 'unnamed'}` : 'Operator token'}</strong>${
          x.id === session?.tokenId ? html` <strong class="ok">this browser</strong>` : ''
        }
<span class="note">${x.agent ? x.agent.slice(0, 120) : 'unknown browser or app'} · IP ${x.ip ?? 'unknown'} · started ${when(view, x.createdAt)} · last used ${x.lastUsedAt ? when(view, x.lastUsedAt) : 'never'}</span>
${postForm(view, `/settings/security/sessions/${encodeURIComponent(x.id)}/revoke`, html`<button class="link">Sign out</button>`, html` class="inline"`)}</li>`,
      );

      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          'Sign-in & 2FA',
          html`${errorBox(once.error)}${setup}${once.recoveryCodes ? recoveryBlock(once.recoveryCodes) : ''}
<section id="summary"><h2>Status</h2><ul>
<li>Two-factor sign-in: <strong>${yesNo(s.twoFactorEnabled)}</strong></li>
<li>Authenticator app: ${yesNo(s.totp)} · Passkeys: ${s.passkeys.length} · SMS codes: ${yesNo(s.smsTwoFactor)} (weakest)</li>
<li>Strong factor required: ${yesNo(s.requireStrong)} · Recovery codes left: ${s.recoveryCodesLeft}</li></ul>
<p class="note">${WEAKEST_NOTE} Every change here needs your password again and is reported to you by e-mail.</p></section>
<section id="authenticator"><h2>Authenticator app</h2>${totp}</section>
<section id="passkeys"><h2>Passkeys</h2>${passkeys}</section>
<section id="sms-codes"><h2>Codes by SMS</h2>${sms}</section>
<section id="strong"><h2>Strong factor</h2>${strong}</section>
<section id="recovery"><h2>Recovery codes</h2><p>${s.recoveryCodesLeft} unused recovery code(s) left. Making new ones cancels the old.</p>
${postForm(view, '/settings/security/recovery_codes', html`${passwordField('recovery-password')}<p><button>Make new recovery codes</button></p>`)}</section>
<section id="password"><h2>Change password</h2>
${postForm(
  view,
  '/settings/security/password',
  html`<p><label for="current-password">Current password</label><br><input id="current-password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024"></p>
<p><label for="new-password">New password</label><br><input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></p>
<p class="note">Every other session is signed out; this browser stays signed in.</p><p><button>Change password</button></p>`,
)}</section>
<section id="sessions"><h2>Sessions</h2>
<p class="note">Everywhere your account is signed in: browsers, apps and tokens. Sign out any you do not recognise.</p>
<ul class="plain sessions">${sessionItems}</ul>
${postForm(view, '/settings/security/sessions/revoke_others', html`<button class="danger">Sign out everywhere else</button>`)}</section>`,
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
          return securityPage(request, reply, me, { error: userMessage(error) }, httpStatusOf(error));
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
          return securityPage(request, reply, me, { error: userMessage(error) }, httpStatusOf(error));
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
          return reply.status(httpStatusOf(error)).send({ error: userMessage(error) });
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
            throw new DomainError('invalid', 'The passkey could not be read. Try again.');
          const name = field(request, 'name').trim() || 'Passkey';
          await ctx.factors.registerPasskey(
            me.id,
            credential as Parameters<typeof ctx.factors.registerPasskey>[1],
            name,
          );
          return reply.redirect('/settings/security?notice=passkey_added#passkeys', 303);
        } catch (error) {
          return securityPage(request, reply, me, { error: userMessage(error) }, httpStatusOf(error));
        }
      }),
    );

    app.post(
      '/settings/security/passkeys/:id/remove',
      guarded(async (request, reply, me, password) => {
        const id = (request.params as { id: string }).id;
        if (typeof id !== 'string' || id.length > 1400 || !(await ctx.factors.removePasskey(me.id, password, id))) {
          throw new DomainError('invalid', 'That passkey was not found.');
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
          return securityPage(request, reply, me, { error: userMessage(error) }, httpStatusOf(error));
        }
      }),
    );

    app.post(
      '/settings/security/sessions/:id/revoke',
      signedIn(async (request, reply, me) => {
        const id = (request.params as { id: string }).id;
        const session = await currentSession(ctx, request);
        if (typeof id !== 'string' || id.length > 100 || !(await ctx.oauth.revokeSession(me.id, id))) {
          return securityPage(request, reply, me, { error: 'That session was already signed out.' }, 404);
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
