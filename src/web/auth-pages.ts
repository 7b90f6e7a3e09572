import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account } from '../core/model.ts';
import type { SecondFactorProof, SignInStep } from '../security/authentication.ts';
import { isSignInProofMethod, type SecondFactorMethod } from '../security/second-factors.ts';
import { DomainError } from '../shared/errors.ts';
import { html, type SafeHtml } from './html.ts';
import { link, rich, strong } from './rich-text.ts';
import {
  errorBox,
  field,
  form,
  layout,
  notice,
  queryString,
  sendPage,
  userMessage,
  viewFor,
  type View,
} from './layout.ts';
import { currentAccount, signIn, signOut } from './session.ts';
import { scriptText } from './script-text.ts';

/** Only local paths: never redirect to another site after sign-in. */
function safeNext(value: string): string {
  return /^\/(?![/\\])[\w\-./@?=&%]*$/.test(value) ? value : '/home';
}

/** Sends signed-out visitors to the login page, coming back here afterwards. */
export async function requireViewer(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Account | null> {
  const account = await currentAccount(ctx, request);
  if (!account) {
    void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return null;
  }
  return account;
}

function isRateLimited(error: unknown): error is DomainError {
  return error instanceof DomainError && error.kind === 'rate_limited';
}

/** Throttled: a page of its own with status 429, never the form again (that would invite retries). */
function tooManyPage(view: View, reply: FastifyReply, error: DomainError, again = '/login'): FastifyReply {
  return sendPage(
    reply,
    layout(
      view,
      view.t('web.auth.tooMany'),
      html`<h1>${view.t('web.auth.tooMany')}</h1>${errorBox(error.message)}
<p>${rich(view, 'web.auth.tooManyHelp', {}, { a: link(again) })}</p>`,
    ),
    429,
  );
}

const hiddenFlow = (flowId: string, next: string) =>
  html`<input type="hidden" name="flow_id" value="${flowId}"><input type="hidden" name="next" value="${next}">`;

const codeInput = (id: string, label: string, autocomplete = 'one-time-code'): SafeHtml =>
  html`<p><label for="${id}">${label}</label><br><input id="${id}" name="code" inputmode="numeric" autocomplete="${autocomplete}" required maxlength="40" spellcheck="false"></p>`;

// ── Pages ──────────────────────────────────────────────────────────────────

function loginPage(
  view: View,
  request: FastifyRequest,
  values: { login?: string; next?: string; error?: string } = {},
) {
  const next = values.next ?? '/home';
  return layout(
    view,
    view.t('web.login.title'),
    html`<h1>${view.t('web.login.title')}</h1>${notice(request)}${errorBox(values.error)}
${form(
  view,
  '/login',
  html`<input type="hidden" name="next" value="${next}">
<p><label for="login">${view.t('web.login.user')}</label><br><input id="login" name="login" autocomplete="username" required maxlength="320" value="${values.login ?? ''}"></p>
<p><label for="password">${view.t('web.login.password')}</label><br><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>
<p><button>${view.t('web.login.submit')}</button></p>`,
)}
<p><a href="/login/sms?next=${encodeURIComponent(next)}">${view.t('web.login.bySms')}</a></p>
<p class="note"><a href="/password_reset">${view.t('web.login.forgot')}</a> · ${view.t('web.login.noAccount')} <a href="/signup">${view.t('web.login.signup')}</a>.</p>`,
  );
}

interface StepValues {
  flowId: string;
  methods: readonly SecondFactorMethod[];
  next: string;
  error?: string;
  info?: string;
}

/** The second step of a sign-in: one form per method the account offers, strongest first. */
function secondStepPage(view: View, v: StepValues): string {
  const has = (m: SecondFactorMethod) => v.methods.includes(m);
  const t = view.t;
  const verify = (method: string, body: SafeHtml, attrs: { passkey?: boolean } = {}) =>
    html`<form method="post" action="/login/verify"${attrs.passkey ? html` data-passkey="sign-in"${scriptText(view, { 'passkey-cancelled': 'web.script.passkeyCancelled', 'passkey-failed': 'web.script.passkeyFailed', 'passkey-expired': 'web.script.signInExpired' })}` : ''}><input type="hidden" name="_csrf" value="${view.csrf}">${hiddenFlow(v.flowId, v.next)}<input type="hidden" name="method" value="${method}">${body}</form>`;
  const sections: SafeHtml[] = [];
  if (has('passkey')) {
    sections.push(html`<section><h2>${t('web.security.passkey')}</h2>
<p class="note" data-passkey-nojs>${t('web.auth.passkeyNeedsJs')}</p>
${verify('passkey', html`<input type="hidden" name="credential" value=""><p><button hidden>${t('web.auth.usePasskey')}</button></p>`, { passkey: true })}</section>`);
  }
  if (has('totp')) {
    sections.push(
      html`<section><h2>${t('web.security.totp')}</h2>${verify('totp', html`${codeInput('totp-code', t('web.auth.codeFromApp'))}<p><button>${t('web.auth.verify')}</button></p>`)}</section>`,
    );
  }
  if (has('recovery_code')) {
    sections.push(
      html`<section><h2>${t('web.auth.recoveryCode')}</h2>${verify(
        'recovery_code',
        html`<p><label for="recovery-code">${t('web.auth.recoveryCode')}</label><br><input id="recovery-code" name="code" autocomplete="off" required maxlength="40" spellcheck="false"></p>
<p class="note">${t('web.auth.recoveryOnce')}</p><p><button>${t('web.auth.useRecoveryCode')}</button></p>`,
      )}</section>`,
    );
  }
  if (has('sms')) {
    sections.push(html`<section><h2>${t('web.auth.codeBySms')}</h2>
<p class="warn">${t('web.auth.smsWeakest')}</p>
${form(view, '/login/second_factor/sms', html`${hiddenFlow(v.flowId, v.next)}<button>${t('web.auth.textMeCode')}</button>`, { className: 'inline' })}
${verify('sms', html`${codeInput('sms-code', t('web.auth.codeFromText'))}<p><button>${t('web.auth.verify')}</button></p>`)}</section>`);
  }
  if (has('password')) {
    sections.push(
      html`<section><h2>${t('web.login.password')}</h2>${verify('password', html`<p><label for="step-password">${t('web.login.password')}</label><br><input id="step-password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p><p><button>${t('web.auth.continue')}</button></p>`)}</section>`,
    );
  }
  return layout(
    view,
    t('web.auth.confirmTitle'),
    html`<h1>${t('web.auth.confirmTitle')}</h1>
${v.info ? html`<p class="notice" role="status">${v.info}</p>` : ''}${errorBox(v.error)}
<p>${t('web.auth.confirmHelp')}</p>
${sections}
<p class="note"><a href="/login">${t('web.auth.startAgain')}</a></p>`,
    { scripts: ['/static/passkey.js'] },
  );
}

function smsNumberPage(view: View, values: { number?: string; next: string; error?: string }) {
  const t = view.t;
  return layout(
    view,
    t('web.auth.smsTitle'),
    html`<h1>${t('web.auth.smsHeading')}</h1>${errorBox(values.error)}
<p>${t('web.auth.smsHelp')}</p>
${form(
  view,
  '/login/sms',
  html`<input type="hidden" name="next" value="${values.next}">
<p><label for="sms-number">${t('web.auth.mobileNumber')}</label><br><input id="sms-number" name="number" type="tel" inputmode="tel" autocomplete="tel" required maxlength="40" placeholder="+254712345678" value="${values.number ?? ''}"></p>
<p><button>${t('web.auth.textMeCode')}</button></p>`,
)}
<p class="note"><a href="/login">${t('web.auth.passwordInstead')}</a></p>`,
  );
}

function smsCodePage(view: View, values: { flowId: string; next: string; number?: string; error?: string }) {
  const dev = view.ctx.config.smsProvider === 'console' && values.number;
  const t = view.t;
  return layout(
    view,
    t('web.auth.enterCode'),
    html`<h1>${t('web.auth.enterCode')}</h1>${errorBox(values.error)}
<p>${rich(view, 'web.auth.smsCodeOnWay', { number: values.number ?? '' }, { b: strong })}</p>
${form(
  view,
  '/login/verify',
  html`${hiddenFlow(values.flowId, values.next)}<input type="hidden" name="method" value="login_code"><input type="hidden" name="number" value="${values.number ?? ''}">
${codeInput('login-code', t('web.auth.codeFromText'))}<p><button>${t('web.auth.signIn')}</button></p>`,
)}
${dev ? html`<p class="note">${rich(view, 'web.auth.devPhone', {}, { a: link(`/dev/phone?number=${encodeURIComponent(values.number ?? '')}`) })}</p>` : ''}
<p class="note"><a href="/login/sms">${t('web.phone.otherNumber')}</a> · <a href="/login">${t('web.auth.withPassword')}</a></p>`,
  );
}

interface SignupPageValues {
  email?: string;
  error?: string;
  /** The puzzle this page's script solves (absent when the puzzle is off). */
  challenge?: { challenge: string; bits: number } | null;
}

function signupPage(view: View, values: SignupPageValues = {}) {
  const challenge = values.challenge ?? null;
  const approval = view.ctx.signUps.approvalRequired;
  const t = view.t;
  return layout(
    view,
    t('web.login.signup'),
    html`<h1>${t('web.signup.heading')}</h1>${errorBox(values.error)}
<p>${t('web.signup.emailFirst')}</p>
${approval ? html`<p class="note">${t('web.signup.approvalNote')}</p>` : ''}
<form method="post" action="/signup"${challenge ? html` data-pow-bits="${String(challenge.bits)}"` : ''}><input type="hidden" name="_csrf" value="${view.csrf}">
${challenge ? html`<input type="hidden" name="pow_challenge" value="${challenge.challenge}"><input type="hidden" name="pow_nonce" value="">` : ''}
<p><label for="email">${t('web.signup.email')}</label><br><input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="${values.email ?? ''}"></p>
${challenge ? html`<p id="pow-status" class="note" role="status"${scriptText(view, { running: 'web.script.powRunning', waiting: 'web.script.powWaiting', done: 'web.script.powDone' })} hidden></p>` : ''}
<p><button>${t('web.auth.sendMeCode')}</button></p></form>
${challenge && !approval ? html`<noscript><p class="note">${t('web.signup.noScript')}</p></noscript>` : ''}
<p class="note">${rich(view, 'web.signup.haveAccount', {}, { a: link('/login') })}</p>`,
    challenge ? { scripts: ['/static/sparrow.js', '/static/signup-pow.js'] } : {},
  );
}

function signupClosedPage(view: View) {
  return layout(
    view,
    view.t('web.login.signup'),
    html`<h1>${view.t('web.signup.closed')}</h1><p>${view.t('web.signup.closedHelp')}</p><p class="note">${rich(view, 'web.signup.haveAccount', {}, { a: link('/login') })}</p>`,
  );
}

function signupPendingPage(view: View, username: string) {
  return layout(
    view,
    view.t('web.signup.waitingTitle'),
    html`<h1>${view.t('web.signup.thanks', { username })}</h1><p class="notice" role="status">${view.t('web.signup.waiting')}</p><p><a href="/">${view.t('web.nav.home')}</a></p>`,
  );
}

function signupCodePage(
  view: View,
  values: {
    flowId: string;
    email: string;
    username?: string;
    displayName?: string;
    reason?: string;
    approval: boolean;
    error?: string;
  },
) {
  const devMail = view.ctx.config.smsProvider === 'console' && view.ctx.devMailbox !== null;
  const t = view.t;
  return layout(
    view,
    t('web.signup.checkMail'),
    html`<h1>${t('web.signup.checkMail')}</h1>${errorBox(values.error)}
<p>${rich(view, 'web.signup.sentTo', { email: values.email }, { b: strong })}</p>
${devMail ? html`<p class="note">${rich(view, 'web.auth.devMail', {}, { a: link(`/dev/mail?to=${encodeURIComponent(values.email)}`) })}</p>` : ''}
${form(
  view,
  '/signup/finish',
  html`<input type="hidden" name="flow_id" value="${values.flowId}"><input type="hidden" name="email" value="${values.email}">
${codeInput('signup-code', t('web.signup.codeFromMail'))}
<p><label for="username">${t('web.signup.username')}</label><br><input id="username" name="username" autocomplete="username" required maxlength="30" pattern="[A-Za-z0-9_]+" value="${values.username ?? ''}"><br><small class="note">${t('web.signup.usernameHelp')}</small></p>
<p><label for="display_name">${t('web.signup.displayName')}</label><br><input id="display_name" name="display_name" autocomplete="name" maxlength="30" value="${values.displayName ?? ''}"></p>
<p><label for="new-password">${t('web.login.password')}</label><br><input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></p>
${
  values.approval
    ? html`<p><label for="join-reason">${t('web.signup.reason')}</label><br><textarea id="join-reason" name="reason" rows="3" maxlength="500">${values.reason ?? ''}</textarea></p>
<p class="note">${t('web.signup.approvalAfter')}</p>`
    : ''
}
<input type="hidden" name="time_zone" value="" data-browser-time-zone>
<p class="note">${t('web.signup.timeZoneNote')}</p>
<p><button>${t('web.signup.create')}</button></p>`,
)}
<p class="note">${rich(view, 'web.signup.noMail', {}, { a: link('/signup') })}</p>`,
  );
}

function resetStartPage(view: View, values: { target?: string; error?: string } = {}) {
  const t = view.t;
  return layout(
    view,
    t('web.reset.title'),
    html`<h1>${t('web.reset.title')}</h1>${errorBox(values.error)}
<p>${t('web.reset.help')}</p>
${form(
  view,
  '/password_reset',
  html`<p><label for="reset-target">${t('web.reset.target')}</label><br><input id="reset-target" name="target" autocomplete="username" required maxlength="320" value="${values.target ?? ''}"></p>
<p><button>${t('web.auth.sendMeCode')}</button></p>`,
)}
<p class="note"><a href="/login">${t('web.reset.backToLogin')}</a></p>`,
  );
}

function resetCodePage(view: View, values: { flowId: string; target: string; error?: string }) {
  const dev = view.ctx.config.smsProvider === 'console';
  const byEmail = values.target.includes('@');
  const t = view.t;
  const devLink = !dev
    ? ''
    : byEmail
      ? view.ctx.devMailbox
        ? html`<p class="note">${rich(view, 'web.auth.devMail', {}, { a: link(`/dev/mail?to=${encodeURIComponent(values.target)}`) })}</p>`
        : ''
      : html`<p class="note">${rich(view, 'web.auth.devPhone', {}, { a: link(`/dev/phone?number=${encodeURIComponent(values.target)}`) })}</p>`;
  return layout(
    view,
    t('web.reset.choose'),
    html`<h1>${t('web.reset.choose')}</h1>${errorBox(values.error)}
<p>${rich(view, 'web.reset.sent', { target: values.target }, { b: strong })}</p>${devLink}
${form(
  view,
  '/password_reset/finish',
  html`<input type="hidden" name="flow_id" value="${values.flowId}"><input type="hidden" name="target" value="${values.target}">
${codeInput('reset-code', t('web.reset.code'))}
<p><label for="reset-password">${t('web.auth.newPassword')}</label><br><input id="reset-password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></p>
<p class="note">${t('web.reset.signsOut')}</p>
<p><button>${t('web.reset.set')}</button></p>`,
)}
<p class="note"><a href="/password_reset">${t('web.auth.startAgain')}</a></p>`,
  );
}

// ── Routes ─────────────────────────────────────────────────────────────────

export function authPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    /** Who asks: the address, and the page's language for what is sent to someone who has not chosen one. */
    const requester = (request: FastifyRequest, view?: View) => ({
      ip: request.ip,
      ...(view ? { locale: view.locale } : {}),
    });

    /** The outcome of a sign-in step: in (session + redirect) or the second-step page. */
    async function stepDone(
      request: FastifyRequest,
      reply: FastifyReply,
      step: SignInStep,
      next: string,
      info?: string,
    ): Promise<FastifyReply> {
      if (step.status === 'signed_in') {
        await signIn(ctx, request, reply, step.accountId);
        return reply.redirect(next, 303);
      }
      const view = await viewFor(ctx, request, reply);
      return sendPage(
        reply,
        secondStepPage(view, { flowId: step.flowId, methods: step.methods, next, ...(info ? { info } : {}) }),
      );
    }

    /** Shows the second step again with an error, or the login page when the flow is gone. */
    async function stepFailed(
      request: FastifyRequest,
      reply: FastifyReply,
      flowId: string,
      next: string,
      error: unknown,
    ): Promise<FastifyReply> {
      const view = await viewFor(ctx, request, reply);
      if (isRateLimited(error)) return tooManyPage(view, reply, error);
      const message = userMessage(error, view);
      const methods = await ctx.auth.pendingMethods(flowId).catch(() => []);
      const status = httpStatusOf(error);
      if (methods.length === 0) return sendPage(reply, loginPage(view, request, { next, error: message }), status);
      return sendPage(reply, secondStepPage(view, { flowId, methods, next, error: message }), status);
    }

    app.get('/', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.welcome.title'),
          html`<h1>Sparrow</h1>${notice(request)}
<p>${view.t('web.welcome.tagline')}</p>
<p>${rich(view, 'web.welcome.join', {}, { signup: link('/signup'), login: link('/login') })}</p>`,
        ),
      );
    });

    // ── Log in: password, then a second step when the account has one ─────────
    app.get('/login', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return sendPage(
        reply,
        loginPage(view, request, { next: safeNext(queryString(request, 'next', 500) || '/home') }),
      );
    });

    app.post('/login', async (request, reply) => {
      const login = field(request, 'login').trim();
      const password = field(request, 'password');
      const next = safeNext(field(request, 'next'));
      let step: SignInStep | null = null;
      try {
        step = login && password ? await ctx.auth.signInWithPassword(login, password, requester(request)) : null;
      } catch (error) {
        if (isRateLimited(error)) return tooManyPage(await viewFor(ctx, request, reply), reply, error);
        throw error;
      }
      if (!step) {
        const view = await viewFor(ctx, request, reply);
        // Same answer whether the account exists or not.
        return sendPage(reply, loginPage(view, request, { login, next, error: view.t('web.auth.wrongLogin') }), 401);
      }
      return stepDone(request, reply, step, next);
    });

    app.post('/login/verify', async (request, reply) => {
      const flowId = field(request, 'flow_id');
      const next = safeNext(field(request, 'next'));
      const method = field(request, 'method');
      const proof: SecondFactorProof = {
        method: isSignInProofMethod(method) ? method : 'totp',
      };
      if (method === 'password') proof.password = field(request, 'password');
      else if (method === 'passkey') {
        try {
          const parsed: unknown = JSON.parse(field(request, 'credential') || 'null');
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            proof.credential = parsed as NonNullable<SecondFactorProof['credential']>;
        } catch {
          // Left out: the domain answers "could not be verified".
        }
      } else if (method === 'recovery_code') proof.code = field(request, 'code').trim();
      else proof.code = field(request, 'code').replace(/\s+/g, '');
      try {
        if (!isSignInProofMethod(method))
          throw new DomainError('invalid', 'Choose one of the ways offered.').coded('auth.choose_method');
        return await stepDone(request, reply, await ctx.auth.continueSignIn(flowId, proof), next);
      } catch (error) {
        if (method === 'login_code' && !isRateLimited(error)) {
          const view = await viewFor(ctx, request, reply);
          return sendPage(
            reply,
            smsCodePage(view, { flowId, next, number: field(request, 'number'), error: userMessage(error, view) }),
            httpStatusOf(error),
          );
        }
        return stepFailed(request, reply, flowId, next, error);
      }
    });

    app.post('/login/second_factor/sms', async (request, reply) => {
      const flowId = field(request, 'flow_id');
      const next = safeNext(field(request, 'next'));
      try {
        const view = await viewFor(ctx, request, reply);
        await ctx.auth.sendSmsSecondFactor(flowId, requester(request, view));
        const methods = await ctx.auth.pendingMethods(flowId);
        const info = view.t('web.auth.smsCodeSent');
        return sendPage(
          reply,
          secondStepPage(view, {
            flowId,
            methods,
            next,
            info,
          }),
        );
      } catch (error) {
        return stepFailed(request, reply, flowId, next, error);
      }
    });

    // ── Sign in with a code by SMS ──────────────────────────────────────────────
    app.get('/login/sms', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return sendPage(reply, smsNumberPage(view, { next: safeNext(queryString(request, 'next', 500) || '/home') }));
    });

    app.post('/login/sms', async (request, reply) => {
      const number = field(request, 'number').trim();
      const next = safeNext(field(request, 'next'));
      const view = await viewFor(ctx, request, reply);
      try {
        const { flowId } = await ctx.auth.startSmsSignIn(number, requester(request, view));
        return sendPage(reply, smsCodePage(view, { flowId, next, number }));
      } catch (error) {
        if (isRateLimited(error)) return tooManyPage(view, reply, error, '/login/sms');
        return sendPage(
          reply,
          smsNumberPage(view, { number, next, error: userMessage(error, view) }),
          httpStatusOf(error),
        );
      }
    });

    // ── Sign up: e-mail first, then code + username + password ───────────────
    /** The sign-up form with a fresh puzzle for this visitor, or the closed page. */
    async function signupForm(
      request: FastifyRequest,
      reply: FastifyReply,
      view: View,
      values: SignupPageValues = {},
      status = 200,
    ): Promise<FastifyReply> {
      if (ctx.signUps.mode === 'closed') return sendPage(reply, signupClosedPage(view), 403);
      const issued = await ctx.signUps.challenge(requester(request));
      const challenge = issued.bits > 0 ? { challenge: issued.challenge, bits: issued.bits } : null;
      return sendPage(reply, signupPage(view, { ...values, challenge }), status);
    }

    app.get('/signup', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return signupForm(request, reply, view);
    });

    app.post('/signup', async (request, reply) => {
      const email = field(request, 'email').trim();
      const nonce = field(request, 'pow_nonce', FIELD_LIMITS.pow_nonce).trim();
      const proof = nonce ? { challenge: field(request, 'pow_challenge', FIELD_LIMITS.pow_challenge), nonce } : null;
      const view = await viewFor(ctx, request, reply);
      try {
        // The same page whether or not the address has an account (it gets a reminder instead of a code).
        // Without a solved puzzle (scripts off) the sign-up goes on as an application for a moderator.
        const { flowId } = await ctx.auth.startSignup(email, requester(request, view), proof, 'review');
        const approval = await ctx.auth.signupNeedsApproval(flowId);
        return sendPage(reply, signupCodePage(view, { flowId, email, approval }));
      } catch (error) {
        if (isRateLimited(error)) return tooManyPage(view, reply, error, '/signup');
        return signupForm(request, reply, view, { email, error: userMessage(error, view) }, httpStatusOf(error));
      }
    });

    app.post('/signup/finish', async (request, reply) => {
      const flowId = field(request, 'flow_id');
      const email = field(request, 'email');
      const username = field(request, 'username').trim();
      const displayName = field(request, 'display_name').trim();
      const reason = field(request, 'reason', FIELD_LIMITS.reason).trim();
      try {
        const { account, approvalPending } = await ctx.auth.finishSignup(
          flowId,
          field(request, 'code').replace(/\s+/g, ''),
          {
            username,
            password: field(request, 'password'),
            ...(displayName ? { displayName } : {}),
            ...(reason ? { reason } : {}),
            locale: (await viewFor(ctx, request, reply)).locale,
          },
        );
        // The browser's zone, filled in by the page's script; one this server does not know leaves UTC.
        const timeZone = field(request, 'time_zone', 100).trim();
        if (timeZone)
          await ctx.microblog.setTimeZone(account.id, timeZone).catch((error: unknown) => {
            if (!(error instanceof DomainError)) throw error;
          });
        if (approvalPending)
          return sendPage(reply, signupPendingPage(await viewFor(ctx, request, reply), account.username));
        await signIn(ctx, request, reply, account.id);
        return reply.redirect('/home?notice=welcome', 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        if (isRateLimited(error)) return tooManyPage(view, reply, error, '/signup');
        const approval = await ctx.auth.signupNeedsApproval(flowId);
        return sendPage(
          reply,
          signupCodePage(view, {
            flowId,
            email,
            username,
            displayName,
            reason,
            approval,
            error: userMessage(error, view),
          }),
          httpStatusOf(error),
        );
      }
    });

    // ── Password reset by e-mail or SMS ─────────────────────────────────────────
    app.get('/password_reset', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      return sendPage(reply, resetStartPage(view));
    });

    app.post('/password_reset', async (request, reply) => {
      const target = field(request, 'target', FIELD_LIMITS.login).trim();
      const view = await viewFor(ctx, request, reply);
      try {
        const { flowId } = await ctx.auth.startPasswordReset(
          target.includes('@') ? { email: target } : { number: target },
          requester(request, view),
        );
        return sendPage(reply, resetCodePage(view, { flowId, target }));
      } catch (error) {
        if (isRateLimited(error)) return tooManyPage(view, reply, error, '/password_reset');
        return sendPage(reply, resetStartPage(view, { target, error: userMessage(error, view) }), httpStatusOf(error));
      }
    });

    app.post('/password_reset/finish', async (request, reply) => {
      const flowId = field(request, 'flow_id');
      const target = field(request, 'target', FIELD_LIMITS.login);
      try {
        await ctx.auth.finishPasswordReset(
          flowId,
          field(request, 'code').replace(/\s+/g, ''),
          field(request, 'password'),
        );
        // The reset signed every session out, this browser's included.
        await signOut(ctx, request, reply);
        return reply.redirect('/login?notice=password_reset', 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        if (isRateLimited(error)) return tooManyPage(view, reply, error, '/password_reset');
        return sendPage(
          reply,
          resetCodePage(view, { flowId, target, error: userMessage(error, view) }),
          httpStatusOf(error),
        );
      }
    });

    app.post('/logout', async (request, reply) => {
      await signOut(ctx, request, reply);
      return reply.redirect('/', 303);
    });
  };
}
