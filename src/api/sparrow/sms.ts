import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { AccountNotice } from '../../notices/index.ts';
import type {
  CountryPolicy,
  HeldMessage,
  KillSwitchState,
  SmsSecurityState,
  SmsSettingsView,
} from '../../sms/index.ts';
import { maskContact } from '../../privacy/index.ts';
import { actingAccount, requireUser } from '../auth.ts';
import { flag, input, oneOf, orNull, text } from '../input.ts';
import { pathId } from '../params.ts';

const settingsSchema = {
  type: 'object',
  properties: {
    posting: { type: 'boolean' },
    notifications: { type: 'boolean' },
    pin: { type: ['string', 'null'] },
    pin_set: { type: 'boolean' },
    locked: { type: 'boolean' },
    lock_reason: { type: ['string', 'null'] },
    phone: {
      type: ['object', 'null'],
      properties: { number: { type: 'string' }, country: { type: 'string' }, verified_at: { type: 'string' } },
    },
  },
} as const;

const policySchema = {
  type: 'object',
  properties: {
    country: { type: 'string' },
    posting: { type: 'boolean' },
    notifications: { type: 'boolean' },
    security: { type: ['boolean', 'null'] },
    updated_at: { type: 'string' },
    updated_by: { type: 'string' },
  },
} as const;

const killSwitchSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    reason: { type: 'string' },
    updated_at: { type: ['string', 'null'] },
    updated_by: { type: ['string', 'null'] },
  },
} as const;

function renderSettings(view: SmsSettingsView, security: SmsSecurityState) {
  return {
    posting: view.posting,
    notifications: view.notifications,
    // The PIN itself is never returned; pin_set says whether there is one.
    pin: null,
    pin_set: security.pinHash !== null,
    locked: security.lockedAt !== null,
    lock_reason: security.lockReason,
    phone: view.phone
      ? {
          number: maskContact('phone', view.phone.e164),
          country: view.phone.country,
          verified_at: view.phone.verifiedAt.toISOString(),
        }
      : null,
  };
}

const holdSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    text: { type: 'string' },
    reason: { type: 'string' },
    status: { type: 'string' },
    created_at: { type: 'string' },
    decided_at: { type: ['string', 'null'] },
  },
} as const;

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
    created_at: { type: 'string' },
    read: { type: 'boolean' },
  },
} as const;

function renderHold(hold: HeldMessage) {
  return {
    id: hold.id,
    text: hold.text,
    reason: hold.reason,
    status: hold.status,
    created_at: hold.createdAt.toISOString(),
    decided_at: hold.decidedAt?.toISOString() ?? null,
  };
}

function renderEvent(event: AccountNotice) {
  return {
    id: event.id,
    kind: event.kind,
    details: event.details,
    created_at: event.createdAt.toISOString(),
    read: Boolean(event.readAt),
  };
}

function renderPolicy(policy: CountryPolicy) {
  return {
    country: policy.country,
    posting: policy.posting,
    notifications: policy.notifications,
    security: policy.security,
    updated_at: policy.updatedAt.toISOString(),
    updated_by: policy.updatedBy,
  };
}

function renderKillSwitch(state: KillSwitchState) {
  return {
    enabled: state.enabled,
    reason: state.reason,
    updated_at: state.updatedAt?.toISOString() ?? null,
    updated_by: state.updatedBy,
  };
}

const phoneInput = input({ number: text('number') }, ['number']);
const verifyInput = input({ code: text('code') }, ['code']);
// Closed: a misspelt switch (`sms_posting: false`) must be refused, not look accepted and change nothing.
// `pin: null` removes the PIN; its format is the domain's rule.
const settingsInput = input({ posting: flag, notifications: flag, pin: orNull(text('pin')) }, [], { closed: true });
const unlockInput = input({ password: text('password') });
const holdsInput = input({ status: oneOf(['pending', 'released', 'discarded', 'all']) });
// The reason is bounded here and checked by the permission policy (required, trimmed, audited).
const policyInput = input(
  {
    country: text('country'),
    posting: flag,
    notifications: flag,
    // null: back to the instance default (SPARROW_SECURITY_SMS_COUNTRIES).
    security: orNull(flag),
    reason: text('reason'),
  },
  ['country'],
);
const killSwitchInput = input({ enabled: flag, reason: text('reason') }, ['enabled']);

export function smsRoutes(ctx: AppContext) {
  const sms = ctx.sms;
  return async (app: FastifyInstance) => {
    // ── Phone binding ──────────────────────────────────────────────────────────
    app.post('/api/v1/sparrow/phone', async (request, reply) => {
      const { accountId } = requireUser(request, 'write:accounts');
      const { number } = phoneInput.read(request);
      await sms.phones.request(accountId, number, { ip: request.ip });
      return reply.status(202).send({ status: 'code_sent_if_possible' });
    });

    app.post('/api/v1/sparrow/phone/verify', async (request) => {
      const { accountId } = requireUser(request, 'write:accounts');
      const { code } = verifyInput.read(request);
      const phone = await sms.phones.verify(accountId, code);
      return {
        number: maskContact('phone', phone.e164),
        country: phone.country,
        verified_at: phone.verifiedAt.toISOString(),
      };
    });

    app.delete('/api/v1/sparrow/phone', async (request) => {
      const { accountId } = requireUser(request, 'write:accounts');
      await sms.phones.unbind(accountId);
      return {};
    });

    // ── The owner's SMS settings (never changeable by SMS itself) ──────────────
    const currentSettings = async (accountId: string) =>
      renderSettings(await sms.settings.get(accountId), await sms.owner.state(accountId));

    app.get('/api/v1/sparrow/sms_settings', { schema: { response: { 200: settingsSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'read:accounts');
      return currentSettings(accountId);
    });

    app.patch('/api/v1/sparrow/sms_settings', { schema: { response: { 200: settingsSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write:accounts');
      // Validate everything before changing anything: a bad PIN must not leave posting half-switched.
      const { posting, notifications, pin } = settingsInput.read(request);
      if (pin !== undefined) await sms.owner.setPin(accountId, pin);
      await sms.settings.update(accountId, { posting, notifications });
      return currentSettings(accountId);
    });

    // Locks (wrong PINs, SIM swap, "not me") are lifted only with a non-SMS factor.
    app.post(
      '/api/v1/sparrow/sms_settings/unlock',
      { schema: { response: { 200: settingsSchema } } },
      async (request) => {
        const { accountId } = requireUser(request, 'write:accounts');
        await sms.owner.unlock(accountId, { password: unlockInput.read(request).password });
        return currentSettings(accountId);
      },
    );

    // ── Held texts, "this wasn't me", owner alerts ─────────────────────────────
    app.get(
      '/api/v1/sparrow/sms_holds',
      { schema: { response: { 200: { type: 'array', items: holdSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        const { status = 'pending' } = holdsInput.read(request);
        const holds = await sms.owner.holds(accountId, status === 'all' ? null : status);
        return holds.map(renderHold);
      },
    );

    app.post('/api/v1/sparrow/sms_holds/:id/release', async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const result = await sms.owner.release(accountId, pathId(request));
      return { outcome: result.outcome, post_id: result.postId };
    });

    app.post('/api/v1/sparrow/sms_holds/:id/discard', async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      await sms.owner.discard(accountId, pathId(request));
      return {};
    });

    app.post('/api/v1/sparrow/sms_not_me', async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const { removed } = await sms.owner.notMe(accountId);
      return { removed_post_ids: removed, sms_posting_locked: true };
    });

    app.post('/api/v1/sparrow/sms_confirm', async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      await sms.owner.confirm(accountId);
      return {};
    });

    app.get(
      '/api/v1/sparrow/security_events',
      { schema: { response: { 200: { type: 'array', items: eventSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        return (await ctx.notices.list(accountId, 100)).map(renderEvent);
      },
    );

    app.post('/api/v1/sparrow/security_events/read', async (request) => {
      const { accountId } = requireUser(request, 'write:accounts');
      await ctx.notices.markRead(accountId);
      return {};
    });

    // ── Admin: country policy and kill switch ──────────────────────────────────
    app.get(
      '/api/v1/admin/sparrow/sms_policy',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: { kill_switch: killSwitchSchema, countries: { type: 'array', items: policySchema } },
            },
          },
        },
      },
      async (request) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:read');
        const { killSwitch, countries } = await sms.policy.status(actor);
        return { kill_switch: renderKillSwitch(killSwitch), countries: countries.map(renderPolicy) };
      },
    );

    app.put('/api/v1/admin/sparrow/sms_policy', { schema: { response: { 200: policySchema } } }, async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write');
      const { country, posting, notifications, security, reason = '' } = policyInput.read(request);
      const policy = await sms.policy.setCountry(
        country,
        {
          ...(posting !== undefined ? { posting } : {}),
          ...(notifications !== undefined ? { notifications } : {}),
          ...(security !== undefined ? { security } : {}),
        },
        { actor, reason },
      );
      return renderPolicy(policy);
    });

    app.post(
      '/api/v1/admin/sparrow/kill_switch',
      { schema: { response: { 200: killSwitchSchema } } },
      async (request) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:write');
        const { enabled, reason = '' } = killSwitchInput.read(request);
        return renderKillSwitch(await sms.policy.setKillSwitch(enabled, { actor, reason }));
      },
    );

    app.get('/api/v1/admin/sparrow/audit_log', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:read');
      const entries = await ctx.audit.recent(actor, 100);
      return entries.map((e) => ({
        id: e.id,
        actor: e.actor,
        action: e.action,
        subject: e.subject,
        details: e.details,
        reason: e.reason,
        created_at: e.createdAt.toISOString(),
      }));
    });
  };
}
