import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { SecondFactorMethod, SignInStep, SecondFactorProof } from '../../security/index.ts';
import { HttpError } from '../errors.ts';
import { optionalString, paramsOf, requiredString, type Params } from '../params.ts';

const METHODS = ['login_code', 'totp', 'passkey', 'recovery_code', 'sms', 'password'] as const;

const stepSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    scope: { type: 'string' },
    created_at: { type: 'integer' },
    flow_id: { type: 'string' },
    second_factor: { type: 'array', items: { type: 'string' } },
  },
} as const;

const flowSchema = { type: 'object', properties: { flow_id: { type: 'string' } } } as const;

/** The app a token-issuing request comes from: its client-credentials token says which. */
async function requireApp(ctx: AppContext, request: FastifyRequest) {
  const token = request.token;
  if (!token?.appId) throw new HttpError(401, 'This method needs an app token (client credentials grant)');
  const app = await ctx.oauth.appById(token.appId);
  if (!app) throw new HttpError(401, 'The access token is invalid');
  return app;
}

function proofFrom(params: Params): SecondFactorProof {
  const method = requiredString(params, 'method', 20);
  if (!(METHODS as readonly string[]).includes(method))
    throw new HttpError(422, `method must be one of ${METHODS.join(', ')}`);
  const credential = params.credential;
  if (
    credential !== undefined &&
    (typeof credential !== 'object' || credential === null || Array.isArray(credential))
  ) {
    throw new HttpError(422, 'credential must be a WebAuthn assertion object');
  }
  const code = optionalString(params, 'code', 40);
  const password = optionalString(params, 'password', 1024);
  return {
    method: method as SecondFactorMethod | 'login_code',
    ...(code !== undefined ? { code } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(credential !== undefined ? { credential: credential as NonNullable<SecondFactorProof['credential']> } : {}),
  };
}

/**
 * Sign-in, sign-up and password reset for apps (SPEC 3.5). Every start answers the same
 * whether or not an account matches; codes go out after the answer.
 */
export function authRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    async function stepReply(step: SignInStep, appId: string, scopes: string[], request: FastifyRequest) {
      if (step.status === 'second_factor') return { flow_id: step.flowId, second_factor: step.methods };
      const token = await ctx.oauth.issueToken({
        appId,
        accountId: step.accountId,
        scopes,
        session: { kind: 'app', ip: request.ip, agent: request.headers['user-agent'] ?? null },
      });
      return {
        access_token: token.accessToken,
        token_type: 'Bearer',
        scope: token.scopes.join(' '),
        created_at: Math.floor(token.createdAt.getTime() / 1000),
      };
    }

    app.post(
      '/api/v1/sparrow/auth/sign_in',
      { schema: { response: { 200: stepSchema } } },
      async (request, reply: FastifyReply) => {
        const client = await requireApp(ctx, request);
        const params = paramsOf(request);
        const step = await ctx.auth.signInWithPassword(
          requiredString(params, 'login', 320),
          requiredString(params, 'password', 1024),
          { ip: request.ip },
        );
        if (!step) return reply.status(401).send({ error: 'Wrong e-mail, username or password' });
        return stepReply(step, client.id, client.scopes, request);
      },
    );

    app.post(
      '/api/v1/sparrow/auth/sign_in/sms',
      { schema: { response: { 202: flowSchema } } },
      async (request, reply) => {
        const { flowId } = await ctx.auth.startSmsSignIn(requiredString(paramsOf(request), 'number', 40), {
          ip: request.ip,
        });
        return reply.status(202).send({ flow_id: flowId });
      },
    );

    app.post('/api/v1/sparrow/auth/sign_in/sms_code', async (request, reply) => {
      await ctx.auth.sendSmsSecondFactor(requiredString(paramsOf(request), 'flow_id', 100), { ip: request.ip });
      return reply.status(202).send({});
    });

    app.post('/api/v1/sparrow/auth/sign_in/passkey_options', async (request) =>
      ctx.auth.passkeyOptions(requiredString(paramsOf(request), 'flow_id', 100)),
    );

    app.post('/api/v1/sparrow/auth/sign_in/verify', { schema: { response: { 200: stepSchema } } }, async (request) => {
      const client = await requireApp(ctx, request);
      const params = paramsOf(request);
      const step = await ctx.auth.continueSignIn(requiredString(params, 'flow_id', 100), proofFrom(params));
      return stepReply(step, client.id, client.scopes, request);
    });

    app.post(
      '/api/v1/sparrow/auth/password_reset',
      { schema: { response: { 202: flowSchema } } },
      async (request, reply) => {
        const params = paramsOf(request);
        const email = optionalString(params, 'email', 320);
        const number = optionalString(params, 'number', 40);
        const { flowId } = await ctx.auth.startPasswordReset(
          {
            ...(email !== undefined ? { email } : {}),
            ...(number !== undefined ? { number } : {}),
          },
          { ip: request.ip },
        );
        return reply.status(202).send({ flow_id: flowId });
      },
    );

    app.post('/api/v1/sparrow/auth/password_reset/confirm', async (request) => {
      const params = paramsOf(request);
      await ctx.auth.finishPasswordReset(
        requiredString(params, 'flow_id', 100),
        requiredString(params, 'code', 20),
        requiredString(params, 'password', 1024),
      );
      return {};
    });

    // Mastodon's one-step registration would reveal which e-mails have accounts; point apps at
    // the e-mail-first flow instead (also advertised as registrations.url in /api/v2/instance).
    app.post('/api/v1/accounts', async (_request, reply) =>
      reply.status(ctx.config.registrationsOpen ? 422 : 403).send({
        error: ctx.config.registrationsOpen
          ? `Sign up at ${ctx.config.publicUrl}/signup, or with POST /api/v1/sparrow/auth/sign_up: the e-mail address is confirmed first`
          : 'Registrations are closed on this server',
      }),
    );

    app.post('/api/v1/sparrow/auth/sign_up', { schema: { response: { 202: flowSchema } } }, async (request, reply) => {
      if (!ctx.config.registrationsOpen) throw new HttpError(403, 'Registrations are closed on this server');
      const { flowId } = await ctx.auth.startSignup(requiredString(paramsOf(request), 'email', 320), {
        ip: request.ip,
      });
      return reply.status(202).send({ flow_id: flowId });
    });

    app.post('/api/v1/sparrow/auth/sign_up/confirm', { schema: { response: { 200: stepSchema } } }, async (request) => {
      if (!ctx.config.registrationsOpen) throw new HttpError(403, 'Registrations are closed on this server');
      const client = await requireApp(ctx, request);
      const params = paramsOf(request);
      const displayName = optionalString(params, 'display_name', 100);
      const account = await ctx.auth.finishSignup(
        requiredString(params, 'flow_id', 100),
        requiredString(params, 'code', 20),
        {
          username: requiredString(params, 'username', 60),
          password: requiredString(params, 'password', 1024),
          ...(displayName !== undefined ? { displayName } : {}),
        },
      );
      return stepReply({ status: 'signed_in', accountId: account.id }, client.id, client.scopes, request);
    });
  };
}
