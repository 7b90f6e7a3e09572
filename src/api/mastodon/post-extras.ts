import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { Account, PollInput, PostVersion, ScheduledPost } from '../../core/index.ts';
import { renderPostHtml } from '../../core/post-html.ts';
import { FIELD_LIMITS } from '../../shared/field-limits.ts';
import { optionalUser, requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { count, flag, input, list, object, paging, text } from '../input.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { accountSchema, renderAccount, renderStatus, statusSchema, type Urls } from './entities.ts';
import { pollSchema, renderPoll } from './poll-entity.ts';

/**
 * Status edits (`PUT /api/v1/statuses/:id`, history, source), polls (read, vote) and
 * scheduled statuses, as Mastodon's client API has them. The post create route
 * (statuses.ts) reads polls and `scheduled_at` with the helpers below.
 */

/** The poll parameters in both spellings: a JSON object `poll`, or form fields `poll[options][]` … */
export const pollFields = {
  poll: object,
  'poll[options]': list('poll_option', 10),
  'poll[expires_in]': count(0, 1_000_000_000),
  'poll[multiple]': flag,
  'poll[hide_totals]': flag,
} as const;

interface PollParams {
  poll?: Record<string, unknown>;
  'poll[options]'?: string[];
  'poll[expires_in]'?: number;
  'poll[multiple]'?: boolean;
  'poll[hide_totals]'?: boolean;
}

const TRUE = new Set<unknown>([true, 'true', '1', 1, 'on']);
const FALSE = new Set<unknown>([false, 'false', '0', 0, 'off', '', null, undefined]);

function booleanField(value: unknown, field: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new HttpError(422, `${field} must be true or false`);
}

/** The poll asked for, or null; the domain checks counts, lengths and duration. */
export function pollFrom(params: PollParams): PollInput | null {
  if (params.poll) {
    const { options, expires_in: expiresIn, multiple, hide_totals: hideTotals } = params.poll;
    if (
      !Array.isArray(options) ||
      options.length > 10 ||
      !options.every((o) => typeof o === 'string' && o.length <= FIELD_LIMITS.poll_option)
    )
      throw new HttpError(422, 'poll[options] must be a list of up to 10 short texts');
    const seconds =
      typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' ? Number(expiresIn) : Number.NaN;
    if (!Number.isInteger(seconds)) throw new HttpError(422, 'poll[expires_in] must be a number of seconds');
    return {
      options: options as string[],
      expiresInSeconds: seconds,
      multiple: booleanField(multiple, 'poll[multiple]'),
      hideTotals: booleanField(hideTotals, 'poll[hide_totals]'),
    };
  }
  if (params['poll[options]'] === undefined) return null;
  if (params['poll[expires_in]'] === undefined) throw new HttpError(422, 'poll[expires_in] is required');
  return {
    options: params['poll[options]'],
    expiresInSeconds: params['poll[expires_in]'],
    multiple: params['poll[multiple]'] ?? false,
    hideTotals: params['poll[hide_totals]'] ?? false,
  };
}

/** A Mastodon ScheduledStatus: the `params` the post will be published with. */
export const scheduledStatusSchema = {
  type: 'object',
  required: ['scheduled_at', 'params'],
  properties: {
    id: { type: 'string' },
    scheduled_at: { type: 'string' },
    params: {
      type: 'object',
      properties: {
        text: { type: 'string' },
        poll: {
          type: ['object', 'null'],
          properties: {
            options: { type: 'array', items: { type: 'string' } },
            expires_in: { type: 'string' },
            multiple: { type: 'boolean' },
            hide_totals: { type: 'boolean' },
          },
        },
        media_ids: { type: ['array', 'null'], items: { type: 'string' } },
        sensitive: { type: ['boolean', 'null'] },
        spoiler_text: { type: ['string', 'null'] },
        visibility: { type: ['string', 'null'] },
        in_reply_to_id: { type: ['string', 'null'] },
        language: { type: ['string', 'null'] },
        application_id: { type: ['string', 'null'] },
        scheduled_at: { type: 'null' },
        idempotency: { type: ['string', 'null'] },
        with_rate_limit: { type: 'boolean' },
      },
    },
    media_attachments: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export function renderScheduledStatus(post: ScheduledPost) {
  const p = post.params;
  return {
    id: post.id,
    scheduled_at: post.scheduledAt.toISOString(),
    params: {
      text: p.text,
      poll: p.poll
        ? {
            options: p.poll.options,
            expires_in: String(p.poll.expiresInSeconds),
            multiple: p.poll.multiple ?? false,
            hide_totals: p.poll.hideTotals ?? false,
          }
        : null,
      media_ids: p.mediaIds.length > 0 ? p.mediaIds : null,
      sensitive: p.sensitive,
      spoiler_text: p.spoilerText,
      visibility: p.visibility,
      in_reply_to_id: p.inReplyToId,
      language: p.language,
      application_id: null,
      scheduled_at: null,
      idempotency: p.idempotency,
      with_rate_limit: false,
    },
    media_attachments: [],
  };
}

/** Reads `scheduled_at` as a date (the domain checks it is far enough ahead). */
export function scheduledAtFrom(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new HttpError(422, 'scheduled_at is not a valid date');
  return at;
}

const statusEditSchema = {
  type: 'object',
  properties: {
    content: { type: 'string' },
    spoiler_text: { type: 'string' },
    sensitive: { type: 'boolean' },
    created_at: { type: 'string' },
    account: accountSchema,
    poll: {
      type: ['object', 'null'],
      properties: {
        options: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' } } } },
      },
    },
    media_attachments: { type: 'array', items: { type: 'object', additionalProperties: true } },
    emojis: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

function renderVersion(version: PostVersion, author: Account, mentions: Account[], urls: Urls) {
  return {
    content: renderPostHtml(
      version.text,
      mentions.map((a) => ({ username: a.username, url: `${urls.publicUrl}/@${a.username}` })),
    ),
    spoiler_text: version.spoilerText,
    sensitive: version.sensitive,
    created_at: version.createdAt.toISOString(),
    account: renderAccount(author, urls),
    poll: version.pollOptions ? { options: version.pollOptions.map((title) => ({ title })) } : null,
    media_attachments: [],
    emojis: [],
  };
}

const editInput = input({
  status: text('status'),
  spoiler_text: text('spoiler_text'),
  sensitive: flag,
  language: text('language'),
  media_ids: list('id', 20),
  ...pollFields,
});
const voteInput = input({ choices: list('choice', 10) }, ['choices']);
const pagingInput = input(paging);
const rescheduleInput = input({ scheduled_at: text('date') });

export function postExtrasRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.put('/api/v1/statuses/:id', { schema: { response: { 200: statusSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const id = pathId(request);
      const params = editInput.read(request);
      if ((params.media_ids ?? []).length > 0)
        throw new HttpError(422, 'Media attachments are not supported on this server');
      await ctx.microblog.edit(accountId, id, {
        text: params.status ?? '',
        spoilerText: params.spoiler_text ?? '',
        sensitive: params.sensitive ?? false,
        ...(params.language !== undefined ? { language: params.language || null } : {}),
        poll: pollFrom(params),
      });
      return renderStatus(await ctx.microblog.postView(accountId, id), urls);
    });

    app.get(
      '/api/v1/statuses/:id/history',
      { schema: { response: { 200: { type: 'array', items: statusEditSchema } } } },
      async (request) => {
        const viewer = optionalUser(request, 'read:statuses');
        const id = pathId(request);
        const view = await ctx.microblog.postView(viewer?.accountId ?? null, id);
        const { versions, author } = await ctx.microblog.editHistory(viewer?.accountId ?? null, id);
        return versions.map((v) => renderVersion(v, author, view.mentions, urls));
      },
    );

    app.get(
      '/api/v1/statuses/:id/source',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: { id: { type: 'string' }, text: { type: 'string' }, spoiler_text: { type: 'string' } },
            },
          },
        },
      },
      async (request) => {
        const viewer = optionalUser(request, 'read:statuses');
        const post = await ctx.microblog.visiblePost(viewer?.accountId ?? null, pathId(request));
        return { id: post.id, text: post.text, spoiler_text: post.spoilerText };
      },
    );

    app.get('/api/v1/polls/:id', { schema: { response: { 200: pollSchema } } }, async (request) => {
      const viewer = optionalUser(request, 'read:statuses');
      return renderPoll(await ctx.polls.poll(viewer?.accountId ?? null, pathId(request)));
    });

    app.post('/api/v1/polls/:id/votes', { schema: { response: { 200: pollSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const id = pathId(request);
      const { choices } = voteInput.read(request);
      const numbers = choices.map((c) => (/^[0-9]{1,3}$/.test(c) ? Number(c) : Number.NaN));
      if (numbers.some((n) => Number.isNaN(n))) throw new HttpError(422, 'choices must be option numbers');
      return renderPoll(await ctx.polls.vote(accountId, id, numbers));
    });

    app.get(
      '/api/v1/scheduled_statuses',
      { schema: { response: { 200: { type: 'array', items: scheduledStatusSchema } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:statuses');
        const params = pagingInput.read(request);
        const posts = await ctx.scheduledPosts.list(accountId, pageOf(params, 20, 40));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(posts, (p) => p.id),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return posts.map(renderScheduledStatus);
      },
    );

    const one = { schema: { response: { 200: scheduledStatusSchema } } };
    app.get('/api/v1/scheduled_statuses/:id', one, async (request) => {
      const { accountId } = requireUser(request, 'read:statuses');
      return renderScheduledStatus(await ctx.scheduledPosts.get(accountId, pathId(request)));
    });

    app.put('/api/v1/scheduled_statuses/:id', one, async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const id = pathId(request);
      const { scheduled_at: at } = rescheduleInput.read(request);
      if (at === undefined) return renderScheduledStatus(await ctx.scheduledPosts.get(accountId, id));
      return renderScheduledStatus(await ctx.scheduledPosts.reschedule(accountId, id, scheduledAtFrom(at)));
    });

    app.delete('/api/v1/scheduled_statuses/:id', async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      await ctx.scheduledPosts.cancel(accountId, pathId(request));
      return {};
    });
  };
}
