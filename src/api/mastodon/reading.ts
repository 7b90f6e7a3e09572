import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { MARKER_TIMELINES, MAX_UNREAD_COUNT, type ConversationView, type Marker } from '../../core/index.ts';
import { requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { isWellFormedId } from '../../shared/ids.ts';
import { count, input, list, paging } from '../input.ts';
import { renderAccount, renderStatus, type Urls } from './entities.ts';

const markersInput = input({ timeline: list('type', 5) });
const unreadInput = input({ limit: count(1, 10_000) });
const conversationsInput = input(paging);

function renderMarkers(markers: readonly Marker[]) {
  return Object.fromEntries(
    markers.map((m) => [
      m.timeline,
      { last_read_id: m.lastReadId, version: m.version, updated_at: m.updatedAt.toISOString() },
    ]),
  );
}

export function renderConversation(view: ConversationView, urls: Urls) {
  return {
    id: view.id,
    unread: view.unread,
    accounts: view.accounts.map((a) => renderAccount(a, urls)),
    last_status: view.lastPost ? renderStatus(view.lastPost, urls) : null,
  };
}

/**
 * Markers, unread notification counts and conversations (direct messages), as Mastodon
 * serves them. Markers are last-write-wins: Sparrow never answers 409.
 */
export function readingRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.get('/api/v1/markers', async (request) => {
      const { accountId } = requireUser(request, 'read:statuses');
      const { timeline = [] } = markersInput.read(request);
      return renderMarkers(await ctx.markers.get(accountId, timeline));
    });

    app.post('/api/v1/markers', async (request) => {
      const { accountId } = requireUser(request, 'write:statuses');
      const raw = {
        ...((request.query ?? {}) as Record<string, unknown>),
        ...(typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {}),
      };
      const positions: Partial<Record<(typeof MARKER_TIMELINES)[number], string>> = {};
      for (const timeline of MARKER_TIMELINES) {
        // JSON `{"home":{"last_read_id":"1"}}`, or form `home[last_read_id]=1`.
        const nested = raw[timeline];
        const value =
          typeof nested === 'object' && nested !== null
            ? (nested as Record<string, unknown>).last_read_id
            : raw[`${timeline}[last_read_id]`];
        if (value === undefined) continue;
        const read = typeof value === 'number' ? String(value) : value;
        if (!isWellFormedId(read)) throw new HttpError(422, `${timeline}[last_read_id] is not a valid id`);
        positions[timeline] = read;
      }
      return renderMarkers(await ctx.markers.save(accountId, positions));
    });

    const unreadCount = async (accountId: string, limit: number | undefined) => ({
      count: await ctx.markers.unreadNotifications(accountId, Math.min(limit ?? 100, MAX_UNREAD_COUNT)),
    });
    app.get('/api/v1/notifications/unread_count', async (request) => {
      const { accountId } = requireUser(request, 'read:notifications');
      return unreadCount(accountId, unreadInput.read(request).limit);
    });
    app.get('/api/v2/notifications/unread_count', async (request) => {
      const { accountId } = requireUser(request, 'read:notifications');
      return unreadCount(accountId, unreadInput.read(request).limit);
    });

    app.get('/api/v1/conversations', async (request, reply) => {
      const { accountId } = requireUser(request, 'read:statuses');
      const params = conversationsInput.read(request);
      const views = await ctx.conversations.list(accountId, pageOf(params, 20, 40));
      const link = linkHeader(
        urls.publicUrl,
        request,
        // Conversations page by their newest post, as Mastodon's do.
        cursorsOf(views, (v) => v.cursor),
        { limit: params.limit },
      );
      if (link) void reply.header('Link', link);
      return views.map((v) => renderConversation(v, urls));
    });

    app.post('/api/v1/conversations/:id/read', async (request) => {
      const { accountId } = requireUser(request, 'write:conversations');
      return renderConversation(await ctx.conversations.markRead(accountId, pathId(request)), urls);
    });

    // Not in Mastodon's documentation, but clients (masto.js) offer it: the inverse of `read`.
    app.post('/api/v1/conversations/:id/unread', async (request) => {
      const { accountId } = requireUser(request, 'write:conversations');
      return renderConversation(await ctx.conversations.markUnread(accountId, pathId(request)), urls);
    });

    app.delete('/api/v1/conversations/:id', async (request) => {
      const { accountId } = requireUser(request, 'write:conversations');
      await ctx.conversations.remove(accountId, pathId(request));
      return {};
    });
  };
}
