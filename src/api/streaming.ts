import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { AppContext } from '../app/context.ts';
import { hashtagKey } from '../core/text.ts';
import { scopeAllows, type TokenInfo } from '../security/index.ts';
import { HttpError } from './errors.ts';
import {
  hashtagStream,
  isStreamName,
  StreamHub,
  streamLabel,
  streamRefusal,
  type StreamSubscriber,
  type Subscription,
} from './stream-hub.ts';

const HEARTBEAT_MS = 15_000;

/**
 * Mastodon's streaming API over two transports, both fed and filtered by one `StreamHub`:
 * server-sent events (`/api/v1/streaming/user`, `/public`, …, and `/api/v1/streaming?stream=`)
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

    const openEventStream = async (request: FastifyRequest, reply: FastifyReply, stream: Subscription) => {
      const token = await tokenOf(request);
      const refusal = streamRefusal(stream, token);
      if (refusal) throw refusal;
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
      const streams = new Map<string, Subscription>();
      // One subscription per stream and tag, whatever the tag's case.
      const keyOf = (stream: Subscription) =>
        typeof stream === 'string' ? stream : `${stream.name}\n${hashtagKey(stream.tag)}`;
      const sendError = (error: string, status: number) => socket.send(JSON.stringify({ error, status }));
      const parse = (stream: unknown, tag: unknown): Subscription | null =>
        isStreamName(stream) ? stream : hashtagStream(stream, tag);
      const subscribe = (stream: unknown, tag: unknown) => {
        const subscription = parse(stream, tag);
        if (!subscription) return sendError('Unknown stream type', 400);
        const refusal = streamRefusal(subscription, token);
        if (refusal) return sendError(refusal.message, refusal.statusCode);
        streams.set(keyOf(subscription), subscription);
      };
      const subscriber: StreamSubscriber = {
        ...viewer(token),
        streams: () => streams.values(),
        send: (stream, event, payload) => {
          if (socket.readyState === socket.OPEN)
            socket.send(JSON.stringify({ stream: streamLabel(stream), event, payload }));
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
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        let message: unknown;
        try {
          message = isBinary ? null : JSON.parse(String(data));
        } catch {
          message = null;
        }
        if (typeof message !== 'object' || message === null) return sendError('Invalid message', 400);
        const { type, stream, tag } = message as Record<string, unknown>;
        const known = type === 'unsubscribe' ? parse(stream, tag) : null;
        if (type === 'subscribe') subscribe(stream, tag);
        else if (known) streams.delete(keyOf(known));
        else if (type === 'unsubscribe') sendError('Unknown stream type', 400);
        else sendError('Unknown message type', 400);
      });
      const query = request.query as Record<string, unknown>;
      if (query.stream !== undefined) subscribe(query.stream, query.tag);
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
        const { stream, tag } = request.query as Record<string, unknown>;
        const subscription = isStreamName(stream) ? stream : hashtagStream(stream, tag);
        if (!subscription) throw new HttpError(400, 'Unknown stream type');
        await openEventStream(request, reply, subscription);
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
    for (const [path, name] of [
      ['/api/v1/streaming/hashtag', 'hashtag'],
      ['/api/v1/streaming/hashtag/local', 'hashtag:local'],
    ] as const) {
      app.get(path, async (request, reply) => {
        const stream = hashtagStream(name, (request.query as Record<string, unknown>).tag);
        if (!stream) throw new HttpError(400, 'The tag parameter must be a hashtag');
        await openEventStream(request, reply, stream);
      });
    }
  };
}
