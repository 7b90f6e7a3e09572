import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { optionalUser, requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { uploadedFile } from '../../http/multipart.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { count, flag, input, list, paging, text } from '../input.ts';
import { nestedParams, textAt } from '../nested.ts';
import { FIELD_LIMITS } from '../../shared/field-limits.ts';

/**
 * `fields_attributes`, as JSON (a list, or an object keyed by index) or form fields
 * (`fields_attributes[0][name]`); undefined when not sent. More than four rows are the
 * domain's to refuse, with its message.
 */
function profileFields(request: FastifyRequest): { name: string; value: string }[] | undefined {
  const raw = nestedParams(request).fields_attributes;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') throw new HttpError(422, 'fields_attributes must be a list of name/value pairs');
  const rows = Array.isArray(raw)
    ? raw
    : Object.entries(raw as Record<string, unknown>)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, v]) => v);
  if (rows.length > 16) throw new HttpError(422, 'fields_attributes has too many items (at most 4)');
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null)
      throw new HttpError(422, 'fields_attributes must be a list of name/value pairs');
    const fields = row as Record<string, unknown>;
    return {
      name: textAt(fields, 'name', FIELD_LIMITS.field_name, `fields_attributes[${i}][name]`) ?? '',
      value: textAt(fields, 'value', FIELD_LIMITS.field_value, `fields_attributes[${i}][value]`) ?? '',
    };
  });
}

const profileInput = input({
  display_name: text('display_name'),
  note: text('note'),
  locked: flag,
  bot: flag,
  discoverable: flag,
});
const muteInput = input({ notifications: flag, duration: count(0, 10 * 365 * 24 * 3600) });
const lookupInput = input({ acct: text('acct') }, ['acct']);
// Unknown ids are skipped, not refused: clients ask for whatever they have cached.
const relationshipsInput = input({ id: list('id', 100) });
const accountStatusesInput = input({
  ...paging,
  pinned: flag,
  only_media: flag,
  exclude_replies: flag,
  exclude_reblogs: flag,
  tagged: text('hashtag'),
});
const followListInput = input(paging);
import {
  accountSchema,
  credentialAccountSchema,
  relationshipSchema,
  renderAccount,
  renderCredentialAccount,
  renderRelationship,
  renderStatus,
  statusSchema,
} from './entities.ts';
import { isWellFormedId } from '../../shared/ids.ts';
import { sendJson, statusesBytes } from './status-json.ts';

const accountList = { response: { 200: { type: 'array', items: accountSchema } } };
const statusList = { response: { 200: { type: 'array', items: statusSchema } } };
const oneRelationship = { response: { 200: relationshipSchema } };

/** The language in an update_credentials body: undefined when absent, null to clear (empty). */
function sourceLanguage(body: unknown): string | null | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const nested =
    typeof record.source === 'object' && record.source !== null
      ? (record.source as Record<string, unknown>).language
      : undefined;
  const value = nested ?? record['source[language]'];
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  return typeof value === 'string' ? value.slice(0, 20) : '(not text)';
}

export function accountRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/accounts/verify_credentials',
      { schema: { response: { 200: credentialAccountSchema } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        return renderCredentialAccount(
          await ctx.microblog.account(accountId),
          urls,
          await ctx.microblog.followRequestCount(accountId),
          await ctx.sms.languages.ofAccount(accountId),
        );
      },
    );

    app.patch(
      '/api/v1/accounts/update_credentials',
      { schema: { response: { 200: credentialAccountSchema } }, config: { uploads: true } },
      async (request) => {
        const { accountId } = requireUser(request, 'write:accounts');
        const { display_name: displayName, note, locked, bot, discoverable } = profileInput.read(request);
        const fields = profileFields(request);
        // Avatar and header: processed and stored before the text changes, so a bad image changes nothing.
        for (const kind of ['avatar', 'header'] as const) {
          const file = uploadedFile(request, kind);
          if (file) await ctx.media.setProfileImage(accountId, kind, file.data);
        }
        const account = await ctx.microblog.updateProfile(accountId, {
          ...(displayName !== undefined ? { displayName } : {}),
          ...(note !== undefined ? { note } : {}),
          ...(locked !== undefined ? { locked } : {}),
          ...(bot !== undefined ? { bot } : {}),
          ...(discoverable !== undefined ? { discoverable } : {}),
          ...(fields !== undefined ? { fields } : {}),
        });
        // `source[language]` (form) or `source.language` (JSON): the language Sparrow speaks to this account.
        const language = sourceLanguage(request.body);
        if (language !== undefined) await ctx.sms.languages.setForAccount(accountId, language);
        return renderCredentialAccount(
          account,
          urls,
          await ctx.microblog.followRequestCount(accountId),
          await ctx.sms.languages.ofAccount(accountId),
        );
      },
    );

    app.get('/api/v1/accounts/lookup', { schema: { response: { 200: accountSchema } } }, async (request) => {
      const { acct } = lookupInput.read(request);
      const account = await ctx.microblog.lookup(acct);
      if (!account) throw new HttpError(404, 'Record not found');
      return renderAccount(account, urls);
    });

    app.get(
      '/api/v1/accounts/relationships',
      { schema: { response: { 200: { type: 'array', items: relationshipSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:follows');
        const ids = (relationshipsInput.read(request).id ?? []).filter(isWellFormedId);
        return (await ctx.microblog.relationships(accountId, ids)).map(renderRelationship);
      },
    );

    app.get('/api/v1/accounts/:id', { schema: { response: { 200: accountSchema } } }, async (request) => {
      return renderAccount(await ctx.microblog.account(pathId(request)), urls);
    });

    app.get('/api/v1/accounts/:id/statuses', { schema: statusList }, async (request, reply) => {
      const viewer = optionalUser(request, 'read:statuses');
      const params = accountStatusesInput.read(request);
      const page = pageOf(params);
      // Pins are few (at most 5) and come in one page, as Mastodon's do.
      if (params.pinned) {
        if (params.max_id || params.min_id || params.since_id) return [];
        const pinned = await ctx.microblog.pinnedPosts(viewer?.accountId ?? null, pathId(request));
        return pinned.map((v) => renderStatus(v, urls));
      }
      // `tagged` (a featured tag on a profile): the account's public posts with that hashtag.
      const views = params.tagged
        ? await ctx.hashtags.timeline(
            viewer?.accountId ?? null,
            { tag: params.tagged, authorId: (await ctx.microblog.account(pathId(request))).id },
            page,
          )
        : await ctx.microblog.accountTimeline(viewer?.accountId ?? null, pathId(request), page, {
            excludeReplies: params.exclude_replies ?? false,
            excludeReblogs: params.exclude_reblogs ?? false,
            onlyMedia: params.only_media ?? false,
          });
      const link = linkHeader(
        urls.publicUrl,
        request,
        cursorsOf(views, (v) => v.post.id),
        {
          exclude_replies: params.exclude_replies,
          exclude_reblogs: params.exclude_reblogs,
          tagged: params.tagged,
          only_media: params.only_media,
          limit: params.limit,
        },
      );
      if (link) void reply.header('Link', link);
      return sendJson(reply, statusesBytes(views, urls));
    });

    for (const direction of ['followers', 'following'] as const) {
      app.get(`/api/v1/accounts/:id/${direction}`, { schema: accountList }, async (request, reply) => {
        optionalUser(request, 'read:accounts');
        const params = followListInput.read(request);
        const page = pageOf(params, 40, 80);
        const id = pathId(request);
        const rows =
          direction === 'followers' ? await ctx.microblog.followers(id, page) : await ctx.microblog.following(id, page);
        const accounts = await ctx.microblog.accounts(rows.map((r) => r.accountId));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(rows, (r) => r.cursor),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return rows.flatMap((r) => {
          const account = accounts.get(r.accountId);
          return account && !account.suspended ? [renderAccount(account, urls)] : [];
        });
      });
    }

    const relationshipAction = (
      path: string,
      scope: string,
      act: (
        accountId: string,
        targetId: string,
        request: FastifyRequest,
      ) => Promise<Parameters<typeof renderRelationship>[0]>,
    ) => {
      app.post(`/api/v1/accounts/:id/${path}`, { schema: oneRelationship }, async (request) => {
        const { accountId } = requireUser(request, scope);
        return renderRelationship(await act(accountId, pathId(request), request));
      });
    };
    relationshipAction('follow', 'write:follows', (a, t) => ctx.microblog.follow(a, t));
    relationshipAction('unfollow', 'write:follows', (a, t) => ctx.microblog.unfollow(a, t));
    relationshipAction('block', 'write:blocks', (a, t) => ctx.microblog.block(a, t));
    relationshipAction('unblock', 'write:blocks', (a, t) => ctx.microblog.unblock(a, t));
    relationshipAction('mute', 'write:mutes', (a, t, request) => {
      const params = muteInput.read(request);
      return ctx.microblog.mute(a, t, params.notifications ?? true, params.duration ?? 0);
    });
    relationshipAction('unmute', 'write:mutes', (a, t) => ctx.microblog.unmute(a, t));

    // ── Follow requests (locked accounts) ──
    app.get('/api/v1/follow_requests', { schema: accountList }, async (request, reply) => {
      const { accountId } = requireUser(request, 'read:follows');
      const params = followListInput.read(request);
      const rows = await ctx.microblog.followRequests(accountId, pageOf(params, 40, 80));
      const accounts = await ctx.microblog.accounts(rows.map((r) => r.accountId));
      const link = linkHeader(
        urls.publicUrl,
        request,
        cursorsOf(rows, (r) => r.cursor),
        { limit: params.limit },
      );
      if (link) void reply.header('Link', link);
      return rows.flatMap((r) => {
        const account = accounts.get(r.accountId);
        return account && !account.suspended ? [renderAccount(account, urls)] : [];
      });
    });
    for (const answer of ['authorize', 'reject'] as const) {
      app.post(`/api/v1/follow_requests/:id/${answer}`, { schema: oneRelationship }, async (request) => {
        const { accountId } = requireUser(request, 'write:follows');
        const requesterId = pathId(request);
        return renderRelationship(
          answer === 'authorize'
            ? await ctx.microblog.authorizeFollowRequest(accountId, requesterId)
            : await ctx.microblog.rejectFollowRequest(accountId, requesterId),
        );
      });
    }
  };
}
