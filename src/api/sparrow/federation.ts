import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { DomainBlock } from '../../federation/ports.ts';
import { actingAccount } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { flag, input, oneOf, text } from '../input.ts';

// Mastodon's admin domain block shapes; `silence` is its name for what Sparrow calls `limit`.
const blockInput = input(
  {
    domain: text('acct'),
    severity: oneOf(['suspend', 'silence', 'limit', 'noop']),
    reject_media: flag,
    private_comment: text('reason'),
    public_comment: text('reason'),
  },
  ['domain'],
);
const reasonInput = input({ private_comment: text('reason'), reason: text('reason') });

function render(block: DomainBlock) {
  return {
    id: block.id,
    domain: block.domain,
    created_at: block.createdAt.toISOString(),
    severity: block.severity === 'limit' ? 'silence' : block.severity,
    reject_media: block.rejectMedia,
    reject_reports: false,
    private_comment: block.reason,
    public_comment: null,
    obfuscate: false,
  };
}

/** Admin domain blocks through Mastodon's admin API (`/api/v1/admin/domain_blocks`); audited. */
export function federationAdminRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/admin/domain_blocks', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:read:domain_blocks');
      return (await ctx.domainBlocks.list({ actor, reason: 'read' })).map(render);
    });

    app.get('/api/v1/admin/domain_blocks/:id', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:read:domain_blocks');
      const id = (request.params as { id: string }).id;
      const found = (await ctx.domainBlocks.list({ actor, reason: 'read' })).find((b) => b.id === id);
      if (!found) throw new HttpError(404, 'Record not found');
      return render(found);
    });

    app.post('/api/v1/admin/domain_blocks', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:domain_blocks');
      const body = blockInput.read(request);
      const block = await ctx.domainBlocks.block(
        body.domain,
        {
          severity:
            body.severity === 'silence' || body.severity === 'limit'
              ? 'limit'
              : body.severity === 'noop'
                ? 'noop'
                : 'suspend',
          rejectMedia: body.reject_media,
        },
        { actor, reason: body.private_comment ?? body.public_comment ?? '' },
      );
      return render(block);
    });

    app.delete('/api/v1/admin/domain_blocks/:id', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write:domain_blocks');
      const id = (request.params as { id: string }).id;
      const found = (await ctx.domainBlocks.list({ actor, reason: 'read' })).find((b) => b.id === id);
      if (!found) throw new HttpError(404, 'Record not found');
      const { private_comment, reason } = reasonInput.read(request);
      await ctx.domainBlocks.unblock(found.domain, { actor, reason: reason ?? private_comment ?? '' });
      return {};
    });
  };
}
