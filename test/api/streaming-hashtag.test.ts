import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/** Hashtag streams (`hashtag`, `hashtag:local`) over WebSocket and server-sent events. */

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

async function tokenFor(ctx: AppContext, username: string) {
  const account = await ctx.microblog.createAccount({ username });
  const issued = await ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes: ['read', 'write'] });
  return { id: account.id, token: issued.accessToken };
}

describe('hashtag streams', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('sqlite');
  });
  afterAll(async () => server?.close());

  it('a WebSocket subscribed to a hashtag hears public posts with the tag, in any case, and nothing else', async () => {
    const { ctx, url } = server;
    const viewer = await tokenFor(ctx, 'hs_viewer');
    const author = await tokenFor(ctx, 'hs_author');
    const muted = await tokenFor(ctx, 'hs_muted');
    await ctx.microblog.mute(viewer.id, muted.id);
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/streaming?access_token=${viewer.token}`);
    const frames: Frame[] = [];
    socket.addEventListener('message', (m) => frames.push(JSON.parse(String(m.data)) as Frame));
    await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
    socket.send(JSON.stringify({ type: 'subscribe', stream: 'hashtag', tag: 'Birds' }));
    socket.send(JSON.stringify({ type: 'subscribe', stream: 'hashtag:local', tag: 'birds' }));
    socket.send(JSON.stringify({ type: 'subscribe', stream: 'hashtag', tag: '###' }));
    await waitUntil(
      () => frames.find((f) => f.error === 'Unknown stream type'),
      () => JSON.stringify(frames),
    );

    await ctx.microblog.post(author.id, { text: 'followers only #birds', source: 'web', visibility: 'private' });
    await ctx.microblog.post(author.id, { text: 'other #fish', source: 'web' });
    await ctx.microblog.post(muted.id, { text: 'muted #birds', source: 'web' });
    const post = await ctx.microblog.post(author.id, { text: 'look #BIRDS', source: 'web' });
    const heard = await waitUntil(
      () => {
        const updates = frames.filter((f) => f.event === 'update');
        return updates.length >= 2 ? updates : undefined;
      },
      () => JSON.stringify(frames),
    );
    expect(heard.map((f) => f.stream)).toEqual([
      ['hashtag', 'Birds'],
      ['hashtag:local', 'birds'],
    ]);
    for (const f of heard) expect((JSON.parse(f.payload!) as { id: string }).id).toBe(post.id);

    // Unsubscribing one leaves the other.
    socket.send(JSON.stringify({ type: 'unsubscribe', stream: 'hashtag', tag: 'birds' }));
    socket.send(JSON.stringify({ type: 'subscribe', stream: 'nope' }));
    await waitUntil(
      () => (frames.filter((f) => f.error).length >= 2 ? true : undefined),
      () => JSON.stringify(frames),
    );
    const second = await ctx.microblog.post(author.id, { text: 'again #birds', source: 'web' });
    await waitUntil(
      () => frames.find((f) => f.event === 'update' && (JSON.parse(f.payload!) as { id: string }).id === second.id),
      () => JSON.stringify(frames),
    );
    await new Promise((r) => setTimeout(r, 100));
    const forSecond = frames.filter(
      (f) => f.event === 'update' && (JSON.parse(f.payload!) as { id: string }).id === second.id,
    );
    expect(forSecond.map((f) => f.stream)).toEqual([['hashtag:local', 'birds']]);
    expect(frames.some((f) => f.payload?.includes('followers only') || f.payload?.includes('muted #birds'))).toBe(
      false,
    );
    socket.close();
  });

  it('serves the hashtag stream over SSE without a token, and refuses a missing tag', async () => {
    const { ctx, url } = server;
    const author = await tokenFor(ctx, 'hs_sse_author');
    expect((await fetch(`${url}/api/v1/streaming/hashtag`)).status).toBe(400);
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/streaming/hashtag?tag=sparrows`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })().catch(() => {});
    await waitUntil(
      () => (text.startsWith(':)') ? true : undefined),
      () => text,
    );
    const post = await ctx.microblog.post(author.id, { text: 'hello #Sparrows', source: 'web' });
    await waitUntil(
      () => (text.includes(`"id":"${post.id}"`) ? true : undefined),
      () => text,
    );
    expect(text).toContain('event: update');
    controller.abort();
    await reading;
  });
});

/** Reads a server-sent event stream into `text` until aborted. */
async function openEvents(address: string, token?: string) {
  const controller = new AbortController();
  const response = await fetch(address, {
    signal: controller.signal,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const state = { status: response.status, text: '' };
  const reading =
    response.status === 200
      ? (async () => {
          const reader = response.body!.getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            state.text += new TextDecoder().decode(value);
          }
        })().catch(() => {})
      : Promise.resolve();
  if (response.status === 200)
    await waitUntil(
      () => (state.text.startsWith(':)') ? true : undefined),
      () => state.text,
    );
  return {
    state,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

describe.each(ENGINES)('hashtag streams with filters, edits and lists on $label', ({ name, skip }) => {
  let server: RunningServer;
  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)(
    'applies the viewer’s public filters, streams edits that add the tag, keeps blocked authors out, and sits beside a list stream',
    async () => {
      const { ctx, url } = server;
      const viewer = await tokenFor(ctx, `hf_viewer_${name}`);
      const author = await tokenFor(ctx, `hf_author_${name}`);
      const blocked = await tokenFor(ctx, `hf_blocked_${name}`);
      await ctx.microblog.block(viewer.id, blocked.id);
      await ctx.filters.create(viewer.id, {
        title: 'No spoilers',
        context: ['public'],
        action: 'hide',
        keywords: [{ keyword: 'spoiler', wholeWord: true }],
      });
      const warn = await ctx.filters.create(viewer.id, {
        title: 'Careful',
        context: ['public'],
        action: 'warn',
        keywords: [{ keyword: 'careful', wholeWord: true }],
      });
      await ctx.filters.create(viewer.id, {
        title: 'Home only',
        context: ['home'],
        action: 'hide',
        keywords: [{ keyword: 'homeonly', wholeWord: true }],
      });
      await ctx.microblog.follow(viewer.id, author.id);
      const list = await ctx.lists.create(viewer.id, { title: 'Authors', exclusive: false });
      await ctx.lists.addMembers(viewer.id, list.id, [author.id]);

      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/streaming`, [viewer.token]);
      const frames: Frame[] = [];
      socket.addEventListener('message', (m) => frames.push(JSON.parse(String(m.data)) as Frame));
      await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
      socket.send(JSON.stringify({ type: 'subscribe', stream: 'hashtag', tag: 'Owls' }));
      socket.send(JSON.stringify({ type: 'subscribe', stream: 'list', list: list.id }));
      socket.send(JSON.stringify({ type: 'subscribe', stream: 'hashtag' }));
      await waitUntil(
        () => frames.find((f) => f.error === 'No tag for stream provided' && f.status === 400),
        () => JSON.stringify(frames),
      );
      // The same tag in another case is one subscription: one frame per post.
      socket.send(JSON.stringify({ type: 'subscribe', stream: 'hashtag', tag: 'OWLS' }));
      socket.send(JSON.stringify({ type: 'subscribe', stream: 'nope' }));
      await waitUntil(
        () => frames.find((f) => f.error === 'Unknown stream type'),
        () => JSON.stringify(frames),
      );
      const sse = await openEvents(`${url}/api/v1/streaming?stream=hashtag&tag=owls`, viewer.token);
      const local = await openEvents(`${url}/api/v1/streaming/hashtag/local?tag=Owls`);
      const badLocal = await openEvents(`${url}/api/v1/streaming/hashtag/local?tag=%23%23`);
      expect(badLocal.state.status).toBe(400);
      try {
        const hidden = await ctx.microblog.post(author.id, { text: 'a spoiler #owls', source: 'web' });
        const fromBlocked = await ctx.microblog.post(blocked.id, { text: 'blocked #owls', source: 'web' });
        const marked = await ctx.microblog.post(author.id, { text: 'be careful #owls', source: 'web' });
        const homeOnly = await ctx.microblog.post(author.id, { text: 'homeonly #owls', source: 'web' });
        const untagged = await ctx.microblog.post(author.id, { text: 'no tag yet', source: 'web' });
        await ctx.microblog.edit(author.id, untagged.id, { text: 'now tagged #Owls' });
        const last = await ctx.microblog.post(author.id, { text: 'last #owls', source: 'web' });

        const idOf = (f: Frame) => (JSON.parse(f.payload!) as { id: string }).id;
        const onTag = (f: Frame) => f.stream?.[0] === 'hashtag';
        await waitUntil(
          () => frames.find((f) => onTag(f) && f.event === 'update' && idOf(f) === last.id),
          () => JSON.stringify(frames),
        );
        await waitUntil(
          () => (sse.state.text.includes(`"id":"${last.id}"`) ? true : undefined),
          () => sse.state.text,
        );
        await waitUntil(
          () => (local.state.text.includes(`"id":"${last.id}"`) ? true : undefined),
          () => local.state.text,
        );
        const tagFrames = frames.filter((f) => onTag(f) && f.payload);
        expect(tagFrames.every((f) => JSON.stringify(f.stream) === '["hashtag","Owls"]')).toBe(true);
        // Hide (public context) and blocks keep posts off; a home-only filter does not apply here.
        // (The edited post may also arrive as `update`: the hub reads a post when it decides its
        // event, and its creation may be decided after the edit.)
        const updates = tagFrames.filter((f) => f.event === 'update').map(idOf);
        expect(updates).toEqual(expect.arrayContaining([marked.id, homeOnly.id, last.id]));
        expect(updates).not.toContain(hidden.id);
        expect(updates).not.toContain(fromBlocked.id);
        expect(new Set(updates).size).toBe(updates.length);
        const markedFrame = tagFrames.find((f) => idOf(f) === marked.id)!;
        const filtered = (JSON.parse(markedFrame.payload!) as { filtered: { filter: { id: string } }[] }).filtered;
        expect(filtered.map((r) => r.filter.id)).toEqual([warn.id]);
        // The edit that added the tag arrives as status.update on the hashtag stream.
        const edited = await waitUntil(
          () => frames.find((f) => onTag(f) && f.event === 'status.update'),
          () => JSON.stringify(frames),
        );
        expect(idOf(edited)).toBe(untagged.id);
        // The list stream hears the author as before, under the home filters: there the
        // public-only filter does not hide, the home-only one does.
        await waitUntil(
          () => frames.find((f) => f.stream?.[0] === 'list' && f.event === 'update' && idOf(f) === last.id),
          () => JSON.stringify(frames),
        );
        const listIds = frames.filter((f) => f.stream?.[0] === 'list' && f.event === 'update').map(idOf);
        expect(listIds).toContain(hidden.id);
        expect(listIds).not.toContain(homeOnly.id);
        // SSE with the viewer's token: the same filters; without a token (hashtag:local): no blocks or filters of anyone.
        expect(sse.state.text).not.toContain(`"id":"${hidden.id}"`);
        expect(sse.state.text).not.toContain(`"id":"${fromBlocked.id}"`);
        expect(local.state.text).toContain(`"id":"${hidden.id}"`);
        expect(local.state.text).toContain('event: status.update');
      } finally {
        socket.close();
        await sse.close();
        await local.close();
      }
    },
  );
});
