import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { OAuthError, OUT_OF_BAND, type IssuedToken, type SecondFactorProof } from '../../security/index.ts';
import { HttpError } from '../errors.ts';
import { optionalString, paramsOf, requiredString, stringArray, type Params } from '../params.ts';
import { renderCodePage, renderConsentPage, renderErrorPage, renderSecondFactorPage } from '../../web/oauth-pages.ts';
import { DomainError } from '../../shared/errors.ts';

// The consent page must never be framed by another site (clickjacking) nor cached.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self' *; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

const applicationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    website: { type: ['string', 'null'] },
    redirect_uri: { type: 'string' },
    redirect_uris: { type: 'array', items: { type: 'string' } },
    client_id: { type: 'string' },
    client_secret: { type: 'string' },
    vapid_key: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
} as const;

const tokenSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    scope: { type: 'string' },
    created_at: { type: 'integer' },
  },
} as const;

function renderToken(token: IssuedToken) {
  return {
    access_token: token.accessToken,
    token_type: 'Bearer',
    scope: token.scopes.join(' '),
    created_at: Math.floor(token.createdAt.getTime() / 1000),
  };
}

/** Client credentials from the body or from HTTP Basic authentication (RFC 6749 §2.3.1). */
function clientCredentials(request: FastifyRequest, params: Params): { clientId: string; clientSecret: string | null } {
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^Basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  const clientId = optionalString(params, 'client_id', 200);
  if (!clientId) throw new OAuthError('invalid_request', 'client_id is required');
  return { clientId, clientSecret: optionalString(params, 'client_secret', 200) ?? null };
}

function authorizationParams(params: Params) {
  return {
    clientId: optionalString(params, 'client_id', 200) ?? '',
    redirectUri: optionalString(params, 'redirect_uri', 2000) ?? '',
    scope: optionalString(params, 'scope', 1000) ?? null,
    responseType: optionalString(params, 'response_type', 50) ?? null,
    state: optionalString(params, 'state', 1000) ?? null,
    codeChallenge: optionalString(params, 'code_challenge', 200) ?? null,
    codeChallengeMethod: optionalString(params, 'code_challenge_method', 20) ?? null,
  };
}

export function oauthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/apps', { schema: { response: { 200: applicationSchema } } }, async (request) => {
      const params = paramsOf(request);
      const redirectUris = Array.isArray(params.redirect_uris)
        ? stringArray(params, 'redirect_uris', 20).join('\n')
        : requiredString(params, 'redirect_uris', 4000);
      const { app: registered, clientSecret } = await ctx.oauth.registerApp({
        name: requiredString(params, 'client_name', 200),
        redirectUris,
        scopes: optionalString(params, 'scopes', 1000) ?? null,
        website: optionalString(params, 'website', 2000) ?? null,
      });
      return {
        id: registered.id,
        name: registered.name,
        website: registered.website,
        redirect_uri: registered.redirectUris.join('\n'),
        redirect_uris: registered.redirectUris,
        client_id: registered.clientId,
        client_secret: clientSecret,
        vapid_key: '',
        scopes: registered.scopes,
      };
    });

    app.get('/api/v1/apps/verify_credentials', async (request) => {
      const token = request.token;
      if (!token || !token.appId) throw new HttpError(401, 'The access token is invalid');
      const registered = await ctx.oauth.appById(token.appId);
      if (!registered) throw new HttpError(401, 'The access token is invalid');
      return {
        name: registered.name,
        website: registered.website,
        scopes: registered.scopes,
        redirect_uris: registered.redirectUris,
        vapid_key: '',
      };
    });

    app.get('/oauth/authorize', async (request, reply) => {
      const params = authorizationParams(paramsOf(request));
      try {
        const { app: client, scopes } = await ctx.oauth.checkAuthorizationRequest(params);
        return sendPage(
          reply,
          200,
          renderConsentPage({ appName: client.name, scopes, hidden: hiddenFields(params, scopes) }),
        );
      } catch (error) {
        if (error instanceof OAuthError) return sendPage(reply, 400, renderErrorPage(error.message));
        throw error;
      }
    });

    app.post('/oauth/authorize', async (request, reply) => {
      const raw = paramsOf(request);
      const params = authorizationParams(raw);
      let checked;
      try {
        checked = await ctx.oauth.checkAuthorizationRequest(params);
      } catch (error) {
        if (error instanceof OAuthError) return sendPage(reply, 400, renderErrorPage(error.message));
        throw error;
      }
      const { app: client, scopes } = checked;
      if (optionalString(raw, 'decision', 20) === 'deny') {
        return redirectWith(reply, params.redirectUri, {
          error: 'access_denied',
          error_description: 'The user denied the request',
          state: params.state,
        });
      }
      const hidden = hiddenFields(params, scopes);
      const requester = { ip: request.ip };
      let accountId: string;
      const flowId = optionalString(raw, 'flow_id', 100);
      try {
        if (flowId) {
          // The second step: the sign-in flow from the first step, plus one factor.
          const methods = await ctx.auth.pendingMethods(flowId);
          if (optionalString(raw, 'send_sms', 5)) {
            await ctx.auth.sendSmsSecondFactor(flowId, requester);
            return sendPage(
              reply,
              200,
              renderSecondFactorPage({
                appName: client.name,
                hidden,
                flowId,
                methods,
                notice: 'If your number can receive it, a code is on its way.',
              }),
            );
          }
          const method = optionalString(raw, 'method', 20) ?? '';
          const code = optionalString(raw, 'code', 40);
          const password = optionalString(raw, 'password', 1024);
          const credential = parseCredential(optionalString(raw, 'credential', 20_000));
          let step;
          try {
            step = await ctx.auth.continueSignIn(flowId, {
              method: method as never,
              ...(code !== undefined ? { code } : {}),
              ...(password !== undefined ? { password } : {}),
              ...(credential ? { credential } : {}),
            });
          } catch (error) {
            if (error instanceof DomainError && error.kind === 'invalid' && methods.length > 0) {
              return sendPage(
                reply,
                422,
                renderSecondFactorPage({ appName: client.name, hidden, flowId, methods, error: error.message }),
              );
            }
            throw error;
          }
          if (step.status === 'second_factor')
            return sendPage(
              reply,
              200,
              renderSecondFactorPage({ appName: client.name, hidden, flowId: step.flowId, methods: step.methods }),
            );
          accountId = step.accountId;
        } else {
          const login = optionalString(raw, 'login', 320) ?? '';
          const password = optionalString(raw, 'password', 1024) ?? '';
          const step = login && password ? await ctx.auth.signInWithPassword(login, password, requester) : null;
          if (!step) {
            return sendPage(
              reply,
              401,
              renderConsentPage({
                appName: client.name,
                scopes,
                hidden,
                login,
                error: 'Wrong e-mail, username or password.',
              }),
            );
          }
          if (step.status === 'second_factor')
            return sendPage(
              reply,
              200,
              renderSecondFactorPage({ appName: client.name, hidden, flowId: step.flowId, methods: step.methods }),
            );
          accountId = step.accountId;
        }
      } catch (error) {
        if (error instanceof DomainError && (error.kind === 'rate_limited' || error.kind === 'invalid')) {
          return sendPage(
            reply,
            error.kind === 'rate_limited' ? 429 : 422,
            renderConsentPage({ appName: client.name, scopes, hidden, error: error.message }),
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
      if (params.redirectUri === OUT_OF_BAND) return sendPage(reply, 200, renderCodePage(code));
      return redirectWith(reply, params.redirectUri, { code, state: params.state });
    });

    app.post('/oauth/token', { schema: { response: { 200: tokenSchema } } }, async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const params = paramsOf(request);
      const grantType = optionalString(params, 'grant_type', 100);
      const client = clientCredentials(request, params);
      if (grantType === 'authorization_code') {
        return renderToken(
          await ctx.oauth.exchangeCode({
            ...client,
            code: requiredOAuth(params, 'code'),
            redirectUri: requiredOAuth(params, 'redirect_uri'),
            codeVerifier: optionalString(params, 'code_verifier', 200) ?? null,
            session: { kind: 'app', ip: request.ip, agent: request.headers['user-agent'] ?? null },
          }),
        );
      }
      if (grantType === 'client_credentials') {
        return renderToken(
          await ctx.oauth.clientCredentials({ ...client, scope: optionalString(params, 'scope', 1000) ?? null }),
        );
      }
      throw new OAuthError(
        grantType ? 'unsupported_grant_type' : 'invalid_request',
        grantType ? `grant_type ${grantType} is not supported` : 'grant_type is required',
      );
    });

    app.post('/oauth/revoke', async (request) => {
      const params = paramsOf(request);
      const client = clientCredentials(request, params);
      await ctx.oauth.revoke({ ...client, token: requiredOAuth(params, 'token') });
      return {};
    });

    app.get('/.well-known/oauth-authorization-server', async () => ({
      issuer: ctx.config.publicUrl,
      authorization_endpoint: `${ctx.config.publicUrl}/oauth/authorize`,
      token_endpoint: `${ctx.config.publicUrl}/oauth/token`,
      revocation_endpoint: `${ctx.config.publicUrl}/oauth/revoke`,
      app_registration_endpoint: `${ctx.config.publicUrl}/api/v1/apps`,
      scopes_supported: ['read', 'write', 'follow', 'push', 'profile'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      code_challenge_methods_supported: ['S256'],
      service_documentation: 'https://docs.joinmastodon.org/',
    }));
  };
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

function requiredOAuth(params: Params, name: string): string {
  const value = optionalString(params, name, 2000);
  if (!value) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

function hiddenFields(params: ReturnType<typeof authorizationParams>, scopes: string[]): Record<string, string> {
  const fields: Record<string, string> = {
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

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).headers(PAGE_HEADERS).send(html);
}

function redirectWith(reply: FastifyReply, redirectUri: string, query: Record<string, string | null>) {
  const target = new URL(redirectUri);
  for (const [key, value] of Object.entries(query)) if (value !== null) target.searchParams.set(key, value);
  return reply.header('cache-control', 'no-store').redirect(target.toString(), 302);
}
