import { createServer, type Server } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { hasGpsTag, photo, photoWithGps } from '../media/images.ts';
import { until } from '../helpers/until.ts';

/**
 * Other servers' attachments by reference, through Sparrow's media proxy: a real image from
 * the other Sparrow server, and a hostile file server playing oversized, mislabelled and
 * private-address files.
 */
const FEDERATION_ENV = {
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_LOG_LEVEL: process.env.FED_LOG ?? 'silent',
};
const operator = (reason: string) => ({ actor: operatorActor('test'), reason });

const eventually = (what: string, probe: () => Promise<boolean>, ms = 45_000) => until(what, probe, ms);

/** A file server that misbehaves on request, counting what it sent. */
async function fileServer(gps: Buffer) {
  const seen: { path: string; sent: number; closed: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const entry = { path: req.url ?? '', sent: 0, closed: false };
    seen.push(entry);
    res.on('close', () => (entry.closed = true));
    if (req.url === '/gps.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(gps);
    if (req.url === '/page.html')
      return res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>');
    if (req.url === '/lying.png') return res.writeHead(200, { 'content-type': 'image/png' }).end('<svg onload=x>');
    if (req.url === '/huge.jpg') {
      // No length announced: 8 MB in 64 KB chunks, unless the reader hangs up.
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(64 * 1024, 0xff);
      const pump = () => {
        while (entry.sent < 8 * 1024 * 1024 && !entry.closed) {
          entry.sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => new Promise((r) => server.close(r)) };
}

describe.each(ENGINES)('remote media through the proxy on $label', ({ name, skip }) => {
  let a: RunningServer;
  let b: RunningServer;
  let strict: RunningServer;
  let files: Awaited<ReturnType<typeof fileServer>>;
  const stops: { stop(): Promise<void> }[] = [];
  const domainOf = (server: RunningServer) => new URL(server.url).host;

  beforeAll(async () => {
    if (skip) return;
    files = await fileServer(await photoWithGps());
    a = await startServer(name, { ...FEDERATION_ENV, SPARROW_MEDIA_IMAGE_SIZE_LIMIT: '1048576' });
    b = await startServer(name, FEDERATION_ENV);
    // A server as in production: private addresses are off limits.
    strict = await startServer(name, { ...FEDERATION_ENV, SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'false' });
    stops.push(await a.ctx.startBackgroundWork({ inProcessWithWeb: true }));
    stops.push(await b.ctx.startBackgroundWork({ inProcessWithWeb: true }));
  }, 60_000);

  afterAll(async () => {
    for (const s of stops) await s.stop();
    await a?.close();
    await b?.close();
    await strict?.close();
    await files?.close();
  });

  /** A post of a made-up remote account on `server`, with one attachment at `url`. */
  async function remotePost(server: RunningServer, url: string, host = 'files.example') {
    const author = await server.ctx.microblog.rememberRemoteAccount({
      uri: `https://${host}/users/x${Math.random()}`,
      url: null,
      username: `x${Math.floor(Math.random() * 1e9)}`,
      domain: host,
      displayName: 'X',
      note: '',
      locked: false,
      bot: false,
    } as Parameters<typeof server.ctx.microblog.rememberRemoteAccount>[0]);
    const post = await server.ctx.microblog.receiveRemotePost(author.id, {
      uri: `https://${host}/notes/${Math.random()}`,
      url: null,
      html: '<p>look</p>',
      text: 'look',
      spoilerText: '',
      sensitive: false,
      visibility: 'public',
      language: null,
      inReplyToId: null,
      mentionIds: [],
      createdAt: new Date(),
      attachments: [
        { url, type: 'image', contentType: 'image/jpeg', description: 'alt', blurhash: null, width: 1, height: 1 },
      ],
    });
    const [media] = await server.ctx.microblog.attachments(post.id);
    return { post, media: media! };
  }

  it.skipIf(skip)(
    "an image on the other server's post is shown through the proxy, cached, and gone once its media is rejected",
    async () => {
      const ada = await a.ctx.microblog.createAccount({ username: 'ada' });
      const bea = await b.ctx.microblog.createAccount({ username: 'bea' });
      const upload = await b.ctx.media.upload(
        bea.id,
        { data: await photo(800, 600), description: 'a blue field' },
        'wait',
      );
      const beaOnA = (await a.ctx.microblog.resolve(`bea@${domainOf(b)}`))!;
      await a.ctx.microblog.follow(ada.id, beaOnA.id);
      await eventually('the follow', async () => (await a.ctx.microblog.relationship(ada.id, beaOnA.id)).following);
      await b.ctx.microblog.post(bea.id, { text: 'my field', source: 'web', mediaIds: [upload.id] });
      await eventually('the post on A', async () =>
        (await a.ctx.microblog.homeTimeline(ada.id, { limit: 5 })).some((v) => v.post.text === 'my field'),
      );
      const view = (await a.ctx.microblog.homeTimeline(ada.id, { limit: 5 })).find((v) => v.post.text === 'my field')!;

      // The API: remote_url is B's file, url and preview_url are A's proxy.
      const token = (await a.ctx.oauth.issueToken({ appId: null, accountId: ada.id, scopes: ['read'] })).accessToken;
      const status = (await (
        await fetch(`${a.url}/api/v1/statuses/${view.post.id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { media_attachments: Record<string, unknown>[] };
      const [attachment] = status.media_attachments;
      expect(attachment).toMatchObject({ type: 'image', description: 'a blue field' });
      expect(attachment!.remote_url).toBe(`${b.url}/media/${upload.fileKey}`);
      expect(attachment!.url).toBe(`${a.url}/media_proxy/${attachment!.id}/original`);
      expect(attachment!.preview_url).toBe(`${a.url}/media_proxy/${attachment!.id}/small`);

      const original = await fetch(attachment!.url as string);
      expect(original.status).toBe(200);
      expect(original.headers.get('content-type')).toBe('image/jpeg');
      expect(original.headers.get('cache-control')).toContain('max-age');
      expect(original.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await sharp(Buffer.from(await original.arrayBuffer())).metadata()).width).toBe(800);
      const small = await fetch(attachment!.preview_url as string);
      expect(small.headers.get('content-type')).toBe('image/webp');

      // The web page shows it from the proxy too.
      const page = await (await fetch(`${a.url}/@bea@${domainOf(b)}/${view.post.id}`)).text();
      expect(page).toContain('my field');
      expect(page).toContain(`src="${a.url}/media_proxy/${attachment!.id}/small" alt="a blue field"`);
      const cached = (await a.ctx.microblog.attachments(view.post.id))[0]!;
      expect(cached.fileKey).toMatch(/^remote\//);

      // An admin rejects B's media: the copy is deleted and the proxy no longer serves it.
      await a.ctx.domainBlocks.block(
        domainOf(b),
        { severity: 'noop', rejectMedia: true },
        operator("B's media is not welcome"),
      );
      expect((await a.ctx.microblog.attachments(view.post.id))[0]!.fileKey).toBeNull();
      expect(await a.ctx.media.file(cached.fileKey!)).toBeNull();
      const before = files.seen.length;
      expect((await fetch(attachment!.url as string)).status).toBe(404);
      expect(files.seen.length).toBe(before);
      // The post itself still arrives and shows, by reference.
      expect((await a.ctx.microblog.relationship(ada.id, beaOnA.id)).following).toBe(true);
      await a.ctx.domainBlocks.unblock(domainOf(b), operator('lifted'));
    },
    150_000,
  );

  it.skipIf(skip)('the proxy strips EXIF and GPS from what it fetches', async () => {
    const { media, post } = await remotePost(a, `${files.url}/gps.jpg`);
    const served = await fetch(`${a.url}/media_proxy/${media.id}/original`);
    expect(served.status).toBe(200);
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(hasGpsTag(await photoWithGps())).toBe(true);
    expect(hasGpsTag(bytes)).toBe(false);
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    // SMS and web show it like a local image.
    expect((await a.ctx.microblog.attachments(post.id))[0]!.description).toBe('alt');
  });

  it.skipIf(skip)('the proxy refuses oversized (cut off while streaming), non-image and lying files', async () => {
    const huge = await remotePost(a, `${files.url}/huge.jpg`);
    const refused = await fetch(`${a.url}/media_proxy/${huge.media.id}/original`);
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: string }).error).toContain('larger than 1048576 bytes');
    const served = files.seen.find((s) => s.path === '/huge.jpg')!;
    await eventually('the connection closed', async () => served.closed);
    expect(served.sent).toBeLessThan(8 * 1024 * 1024);

    const page = await remotePost(a, `${files.url}/page.html`);
    const notImage = await fetch(`${a.url}/media_proxy/${page.media.id}/original`);
    expect(notImage.status).toBe(502);
    expect(((await notImage.json()) as { error: string }).error).toContain('not an image');

    const lying = await remotePost(a, `${files.url}/lying.png`);
    expect((await fetch(`${a.url}/media_proxy/${lying.media.id}/original`)).status).toBe(502);
    expect((await a.ctx.microblog.attachments(lying.post.id))[0]!.fileKey).toBeNull();

    expect((await fetch(`${a.url}/media_proxy/nope/original`)).status).toBe(404);
    expect((await fetch(`${a.url}/media_proxy/${page.media.id}/other`)).status).toBe(404);
  });

  it.skipIf(skip)('without the setting, private and loopback addresses are never fetched', async () => {
    const before = files.seen.length;
    for (const url of [
      `${files.url}/gps.jpg`,
      `http://localhost:${files.port}/gps.jpg`,
      `http://[::1]:${files.port}/gps.jpg`,
      `http://10.0.0.1:${files.port}/gps.jpg`,
      `ftp://example.org/gps.jpg`,
    ]) {
      const { media } = await remotePost(strict, url);
      const answer = await fetch(`${strict.url}/media_proxy/${media.id}/original`);
      expect(answer.status, url).toBe(502);
    }
    expect(files.seen.length).toBe(before);
  });
});
