import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import {
  OAuthError,
  OUT_OF_BAND,
  isSignInProofMethod,
  type SecondFactorMethod,
  type SecondFactorProof,
} from '../security/index.ts';
import { DomainError } from '../shared/errors.ts';
import { FIELD_LIMITS, type LimitedField } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { html, type SafeHtml } from './html.ts';
import { errorBox, layout, sendPage, viewFor, type View } from './layout.ts';
import { contentSecurityPolicy } from './security-headers.ts';
import { errorText } from '../i18n/index.ts';
import { rich } from './rich-text.ts';
import { scriptText } from './script-text.ts';

/**
 * The OAuth authorization pages: sign-in and consent in one plain form that works without
 * JavaScript, the second sign-in step, and the out-of-band code. They are web pages like any
 * other (shared layout, escaping and stylesheet); the token and revoke endpoints stay JSON in
 * the API. The forms post without the session's CSRF token: the person is not signed in to
 * this site yet, and what the form grants (a code) goes only to the client's registered
 * redirect URI.
 */

/**
 * What a scope lets the app do, in the reader's language: a top-level scope as a phrase
 * (`read`, `admin:read`), a granular one as its kind of access and area (`read:statuses`).
 */
function scopeWords(view: View, scope: string): string {
  const key = scope.replace(':', '_');
  if (['read', 'write', 'follow', 'push', 'profile', 'admin_read', 'admin_write'].includes(key))
    return view.t('web.oauth.scope', { scope: key });
  const cut = scope.lastIndexOf(':');
  const access = scope.slice(0, cut).replace(':', '_');
  if (cut > 0 && ['read', 'write', 'admin_read', 'admin_write'].includes(access))
    return view.t('web.oauth.scopePart', { access, area: scope.slice(cut + 1) });
  return scope;
}

/** The second-step methods this page offers a form for (passkeys have their own). */
const FORM_METHODS: ReadonlySet<SecondFactorMethod> = new Set(['totp', 'recovery_code', 'sms', 'password']);

type Hidden = Record<string, string>;

function hiddenInputs(fields: Hidden): SafeHtml {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

interface ConsentPage {
  appName: string;
  scopes: string[];
  hidden: Hidden;
  error?: string;
  login?: string;
}

function consentPage(view: View, page: ConsentPage): string {
  return layout(
    view,
    view.t('web.oauth.title'),
    html`<h1>${view.t('web.oauth.heading', { app: page.appName })}</h1>
${errorBox(page.error)}
<p>${rich(view, 'web.oauth.asks', { app: html`<strong dir="auto">${page.appName}</strong>` })}</p><ul>${page.scopes.map((s) => html`<li>${scopeWords(view, s)}</li>`)}</ul>
<form method="post" action="/oauth/authorize">${hiddenInputs(page.hidden)}
<p><label for="login">${view.t('web.oauth.login')}</label><br><input type="text" id="login" name="login" autocomplete="username" required maxlength="${FIELD_LIMITS.login}" value="${page.login ?? ''}"></p>
<p><label for="password">${view.t('web.oauth.password')}</label><br><input type="password" id="password" name="password" autocomplete="current-password" required maxlength="${FIELD_LIMITS.password}"></p>
<p class="row"><button type="submit" name="decision" value="approve">${view.t('web.oauth.approve')}</button>
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>${view.t('web.oauth.deny')}</button></p>
</form>`,
  );
}

interface SecondFactorPage {
  appName: string;
  hidden: Hidden;
  flowId: string;
  methods: SecondFactorMethod[];
  error?: string;
  notice?: string;
}

/** The second sign-in step inside the authorization flow, one small form per method. */
function secondFactorPage(view: View, page: SecondFactorPage): string {
  const hidden = hiddenInputs({ ...page.hidden, flow_id: page.flowId, decision: 'approve' });
  const forms = page.methods.flatMap((method) => {
    if (!FORM_METHODS.has(method)) return [];
    const label = view.t('web.oauth.method', { method });
    const id = `code_${method}`;
    const input =
      method === 'password'
        ? html`<input type="password" id="${id}" name="password" autocomplete="current-password" required maxlength="${FIELD_LIMITS.password}">`
        : html`<input type="text" id="${id}" name="code" autocomplete="one-time-code" inputmode="${method === 'recovery_code' ? 'text' : 'numeric'}" required maxlength="${FIELD_LIMITS.code}">`;
    const send =
      method === 'sms'
        ? html` <button type="submit" name="send_sms" value="1" class="secondary" formnovalidate>${view.t('web.oauth.textMe')}</button>`
        : '';
    return [
      html`<form method="post" action="/oauth/authorize">${hidden}<input type="hidden" name="method" value="${method}">
<p><label for="${id}">${label}</label><br>${input}</p><p class="row"><button type="submit">${view.t('web.oauth.continue')}</button>${send}</p></form>`,
    ];
  });
  // The passkey form needs JavaScript (the browser's WebAuthn API): the shared script fills in
  // the assertion and shows the button; without it a note says so.
  const passkey = page.methods.includes('passkey')
    ? html`<form method="post" action="/oauth/authorize" data-passkey="sign-in"${scriptText(view, { 'passkey-cancelled': 'web.script.passkeyCancelled', 'passkey-failed': 'web.script.passkeyFailed', 'passkey-expired': 'web.script.signInExpired' })}>${hidden}<input type="hidden" name="method" value="passkey"><input type="hidden" name="credential" value="">
<button type="submit" hidden>${view.t('web.oauth.passkey')}</button><p class="note" data-passkey-nojs>${view.t('web.oauth.passkeyNoJs')}</p></form>`
    : '';
  return layout(
    view,
    view.t('web.oauth.secondTitle'),
    html`<h1>${view.t('web.oauth.secondHeading')}</h1>
${errorBox(page.error)}${page.notice ? html`<p class="notice" role="status">${page.notice}</p>` : ''}
<p>${rich(view, 'web.oauth.secondIntro', { app: html`<strong dir="auto">${page.appName}</strong>` })}</p>${passkey}${forms}`,
    page.methods.includes('passkey') ? { scripts: ['/static/passkey.js'] } : {},
  );
}

function codePage(view: View, code: string): string {
  const title = view.t('web.oauth.codeTitle');
  return layout(
    view,
    title,
    html`<h1>${title}</h1><p>${view.t('web.oauth.codeIntro')}</p><p><code class="code">${code}</code></p>`,
  );
}

/** A refused authorization request: what is wrong in the reader's language, and the RFC 6749 code for the app's developer. */
function failedPage(view: View, error: OAuthError): string {
  const title = view.t('web.oauth.failed');
  return layout(
    view,
    title,
    html`<h1>${title}</h1>${errorBox(errorText(view.locale, error))}<p class="note">${rich(view, 'web.oauth.failedCode', { code: html`<code>${error.code}</code>` })}</p>`,
  );
}

/** The query (first visit) and the form fields (posts) of an authorization request, capped per field. */
function readField(request: FastifyRequest, name: LimitedField | 'send_sms'): string | undefined {
  const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const value = body[name] ?? (request.query as Record<string, unknown>)[name];
  if (typeof value !== 'string') return undefined;
  const limit = name === 'send_sms' ? 5 : FIELD_LIMITS[name];
  if (value.length > limit)
    throw new DomainError('invalid', `${name} is too long (at most ${limit} characters)`).coded('field.too_long', {
      field: name,
      max: limit,
    });
  return value;
}

function authorizationParams(request: FastifyRequest) {
  return {
    clientId: readField(request, 'client_id') ?? '',
    redirectUri: readField(request, 'redirect_uri') ?? '',
    scope: readField(request, 'scope') ?? null,
    responseType: readField(request, 'response_type') ?? null,
    state: readField(request, 'state') ?? null,
    codeChallenge: readField(request, 'code_challenge') ?? null,
    codeChallengeMethod: readField(request, 'code_challenge_method') ?? null,
  };
}

function hiddenFields(params: ReturnType<typeof authorizationParams>, scopes: string[]): Hidden {
  const fields: Hidden = {
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    response_type: 'code',
    scope: scopes.join(' '),
  };
  if (params.state !== null) fields.state = params.state;
  if (params.codeChallenge) {
    fields.code_challenge = params.codeChallenge;
    fields.code_challenge_method = params.codeChallengeMethod ?? 'S256';
  }
  return fields;
}

/** The WebAuthn assertion the passkey script posts as JSON text; anything else is no credential. */
function parseCredential(raw: string | undefined): SecondFactorProof['credential'] | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as SecondFactorProof['credential'])
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the approving form may lead: this site, and the client's redirect URI (browsers apply
 * `form-action` to the redirect that follows the post). The URI is one the client registered,
 * checked by the domain before any page is shown; only its origin (or custom scheme) is used.
 */
function formActionFor(redirectUri: string | null): string[] {
  if (!redirectUri || redirectUri === OUT_OF_BAND) return [];
  try {
    const url = new URL(redirectUri);
    if (url.protocol === 'http:' || url.protocol === 'https:') return [url.origin];
    return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? [url.protocol] : [];
  } catch {
    return [];
  }
}

function send(reply: FastifyReply, status: number, markup: string, redirectUri: string | null = null) {
  // The page carries the authorization request (state, PKCE challenge): never leak it in a Referer.
  void reply
    .header('content-security-policy', contentSecurityPolicy({ formAction: formActionFor(redirectUri) }))
    .header('referrer-policy', 'no-referrer');
  return sendPage(reply, markup, status);
}

function redirectWith(reply: FastifyReply, redirectUri: string, query: Record<string, string | null>) {
  const target = new URL(redirectUri);
  for (const [key, value] of Object.entries(query)) if (value !== null) target.searchParams.set(key, value);
  return reply.header('cache-control', 'no-store').redirect(target.toString(), 302);
}

export function oauthPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/oauth/authorize', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const params = authorizationParams(request);
      try {
        const { app: client, scopes } = await ctx.oauth.checkAuthorizationRequest(params);
        return send(
          reply,
          200,
          consentPage(view, { appName: client.name, scopes, hidden: hiddenFields(params, scopes) }),
          params.redirectUri,
        );
      } catch (error) {
        if (error instanceof OAuthError) return send(reply, 400, failedPage(view, error));
        throw error;
      }
    });

    app.post('/oauth/authorize', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const params = authorizationParams(request);
      let checked;
      try {
        checked = await ctx.oauth.checkAuthorizationRequest(params);
      } catch (error) {
        if (error instanceof OAuthError) return send(reply, 400, failedPage(view, error));
        throw error;
      }
      const { app: client, scopes } = checked;
      const page = (status: number, markup: string) => send(reply, status, markup, params.redirectUri);
      if (readField(request, 'decision') === 'deny') {
        return redirectWith(reply, params.redirectUri, {
          error: 'access_denied',
          error_description: 'The user denied the request',
          state: params.state,
        });
      }
      const hidden = hiddenFields(params, scopes);
      const requester = { ip: request.ip };
      let accountId: string;
      const flowId = readField(request, 'flow_id');
      try {
        if (flowId) {
          // The second step: the sign-in flow from the first step, plus one factor.
          const methods = await ctx.auth.pendingMethods(flowId);
          if (readField(request, 'send_sms')) {
            await ctx.auth.sendSmsSecondFactor(flowId, requester);
            return page(
              200,
              secondFactorPage(view, {
                appName: client.name,
                hidden,
                flowId,
                methods,
                notice: view.t('web.oauth.codeSent'),
              }),
            );
          }
          const method = readField(request, 'method') ?? '';
          const code = readField(request, 'code');
          const password = readField(request, 'password');
          const credential = parseCredential(readField(request, 'credential'));
          let step;
          try {
            if (!isSignInProofMethod(method))
              throw new DomainError('invalid', 'Choose one of the ways offered.').coded('auth.choose_method');
            step = await ctx.auth.continueSignIn(flowId, {
              method,
              ...(code !== undefined ? { code } : {}),
              ...(password !== undefined ? { password } : {}),
              ...(credential ? { credential } : {}),
            });
          } catch (error) {
            if (error instanceof DomainError && error.kind === 'invalid' && methods.length > 0) {
              return page(
                httpStatusOf(error),
                secondFactorPage(view, {
                  appName: client.name,
                  hidden,
                  flowId,
                  methods,
                  error: errorText(view.locale, error),
                }),
              );
            }
            throw error;
          }
          if (step.status === 'second_factor')
            return page(
              200,
              secondFactorPage(view, { appName: client.name, hidden, flowId: step.flowId, methods: step.methods }),
            );
          accountId = step.accountId;
        } else {
          const login = readField(request, 'login') ?? '';
          const password = readField(request, 'password') ?? '';
          const step = login && password ? await ctx.auth.signInWithPassword(login, password, requester) : null;
          if (!step) {
            return page(
              401,
              consentPage(view, {
                appName: client.name,
                scopes,
                hidden,
                login,
                error: view.t('web.oauth.wrongLogin'),
              }),
            );
          }
          if (step.status === 'second_factor')
            return page(
              200,
              secondFactorPage(view, { appName: client.name, hidden, flowId: step.flowId, methods: step.methods }),
            );
          accountId = step.accountId;
        }
      } catch (error) {
        if (error instanceof DomainError && (error.kind === 'rate_limited' || error.kind === 'invalid')) {
          return page(
            httpStatusOf(error),
            consentPage(view, { appName: client.name, scopes, hidden, error: errorText(view.locale, error) }),
          );
        }
        throw error;
      }
      const code = await ctx.oauth.issueCode({
        app: client,
        accountId,
        redirectUri: params.redirectUri,
        scopes,
        codeChallenge: params.codeChallenge,
        codeChallengeMethod: params.codeChallengeMethod,
      });
      if (params.redirectUri === OUT_OF_BAND) return page(200, codePage(view, code));
      return redirectWith(reply, params.redirectUri, { code, state: params.state });
    });
  };
}
