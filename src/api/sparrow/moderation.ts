import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Account } from '../../core/index.ts';
import { requireUser, type UserToken } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { optionalString, paramsOf } from '../params.ts';

const adminAccountSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    domain: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'object', properties: { name: { type: 'string' } } },
    confirmed: { type: 'boolean' },
    suspended: { type: 'boolean' },
    silenced: { type: 'boolean' },
    disabled: { type: 'boolean' },
    approved: { type: 'boolean' },
  },
} as const;

/** Moderators and administrators (Mastodon's admin API allows both to act on accounts). */
async function requireStaff(
  ctx: AppContext,
  request: FastifyRequest,
  scope: string,
): Promise<UserToken & { role: Account['role'] }> {
  const token = requireUser(request, scope);
  const account = await ctx.microblog.account(token.accountId);
  if (account.role !== 'admin' && account.role !== 'moderator')
    throw new HttpError(403, 'This action needs a moderator or administrator');
  return { ...token, role: account.role };
}

async function target(ctx: AppContext, request: FastifyRequest): Promise<Account> {
  const id = (request.params as { id?: string }).id ?? '';
  const account = id.length <= 40 ? await ctx.microblog.accountForModeration(id) : null;
  if (!account) throw new HttpError(404, 'Record not found');
  return account;
}

/**
 * Account moderation through Mastodon's admin API shapes: suspend (hide everything, sign
 * out everywhere, keep the data) and unsuspend. Every action goes to the audit log.
 */
export function moderationRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const render = async (account: Account) => ({
      id: account.id,
      username: account.username,
      domain: null,
      created_at: account.createdAt.toISOString(),
      email: (await ctx.identity.emailOf(account.id)) ?? '',
      role: { name: account.role },
      confirmed: true,
      suspended: account.suspended,
      silenced: false,
      disabled: false,
      approved: true,
    });

    app.get('/api/v1/admin/accounts/:id', { schema: { response: { 200: adminAccountSchema } } }, async (request) => {
      await requireStaff(ctx, request, 'admin:read:accounts');
      return render(await target(ctx, request));
    });

    app.post('/api/v1/admin/accounts/:id/action', async (request) => {
      const staff = await requireStaff(ctx, request, 'admin:write:accounts');
      const account = await target(ctx, request);
      const params = paramsOf(request);
      const type = optionalString(params, 'type', 20) ?? 'none';
      const reason = optionalString(params, 'text', 500) ?? '';
      if (type !== 'none' && type !== 'suspend')
        throw new HttpError(422, `type ${type} is not supported here (none or suspend)`);
      const actor = { id: `account:${staff.accountId}`, reason, account: { id: staff.accountId, role: staff.role } };
      if (type === 'suspend') await ctx.moderation.suspend(account, actor);
      else await ctx.sms.policy.recordAction(actor, 'account.warn', account.id, { username: account.username });
      return {};
    });

    app.post(
      '/api/v1/admin/accounts/:id/unsuspend',
      { schema: { response: { 200: adminAccountSchema } } },
      async (request) => {
        const staff = await requireStaff(ctx, request, 'admin:write:accounts');
        const account = await target(ctx, request);
        const reason = optionalString(paramsOf(request), 'text', 500) ?? '';
        await ctx.moderation.unsuspend(account, {
          id: `account:${staff.accountId}`,
          reason,
          account: { id: staff.accountId, role: staff.role },
        });
        return render({ ...account, suspended: false });
      },
    );
  };
}
