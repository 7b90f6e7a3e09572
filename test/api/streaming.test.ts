import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/app/http-server.ts';
import { createContext, type AppContext } from '../../src/app/context.ts';
import { configFor } from '../../src/config/config.ts';
import { redisUrl, testSchemaName } from '../helpers/context.ts';
import { freePort, startServer, type RunningServer } from '../helpers/server.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

interface SseEvent {
  event: string;
  data: string;
}

/** Reads a server-sent event stream in the background, collecting events. */
async function listen(url: string, token?: string) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const reading = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

async function tokenFor(ctx: AppContext, username: string) {
  const account = await ctx.microblog.createAccount({ username });
  const issued = await ctx.oauth.issueToken({
    appId: null,
    accountId: account.id,
    scopes: ['read', 'write', 'follow'],
  });
  return { id: account.id, token: issued.accessToken };
}

describe('streaming API (server-sent events)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('sqlite');
  });
  afterAll(async () => server?.close());

  it("streams followed accounts' posts and deletions to the user stream, and public posts to the public stream", async () => {
    const { ctx, url } = server;
    const alice = await tokenFor(ctx, 'alice');
    const bob = await tokenFor(ctx, 'bob');
    const carol = await tokenFor(ctx, 'carol');
    await ctx.microblog.follow(alice.id, bob.id);

    expect((await fetch(`${url}/api/v1/streaming/user`)).status).toBe(401);
    const user = await listen(`${url}/api/v1/streaming/user`, alice.token);
    const publicStream = await listen(`${url}/api/v1/streaming/public?access_token=${carol.token}`);
    expect(user.status).toBe(200);
    expect(user.contentType).toMatch(/text\/event-stream/);
    try {
      await ctx.microblog.post(carol.id, { text: 'not followed by alice', source: 'web' });
      const followed = await ctx.microblog.post(bob.id, { text: 'hello followers', source: 'web' });
      await ctx.microblog.post(bob.id, { text: 'followers only', source: 'web', visibility: 'private' });

      const update = await user.waitFor((e) => e.event === 'update' && JSON.parse(e.data).id === followed.id);
      expect(JSON.parse(update.data)).toMatchObject({
        content: '<p>hello followers</p>',
        account: { username: 'bob' },
      });
      await user.waitFor((e) => e.event === 'update' && JSON.parse(e.data).content === '<p>followers only</p>');
      expect(user.events.some((e) => e.data.includes('not followed by alice'))).toBe(false);

      await publicStream.waitFor((e) => e.event === 'update' && e.data.includes('not followed by alice'));
      expect(publicStream.events.some((e) => e.data.includes('followers only'))).toBe(false);

      await ctx.microblog.deletePost(bob.id, followed.id);
      await user.waitFor((e) => e.event === 'delete' && e.data === followed.id);
    } finally {
      await user.close();
      await publicStream.close();
    }
  });
});

describe('streaming notifications and SSE framing as Mastodon writes them', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('sqlite');
  });
  afterAll(async () => server?.close());

  it("opens with ':)' on a line of its own, as Mastodon does (some client parsers abort on an empty event)", async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/v1/streaming/public`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    const first = new TextDecoder().decode(value);
    controller.abort();
    expect(first.startsWith(':)\n')).toBe(true);
    expect(first.startsWith(':)\n\n')).toBe(false);
  });

  it('streams each new notification to its recipient, about the right post, and respects mutes and scopes', async () => {
    const { ctx, url } = server;
    const alice = await tokenFor(ctx, 'n_alice');
    const bob = await tokenFor(ctx, 'n_bob');
    const muted = await tokenFor(ctx, 'n_muted');
    const other = await tokenFor(ctx, 'n_other');
    await ctx.microblog.mute(alice.id, muted.id, true);
    const statusesOnly = await ctx.oauth.issueToken({ appId: null, accountId: alice.id, scopes: ['read:statuses'] });

    const user = await listen(`${url}/api/v1/streaming/user`, alice.token);
    const onlyNotifications = await listen(`${url}/api/v1/streaming/user/notification`, alice.token);
    const withoutScope = await listen(`${url}/api/v1/streaming/user`, statusesOnly.accessToken);
    const someoneElse = await listen(`${url}/api/v1/streaming/user`, other.token);
    expect(
      (await fetch(`${url}/api/v1/streaming/user/notification?access_token=${statusesOnly.accessToken}`)).status,
    ).toBe(403);
    try {
      const post = await ctx.microblog.post(alice.id, { text: 'notice me', source: 'web' });
      await ctx.microblog.follow(bob.id, alice.id);
      await ctx.microblog.favourite(bob.id, post.id);
      const boost = await ctx.microblog.reblog(bob.id, post.id, 'web');
      await ctx.microblog.post(muted.id, { text: '@n_alice from a muted account', source: 'web' });
      await ctx.microblog.post(bob.id, { text: '@n_alice hello', source: 'web' });

      const notificationOf = async (stream: Awaited<ReturnType<typeof listen>>, type: string) =>
        JSON.parse(
          (await stream.waitFor((e) => e.event === 'notification' && JSON.parse(e.data).type === type)).data,
        ) as {
          id: string;
          type: string;
          account: { username: string };
          status: { id: string; content: string } | null;
        };

      const follow = await notificationOf(user, 'follow');
      expect([follow.account.username, follow.status]).toEqual(['n_bob', null]);
      const favourite = await notificationOf(user, 'favourite');
      expect(favourite.status?.id).toBe(post.id);
      const reblog = await notificationOf(user, 'reblog');
      // The boosted post, not the boost that wraps it.
      expect(reblog.status?.id).toBe(post.id);
      expect(reblog.status?.id).not.toBe(boost.id);
      const mention = await notificationOf(user, 'mention');
      expect(mention.status?.content).toContain('hello');
      // The streamed notification is the one the REST API has.
      const rest = await fetch(`${url}/api/v1/notifications/${mention.id}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(((await rest.json()) as { id: string }).id).toBe(mention.id);

      for (const type of ['follow', 'favourite', 'reblog', 'mention']) await notificationOf(onlyNotifications, type);
      expect(onlyNotifications.events.every((e) => e.event === 'notification')).toBe(true);
      expect(user.events.some((e) => e.event === 'update')).toBe(true);

      expect(user.events.some((e) => e.data.includes('from a muted account'))).toBe(false);
      expect(withoutScope.events.some((e) => e.event === 'notification')).toBe(false);
      expect(someoneElse.events.some((e) => e.event === 'notification')).toBe(false);
      // Repeating a favourite or a follow makes no second notification, streamed or not.
      await ctx.microblog.favourite(bob.id, post.id);
      await ctx.microblog.follow(bob.id, alice.id);
      await ctx.microblog.post(bob.id, { text: '@n_alice marker', source: 'web' });
      await user.waitFor((e) => e.event === 'notification' && e.data.includes('marker'));
      const types = user.events.filter((e) => e.event === 'notification').map((e) => JSON.parse(e.data).type);
      expect(types.sort()).toEqual(['favourite', 'follow', 'mention', 'mention', 'reblog']);
    } finally {
      for (const stream of [user, onlyNotifications, withoutScope, someoneElse]) await stream.close();
    }
  });
});

describe('streaming to a pending follow requester (issue 11, finding 5)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('sqlite');
  });
  afterAll(async () => server?.close());

  it("streams none of a locked account's followers-only posts until it accepts the request", async () => {
    const { ctx, url } = server;
    const owner = await tokenFor(ctx, 'lockedowner');
    const requester = await tokenFor(ctx, 'requester');
    const marker = await tokenFor(ctx, 'marker');
    await ctx.microblog.updateProfile(owner.id, { locked: true });
    expect(await ctx.microblog.follow(requester.id, owner.id)).toMatchObject({ following: false, requested: true });
    await ctx.microblog.follow(requester.id, marker.id);
    const user = await listen(`${url}/api/v1/streaming/user`, requester.token);
    try {
      await ctx.microblog.post(owner.id, { text: 'secret while pending', source: 'web', visibility: 'private' });
      await ctx.microblog.post(owner.id, { text: 'public while pending', source: 'web' });
      // Events are dispatched in order; once the marker arrives, the earlier posts were decided.
      await ctx.microblog.post(marker.id, { text: 'marker', source: 'web' });
      await user.waitFor((e) => e.event === 'update' && e.data.includes('marker'));
      await ctx.microblog.authorizeFollowRequest(owner.id, requester.id);
      await ctx.microblog.post(owner.id, { text: 'secret once accepted', source: 'web', visibility: 'private' });
      await user.waitFor((e) => e.event === 'update' && e.data.includes('secret once accepted'));
      expect(user.events.some((e) => e.data.includes('while pending'))).toBe(false);
    } finally {
      await user.close();
    }
  });
});

describe.skipIf(!postgresUrl || !redisUrl)('streaming across instances (PostgreSQL + Redis)', () => {
  const schema = testSchemaName('stream');
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

  it('a client streaming from one instance sees a post made through the other', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const reader = await tokenFor(a.ctx, 'reader');
    const writer = await tokenFor(a.ctx, 'writer');
    await a.ctx.microblog.follow(reader.id, writer.id);
    const stream = await listen(`${b.url}/api/v1/streaming/user`, reader.token);
    try {
      // Let B's subscription reach Redis before publishing through A.
      await new Promise((r) => setTimeout(r, 200));
      const posted = await fetch(`${a.url}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'posted through instance A' }),
      });
      expect(posted.status).toBe(200);
      const update = await stream.waitFor((e) => e.event === 'update');
      expect(JSON.parse(update.data)).toMatchObject({ content: '<p>posted through instance A</p>' });
    } finally {
      await stream.close();
    }
  });

  it('a notification made through one instance is streamed from the other', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const author = await tokenFor(a.ctx, 'notified_author');
    const fan = await tokenFor(a.ctx, 'notifying_fan');
    const post = await a.ctx.microblog.post(author.id, { text: 'like it elsewhere', source: 'web' });
    const stream = await listen(`${b.url}/api/v1/streaming/user/notification`, author.token);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const liked = await fetch(`${a.url}/api/v1/statuses/${post.id}/favourite`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fan.token}` },
      });
      expect(liked.status).toBe(200);
      const event = await stream.waitFor((e) => e.event === 'notification');
      expect(JSON.parse(event.data)).toMatchObject({
        type: 'favourite',
        account: { username: 'notifying_fan' },
        status: { id: post.id },
      });
    } finally {
      await stream.close();
    }
  });
});
