import { createServer, type Server } from 'node:http';
import { createRestAPIClient, type mastodon } from 'masto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/core/index.ts';
import { Person } from '@fedify/fedify/vocab';
import { profileImagesOf } from '../../src/federation/profile-images.ts';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { eventually } from '../helpers/federation-nodes.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { blob, hasGpsTag, photo, photoWithGps, png } from '../media/images.ts';

/**
 * Other servers' avatars and headers: read from the actor's `icon` and `image`, stored by
 * reference, shown through Sparrow's media proxy (fetched, checked, re-encoded and cached on
 * first use), replaced on the actor's `Update`, and forgotten when an admin rejects the
 * server's media. Two Sparrow servers, and a file server for EXIF and private addresses.
 */
const FEDERATION_ENV = {
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_LOG_LEVEL: process.env.FED_LOG ?? 'silent',
};
const operator = (reason: string) => ({ actor: operatorActor('test'), reason });
const PROXIED = (server: RunningServer, id: string, kind: string) =>
  new RegExp(`^${server.url}/media_proxy/accounts/${id}/${kind}/[0-9A-Za-z_-]{16}$`);

async function fileServer(gps: Buffer) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/gps.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(gps);
    if (req.url === '/page.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<p>no</p>');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

describe.each(ENGINES)('remote avatars and headers on $label', ({ name, skip }) => {
  let a: RunningServer;
  let b: RunningServer;
  let strict: RunningServer;
  let files: Awaited<ReturnType<typeof fileServer>>;
  const stops: { stop(): Promise<void> }[] = [];
  const domainOf = (server: RunningServer) => new URL(server.url).host;

  beforeAll(async () => {
    if (skip) return;
    files = await fileServer(await photoWithGps());
    a = await startServer(name, FEDERATION_ENV);
    b = await startServer(name, FEDERATION_ENV);
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

  const client = async (server: RunningServer, account: Account): Promise<mastodon.rest.Client> => {
    const issued = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: account.id,
      scopes: ['read', 'write', 'follow'],
    });
    return createRestAPIClient({ url: server.url, accessToken: issued.accessToken });
  };

  const image = async (url: string) => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    return sharp(Buffer.from(await response.arrayBuffer())).metadata();
  };

  /** An account of a made-up server whose avatar is at `avatarUrl`. */
  const madeUp = (server: RunningServer, avatarUrl: string) =>
    server.ctx.microblog.rememberRemoteAccount({
      uri: `https://files.example/users/x${Math.random()}`,
      url: null,
      username: `x${Math.floor(Math.random() * 1e9)}`,
      domain: 'files.example',
      displayName: 'X',
      note: '',
      locked: false,
      bot: false,
      avatarUrl,
      headerUrl: null,
    });

  it.skipIf(skip)(
    'an avatar and header set on A are shown on B through its proxy, replaced after an Update, gone on reject_media',
    async () => {
      const ada = await a.ctx.microblog.createAccount({ username: 'ada' });
      const bea = await b.ctx.microblog.createAccount({ username: 'bea' });
      const adaApi = await client(a, ada);
      await adaApi.v1.accounts.updateCredentials({
        avatar: blob(await photo(900, 600, '#884422'), 'image/jpeg'),
        header: blob(await png(300, 300), 'image/png'),
      });

      // B finds and follows ada; masto.js on B shows her images on B's proxy.
      const beaApi = await client(b, bea);
      const [found] = (await beaApi.v2.search.list({ q: `@ada@${domainOf(a)}`, resolve: true, type: 'accounts' }))
        .accounts as [mastodon.v1.Account];
      await beaApi.v1.accounts.$select(found.id).follow();
      await eventually('the follow', async () => (await b.ctx.microblog.relationship(bea.id, found.id)).following);
      const adaOnB = await beaApi.v1.accounts.$select(found.id).fetch();
      expect(adaOnB.avatar).toMatch(PROXIED(b, found.id, 'avatar'));
      expect(adaOnB.avatarStatic).toBe(adaOnB.avatar);
      expect(adaOnB.header).toMatch(PROXIED(b, found.id, 'header'));
      expect(adaOnB.headerStatic).toBe(adaOnB.header);
      const avatar = await image(adaOnB.avatar);
      expect([avatar.width, avatar.height, avatar.exif]).toEqual([400, 400, undefined]);
      const header = await image(adaOnB.header);
      expect([header.width, header.height]).toEqual([1500, 500]);
      // Cached: the second answer comes from B's storage.
      const cached = (await b.ctx.microblog.account(found.id)).avatar!;
      expect(cached).toMatch(/^remote\/[0-9a-f]{32}\.webp$/);
      expect(await b.ctx.media.file(cached)).not.toBeNull();
      await image(adaOnB.avatar);
      expect((await b.ctx.microblog.account(found.id)).avatar).toBe(cached);
      // The web profile on B shows them from the proxy too.
      const page = await (await fetch(`${b.url}/@ada@${domainOf(a)}`)).text();
      expect(page).toContain(`src="${adaOnB.avatar}"`);
      expect(page).toContain(`src="${adaOnB.header}"`);

      // Ada changes her avatar: after the Update, B shows the new one, and the old copy is gone.
      await adaApi.v1.accounts.updateCredentials({ avatar: blob(await photo(500, 500, '#22aa44'), 'image/jpeg') });
      let renewed: mastodon.v1.Account | undefined;
      await eventually('the new avatar on B', async () => {
        renewed = await beaApi.v1.accounts.$select(found.id).fetch();
        return renewed.avatar !== adaOnB.avatar;
      });
      expect(renewed!.avatar).toMatch(PROXIED(b, found.id, 'avatar'));
      expect(renewed!.header).toBe(adaOnB.header);
      expect((await fetch(adaOnB.avatar)).status).toBe(404);
      expect(await b.ctx.media.file(cached)).toBeNull();
      const fresh = await fetch(renewed!.avatar);
      const { dominant } = await sharp(Buffer.from(await fresh.arrayBuffer())).stats();
      expect(dominant.g).toBeGreaterThan(dominant.r);
      // The status's author (an entity cached apart) shows the new one too.
      const post = await adaApi.v1.statuses.create({ status: 'new face' });
      await eventually('the post on B', async () =>
        (await beaApi.v1.timelines.home.list()).some((s) => s.uri === post.uri),
      );
      const onB = (await beaApi.v1.timelines.home.list()).find((s) => s.uri === post.uri)!;
      expect(onB.account.avatar).toBe(renewed!.avatar);

      // B rejects A's media: the placeholder is shown and the cached copies are deleted.
      const keys = await b.ctx.microblog.account(found.id);
      expect(keys.avatar).toBeTruthy();
      await b.ctx.domainBlocks.block(domainOf(a), { severity: 'noop', rejectMedia: true }, operator('no media'));
      const blocked = await beaApi.v1.accounts.$select(found.id).fetch();
      expect(blocked.avatar).toBe(`${b.url}/avatars/original/missing.png`);
      expect(blocked.header).toBe(`${b.url}/headers/original/missing.png`);
      expect(await b.ctx.media.file(keys.avatar!)).toBeNull();
      expect(await b.ctx.media.file(keys.header!)).toBeNull();
      expect((await fetch(renewed!.avatar)).status).toBe(404);
      // A refresh of the actor while the block stands keeps the placeholder.
      await adaApi.v1.accounts.updateCredentials({ displayName: 'Ada again' });
      await eventually(
        'the new name on B',
        async () => (await b.ctx.microblog.account(found.id)).displayName === 'Ada again',
      );
      expect((await beaApi.v1.accounts.$select(found.id).fetch()).avatar).toBe(`${b.url}/avatars/original/missing.png`);
      await b.ctx.domainBlocks.unblock(domainOf(a), operator('lifted'));
    },
    150_000,
  );

  it.skipIf(skip)('the proxy strips EXIF and GPS from a remote avatar', async () => {
    const x = await madeUp(b, `${files.url}/gps.jpg`);
    const token = (await b.ctx.oauth.issueToken({ appId: null, accountId: x.id, scopes: ['read'] })).accessToken;
    const shown = (await (
      await fetch(`${b.url}/api/v1/accounts/${x.id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { avatar: string; header: string };
    expect(shown.avatar).toMatch(PROXIED(b, x.id, 'avatar'));
    expect(shown.header).toBe(`${b.url}/headers/original/missing.png`);
    const served = await fetch(shown.avatar);
    expect(served.status).toBe(200);
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(hasGpsTag(await photoWithGps())).toBe(true);
    expect(hasGpsTag(bytes)).toBe(false);
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    // Another tag (an old or made-up URL) is not found, and nothing is fetched for it.
    const before = files.seen.length;
    expect((await fetch(shown.avatar.replace(/[^/]{16}$/, 'AAAAAAAAAAAAAAAA'))).status).toBe(404);
    expect((await fetch(`${b.url}/media_proxy/accounts/${x.id}/../avatar`)).status).toBe(404);
    expect(files.seen.length).toBe(before);
  });

  it.skipIf(skip)('an actor document as Mastodon sends it: embedded images only, http(s), image types', async () => {
    const actor = async (icon: unknown, image: unknown) =>
      (await Person.fromJsonLd({
        '@context': ['https://www.w3.org/ns/activitystreams'],
        id: 'https://mastodon.example/users/m',
        type: 'Person',
        preferredUsername: 'm',
        inbox: 'https://mastodon.example/users/m/inbox',
        icon,
        image,
      })) as Person;
    const read = (p: Person) => profileImagesOf(p, b.ctx.domainBlocks);
    expect(
      await read(
        await actor(
          { type: 'Image', mediaType: 'image/png', url: 'https://files.mastodon.example/a.png' },
          { type: 'Image', url: { type: 'Link', href: 'https://files.mastodon.example/h.jpg' } },
        ),
      ),
    ).toEqual({ avatarUrl: 'https://files.mastodon.example/a.png', headerUrl: 'https://files.mastodon.example/h.jpg' });
    const before = files.seen.length;
    expect(
      await read(
        await actor(
          { type: 'Image', mediaType: 'text/html', url: 'https://files.mastodon.example/a.html' },
          `${files.url}/gps.jpg`,
        ),
      ),
    ).toEqual({ avatarUrl: null, headerUrl: null });
    // A reference is not fetched when the actor is read.
    expect(files.seen.length).toBe(before);
    expect(
      await read(
        await actor(
          { type: 'Image', url: 'javascript:alert(1)' },
          { type: 'Image', url: `https://x.example/${'a'.repeat(3000)}` },
        ),
      ),
    ).toEqual({ avatarUrl: null, headerUrl: null });
  });

  it.skipIf(skip)('a non-image avatar is refused', async () => {
    const x = await madeUp(b, `${files.url}/page.html`);
    const url = (await b.ctx.microblog.account(x.id)).avatarRemoteUrl!;
    expect(url).toBe(`${files.url}/page.html`);
    const tagged = `${b.url}/media_proxy/accounts/${x.id}/avatar/`;
    const { profileImageTag } = await import('../../src/http/media-urls.ts');
    const refused = await fetch(`${tagged}${profileImageTag(url)}`);
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: string }).error).toContain('not an image');
    expect((await b.ctx.microblog.account(x.id)).avatar).toBeNull();
  });

  it.skipIf(skip)('an avatar on a private address is refused without the setting', async () => {
    for (const host of [files.url, files.url.replace('127.0.0.1', 'localhost'), 'http://[::1]:9', 'http://10.0.0.1']) {
      const x = await madeUp(strict, `${host}/gps.jpg`);
      const token = (await strict.ctx.oauth.issueToken({ appId: null, accountId: x.id, scopes: ['read'] })).accessToken;
      const { avatar } = (await (
        await fetch(`${strict.url}/api/v1/accounts/${x.id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { avatar: string };
      const before = files.seen.length;
      const refused = await fetch(avatar);
      expect(refused.status).toBe(502);
      expect(((await refused.json()) as { error: string }).error).toContain('not on a public address');
      expect(files.seen.length).toBe(before);
      expect((await strict.ctx.microblog.account(x.id)).avatar).toBeNull();
    }
  });
});
