import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { OAuthError, type IssuedToken } from '../../security/index.ts';
import { HttpError } from '../errors.ts';
import { input, list, text } from '../input.ts';

const appInput = input(
  {
    client_name: text('client_name'),
    redirect_uris: list('redirect_uris', 20),
    scopes: text('scope'),
    website: text('website'),
  },
  ['client_name', 'redirect_uris'],
);

/** Client authentication fields, shared by the token and revoke endpoints. */
const clientFields = { client_id: text('client_id'), client_secret: text('client_secret') } as const;

// Presence is checked by hand below: RFC 6749 wants a missing parameter to answer 400 invalid_request.
const tokenInput = input({
  ...clientFields,
  grant_type: text('grant_type'),
  code: text('authorization_code'),
  redirect_uri: text('redirect_uri'),
  code_verifier: text('code_verifier'),
  scope: text('scope'),
});
const revokeInput = input({ ...clientFields, token: text('token') });

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
function clientCredentials(
  request: FastifyRequest,
  params: { client_id?: string; client_secret?: string },
): { clientId: string; clientSecret: string | null } {
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
  const clientId = params.client_id;
  if (!clientId) throw new OAuthError('invalid_request', 'client_id is required');
  return { clientId, clientSecret: params.client_secret ?? null };
}

export function oauthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.post('/api/v1/apps', { schema: { response: { 200: applicationSchema } } }, async (request) => {
      const params = appInput.read(request);
      const redirectUris = params.redirect_uris.join('\n');
      const { app: registered, clientSecret } = await ctx.oauth.registerApp({
        name: params.client_name,
        redirectUris,
        scopes: params.scopes ?? null,
        website: params.website ?? null,
      });
      return {
        id: registered.id,
        name: registered.name,
        website: registered.website,
        redirect_uri: registered.redirectUris.join('\n'),
        redirect_uris: registered.redirectUris,
        client_id: registered.clientId,
        client_secret: clientSecret,
        vapid_key: await ctx.push.vapidPublicKey(),
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
        vapid_key: await ctx.push.vapidPublicKey(),
      };
    });

    app.post('/oauth/token', { schema: { response: { 200: tokenSchema } } }, async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const params = tokenInput.read(request);
      const grantType = params.grant_type;
      const client = clientCredentials(request, params);
      if (grantType === 'authorization_code') {
        return renderToken(
          await ctx.oauth.exchangeCode({
            ...client,
            code: requiredOAuth(params.code, 'code'),
            redirectUri: requiredOAuth(params.redirect_uri, 'redirect_uri'),
            codeVerifier: params.code_verifier ?? null,
            session: { kind: 'app', ip: request.ip, agent: request.headers['user-agent'] ?? null },
          }),
        );
      }
      if (grantType === 'client_credentials') {
        return renderToken(await ctx.oauth.clientCredentials({ ...client, scope: params.scope ?? null }));
      }
      throw new OAuthError(
        grantType ? 'unsupported_grant_type' : 'invalid_request',
        grantType ? `grant_type ${grantType} is not supported` : 'grant_type is required',
      );
    });

    app.post('/oauth/revoke', async (request) => {
      const params = revokeInput.read(request);
      const client = clientCredentials(request, params);
      await ctx.oauth.revoke({ ...client, token: requiredOAuth(params.token, 'token') });
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

function requiredOAuth(value: string | undefined, name: string): string {
  if (!value) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}
