import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { animatedGif, blob, hasGpsTag, photo, photoWithGps, png } from './images.ts';

/**
 * Media (issue 12) through a real server on both engines: masto.js uploads, attaches and sets
 * an avatar; raw HTTP tries the edge cases and attacks (someone else's upload, oversize, a
 * file pretending to be an image, a polyglot, GPS in EXIF).
 */

interface Person {
  id: string;
  token: string;
  rest: mastodon.rest.Client;
}

interface Attachment {
  id: string;
  type: string;
  url: string | null;
  preview_url: string | null;
  remote_url: string | null;
  description: string | null;
  blurhash: string | null;
  meta: {
    original?: { width: number; height: number; size: string; aspect: number };
    small?: { width: number; height: number };
    focus?: { x: number; y: number };
  } | null;
}

const SIZE_LIMIT = 400_000;

describe.each(ENGINES)('media on $label', ({ name, skip }) => {
  let server: RunningServer;
  let dataDir: string;
  let counter = 0;
  const clock = new ManualClock(new Date(name === 'sqlite' ? '2026-05-01T00:00:00Z' : '2026-06-01T00:00:00Z'));

  const person = async (scopes = ['read', 'write', 'follow']): Promise<Person> => {
    const account = await server.ctx.microblog.createAccount({ username: `media${++counter}` });
    const issued = await server.ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
    return {
      id: account.id,
      token: issued.accessToken,
      rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }),
    };
  };

  const send = async (
    method: string,
    path: string,
    token: string | null,
    body?: FormData | Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const form = (fields: Record<string, string | [Buffer, string, string]>): FormData => {
    const data = new FormData();
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string') data.append(key, value);
      else data.append(key, blob(value[0], value[1]), value[2]);
    }
    return data;
  };

  const uploadRaw = async (who: Person, file: Buffer, type = 'image/jpeg', extra: Record<string, string> = {}) =>
    send('POST', '/api/v1/media', who.token, form({ file: [file, type, 'upload.bin'], ...extra }));

  beforeAll(async () => {
    if (skip) return;
    dataDir = await mkdtemp(join(tmpdir(), 'sparrow-media-'));
    server = await startServer(
      name,
      { SPARROW_DATA_DIR: dataDir, SPARROW_MEDIA_IMAGE_SIZE_LIMIT: String(SIZE_LIMIT) },
      { clock },
    );
  });
  afterAll(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('uploads with masto.js, attaches to a post without text, and serves the files', async () => {
    const ada = await person();
    const media = await ada.rest.v2.media.create({
      file: blob(await photo(2000, 1000), 'image/jpeg'),
      description: 'A blue rectangle',
      focus: '0.5,-0.25',
    });
    expect(media.type).toBe('image');
    expect(media.url).toMatch(new RegExp(`^${server.url}/media/attachments/[0-9a-f]{32}\\.jpg$`));
    expect(media.previewUrl).toMatch(/-small\.webp$/);
    expect(media.description).toBe('A blue rectangle');
    expect(media.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{20,}$/);
    expect(media.meta?.original).toMatchObject({ width: 2000, height: 1000, size: '2000x1000', aspect: 2 });
    expect(media.meta?.small?.width).toBeLessThanOrEqual(680);
    expect(media.meta?.focus).toEqual({ x: 0.5, y: -0.25 });

    const post = await ada.rest.v1.statuses.create({ status: '', mediaIds: [media.id] });
    expect(post.content).toBe('');
    expect(post.mediaAttachments.map((m) => [m.id, m.url, m.description])).toEqual([
      [media.id, media.url, 'A blue rectangle'],
    ]);
    expect(post.mediaAttachments[0]!.remoteUrl).toBeNull();
    // Everyone sees the attachment, in timelines too.
    const reader = await person();
    const seen = await reader.rest.v1.statuses.$select(post.id).fetch();
    expect(seen.mediaAttachments[0]!.previewUrl).toBe(media.previewUrl);
    const profile = await reader.rest.v1.accounts.$select(ada.id).statuses.list({ onlyMedia: true });
    expect(profile.map((s) => s.id)).toEqual([post.id]);

    const file = await fetch(media.url!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = file.headers.get('etag');
    expect(etag).toBeTruthy();
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 2000, height: 1000 });
    expect((await fetch(media.url!, { headers: { 'if-none-match': etag! } })).status).toBe(304);
    const preview = Buffer.from(await (await fetch(media.previewUrl!)).arrayBuffer());
    const small = await sharp(preview).metadata();
    expect([small.format, small.width, small.height]).toEqual([
      'webp',
      media.meta?.small?.width,
      media.meta?.small?.height,
    ]);

    // Unknown or malformed keys are 404, never a path outside the media directory.
    for (const path of [
      '/media/attachments/00000000000000000000000000000000.jpg',
      '/media/../sparrow.sqlite',
      '/media/%2e%2e/x',
    ])
      expect((await fetch(`${server.url}${path}`)).status).toBe(404);
  });

  it.skipIf(skip)('strips EXIF and GPS from the served file and applies the orientation', async () => {
    const ada = await person();
    const original = await photoWithGps();
    expect(hasGpsTag((await sharp(original).metadata()).exif!)).toBe(true);
    expect(original.includes(Buffer.from('SpyCam'))).toBe(true);
    const { status, body } = await uploadRaw(ada, original);
    expect(status).toBe(200);
    const served = Buffer.from(await (await fetch(body.url as string)).arrayBuffer());
    const meta = await sharp(served).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(served.includes(Buffer.from('SpyCam'))).toBe(false);
    expect(served.includes(Buffer.from('Exif\0\0'))).toBe(false);
    // Rotated by its orientation tag: 300×200 stored, shown 200×300.
    expect([meta.width, meta.height]).toEqual([200, 300]);
    expect((body.meta as Attachment['meta'])?.original).toMatchObject({ width: 200, height: 300 });
  });

  it.skipIf(skip)(
    'v2 answers 202 while processing; GET answers 206 until ready',
    async () => {
      const slow = await startServer(name, { SPARROW_DATA_DIR: dataDir }, { clock, mediaAsyncWaitMs: 0 });
      try {
        const account = await slow.ctx.microblog.createAccount({ username: 'patient' });
        const { accessToken } = await slow.ctx.oauth.issueToken({
          appId: null,
          accountId: account.id,
          scopes: ['write'],
        });
        const headers = { authorization: `Bearer ${accessToken}` };
        const response = await fetch(`${slow.url}/api/v2/media`, {
          method: 'POST',
          headers,
          body: form({ file: [await photo(3000, 2000), 'image/jpeg', 'big.jpg'] }),
        });
        expect(response.status).toBe(202);
        const pending = (await response.json()) as Attachment;
        expect([pending.url, pending.type]).toEqual([null, 'image']);
        // Not attachable while processing.
        const early = await fetch(`${slow.url}/api/v1/statuses`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'too soon', media_ids: [pending.id] }),
        });
        const statuses: number[] = [];
        let done: Attachment | null = null;
        for (let i = 0; i < 100 && !done; i++) {
          const poll = await fetch(`${slow.url}/api/v1/media/${pending.id}`, { headers });
          statuses.push(poll.status);
          if (poll.status === 200) done = (await poll.json()) as Attachment;
          else await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(done?.url).toMatch(/\.jpg$/);
        expect(statuses.at(-1)).toBe(200);
        expect(statuses[0]).toBe(206);
        expect(statuses.every((s) => s === 206 || s === 200)).toBe(true);
        expect(early.status).toBe(422);
        expect(((await early.json()) as { error: string }).error).toMatch(/not finished processing/);
      } finally {
        await slow.close();
      }
    },
    120_000,
  );

  it.skipIf(skip)('sets an avatar and header with masto.js, processed and cropped', async () => {
    const ada = await person();
    const before = await ada.rest.v1.accounts.verifyCredentials();
    expect(before.avatar).toMatch(/missing\.png$/);
    const updated = await ada.rest.v1.accounts.updateCredentials({
      avatar: blob(await photo(900, 600, '#884422'), 'image/jpeg'),
      header: blob(await png(300, 300), 'image/png'),
      displayName: 'Ada with a face',
    });
    expect(updated.displayName).toBe('Ada with a face');
    expect(updated.avatar).toMatch(new RegExp(`^${server.url}/media/avatars/[0-9a-f]{32}\\.webp$`));
    expect(updated.avatarStatic).toBe(updated.avatar);
    expect(updated.header).toMatch(/\/media\/headers\/[0-9a-f]{32}\.webp$/);
    const avatar = await sharp(Buffer.from(await (await fetch(updated.avatar)).arrayBuffer())).metadata();
    expect([avatar.format, avatar.width, avatar.height]).toEqual(['webp', 400, 400]);
    const header = await sharp(Buffer.from(await (await fetch(updated.header)).arrayBuffer())).metadata();
    expect([header.width, header.height]).toEqual([1500, 500]);
    // Others see it; a new avatar replaces the old file.
    expect((await (await person()).rest.v1.accounts.$select(ada.id).fetch()).avatar).toBe(updated.avatar);
    const again = await ada.rest.v1.accounts.updateCredentials({ avatar: blob(await png(), 'image/png') });
    expect(again.avatar).not.toBe(updated.avatar);
    expect((await fetch(updated.avatar)).status).toBe(404);
    expect(again.header).toBe(updated.header);
    // A bad image changes nothing at all.
    const refused = await send(
      'PATCH',
      '/api/v1/accounts/update_credentials',
      ada.token,
      form({ display_name: 'Changed', avatar: [Buffer.from('<svg/>'), 'image/png', 'a.png'] }),
    );
    expect(refused.status).toBe(422);
    expect((await ada.rest.v1.accounts.verifyCredentials()).displayName).toBe('Ada with a face');
    // Back to the placeholder.
    const reset = await send('DELETE', '/api/v1/profile/avatar', ada.token);
    expect(reset.body.avatar).toMatch(/missing\.png$/);
  });

  it.skipIf(skip)('keeps uploads to their owner: 404 for anyone else, 422 when attached by them', async () => {
    const owner = await person();
    const thief = await person();
    const { body } = await uploadRaw(owner, await png());
    const id = body.id as string;
    for (const [method, payload] of [['GET'], ['PUT', { description: 'mine now' }], ['DELETE']] as const) {
      const answer = await send(method, `/api/v1/media/${id}`, thief.token, payload);
      expect([method, answer.status]).toEqual([method, 404]);
    }
    const attach = await send('POST', '/api/v1/statuses', thief.token, { status: 'stolen', media_ids: [id] });
    expect(attach.status).toBe(422);
    expect(attach.body.error).toMatch(/not found/);
    // The owner still has it, unattached and unchanged.
    const mine = await send('GET', `/api/v1/media/${id}`, owner.token);
    expect([mine.status, mine.body.description]).toEqual([200, null]);
    // Without a token or the media scope, nothing is read or written.
    expect(
      (await send('POST', '/api/v2/media', null, form({ file: [await png(), 'image/png', 'x.png'] }))).status,
    ).toBe(401);
    const reader = await person(['read']);
    expect((await uploadRaw(reader, await png())).status).toBe(403);
  });

  it.skipIf(skip)('refuses oversize, non-image, disguised, corrupt, video and HEIC uploads with 422', async () => {
    const ada = await person();
    const noise = await sharp({
      create: {
        width: 1000,
        height: 1000,
        channels: 3,
        background: '#000000',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(SIZE_LIMIT);
    const cases: [string, Buffer, string, RegExp][] = [
      ['oversize', noise, 'image/png', /too large: at most 0 MB|too large/],
      ['html as png', Buffer.from('<html><script>alert(1)</script></html>'), 'image/png', /not a supported image/],
      [
        'svg',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        'image/svg+xml',
        /not a supported image/,
      ],
      [
        'corrupt jpeg',
        Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)]),
        'image/jpeg',
        /corrupt/,
      ],
      ['truncated png', (await png(200, 200)).subarray(0, 60), 'image/png', /corrupt/],
      [
        'video',
        Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(100)]),
        'video/mp4',
        /video and audio are not supported/,
      ],
      [
        'heic',
        Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(100)]),
        'image/heic',
        /HEIC/,
      ],
      ['empty', Buffer.alloc(0), 'image/png', /file is required|empty/],
    ];
    for (const [label, data, type, message] of cases) {
      const answer = await uploadRaw(ada, data, type);
      expect([label, answer.status]).toEqual([label, 422]);
      expect(answer.body.error).toMatch(message);
    }
    expect((await send('POST', '/api/v2/media', ada.token, form({ description: 'no file' }))).status).toBe(422);
    const long = await uploadRaw(ada, await png(), 'image/png', { description: 'x'.repeat(1501) });
    expect([long.status, long.body.error]).toEqual([422, 'Description is too long: at most 1500 characters']);
    const badFocus = await uploadRaw(ada, await png(), 'image/png', { focus: '2,0' });
    expect(badFocus.status).toBe(422);
    // The longest description is taken, counted in characters, not UTF-16 units.
    const emoji = await uploadRaw(ada, await png(), 'image/png', { description: '🐦'.repeat(1500) });
    expect(emoji.status).toBe(200);
  });

  it.skipIf(skip)('re-encodes a GIF polyglot: nothing appended survives, and GIFs stay animated', async () => {
    const ada = await person();
    const polyglot = Buffer.concat([await animatedGif(), Buffer.from('<html><script>alert(document.cookie)</script>')]);
    const { status, body } = await uploadRaw(ada, polyglot, 'text/html');
    expect(status).toBe(200);
    const served = await fetch(body.url as string);
    expect(served.headers.get('content-type')).toBe('image/gif');
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.includes(Buffer.from('<script>'))).toBe(false);
    expect((await sharp(bytes, { animated: true }).metadata()).pages).toBe(3);
    // The preview is a still image.
    expect(body.preview_url).toMatch(/-small\.webp$/);
  });

  it.skipIf(skip)('takes WebP and AVIF (served as JPEG), and a custom thumbnail as the preview', async () => {
    const ada = await person();
    const base = sharp({ create: { width: 300, height: 200, channels: 3, background: '#123456' } });
    const webp = await uploadRaw(ada, await base.clone().webp().toBuffer(), 'application/octet-stream');
    expect([webp.status, webp.body.url]).toEqual([200, expect.stringMatching(/\.webp$/)]);
    const avif = await uploadRaw(ada, await base.clone().avif().toBuffer(), 'image/avif');
    expect([avif.status, avif.body.url]).toEqual([200, expect.stringMatching(/\.jpg$/)]);
    const served = await fetch(avif.body.url as string);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).width).toBe(300);

    const withThumb = await send(
      'POST',
      '/api/v2/media',
      ada.token,
      form({
        file: [await photo(800, 400), 'image/jpeg', 'a.jpg'],
        thumbnail: [await png(50, 50), 'image/png', 't.png'],
      }),
    );
    expect(withThumb.status).toBe(200);
    const preview = await sharp(
      Buffer.from(await (await fetch(withThumb.body.preview_url as string)).arrayBuffer()),
    ).metadata();
    expect([preview.width, preview.height]).toEqual([50, 50]);
    expect((withThumb.body.meta as Attachment['meta'])?.original).toMatchObject({ width: 800, height: 400 });
    const badThumb = await send(
      'POST',
      '/api/v2/media',
      ada.token,
      form({ file: [await png(), 'image/png', 'a.png'], thumbnail: [Buffer.from('nope'), 'image/png', 't.png'] }),
    );
    expect([badThumb.status, badThumb.body.error]).toEqual([422, expect.stringMatching(/not a supported image/)]);
  });

  it.skipIf(skip)('updates alt text and focus before posting; deletes only unattached uploads', async () => {
    const ada = await person();
    const first = (await uploadRaw(ada, await png())).body;
    const updated = await send('PUT', `/api/v1/media/${first.id as string}`, ada.token, {
      description: 'Green square',
      focus: '-0.5,0.5',
    });
    expect([updated.status, updated.body.description]).toEqual([200, 'Green square']);
    expect((updated.body.meta as Attachment['meta'])?.focus).toEqual({ x: -0.5, y: 0.5 });
    const badFocus = await send('PUT', `/api/v1/media/${first.id as string}`, ada.token, { focus: 'left' });
    expect([badFocus.status, badFocus.body.error]).toEqual([
      422,
      'Focus must be two numbers from -1.0 to 1.0, as "x,y"',
    ]);

    const second = (await uploadRaw(ada, await png())).body;
    const removed = await send('DELETE', `/api/v1/media/${second.id as string}`, ada.token);
    expect(removed.status).toBe(200);
    expect((await fetch(second.url as string)).status).toBe(404);
    expect((await send('GET', `/api/v1/media/${second.id as string}`, ada.token)).status).toBe(404);

    const post = await send('POST', '/api/v1/statuses', ada.token, { status: 'one', media_ids: [first.id] });
    expect(post.status).toBe(200);
    expect((await send('PUT', `/api/v1/media/${first.id as string}`, ada.token, { description: 'late' })).status).toBe(
      422,
    );
    expect((await send('DELETE', `/api/v1/media/${first.id as string}`, ada.token)).status).toBe(422);
    // Attached once only.
    const twice = await send('POST', '/api/v1/statuses', ada.token, { status: 'two', media_ids: [first.id] });
    expect(twice.status).toBe(422);

    // Deleting the post deletes its files; the delete answer still lists them (delete & redraft).
    const gone = await send('DELETE', `/api/v1/statuses/${post.body.id as string}`, ada.token);
    expect((gone.body.media_attachments as Attachment[]).map((m) => m.id)).toEqual([first.id]);
    expect((await fetch(first.url as string)).status).toBe(404);
    expect((await fetch(first.preview_url as string)).status).toBe(404);
  });

  it.skipIf(skip)('keeps the order of media_ids, at most four', async () => {
    const ada = await person();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await uploadRaw(ada, await png(10 + i, 10))).body.id as string);
    const five = await send('POST', '/api/v1/statuses', ada.token, { status: 'five', media_ids: ids });
    expect([five.status, five.body.error]).toEqual([422, 'A post can have at most 4 media attachments']);
    const order = [ids[3]!, ids[0]!, ids[2]!];
    const post = await send('POST', '/api/v1/statuses', ada.token, { status: 'three', media_ids: order });
    expect((post.body.media_attachments as Attachment[]).map((m) => m.id)).toEqual(order);
    // Form-encoded media_ids[] as apps send them.
    const body = new URLSearchParams([
      ['status', 'form'],
      ['media_ids[]', ids[1]!],
    ]);
    const viaForm = await fetch(`${server.url}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}` },
      body,
    });
    expect(((await viaForm.json()) as { media_attachments: Attachment[] }).media_attachments[0]?.id).toBe(ids[1]);
  });

  it.skipIf(skip)('housekeeping removes uploads left unattached for a day', async () => {
    const ada = await person();
    const left = (await uploadRaw(ada, await png())).body;
    expect((await server.ctx.maintenance()).mediaRemoved).toBe(0);
    clock.advance(25 * 3600_000);
    const kept = (await uploadRaw(ada, await png())).body;
    expect((await server.ctx.maintenance()).mediaRemoved).toBeGreaterThanOrEqual(1);
    expect((await fetch(left.url as string)).status).toBe(404);
    expect((await send('GET', `/api/v1/media/${left.id as string}`, ada.token)).status).toBe(404);
    expect((await fetch(kept.url as string)).status).toBe(200);
  });

  it.skipIf(skip)('tells apps the truth about media in the instance configuration', async () => {
    for (const path of ['/api/v1/instance', '/api/v2/instance']) {
      const body = (await (await fetch(`${server.url}${path}`)).json()) as {
        configuration: { statuses: { max_media_attachments: number }; media_attachments: Record<string, unknown> };
      };
      expect(body.configuration.statuses.max_media_attachments).toBe(4);
      expect(body.configuration.media_attachments).toEqual({
        supported_mime_types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'],
        image_size_limit: SIZE_LIMIT,
        image_matrix_limit: 33_177_600,
        video_size_limit: 0,
        video_frame_rate_limit: 0,
        video_matrix_limit: 0,
        description_limit: 1500,
      });
    }
  });
});
