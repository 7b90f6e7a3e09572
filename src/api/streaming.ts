import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { AppContext } from '../app/context.ts';
import { scopeAllows, type TokenInfo } from '../security/index.ts';
import { HttpError } from './errors.ts';
import {
  hashtagStream,
  isStreamName,
  listStream,
  listStreamRefusal,
  StreamHub,
  streamArray,
  streamIdentity,
  streamRefusal,
  type StreamKey,
  type StreamSubscriber,
} from './stream-hub.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Mastodon's streaming API over two transports, both fed and filtered by one `StreamHub`:
 * server-sent events (`/api/v1/streaming/user`, `/public`, `/list?list=`, `/hashtag?tag=`, …,
 * and `/api/v1/streaming?stream=`)
 * and the WebSocket at `/api/v1/streaming`, where one connection subscribes to several streams
 * with `{"type":"subscribe","stream":"user"}` messages and hears Mastodon's frames
 * `{"stream":["user"],"event":"update","payload":"<JSON>"}`.
 */
export function streamingRoutes(ctx: AppContext) {
  const hub = new StreamHub(ctx);
  const closers = new Set<() => void>();

  return async (app: FastifyInstance) => {
    const stop = hub.start();
    // Streams never end on their own: close them before the server waits for connections.
    app.addHook('preClose', async () => {
      stop();
      for (const close of closers) close();
    });

    /**
     * The token, from where Mastodon accepts it: the Authorization header (checked for every
     * API request), the `access_token` query parameter, or, for WebSockets, whose browser API
     * cannot set headers, the `Sec-WebSocket-Protocol` header. A token given but not valid is refused.
     */
    const tokenOf = async (request: FastifyRequest): Promise<TokenInfo | null> => {
      if (request.token) return request.token;
      const fromQuery = (request.query as Record<string, unknown>).access_token;
      const fromProtocol = request.headers['sec-websocket-protocol']?.split(',')[0]?.trim();
      const raw = typeof fromQuery === 'string' ? fromQuery : fromProtocol;
      if (!raw) return null;
      const token = await ctx.oauth.verifyToken(raw);
      if (!token) throw new HttpError(401, 'The access token is invalid');
      return token;
    };

    const viewer = (token: TokenInfo | null) => ({
      viewerId: token?.accountId ?? null,
      notifications: token !== null && scopeAllows(token.scopes, 'read:notifications'),
    });

    /**
     * The stream a request names (`stream=list&list=<id>` for a list, `stream=hashtag&tag=<tag>`
     * or `stream=hashtag:local&tag=<tag>` for a hashtag), checked for this token.
     */
    const checkedStream = async (
      name: unknown,
      { list, tag }: Record<string, unknown>,
      token: TokenInfo | null,
    ): Promise<StreamKey> => {
      if (name === 'list') {
        const refusal = await listStreamRefusal(ctx, list, token);
        if (refusal) throw refusal;
        return listStream(list as string);
      }
      let stream: StreamKey | null = isStreamName(name) ? name : null;
      if (name === 'hashtag' || name === 'hashtag:local') {
        // Mastodon's answer to a hashtag stream without a tag; a tag that cannot be one names no stream.
        if (typeof tag !== 'string' || tag === '') throw new HttpError(400, 'No tag for stream provided');
        stream = hashtagStream(name, tag);
      }
      if (!stream) throw new HttpError(400, 'Unknown stream type');
      const refusal = streamRefusal(stream, token);
      if (refusal) throw refusal;
      return stream;
    };

    const openEventStream = async (request: FastifyRequest, reply: FastifyReply, name: string) => {
      const token = await tokenOf(request);
      const stream = await checkedStream(name, request.query as Record<string, unknown>, token);
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
      const subscriber: StreamSubscriber = {
        ...viewer(token),
        streams: () => [stream],
        send: (_stream, event, payload) => {
          raw.write(`event: ${event}\ndata: ${payload}\n\n`);
        },
      };
      const close = () => raw.end();
      hub.add(subscriber);
      closers.add(close);
      const heartbeat = setInterval(() => raw.write(':thump\n'), HEARTBEAT_MS);
      heartbeat.unref();
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        hub.remove(subscriber);
        closers.delete(close);
      });
    };

    /** Synchronous, so no message is missed: the token was checked before the upgrade. */
    const openWebSocket = (socket: WebSocket, request: FastifyRequest) => {
      const token = request.token;
      // By identity, so a hashtag subscribed to in one case is unsubscribed from in any.
      const streams = new Map<string, StreamKey>();
      const sendError = (error: string, status: number) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ error, status }));
      };
      const subscribe = async (stream: unknown, params: Record<string, unknown>) => {
        try {
          const key = await checkedStream(stream, params, token);
          if (!streams.has(streamIdentity(key))) streams.set(streamIdentity(key), key);
        } catch (error) {
          const refusal = error instanceof HttpError ? error : new HttpError(500, 'Internal error');
          sendError(refusal.message, refusal.statusCode);
        }
      };
      const subscriber: StreamSubscriber = {
        ...viewer(token),
        streams: () => streams.values(),
        send: (stream, event, payload) => {
          if (socket.readyState === socket.OPEN)
            socket.send(JSON.stringify({ stream: streamArray(stream), event, payload }));
        },
      };
      const close = () => socket.close(1001, 'server shutting down');
      hub.add(subscriber);
      closers.add(close);
      const heartbeat = setInterval(() => socket.ping(), HEARTBEAT_MS);
      heartbeat.unref();
      socket.on('close', () => {
        clearInterval(heartbeat);
        hub.remove(subscriber);
        closers.delete(close);
      });
      // Messages are handled one after another (a list subscription waits for its ownership
      // check), so a client's subscribe and unsubscribe take effect in the order sent.
      let queue: Promise<void> = Promise.resolve();
      const handle = async (message: unknown) => {
        if (typeof message !== 'object' || message === null) return sendError('Invalid message', 400);
        const params = message as Record<string, unknown>;
        const { type, stream, list, tag } = params;
        const hashtag = stream === 'hashtag' || stream === 'hashtag:local' ? hashtagStream(stream, tag) : null;
        if (type === 'subscribe') await subscribe(stream, params);
        else if (type === 'unsubscribe' && stream === 'list' && typeof list === 'string')
          streams.delete(listStream(list));
        else if (type === 'unsubscribe' && hashtag) streams.delete(streamIdentity(hashtag));
        else if (type === 'unsubscribe' && isStreamName(stream)) streams.delete(stream);
        else if (type === 'unsubscribe') sendError('Unknown stream type', 400);
        else sendError('Unknown message type', 400);
      };
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        let message: unknown;
        try {
          message = isBinary ? null : JSON.parse(String(data));
        } catch {
          message = null;
        }
        queue = queue.then(() => handle(message));
      });
      const query = request.query as Record<string, unknown>;
      if (query.stream !== undefined) queue = queue.then(() => subscribe(query.stream, query));
    };

    app.get('/api/v1/streaming/health', async (_request, reply) => reply.type('text/plain').send('OK'));

    app.route({
      method: 'GET',
      url: '/api/v1/streaming',
      // A token offered but not valid is refused before the upgrade, with Mastodon's 401.
      preValidation: async (request) => {
        if (request.ws) request.token = await tokenOf(request);
      },
      handler: async (request, reply) => {
        const stream = (request.query as Record<string, unknown>).stream;
        await openEventStream(request, reply, typeof stream === 'string' ? stream : '');
      },
      wsHandler: openWebSocket,
    });

    app.get('/api/v1/streaming/user', async (request, reply) => openEventStream(request, reply, 'user'));
    app.get('/api/v1/streaming/user/notification', async (request, reply) =>
      openEventStream(request, reply, 'user:notification'),
    );
    app.get('/api/v1/streaming/public', async (request, reply) => openEventStream(request, reply, 'public'));
    app.get('/api/v1/streaming/public/local', async (request, reply) =>
      openEventStream(request, reply, 'public:local'),
    );
    app.get('/api/v1/streaming/direct', async (request, reply) => openEventStream(request, reply, 'direct'));
    app.get('/api/v1/streaming/list', async (request, reply) => openEventStream(request, reply, 'list'));
    app.get('/api/v1/streaming/hashtag', async (request, reply) => openEventStream(request, reply, 'hashtag'));
    app.get('/api/v1/streaming/hashtag/local', async (request, reply) =>
      openEventStream(request, reply, 'hashtag:local'),
    );
  };
}
