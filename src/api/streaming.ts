import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { StreamEvent } from '../app/event-bus.ts';
import { scopeAllows, type TokenInfo } from '../security/index.ts';
import { HttpError } from './errors.ts';
import { renderNotification, renderStatus } from './mastodon/entities.ts';

interface Connection {
  /** `user:notification` hears only the notifications of the user stream. */
  stream: 'user' | 'user:notification' | 'public';
  viewerId: string | null;
  /** Whether the token may read notifications (`read:notifications`): the user streams carry them only then. */
  notifications: boolean;
  send(event: string, data: string): void;
  end(): void;
}

const HEARTBEAT_MS = 15_000;

/**
 * Mastodon's streaming API over server-sent events (`/api/v1/streaming/user`, `/public`).
 * Every instance keeps its own connections and hears of new and deleted posts through the
 * event bus (Redis pub/sub when several instances run), then renders each post for each
 * viewer it may reach. New notifications go to their recipient's user streams, rendered as
 * `GET /api/v1/notifications/:id` would (so mutes and blocks apply as there).
 */
export function streamingRoutes(ctx: AppContext) {
  const connections = new Set<Connection>();
  ctx.metrics.gauge(
    'sparrow_streaming_connections',
    'Open streaming connections on this instance.',
    () => connections.size,
  );

  const dispatch = async (event: StreamEvent) => {
    if (connections.size === 0) return;
    if (event.type === 'notification') {
      for (const c of connections) {
        if (c.stream === 'public' || c.viewerId !== event.accountId || !c.notifications) continue;
        try {
          const view = await ctx.microblog.notification(event.accountId, event.notificationId);
          c.send('notification', JSON.stringify(renderNotification(view, ctx.config)));
        } catch {
          // Not kept, hidden from this person (a mute, a block) or gone already: nothing to send.
        }
      }
      return;
    }
    if (event.type === 'delete') {
      for (const c of connections) if (c.stream !== 'user:notification') c.send('delete', event.postId);
      return;
    }
    for (const c of connections) {
      if (c.stream === 'user:notification') continue;
      try {
        const post = await ctx.microblog.visiblePost(c.viewerId, event.postId);
        if (c.stream === 'public') {
          if (post.visibility !== 'public' || post.reblogOfId) continue;
        } else {
          const viewerId = c.viewerId!;
          if (post.visibility === 'direct' && post.accountId !== viewerId && !post.mentionIds.includes(viewerId))
            continue;
          const own = post.accountId === viewerId;
          if (!own && post.visibility !== 'direct' && !(await ctx.microblog.isFollowing(viewerId, post.accountId)))
            continue;
          if (!own && (await ctx.microblog.relationship(viewerId, post.accountId)).muting) continue;
        }
        const [view] = await ctx.microblog.hydrate(c.viewerId, [post]);
        if (view) c.send('update', JSON.stringify(renderStatus(view, ctx.config)));
      } catch {
        // Not visible to this viewer (or gone already): nothing to send.
      }
    }
  };

  return async (app: FastifyInstance) => {
    const unsubscribe = ctx.events.subscribe((event) => void dispatch(event));
    // Streams never end on their own: close them before the server waits for connections.
    app.addHook('preClose', async () => {
      unsubscribe();
      for (const c of connections) c.end();
    });

    const tokenOf = async (request: FastifyRequest): Promise<TokenInfo | null> => {
      if (request.token) return request.token;
      const fromQuery = (request.query as Record<string, unknown>).access_token;
      if (typeof fromQuery !== 'string') return null;
      const token = await ctx.oauth.verifyToken(fromQuery);
      if (!token) throw new HttpError(401, 'The access token is invalid');
      return token;
    };

    const open = (
      request: FastifyRequest,
      reply: FastifyReply,
      stream: Connection['stream'],
      token: TokenInfo | null,
    ) => {
      reply.hijack();
      const raw = reply.raw;
      // Headers set before the hijack (the cross-origin grant) still belong to this answer.
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined) raw.setHeader(name, value);
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(':)\n');
      const connection: Connection = {
        stream,
        viewerId: token?.accountId ?? null,
        notifications: token !== null && scopeAllows(token.scopes, 'read:notifications'),
        send: (event, data) => {
          raw.write(`event: ${event}\ndata: ${data}\n\n`);
        },
        end: () => raw.end(),
      };
      connections.add(connection);
      const heartbeat = setInterval(() => raw.write(':thump\n'), HEARTBEAT_MS);
      heartbeat.unref();
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        connections.delete(connection);
      });
    };

    app.get('/api/v1/streaming/health', async (_request, reply) => reply.type('text/plain').send('OK'));

    app.get('/api/v1/streaming/user', async (request, reply) => {
      const token = await tokenOf(request);
      if (!token?.accountId) throw new HttpError(401, 'This method requires an authenticated user');
      if (!scopeAllows(token.scopes, 'read:statuses'))
        throw new HttpError(403, 'This action is outside the authorized scopes (needs read:statuses)');
      open(request, reply, 'user', token);
    });

    app.get('/api/v1/streaming/user/notification', async (request, reply) => {
      const token = await tokenOf(request);
      if (!token?.accountId) throw new HttpError(401, 'This method requires an authenticated user');
      if (!scopeAllows(token.scopes, 'read:notifications'))
        throw new HttpError(403, 'This action is outside the authorized scopes (needs read:notifications)');
      open(request, reply, 'user:notification', token);
    });

    app.get('/api/v1/streaming/public', async (request, reply) => {
      const token = await tokenOf(request);
      if (token && !scopeAllows(token.scopes, 'read:statuses'))
        throw new HttpError(403, 'This action is outside the authorized scopes (needs read:statuses)');
      open(request, reply, 'public', token);
    });
    app.get('/api/v1/streaming/public/local', async (request, reply) => {
      const token = await tokenOf(request);
      open(request, reply, 'public', token);
    });
  };
}
