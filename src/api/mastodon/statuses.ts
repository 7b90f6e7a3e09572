import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { VISIBILITIES, type PostSource } from '../../core/index.ts';
import { optionalUser, requireUser, type UserToken } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { flag, id, input, list, oneOf, paging, text } from '../input.ts';

const postInput = input({
  status: text('status'),
  spoiler_text: text('spoiler_text'),
  visibility: oneOf(VISIBILITIES),
  sensitive: flag,
  language: text('language'),
  in_reply_to_id: id,
  media_ids: list('id', 20),
  scheduled_at: text('date'),
  ...pollFields,
});
const reblogInput = input({ visibility: text('visibility') });
const pagingInput = input(paging);
import { accountSchema, renderAccount, renderDeletedStatus, renderStatus, statusSchema } from './entities.ts';
import { pollFields, pollFrom, renderScheduledStatus, scheduledAtFrom, scheduledStatusSchema } from './post-extras.ts';
import { sendJson, statusesJson } from './status-json.ts';

const oneStatus = { response: { 200: statusSchema } };
/** A new post, or with `scheduled_at` the ScheduledStatus (told apart by its required fields). */
const newStatus = { response: { 200: { anyOf: [scheduledStatusSchema, statusSchema] } } };
const statusList = { response: { 200: { type: 'array', items: statusSchema } } };
const accountList = { response: { 200: { type: 'array', items: accountSchema } } };
const MAX_IDEMPOTENCY_KEY = 200;

/** Records which client made a post, as SPEC 3.1 asks: `api:<app name>`. */
function sourceOf(token: UserToken): PostSource {
  return token.appName ? `api:${token.appName}` : 'api:sparrow-cli';
}

export function statusRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.post('/api/v1/statuses', { schema: newStatus }, async (request) => {
      const token = requireUser(request, 'write:statuses');
      const params = postInput.read(request);
      const poll = pollFrom(params);
      const visibility = params.visibility;
      const idempotencyKey = request.headers['idempotency-key'];
      if (
        idempotencyKey !== undefined &&
        (typeof idempotencyKey !== 'string' ||
          idempotencyKey.length === 0 ||
          idempotencyKey.length > MAX_IDEMPOTENCY_KEY)
      ) {
        throw new HttpError(422, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`);
      }
      if (params.scheduled_at) {
        const scheduled = await ctx.scheduledPosts.schedule(
          token.accountId,
          scheduledAtFrom(params.scheduled_at),
          {
            text: params.status ?? '',
            visibility: visibility ?? null,
            spoilerText: params.spoiler_text ?? null,
            sensitive: params.sensitive ?? false,
            language: params.language ?? null,
            inReplyToId: params.in_reply_to_id ?? null,
            mediaIds: [],
            poll,
            idempotency: idempotencyKey ?? null,
          },
          sourceOf(token),
        );
        return renderScheduledStatus(scheduled);
      }
      const view = await ctx.microblog.postAndView(token.accountId, {
        text: params.status ?? '',
        source: sourceOf(token),
        visibility: visibility ?? 'public',
        spoilerText: params.spoiler_text ?? '',
        sensitive: params.sensitive ?? false,
        language: params.language ?? null,
        inReplyToId: params.in_reply_to_id ?? null,
        idempotencyKey: idempotencyKey ?? null,
        poll,
        mediaIds: params.media_ids ?? [],
      });
      return renderStatus(view, urls);
    });

    app.get('/api/v1/statuses/:id', { schema: oneStatus }, async (request) => {
      const viewer = optionalUser(request, 'read:statuses');
      return renderStatus(await ctx.microblog.postView(viewer?.accountId ?? null, pathId(request)), urls);
    });

    app.delete('/api/v1/statuses/:id', { schema: oneStatus }, async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const view = await ctx.microblog.postView(accountId, pathId(request));
      await ctx.microblog.deletePost(accountId, view.post.id);
      return renderDeletedStatus(view, urls);
    });

    app.get(
      '/api/v1/statuses/:id/context',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: {
                ancestors: { type: 'array', items: statusSchema },
                descendants: { type: 'array', items: statusSchema },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const viewer = optionalUser(request, 'read:statuses');
        const { ancestors, descendants } = await ctx.microblog.context(viewer?.accountId ?? null, pathId(request));
        return sendJson(
          reply,
          `{"ancestors":${statusesJson(ancestors, urls)},"descendants":${statusesJson(descendants, urls)}}`,
        );
      },
    );

    const action = (
      path: string,
      scope: string,
      act: (token: UserToken, postId: string, request: FastifyRequest) => Promise<string>,
    ) => {
      app.post(`/api/v1/statuses/:id/${path}`, { schema: oneStatus }, async (request) => {
        const token = requireUser(request, scope);
        const id = await act(token, pathId(request), request);
        return renderStatus(await ctx.microblog.postView(token.accountId, id), urls);
      });
    };
    action('favourite', 'write:favourites', async (t, id) => (await ctx.microblog.favourite(t.accountId, id)).id);
    action('unfavourite', 'write:favourites', async (t, id) => (await ctx.microblog.unfavourite(t.accountId, id)).id);
    action('reblog', 'write:statuses', async (t, id, request) => {
      const { visibility } = reblogInput.read(request);
      return (
        await ctx.microblog.reblog(
          t.accountId,
          id,
          sourceOf(t),
          visibility === 'unlisted' || visibility === 'private' ? visibility : 'public',
        )
      ).id;
    });
    action('unreblog', 'write:statuses', async (t, id) => (await ctx.microblog.unreblog(t.accountId, id)).id);
    action('bookmark', 'write:bookmarks', async (t, id) => (await ctx.microblog.bookmark(t.accountId, id)).id);
    action('unbookmark', 'write:bookmarks', async (t, id) => (await ctx.microblog.unbookmark(t.accountId, id)).id);
    action('pin', 'write:accounts', async (t, id) => (await ctx.microblog.pin(t.accountId, id)).id);
    action('unpin', 'write:accounts', async (t, id) => (await ctx.microblog.unpin(t.accountId, id)).id);

    // Both page by the mark's own id, not the post's, so a post saved today comes first whatever its age.
    for (const [path, scope, list] of [
      ['bookmarks', 'read:bookmarks', (account, page) => ctx.microblog.bookmarks(account, page)],
      ['favourites', 'read:favourites', (account, page) => ctx.microblog.favourites(account, page)],
    ] as const satisfies readonly (readonly [string, string, typeof ctx.microblog.bookmarks])[]) {
      app.get(`/api/v1/${path}`, { schema: statusList }, async (request, reply) => {
        const { accountId } = requireUser(request, scope);
        const params = pagingInput.read(request);
        const marks = await list(accountId, pageOf(params, 20, 40));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(marks, (m) => m.cursor),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return marks.map((m) => renderStatus(m.view, urls));
      });
    }

    for (const [path, list] of [
      ['favourited_by', (viewer, id, page) => ctx.microblog.favouritedBy(viewer, id, page)],
      ['reblogged_by', (viewer, id, page) => ctx.microblog.rebloggedBy(viewer, id, page)],
    ] as const satisfies readonly (readonly [string, typeof ctx.microblog.favouritedBy])[]) {
      app.get(`/api/v1/statuses/:id/${path}`, { schema: accountList }, async (request, reply) => {
        const viewer = optionalUser(request, 'read:accounts');
        const params = pagingInput.read(request);
        const rows = await list(viewer?.accountId ?? null, pathId(request), pageOf(params, 40, 80));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(rows, (r) => r.cursor),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return rows.map((r) => renderAccount(r.account, urls));
      });
    }
  };
}
