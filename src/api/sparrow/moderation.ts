import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Account } from '../../core/index.ts';
import type { Actor } from '../../security/index.ts';
import { actingAccount } from '../auth.ts';
import { input, oneOf, text } from '../input.ts';

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

// Mastodon's admin shapes carry the staff reason as `text`: bounded here like every reason,
// required, trimmed and audited by the permission policy.
const staffInput = input({ text: text('reason') });
// Of Mastodon's action types Sparrow offers a warning (`none`, audited) and `suspend`.
const actionInput = input({ type: oneOf(['none', 'suspend']), text: text('reason') });

async function target(ctx: AppContext, request: FastifyRequest, actor: Actor): Promise<Account> {
  return ctx.moderation.find(actor, (request.params as { id?: string }).id ?? '');
}

/**
 * Account moderation through Mastodon's admin API shapes: suspend (hide everything, sign
 * out everywhere, keep the data) and unsuspend. Who may act on whom is the permission
 * policy's call inside AccountModeration; every action needs a reason and is audited.
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
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:read:accounts');
      return render(await target(ctx, request, actor));
    });

    app.post('/api/v1/admin/accounts/:id/action', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:accounts');
      const account = await target(ctx, request, actor);
      const { type = 'none', text: reason = '' } = actionInput.read(request);
      if (type === 'suspend') await ctx.moderation.suspend(account, { actor, reason });
      else await ctx.moderation.warn(account, { actor, reason });
      return {};
    });

    app.post(
      '/api/v1/admin/accounts/:id/unsuspend',
      { schema: { response: { 200: adminAccountSchema } } },
      async (request) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:accounts');
        const account = await target(ctx, request, actor);
        const { text: reason = '' } = staffInput.read(request);
        await ctx.moderation.unsuspend(account, { actor, reason });
        return render({ ...account, suspended: false });
      },
    );

    // Sparrow additions beside Mastodon's shapes: the same staff actions the console and CLI offer.
    app.post('/api/v1/admin/accounts/:id/sms_unlock', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:accounts');
      const account = await target(ctx, request, actor);
      await ctx.moderation.unlockSmsPosting(account, {
        actor,
        reason: staffInput.read(request).text ?? '',
      });
      return {};
    });

    app.post('/api/v1/admin/accounts/:id/reset_second_factors', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:accounts');
      const account = await target(ctx, request, actor);
      const { sessionsSignedOut } = await ctx.moderation.resetSecondFactors(account, {
        actor,
        reason: staffInput.read(request).text ?? '',
      });
      return { sessions_signed_out: sessionsSignedOut };
    });
  };
}
