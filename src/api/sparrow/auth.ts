import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { SIGN_IN_PROOF_METHODS, type SignInStep, type SecondFactorProof } from '../../security/index.ts';
import { HttpError } from '../errors.ts';
import { input, object, oneOf, text } from '../input.ts';

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

const challengeSchema = {
  type: 'object',
  properties: {
    challenge: { type: 'string' },
    difficulty_bits: { type: 'integer' },
    algorithm: { type: 'string' },
    expires_at: { type: 'string' },
  },
} as const;

const pendingSchema = {
  type: 'object',
  properties: { approval_pending: { type: 'boolean' }, message: { type: 'string' } },
} as const;

/** The app a token-issuing request comes from: its client-credentials token says which. */
async function requireApp(ctx: AppContext, request: FastifyRequest) {
  const token = request.token;
  if (!token?.appId) throw new HttpError(401, 'This method needs an app token (client credentials grant)');
  const app = await ctx.oauth.appById(token.appId);
  if (!app) throw new HttpError(401, 'The access token is invalid');
  return app;
}

const signInInput = input({ login: text('login'), password: text('password') }, ['login', 'password']);
const numberInput = input({ number: text('number') }, ['number']);
const flowInput = input({ flow_id: text('flow_id') }, ['flow_id']);
const verifyInput = input(
  {
    flow_id: text('flow_id'),
    method: oneOf(SIGN_IN_PROOF_METHODS),
    code: text('code'),
    password: text('password'),
    credential: object,
  },
  ['flow_id', 'method'],
);
const resetInput = input({ email: text('email'), number: text('number') });
const resetConfirmInput = input({ flow_id: text('flow_id'), code: text('code'), password: text('password') }, [
  'flow_id',
  'code',
  'password',
]);
const signUpInput = input(
  { email: text('email'), pow_challenge: text('pow_challenge'), pow_nonce: text('pow_nonce') },
  ['email'],
);
const signUpConfirmInput = input(
  {
    flow_id: text('flow_id'),
    code: text('code'),
    username: text('username'),
    password: text('password'),
    display_name: text('display_name'),
    reason: text('reason'),
  },
  ['flow_id', 'code', 'username', 'password'],
);

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
        const { login, password } = signInInput.read(request);
        const step = await ctx.auth.signInWithPassword(login, password, { ip: request.ip });
        if (!step) return reply.status(401).send({ error: 'Wrong e-mail, username or password' });
        return stepReply(step, client.id, client.scopes, request);
      },
    );

    app.post(
      '/api/v1/sparrow/auth/sign_in/sms',
      { schema: { response: { 202: flowSchema } } },
      async (request, reply) => {
        const { flowId } = await ctx.auth.startSmsSignIn(numberInput.read(request).number, { ip: request.ip });
        return reply.status(202).send({ flow_id: flowId });
      },
    );

    app.post('/api/v1/sparrow/auth/sign_in/sms_code', async (request, reply) => {
      await ctx.auth.sendSmsSecondFactor(flowInput.read(request).flow_id, { ip: request.ip });
      return reply.status(202).send({});
    });

    app.post('/api/v1/sparrow/auth/sign_in/passkey_options', async (request) =>
      ctx.auth.passkeyOptions(flowInput.read(request).flow_id),
    );

    app.post('/api/v1/sparrow/auth/sign_in/verify', { schema: { response: { 200: stepSchema } } }, async (request) => {
      const client = await requireApp(ctx, request);
      const { flow_id: flowId, method, code, password, credential } = verifyInput.read(request);
      const step = await ctx.auth.continueSignIn(flowId, {
        method,
        ...(code !== undefined ? { code } : {}),
        ...(password !== undefined ? { password } : {}),
        // The shape of a WebAuthn assertion is the domain's to check (it refuses anything else).
        ...(credential !== undefined
          ? { credential: credential as unknown as NonNullable<SecondFactorProof['credential']> }
          : {}),
      });
      return stepReply(step, client.id, client.scopes, request);
    });

    app.post(
      '/api/v1/sparrow/auth/password_reset',
      { schema: { response: { 202: flowSchema } } },
      async (request, reply) => {
        const { email, number } = resetInput.read(request);
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
      const params = resetConfirmInput.read(request);
      await ctx.auth.finishPasswordReset(params.flow_id, params.code, params.password);
      return {};
    });

    // Mastodon's one-step registration would reveal which e-mails have accounts; point apps at
    // the e-mail-first flow instead (also advertised as registrations.url in /api/v2/instance).
    app.post('/api/v1/accounts', async (_request, reply) => {
      const open = ctx.signUps.mode !== 'closed';
      return reply.status(open ? 422 : 403).send({
        error: open
          ? `Sign up at ${ctx.config.publicUrl}/signup, or with POST /api/v1/sparrow/auth/sign_up: the e-mail address is confirmed first`
          : 'Registrations are closed on this server',
      });
    });

    // The sign-up puzzle: find a decimal nonce so that SHA-256(challenge + nonce) starts with
    // difficulty_bits zero bits, then send both with the sign-up. Single use, 10 minutes.
    app.get(
      '/api/v1/sparrow/auth/sign_up/challenge',
      { schema: { response: { 200: challengeSchema } } },
      async (request) => {
        const issued = await ctx.signUps.challenge({ ip: request.ip });
        return {
          challenge: issued.challenge,
          difficulty_bits: issued.bits,
          algorithm: 'sha256-leading-zero-bits',
          expires_at: issued.expiresAt.toISOString(),
        };
      },
    );

    app.post('/api/v1/sparrow/auth/sign_up', { schema: { response: { 202: flowSchema } } }, async (request, reply) => {
      const params = signUpInput.read(request);
      const proof =
        params.pow_challenge !== undefined || params.pow_nonce !== undefined
          ? { challenge: params.pow_challenge ?? '', nonce: params.pow_nonce ?? '' }
          : null;
      const { flowId } = await ctx.auth.startSignup(params.email, { ip: request.ip }, proof, 'refuse');
      return reply.status(202).send({ flow_id: flowId });
    });

    app.post(
      '/api/v1/sparrow/auth/sign_up/confirm',
      { schema: { response: { 200: stepSchema, 202: pendingSchema } } },
      async (request, reply) => {
        const client = await requireApp(ctx, request);
        const params = signUpConfirmInput.read(request);
        const { account, approvalPending } = await ctx.auth.finishSignup(params.flow_id, params.code, {
          username: params.username,
          password: params.password,
          ...(params.display_name !== undefined ? { displayName: params.display_name } : {}),
          ...(params.reason !== undefined ? { reason: params.reason } : {}),
        });
        // No token for an account that waits: it cannot sign in until a moderator approves it.
        if (approvalPending)
          return reply.status(202).send({
            approval_pending: true,
            message: 'Your account waits for a moderator to approve it; we will e-mail you.',
          });
        return stepReply({ status: 'signed_in', accountId: account.id }, client.id, client.scopes, request);
      },
    );
  };
}
