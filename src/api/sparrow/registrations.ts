import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Account } from '../../core/index.ts';
import type { Actor, PendingApplication } from '../../security/index.ts';
import { actingAccount } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { flag, input, oneOf, text } from '../input.ts';

const decisionInput = input({ text: text('reason'), reason: text('reason') });
const listInput = input({ pending: flag, status: oneOf(['pending'] as const), limit: text('limit') });

const applicationSchema = {
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
    approved: { type: 'boolean' },
    invite_request: { type: ['string', 'null'] },
  },
} as const;

/**
 * Sign-up approval through Mastodon's admin API shapes: the pending queue
 * (`GET /api/v1/admin/accounts?pending=true`, or `status=pending`), approve and reject.
 * Mastodon's approve and reject take no parameters; here the reason is required (`text` or
 * `reason`) because every staff action is audited. The policy decides inside the service.
 */
export function registrationRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const render = (application: PendingApplication) => ({
      id: application.account.id,
      username: application.account.username,
      domain: null,
      created_at: application.createdAt.toISOString(),
      email: application.email ?? '',
      role: { name: application.account.role },
      confirmed: true,
      suspended: false,
      approved: false,
      invite_request: application.reason,
    });

    app.get(
      '/api/v1/admin/accounts',
      { schema: { response: { 200: { type: 'array', items: applicationSchema } } } },
      async (request) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:read:accounts');
        const params = listInput.read(request);
        if (params.pending !== true && params.status !== 'pending')
          throw new HttpError(422, 'Only the sign-up queue is listed here: pass pending=true (or status=pending)');
        const limit = params.limit !== undefined && /^[0-9]{1,3}$/.test(params.limit) ? Number(params.limit) : 100;
        return (await ctx.registrations.pending(actor, limit)).map(render);
      },
    );

    const decide =
      (run: (account: Account, acting: { actor: Actor; reason: string }) => Promise<void>) =>
      async (request: FastifyRequest) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:accounts');
        const account = await ctx.moderation.find(actor, (request.params as { id?: string }).id ?? '');
        const params = decisionInput.read(request);
        await run(account, { actor, reason: params.text ?? params.reason ?? '' });
        return { id: account.id, username: account.username };
      };

    app.post(
      '/api/v1/admin/accounts/:id/approve',
      decide((account, acting) => ctx.registrations.approve(account, acting)),
    );
    app.post(
      '/api/v1/admin/accounts/:id/reject',
      decide((account, acting) => ctx.registrations.reject(account, acting)),
    );
  };
}
