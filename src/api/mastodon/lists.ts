import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { REPLIES_POLICIES, type List } from '../../core/index.ts';
import { requireUser } from '../auth.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { flag, input, list, oneOf, paging, text } from '../input.ts';
import { accountSchema, renderAccount, renderStatus, statusSchema } from './entities.ts';

const listSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    replies_policy: { type: 'string' },
    exclusive: { type: 'boolean' },
  },
} as const;

const createInput = input({ title: text('title'), replies_policy: oneOf(REPLIES_POLICIES), exclusive: flag }, [
  'title',
]);
const updateInput = input({ title: text('title'), replies_policy: oneOf(REPLIES_POLICIES), exclusive: flag });
const membersInput = input({ account_ids: list('id', 250) }, ['account_ids']);
const membersPageInput = input(paging);
const timelineInput = input(paging);

function renderList(list: List) {
  return { id: list.id, title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive };
}

/**
 * Lists (Mastodon's `/api/v1/lists`), their members and their timelines. Someone else's list
 * answers 404, like one that does not exist.
 */
export function listRoutes(ctx: AppContext) {
  const urls = ctx.config;
  const oneList = { schema: { response: { 200: listSchema } } };
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/lists',
      { schema: { response: { 200: { type: 'array', items: listSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:lists');
        return (await ctx.lists.lists(accountId)).map(renderList);
      },
    );

    app.post('/api/v1/lists', oneList, async (request) => {
      const { accountId } = requireUser(request, 'write:lists');
      const params = createInput.read(request);
      return renderList(
        await ctx.lists.create(accountId, {
          title: params.title,
          repliesPolicy: params.replies_policy,
          exclusive: params.exclusive,
        }),
      );
    });

    app.get('/api/v1/lists/:id', oneList, async (request) => {
      const { accountId } = requireUser(request, 'read:lists');
      return renderList(await ctx.lists.get(accountId, pathId(request)));
    });

    app.put('/api/v1/lists/:id', oneList, async (request) => {
      const { accountId } = requireUser(request, 'write:lists');
      const id = pathId(request);
      const params = updateInput.read(request);
      return renderList(
        await ctx.lists.update(accountId, id, {
          title: params.title,
          repliesPolicy: params.replies_policy,
          exclusive: params.exclusive,
        }),
      );
    });

    app.delete('/api/v1/lists/:id', async (request) => {
      const { accountId } = requireUser(request, 'write:lists');
      await ctx.lists.remove(accountId, pathId(request));
      return {};
    });

    app.get(
      '/api/v1/lists/:id/accounts',
      { schema: { response: { 200: { type: 'array', items: accountSchema } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:lists');
        const id = pathId(request);
        const params = membersPageInput.read(request);
        // As in Mastodon, `limit=0` lists every member at once.
        const all = params.limit !== undefined && Number(params.limit) === 0;
        const rows = await ctx.lists.members(accountId, id, all ? null : pageOf(params, 40, 80));
        const accounts = await ctx.microblog.accounts(rows.map((r) => r.accountId));
        if (!all) {
          const link = linkHeader(
            urls.publicUrl,
            request,
            cursorsOf(rows, (r) => r.cursor),
            { limit: params.limit },
          );
          if (link) void reply.header('Link', link);
        }
        return rows.flatMap((r) => {
          const account = accounts.get(r.accountId);
          return account ? [renderAccount(account, urls)] : [];
        });
      },
    );

    app.post('/api/v1/lists/:id/accounts', async (request) => {
      const { accountId } = requireUser(request, 'write:lists');
      const id = pathId(request);
      await ctx.lists.addMembers(accountId, id, membersInput.read(request).account_ids);
      return {};
    });

    app.delete('/api/v1/lists/:id/accounts', async (request) => {
      const { accountId } = requireUser(request, 'write:lists');
      const id = pathId(request);
      await ctx.lists.removeMembers(accountId, id, membersInput.read(request).account_ids);
      return {};
    });

    app.get(
      '/api/v1/accounts/:id/lists',
      { schema: { response: { 200: { type: 'array', items: listSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:lists');
        return (await ctx.lists.listsWithMember(accountId, pathId(request))).map(renderList);
      },
    );

    app.get(
      '/api/v1/timelines/list/:id',
      { schema: { response: { 200: { type: 'array', items: statusSchema } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:lists');
        const id = pathId(request);
        const params = timelineInput.read(request);
        const views = await ctx.lists.timeline(accountId, id, pageOf(params));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(views, (v) => v.post.id),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return views.map((v) => renderStatus(v, urls));
      },
    );
  };
}
