import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * The list stream (its owner only, members' posts only) and filters on streams: a post a
 * `hide` filter matches is never streamed, a `warn` match arrives marked; members of an
 * exclusive list stay off the user stream. Over WebSocket and SSE, on both engines.
 */

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

async function openSocket(url: string, token: string) {
  const socket = new WebSocket(url, [token]);
  const frames: Frame[] = [];
  socket.addEventListener('message', (message) => frames.push(JSON.parse(String(message.data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('connection refused')), { once: true });
  });
  const client = {
    frames,
    send: (message: object) => socket.send(JSON.stringify(message)),
    waitFor: (predicate: (frame: Frame) => boolean) =>
      waitUntil(
        () => frames.find(predicate),
        () => JSON.stringify(frames),
      ),
    /** Messages are handled in order: once the answer to a bad subscribe arrives, the earlier ones were applied. */
    async settle() {
      const before = frames.filter((f) => f.error === 'Unknown stream type').length;
      client.send({ type: 'subscribe', stream: 'no-such-stream' });
      await waitUntil(
        () => (frames.filter((f) => f.error === 'Unknown stream type').length > before ? true : undefined),
        () => JSON.stringify(frames),
      );
    },
    /** Ids of the posts heard on one stream (`list` matches `["list", id]`). */
    heard: (stream: string) =>
      frames
        .filter((f) => f.event === 'update' && f.stream?.[0] === stream)
        .map((f) => JSON.parse(f.payload!) as { id: string; filtered: { filter: { id: string } }[] }),
    close: () => socket.close(),
  };
  return client;
}

async function person(ctx: AppContext, username: string, scopes = ['read', 'write', 'follow']) {
  const account = await ctx.microblog.createAccount({ username });
  const issued = await ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
  return { id: account.id, token: issued.accessToken };
}

describe.each(ENGINES)('list streams and filtered streams on $label', ({ name, skip }) => {
  let server: RunningServer;
  let n = 0;
  const fresh = (base: string) => `${base}${++n}`;
  const ws = () => `${server.url.replace(/^http/, 'ws')}/api/v1/streaming`;

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)('a list stream carries its members’ posts only, to its owner only', async () => {
    const { ctx, url } = server;
    const owner = await person(ctx, fresh('sowner'));
    const member = await person(ctx, fresh('smember'));
    const other = await person(ctx, fresh('sother'));
    const intruder = await person(ctx, fresh('sintruder'));
    await ctx.microblog.follow(owner.id, member.id);
    await ctx.microblog.follow(owner.id, other.id);
    await ctx.microblog.follow(intruder.id, member.id);
    const list = await ctx.lists.create(owner.id, { title: 'Stream me' });
    await ctx.lists.addMembers(owner.id, list.id, [member.id]);

    const socket = await openSocket(ws(), owner.token);
    const spy = await openSocket(ws(), intruder.token);
    try {
      socket.send({ type: 'subscribe', stream: 'list', list: list.id });
      socket.send({ type: 'subscribe', stream: 'user' });
      await socket.settle();
      spy.send({ type: 'subscribe', stream: 'list', list: list.id });
      const refused = await spy.waitFor((f) => f.error !== undefined);
      expect(refused.status).toBe(404);
      await spy.settle();

      const fromOther = await ctx.microblog.post(other.id, { text: 'not in the list', source: 'web' });
      const fromMember = await ctx.microblog.post(member.id, { text: 'in the list', source: 'web' });
      const frame = await socket.waitFor((f) => f.stream?.[0] === 'list' && f.payload!.includes(fromMember.id));
      expect(frame.stream).toEqual(['list', list.id]);
      // The user frame of the later post arrives after the earlier post was decided for both streams.
      await socket.waitFor((f) => f.stream?.[0] === 'user' && f.payload!.includes(fromMember.id));
      expect(socket.heard('list').map((s) => s.id)).toEqual([fromMember.id]);
      expect(socket.heard('user').map((s) => s.id)).toContain(fromOther.id);
      expect(spy.frames.some((f) => f.event === 'update')).toBe(false);

      // Unsubscribing stops it.
      socket.send({ type: 'unsubscribe', stream: 'list', list: list.id });
      await socket.settle();
      const later = await ctx.microblog.post(member.id, { text: 'after unsubscribing', source: 'web' });
      await socket.waitFor((f) => f.stream?.[0] === 'user' && f.payload!.includes(later.id));
      expect(socket.heard('list').map((s) => s.id)).toEqual([fromMember.id]);
    } finally {
      socket.close();
      spy.close();
    }

    // SSE: the owner may open it; anyone else hears it does not exist.
    const sse = (token: string, query: string) =>
      fetch(`${url}/api/v1/streaming/list?${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await sse(intruder.token, `list=${list.id}`)).status).toBe(404);
    expect((await sse(intruder.token, 'list=not-an-id')).status).toBe(404);
    expect((await fetch(`${url}/api/v1/streaming/list?list=${list.id}`)).status).toBe(401);
    const narrow = await person(ctx, fresh('snarrow'), ['read:statuses']);
    expect((await sse(narrow.token, `list=${list.id}`)).status).toBe(403);
    const controller = new AbortController();
    const open = await fetch(`${url}/api/v1/streaming?stream=list&list=${list.id}`, {
      headers: { authorization: `Bearer ${owner.token}` },
      signal: controller.signal,
    });
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toMatch(/text\/event-stream/);
    controller.abort();
  });

  it.skipIf(skip)(
    'a hide filter keeps a post off every stream; warn marks it; exclusive lists keep members off the user stream',
    async () => {
      const { ctx } = server;
      const reader = await person(ctx, fresh('freader'));
      const author = await person(ctx, fresh('fauthor'));
      const loud = await person(ctx, fresh('floud'));
      await ctx.microblog.follow(reader.id, author.id);
      await ctx.microblog.follow(reader.id, loud.id);
      await ctx.filters.create(reader.id, {
        title: 'No spoilers',
        context: ['home', 'public'],
        action: 'hide',
        keywords: [{ keyword: 'spoiler', wholeWord: true }],
      });
      const warn = await ctx.filters.create(reader.id, {
        title: 'Careful',
        context: ['home'],
        action: 'warn',
        keywords: [{ keyword: 'careful', wholeWord: true }],
      });
      const list = await ctx.lists.create(reader.id, { title: 'Loud ones', exclusive: true });
      await ctx.lists.addMembers(reader.id, list.id, [author.id, loud.id]);
      await ctx.lists.update(reader.id, list.id, { exclusive: false });
      await ctx.lists.removeMembers(reader.id, list.id, [author.id]);
      await ctx.lists.update(reader.id, list.id, { exclusive: true });

      const socket = await openSocket(ws(), reader.token);
      try {
        for (const stream of ['user', 'public']) socket.send({ type: 'subscribe', stream });
        socket.send({ type: 'subscribe', stream: 'list', list: list.id });
        await socket.settle();
        const hidden = await ctx.microblog.post(author.id, { text: 'Big SPOILER ahead', source: 'web' });
        const marked = await ctx.microblog.post(author.id, { text: 'be careful', source: 'web' });
        const fromLoud = await ctx.microblog.post(loud.id, { text: 'only in my list', source: 'web' });
        const hiddenInList = await ctx.microblog.post(loud.id, { text: 'spoiler in the list', source: 'web' });
        const last = await ctx.microblog.post(author.id, { text: 'plain', source: 'web' });
        await socket.waitFor((f) => f.stream?.[0] === 'public' && f.payload!.includes(last.id));
        await socket.waitFor((f) => f.stream?.[0] === 'user' && f.payload!.includes(last.id));

        const all = socket.frames.map((f) => f.payload ?? '').join('\n');
        expect(all).not.toContain(hidden.id);
        expect(all).not.toContain(hiddenInList.id);
        const user = socket.heard('user');
        expect(user.find((s) => s.id === marked.id)?.filtered.map((f) => f.filter.id)).toEqual([warn.id]);
        // The public stream has no `warn` filter for public: unmarked there.
        expect(socket.heard('public').find((s) => s.id === marked.id)?.filtered).toEqual([]);
        // Exclusive list: on the list stream, not on the user stream.
        expect(user.map((s) => s.id)).not.toContain(fromLoud.id);
        await socket.waitFor((f) => f.stream?.[0] === 'list' && f.payload!.includes(fromLoud.id));
      } finally {
        socket.close();
      }
    },
  );
});
