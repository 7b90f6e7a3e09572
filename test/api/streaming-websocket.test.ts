import http from 'node:http';
import { createStreamingAPIClient, type mastodon } from 'masto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/app/http-server.ts';
import { createContext, type AppContext } from '../../src/app/context.ts';
import { configFor } from '../../src/config/config.ts';
import { redisUrl, testSchemaName } from '../helpers/context.ts';
import { freePort, startServer, type RunningServer } from '../helpers/server.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

interface Frame {
  stream?: string[];
  event?: string;
  payload?: string;
  error?: string;
  status?: number;
}

async function waitUntil<T>(find: () => T | undefined, what: () => string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting; got ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw WebSocket client (Node's global WebSocket), collecting the frames it hears. */
async function openSocket(url: string, protocols?: string[]) {
  const socket = new WebSocket(url, protocols);
  const frames: Frame[] = [];
  socket.addEventListener('message', (message) => frames.push(JSON.parse(String(message.data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('connection refused')), { once: true });
  });
  const client = {
    socket,
    frames,
    send: (message: object) => socket.send(JSON.stringify(message)),
    waitFor: (predicate: (frame: Frame) => boolean) =>
      waitUntil(
        () => frames.find(predicate),
        () => JSON.stringify(frames),
      ),
    /** Messages are handled in order: once an answer to a bad subscribe arrives, the earlier ones were applied. */
    async settle() {
      const before = frames.filter((f) => f.error === 'Unknown stream type').length;
      client.send({ type: 'subscribe', stream: 'no-such-stream' });
      await waitUntil(
        () => (frames.filter((f) => f.error === 'Unknown stream type').length > before ? true : undefined),
        () => JSON.stringify(frames),
      );
    },
    updates: (stream: string) =>
      frames
        .filter((f) => f.event === 'update' && f.stream?.[0] === stream)
        .map((f) => JSON.parse(f.payload!) as { id: string; content: string }),
    close: () => socket.close(),
  };
  return client;
}

/** The status a raw WebSocket handshake is answered with (101 when upgraded). */
function handshakeStatus(url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      headers: {
        authorization,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

async function tokenFor(ctx: AppContext, username: string, scopes = ['read', 'write', 'follow']) {
  const account = await ctx.microblog.createAccount({ username });
  const issued = await ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
  return { id: account.id, token: issued.accessToken };
}

const wsUrl = (url: string) => url.replace(/^http/, 'ws');

describe('streaming API over WebSocket (/api/v1/streaming)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('sqlite');
  });
  afterAll(async () => server?.close());

  it('the streaming URL the instance advertises answers WebSocket clients (masto.js): updates and notifications', async () => {
    const { ctx, url } = server;
    const alice = await tokenFor(ctx, 'ws_alice');
    const bob = await tokenFor(ctx, 'ws_bob');
    await ctx.microblog.follow(alice.id, bob.id);
    const instance = (await (await fetch(`${url}/api/v2/instance`)).json()) as {
      configuration: { urls: { streaming: string } };
    };
    const streaming = createStreamingAPIClient({
      streamingApiUrl: instance.configuration.urls.streaming,
      accessToken: alice.token,
      retry: false,
      implementation: WebSocket,
    });
    const heard: mastodon.streaming.Event[] = [];
    const subscription = streaming.user.subscribe();
    const reading = (async () => {
      for await (const event of subscription) heard.push(event);
    })().catch(() => {});
    // No acknowledgement in Mastodon's protocol: the subscription is live once alice hears her own post.
    const probe = setInterval(() => void ctx.microblog.post(alice.id, { text: 'probe', source: 'web' }), 200);
    try {
      await waitUntil(
        () => heard.find((e) => e.event === 'update'),
        () => JSON.stringify(heard),
      );
    } finally {
      clearInterval(probe);
    }
    const post = await ctx.microblog.post(bob.id, { text: 'over the socket', source: 'web' });
    const mine = await ctx.microblog.post(alice.id, { text: 'like this', source: 'web' });
    await ctx.microblog.favourite(bob.id, mine.id);
    const update = await waitUntil(
      () => heard.find((e) => e.event === 'update' && e.payload.id === post.id),
      () => JSON.stringify(heard),
    );
    expect(update).toMatchObject({ stream: ['user'], payload: { content: '<p>over the socket</p>' } });
    const notification = await waitUntil(
      () => heard.find((e) => e.event === 'notification'),
      () => JSON.stringify(heard),
    );
    expect(notification).toMatchObject({
      stream: ['user'],
      payload: { type: 'favourite', account: { username: 'ws_bob' }, status: { id: mine.id } },
    });
    streaming.close();
    await reading;
  });

  it('subscribes and unsubscribes several streams on one connection, sends Mastodon frames, keeps private posts from non-followers', async () => {
    const { ctx, url } = server;
    const reader = await tokenFor(ctx, 'ws_reader');
    const author = await tokenFor(ctx, 'ws_author');
    const stranger = await tokenFor(ctx, 'ws_stranger');
    await ctx.microblog.follow(reader.id, author.id);
    // Token as Sec-WebSocket-Protocol (masto.js, browsers), as query parameter, as header-less public.
    const follower = await openSocket(`${wsUrl(url)}/api/v1/streaming?stream=public`, [reader.token]);
    const outsider = await openSocket(`${wsUrl(url)}/api/v1/streaming?access_token=${stranger.token}`);
    const anonymous = await openSocket(`${wsUrl(url)}/api/v1/streaming?stream=public:local`);
    try {
      follower.send({ type: 'subscribe', stream: 'user' });
      outsider.send({ type: 'subscribe', stream: 'user' });
      outsider.send({ type: 'subscribe', stream: 'public' });
      anonymous.send({ type: 'subscribe', stream: 'user' });
      await Promise.all([follower.settle(), outsider.settle(), anonymous.settle()]);
      // Without a token the user stream is refused, as Mastodon answers: an error frame.
      expect(anonymous.frames).toContainEqual({ error: 'This method requires an authenticated user', status: 401 });

      const secret = await ctx.microblog.post(author.id, {
        text: 'followers only',
        source: 'web',
        visibility: 'private',
      });
      const open = await ctx.microblog.post(author.id, { text: 'for everyone', source: 'web' });
      await follower.waitFor((f) => f.event === 'update' && f.stream?.[0] === 'public' && f.payload!.includes(open.id));
      await follower.waitFor((f) => f.event === 'update' && f.stream?.[0] === 'user' && f.payload!.includes(open.id));
      await outsider.waitFor((f) => f.event === 'update' && f.payload!.includes(open.id));
      await anonymous.waitFor(
        (f) => f.event === 'update' && f.stream?.[0] === 'public:local' && f.payload!.includes(open.id),
      );
      expect(follower.updates('user').map((s) => s.id)).toContain(secret.id);
      expect(follower.updates('public').map((s) => s.id)).not.toContain(secret.id);
      expect(outsider.frames.some((f) => f.payload?.includes('followers only'))).toBe(false);
      expect(anonymous.frames.some((f) => f.payload?.includes('followers only'))).toBe(false);
      // The frame is Mastodon's: the payload is a JSON string.
      const frame = follower.frames.find((f) => f.event === 'update' && f.stream?.[0] === 'public')!;
      expect(Object.keys(frame).sort()).toEqual(['event', 'payload', 'stream']);
      expect(typeof frame.payload).toBe('string');

      await ctx.microblog.deletePost(author.id, open.id);
      await follower.waitFor((f) => f.event === 'delete' && f.payload === open.id);

      follower.send({ type: 'unsubscribe', stream: 'public' });
      await follower.settle();
      const later = await ctx.microblog.post(author.id, { text: 'after unsubscribing', source: 'web' });
      // The same event decides both streams of a connection: once the user frame is here, public was skipped.
      await follower.waitFor((f) => f.stream?.[0] === 'user' && f.event === 'update' && f.payload!.includes(later.id));
      expect(follower.updates('public').map((s) => s.id)).not.toContain(later.id);
    } finally {
      for (const client of [follower, outsider, anonymous]) client.close();
    }
  });

  it('the direct stream carries only conversations of direct posts by or to the viewer; the same streams answer as SSE at /api/v1/streaming?stream=', async () => {
    const { ctx, url } = server;
    const recipient = await tokenFor(ctx, 'ws_recipient');
    const sender = await tokenFor(ctx, 'ws_sender');
    // Someone else to address a direct post to.
    await tokenFor(ctx, 'ws_other');
    await ctx.microblog.follow(recipient.id, sender.id);
    const socket = await openSocket(`${wsUrl(url)}/api/v1/streaming?stream=direct`, [recipient.token]);
    try {
      await socket.settle();
      await ctx.microblog.post(sender.id, { text: 'public, not direct', source: 'web' });
      await ctx.microblog.post(sender.id, {
        text: '@ws_other not for the recipient',
        source: 'web',
        visibility: 'direct',
      });
      const dm = await ctx.microblog.post(sender.id, {
        text: '@ws_recipient just us',
        source: 'web',
        visibility: 'direct',
      });
      // As on Mastodon, the direct stream carries the conversation the message went into.
      const frame = await socket.waitFor(
        (f) => f.stream?.[0] === 'direct' && f.event === 'conversation' && f.payload!.includes(dm.id),
      );
      const conversation = JSON.parse(frame.payload!) as { last_status: { id: string }; unread: boolean };
      expect(conversation.last_status.id).toBe(dm.id);
      expect(conversation.unread).toBe(true);
      expect(socket.frames.some((f) => f.payload?.includes('not direct'))).toBe(false);
      expect(socket.frames.some((f) => f.payload?.includes('not for the recipient'))).toBe(false);
    } finally {
      socket.close();
    }

    expect((await fetch(`${url}/api/v1/streaming?stream=nonsense`)).status).toBe(400);
    expect((await fetch(`${url}/api/v1/streaming?stream=user`)).status).toBe(401);
    const controller = new AbortController();
    const sse = await fetch(`${url}/api/v1/streaming?stream=public`, { signal: controller.signal });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    controller.abort();
  });

  it('refuses a bad token before the upgrade, whichever way it is given, and checks scopes per stream', async () => {
    const { ctx, url } = server;
    const base = `${wsUrl(url)}/api/v1/streaming`;
    await expect(openSocket(`${base}?access_token=not-a-token`)).rejects.toThrow('connection refused');
    await expect(openSocket(base, ['not-a-token'])).rejects.toThrow('connection refused');
    // The Authorization header too (clients outside browsers): the handshake is answered 401, not upgraded.
    expect(await handshakeStatus(`${url}/api/v1/streaming`, 'Bearer not-a-token')).toBe(401);
    const valid = await tokenFor(ctx, 'ws_header');
    expect(await handshakeStatus(`${url}/api/v1/streaming`, `Bearer ${valid.token}`)).toBe(101);

    const limited = await tokenFor(ctx, 'ws_limited', ['read:statuses']);
    const socket = await openSocket(base, [limited.token]);
    try {
      socket.send({ type: 'subscribe', stream: 'user:notification' });
      socket.send({ type: 'subscribe', stream: 'hashtag' });
      await socket.settle();
      expect(socket.frames).toContainEqual({
        error: 'This action is outside the authorized scopes (needs read:notifications)',
        status: 403,
      });
    } finally {
      socket.close();
    }
  });
});

describe.skipIf(!postgresUrl || !redisUrl)('WebSocket streaming across instances (PostgreSQL + Redis)', () => {
  const schema = testSchemaName('wsstream');
  const instances: { ctx: AppContext; close(): Promise<void>; url: string }[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const ctx = await createContext(
        configFor({ SPARROW_DATABASE_URL: postgresUrl!, SPARROW_REDIS_URL: redisUrl!, PORT: String(port) }),
        { schema, poolSize: 3 },
      );
      const app = await buildServer(ctx);
      await app.listen({ host: '127.0.0.1', port });
      instances.push({
        ctx,
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          await app.close();
          await ctx.close();
        },
      });
    }
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
  });

  it('a WebSocket client on one instance hears a post and a notification made through the other', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const reader = await tokenFor(a.ctx, 'wsx_reader');
    const writer = await tokenFor(a.ctx, 'wsx_writer');
    await a.ctx.microblog.follow(reader.id, writer.id);
    const mine = await a.ctx.microblog.post(reader.id, { text: 'mine', source: 'web' });
    const socket = await openSocket(`${wsUrl(b.url)}/api/v1/streaming?stream=user`, [reader.token]);
    try {
      await socket.settle();
      // Let B's subscription reach Redis before publishing through A.
      await new Promise((r) => setTimeout(r, 200));
      const posted = await fetch(`${a.url}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'posted through instance A' }),
      });
      expect(posted.status).toBe(200);
      await socket.waitFor((f) => f.event === 'update' && f.payload!.includes('posted through instance A'));
      await fetch(`${a.url}/api/v1/statuses/${mine.id}/favourite`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.token}` },
      });
      const frame = await socket.waitFor((f) => f.event === 'notification');
      expect(frame.stream).toEqual(['user']);
      expect(JSON.parse(frame.payload!)).toMatchObject({ type: 'favourite', status: { id: mine.id } });
    } finally {
      socket.close();
    }
  });
});
