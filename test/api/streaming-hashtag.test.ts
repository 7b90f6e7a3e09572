import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.ts';
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
