import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import {
  GROUPABLE_NOTIFICATION_TYPES,
  NOTIFICATION_TYPES,
  type NotificationType,
  type NotificationView,
} from '../../core/index.ts';
import { notificationReports } from './safety.ts';
import { notificationJson, sendJson, statusesBytes } from './status-json.ts';
import { optionalUser, requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { flag, id, input, list, oneOf, paging } from '../input.ts';

const homeInput = input(paging);
const publicInput = input({ ...paging, local: flag, remote: flag, only_media: flag });
const notificationsInput = input({ ...paging, types: list('type', 20), exclude_types: list('type', 20) });
const groupedNotificationsInput = input({
  ...paging,
  types: list('type', 20),
  exclude_types: list('type', 20),
  grouped_types: list('type', 20),
  account_id: id,
  expand_accounts: oneOf(['full', 'partial_avatars'] as const),
  include_filtered: flag,
});
import {
  notificationSchema,
  renderAccount,
  renderNotification,
  renderNotificationGroups,
  statusSchema,
} from './entities.ts';

/**
 * The notification types a request asks for: `types` (all when absent) minus `exclude_types`.
 * Types Sparrow does not have (Mastodon's `poll`, `update`, `admin.sign_up` …) simply match nothing.
 */
function requestedTypes(include: readonly string[], exclude: readonly string[]): NotificationType[] {
  for (const type of [...include, ...exclude]) {
    if (!/^[a-z_.]{1,40}$/.test(type)) throw new HttpError(422, 'types and exclude_types must be notification types');
  }
  const excluded = new Set(exclude);
  return (include.length > 0 ? NOTIFICATION_TYPES.filter((t) => include.includes(t)) : NOTIFICATION_TYPES).filter(
    (t) => !excluded.has(t),
  );
}

const statusList = { response: { 200: { type: 'array', items: statusSchema } } };
/** Home timeline items may be promoted posts (docs/privacy.md): the status plus `sparrow_promoted`. */
const homeList = {
  response: {
    200: {
      type: 'array',
      items: { ...statusSchema, properties: { ...statusSchema.properties, sparrow_promoted: { type: 'boolean' } } },
    },
  },
};

export function timelineRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.get('/api/v1/timelines/home', { schema: homeList }, async (request, reply) => {
      const { accountId } = requireUser(request, 'read:statuses');
      const params = homeInput.read(request);
      const { posts, items } = await ctx.privacy.homeTimeline(accountId, pageOf(params));
      const link = linkHeader(
        urls.publicUrl,
        request,
        cursorsOf(posts, (v) => v.post.id),
        { limit: params.limit },
      );
      if (link) void reply.header('Link', link);
      return sendJson(
        reply,
        statusesBytes(
          items.map((item) => (item.promoted ? { view: item.view, extra: ',"sparrow_promoted":true' } : item.view)),
          urls,
        ),
      );
    });

    app.get('/api/v1/timelines/public', { schema: statusList }, async (request, reply) => {
      const viewer = optionalUser(request, 'read:statuses');
      const params = publicInput.read(request);
      // Every account here is local; a remote-only timeline is empty until federation exists.
      if (params.remote || params.only_media) return [];
      const views = await ctx.microblog.publicTimeline(viewer?.accountId ?? null, pageOf(params));
      const link = linkHeader(
        urls.publicUrl,
        request,
        cursorsOf(views, (v) => v.post.id),
        { local: params.local, limit: params.limit },
      );
      if (link) void reply.header('Link', link);
      return sendJson(reply, statusesBytes(views, urls));
    });

    app.get(
      '/api/v1/notifications',
      { schema: { response: { 200: { type: 'array', items: notificationSchema } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:notifications');
        const params = notificationsInput.read(request);
        const types = requestedTypes(params.types ?? [], params.exclude_types ?? []);
        const views = await ctx.microblog.notifications(
          accountId,
          pageOf(params, 40, 80),
          types.length === NOTIFICATION_TYPES.length ? null : types,
        );
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(views, (v) => v.notification.id),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        const reports = await notificationReports(ctx, accountId, views);
        return sendJson(
          reply,
          `[${views.map((v) => notificationJson(v, urls, v.notification.reportId ? reports.get(v.notification.reportId) : undefined)).join(',')}]`,
        );
      },
    );

    // Grouped notifications (Mastodon 4.3). `expand_accounts=partial_avatars` is answered in
    // full (every account in `accounts`), which that option allows. The viewer's filters apply
    // (src/core/filters.ts); `include_filtered` is about notification policies, which Sparrow lacks.
    app.get('/api/v2/notifications', async (request, reply) => {
      const { accountId } = requireUser(request, 'read:notifications');
      const params = groupedNotificationsInput.read(request);
      const types = requestedTypes(params.types ?? [], params.exclude_types ?? []);
      const groupedTypes =
        params.grouped_types === undefined
          ? GROUPABLE_NOTIFICATION_TYPES
          : GROUPABLE_NOTIFICATION_TYPES.filter((t) => params.grouped_types!.includes(t));
      const page = await ctx.microblog.groupedNotifications(accountId, pageOf(params, 40, 80), {
        types: types.length === NOTIFICATION_TYPES.length ? null : types,
        groupedTypes,
        fromAccountId: params.account_id ?? null,
      });
      const link = linkHeader(
        urls.publicUrl,
        request,
        page.lowestId && page.highestId ? { newest: page.highestId, oldest: page.lowestId } : null,
        {
          limit: params.limit,
          types: params.types,
          exclude_types: params.exclude_types,
          grouped_types: params.grouped_types,
          account_id: params.account_id,
        },
      );
      if (link) void reply.header('Link', link);
      return renderNotificationGroups(page, urls);
    });

    const groupKeyOf = (request: FastifyRequest) => (request.params as { group_key: string }).group_key;

    app.get('/api/v2/notifications/:group_key', async (request) => {
      const { accountId } = requireUser(request, 'read:notifications');
      return renderNotificationGroups(await ctx.microblog.notificationGroup(accountId, groupKeyOf(request)), urls);
    });

    app.get('/api/v2/notifications/:group_key/accounts', async (request) => {
      const { accountId } = requireUser(request, 'read:notifications');
      const members = await ctx.microblog.notificationGroupMembers(accountId, groupKeyOf(request));
      const accounts = new Map(members.map((m) => [m.from.id, m.from] as const));
      return [...accounts.values()].map((a) => renderAccount(a, urls));
    });

    app.post('/api/v2/notifications/:group_key/dismiss', async (request) => {
      const { accountId } = requireUser(request, 'write:notifications');
      await ctx.microblog.dismissNotificationGroup(accountId, groupKeyOf(request));
      return {};
    });

    app.get('/api/v1/notifications/:id', { schema: { response: { 200: notificationSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'read:notifications');
      const view = await ctx.microblog.notification(accountId, pathId(request));
      return withReport(renderNotification(view, urls), view, await notificationReports(ctx, accountId, [view]));
    });

    app.post('/api/v1/notifications/clear', async (request) => {
      const { accountId } = requireUser(request, 'write:notifications');
      await ctx.microblog.clearNotifications(accountId);
      return {};
    });

    app.post('/api/v1/notifications/:id/dismiss', async (request) => {
      const { accountId } = requireUser(request, 'write:notifications');
      await ctx.microblog.dismissNotification(accountId, pathId(request));
      return {};
    });
  };
}

/** An `admin.report` notification carries its report (Mastodon's `report`). */
function withReport<T extends object>(
  rendered: T,
  view: NotificationView,
  reports: Map<string, unknown>,
): T & { report?: unknown } {
  const report = view.notification.reportId ? reports.get(view.notification.reportId) : undefined;
  return report ? { ...rendered, report } : rendered;
}
