import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { actingAccount, requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { describeAlert } from '../../security/index.ts';
import { flag, input, object, text } from '../input.ts';
import { pathId } from '../params.ts';

const summarySchema = {
  type: 'object',
  properties: {
    two_factor_enabled: { type: 'boolean' },
    totp: { type: 'boolean' },
    sms_two_factor: { type: 'boolean' },
    require_strong_factor: { type: 'boolean' },
    recovery_codes_remaining: { type: 'integer' },
    has_phone: { type: 'boolean' },
    passkeys: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          created_at: { type: 'string' },
          last_used_at: { type: ['string', 'null'] },
        },
      },
    },
    weakest_factor_note: { type: 'string' },
  },
} as const;

const sessionSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      kind: { type: 'string' },
      app: { type: ['string', 'null'] },
      ip: { type: ['string', 'null'] },
      user_agent: { type: ['string', 'null'] },
      scopes: { type: 'array', items: { type: 'string' } },
      created_at: { type: 'string' },
      last_used_at: { type: ['string', 'null'] },
      current: { type: 'boolean' },
    },
  },
} as const;

const recoverySchema = {
  type: 'object',
  properties: { recovery_codes: { type: ['array', 'null'], items: { type: 'string' } } },
} as const;

// Closed: a misspelt protection switch must be refused, not look accepted and change nothing.
const protectionInput = input({ password: text('password'), sms_two_factor: flag, require_strong_factor: flag }, [], {
  closed: true,
});
// The password is optional here because the domain asks for it with its own message.
const passwordInput = input({ password: text('password') });
const totpConfirmInput = input({ code: text('code') }, ['code']);
// The shape of a WebAuthn registration response is the domain's to check.
const passkeyInput = input({ credential: object, name: text('name') }, ['credential']);
const passwordChangeInput = input({ current_password: text('password'), new_password: text('password') }, [
  'current_password',
  'new_password',
]);
const devMailInput = input({ to: text('email') }, ['to']);

async function securitySummary(ctx: AppContext, accountId: string) {
  const s = await ctx.factors.summary(accountId);
  return {
    two_factor_enabled: s.twoFactorEnabled,
    totp: s.totp,
    sms_two_factor: s.smsTwoFactor,
    require_strong_factor: s.requireStrong,
    recovery_codes_remaining: s.recoveryCodesLeft,
    has_phone: s.hasPhone,
    passkeys: s.passkeys.map((p) => ({
      id: p.id,
      name: p.name,
      created_at: p.createdAt.toISOString(),
      last_used_at: p.lastUsedAt?.toISOString() ?? null,
    })),
    weakest_factor_note:
      'SMS codes are the weakest factor: a SIM swap or an intercepted message defeats them. Prefer an authenticator app or a passkey.',
  };
}

/** The owner's sign-in protection and sessions. None of this can be done by SMS. */
export function securityRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/sparrow/security', { schema: { response: { 200: summarySchema } } }, async (request) => {
      const token = requireUser(request, 'read');
      return securitySummary(ctx, token.accountId);
    });

    app.patch('/api/v1/sparrow/security', { schema: { response: { 200: summarySchema } } }, async (request) => {
      const token = requireUser(request, 'write');
      const params = protectionInput.read(request);
      await ctx.factors.changeProtection(token.accountId, params.password, {
        smsTwoFactor: params.sms_two_factor,
        requireStrong: params.require_strong_factor,
      });
      return securitySummary(ctx, token.accountId);
    });

    app.post('/api/v1/sparrow/security/totp', async (request) => {
      const token = requireUser(request, 'write');
      const account = await ctx.microblog.account(token.accountId);
      const { secret, uri } = await ctx.factors.beginTotp(
        token.accountId,
        passwordInput.read(request).password,
        `${account.username}@${ctx.config.domain}`,
        ctx.config.instanceName,
      );
      return { secret, otpauth_uri: uri };
    });

    app.post(
      '/api/v1/sparrow/security/totp/confirm',
      { schema: { response: { 200: recoverySchema } } },
      async (request) => {
        const token = requireUser(request, 'write');
        const { recoveryCodes } = await ctx.factors.confirmTotp(token.accountId, totpConfirmInput.read(request).code);
        return { recovery_codes: recoveryCodes };
      },
    );

    app.delete('/api/v1/sparrow/security/totp', { schema: { response: { 200: summarySchema } } }, async (request) => {
      const token = requireUser(request, 'write');
      await ctx.factors.disableTotp(token.accountId, passwordInput.read(request).password);
      return securitySummary(ctx, token.accountId);
    });

    app.post(
      '/api/v1/sparrow/security/recovery_codes',
      { schema: { response: { 200: recoverySchema } } },
      async (request) => {
        const token = requireUser(request, 'write');
        const codes = await ctx.factors.regenerateRecoveryCodes(token.accountId, passwordInput.read(request).password);
        return { recovery_codes: codes };
      },
    );

    app.post('/api/v1/sparrow/security/passkeys/options', async (request) => {
      const token = requireUser(request, 'write');
      const account = await ctx.microblog.account(token.accountId);
      const { password } = passwordInput.read(request);
      return ctx.factors.passkeyRegistrationOptions(token.accountId, password, account.username);
    });

    app.post('/api/v1/sparrow/security/passkeys', async (request) => {
      const token = requireUser(request, 'write');
      const { credential, name } = passkeyInput.read(request);
      const passkey = await ctx.factors.registerPasskey(
        token.accountId,
        credential as unknown as Parameters<typeof ctx.factors.registerPasskey>[1],
        name ?? 'Passkey',
      );
      return { id: passkey.id, name: passkey.name, created_at: passkey.createdAt.toISOString(), last_used_at: null };
    });

    app.delete('/api/v1/sparrow/security/passkeys/:id', async (request) => {
      const token = requireUser(request, 'write');
      const { password } = passwordInput.read(request);
      const id = (request.params as { id: string }).id;
      if (typeof id !== 'string' || id.length > 1400) throw new HttpError(404, 'Record not found');
      if (!(await ctx.factors.removePasskey(token.accountId, password, id)))
        throw new HttpError(404, 'Record not found');
      return securitySummary(ctx, token.accountId);
    });

    app.post('/api/v1/sparrow/security/password', async (request) => {
      const token = requireUser(request, 'write');
      const params = passwordChangeInput.read(request);
      const { sessionsSignedOut } = await ctx.auth.changePassword(
        token.accountId,
        params.current_password,
        params.new_password,
        token.tokenId,
      );
      return { sessions_signed_out: sessionsSignedOut };
    });

    app.get('/api/v1/sparrow/sessions', { schema: { response: { 200: sessionSchema } } }, async (request) => {
      const token = requireUser(request, 'read');
      const sessions = await ctx.oauth.sessions(token.accountId);
      return sessions.map((s) => ({
        id: s.id,
        kind: s.kind,
        app: s.appName,
        ip: s.ip,
        user_agent: s.agent,
        scopes: s.scopes,
        created_at: s.createdAt.toISOString(),
        last_used_at: s.lastUsedAt?.toISOString() ?? null,
        current: s.id === token.tokenId,
      }));
    });

    app.delete('/api/v1/sparrow/sessions/:id', async (request) => {
      const token = requireUser(request, 'write');
      const id = pathId(request);
      if (!(await ctx.oauth.revokeSession(token.accountId, id))) throw new HttpError(404, 'Record not found');
      return {};
    });

    app.get('/api/v1/admin/sparrow/security_alerts', async (request: FastifyRequest) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:read');
      const alerts = await ctx.securityMonitor.alerts(actor, 100);
      return alerts.map((a) => ({
        id: a.id,
        kind: a.kind,
        scope: a.scope,
        summary: describeAlert(a),
        details: a.details,
        created_at: a.createdAt.toISOString(),
      }));
    });

    if (ctx.devMailbox && ctx.config.smsProvider === 'console') {
      const mailbox = ctx.devMailbox;
      // Development only (console SMS provider, no SMTP): what was "sent" to an address. Anywhere
      // else this would hand out everyone's reset codes, so it exists only beside the phone simulator.
      app.get('/api/v1/sparrow/dev/mail', async (request) => {
        const { to } = devMailInput.read(request);
        return mailbox
          .messagesTo(to)
          .map((m) => ({ to: m.to, subject: m.subject, text: m.text, sent_at: m.at.toISOString() }));
      });
    }
  };
}
