import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from '../web/helpers.ts';
import { photo, photoWithGps } from './images.ts';

/**
 * Images on the web pages (issue 12): the compose form takes an image and its alt text as a
 * plain multipart form (no script), posts show their images sized for small screens, and the
 * settings page takes an avatar and header. Pages stay small with a strict CSP.
 */
describe.each(ENGINES)('images on the web pages ($label)', ({ name, skip }) => {
  let h: SmsHarness;
  let dataDir: string;
  let alice: FormClient;

  /** Posts a multipart form as a browser does: the session cookie and the form token. */
  const postMultipart = async (
    client: FormClient,
    url: string,
    fields: Record<string, string | { data: Buffer; type: string; filename: string }>,
    csrf = true,
  ) => {
    const form = new FormData();
    if (csrf) form.append('_csrf', client.csrf);
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string') form.append(key, value);
      else form.append(key, new Blob([new Uint8Array(value.data)], { type: value.type }), value.filename);
    }
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    return h.app.inject({
      method: 'POST',
      url,
      payload: Buffer.from(await request.arrayBuffer()),
      headers: {
        'content-type': request.headers.get('content-type')!,
        cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
  };

  beforeAll(async () => {
    if (skip) return;
    dataDir = await mkdtemp(join(tmpdir(), 'sparrow-media-web-'));
    h = await smsHarness(name, { SPARROW_DATA_DIR: dataDir });
    alice = new FormClient(h.app);
    await alice.signUp('alice');
  });
  afterAll(async () => {
    await h?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('posts an image with alt text from the compose form, without JavaScript', async () => {
    const home = await alice.get('/home');
    expectGoodPage(home, '/home');
    expect(home.body).toContain('enctype="multipart/form-data"');
    expect(home.body).toMatch(/<input id="image" name="image" type="file" accept="image\/jpeg,[^"]*"/);
    expect(home.body).toContain('name="image_description"');

    const posted = await postMultipart(alice, '/posts', {
      status: 'Sunset over the lake',
      visibility: 'public',
      image: { data: await photoWithGps(), type: 'image/jpeg', filename: 'IMG_0001.jpg' },
      image_description: 'An orange sky over still water',
    });
    expect(posted.statusCode, posted.body.slice(0, 300)).toBe(303);
    const page = await alice.get('/home');
    expectGoodPage(page, '/home');
    const img =
      /<a href="([^"]+)"><img src="([^"]+)" alt="An orange sky over still water" width="(\d+)" height="(\d+)" loading="lazy" decoding="async"><\/a>/.exec(
        page.body,
      );
    expect(img, page.body.slice(0, 2000)).not.toBeNull();
    const [, full, preview, width, height] = img!;
    expect(full).toMatch(/\/media\/attachments\/[0-9a-f]{32}\.jpg$/);
    expect(preview).toMatch(/-small\.webp$/);
    expect([Number(width), Number(height)]).toEqual([200, 300]);
    // The file behind the page has no GPS position left in it.
    const file = await h.app.inject({ url: new URL(full!).pathname });
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(file.rawPayload).metadata()).exif).toBeUndefined();

    // An image alone is a post too; a file that is not an image is refused with a message.
    const alone = await postMultipart(alice, '/posts', {
      status: '',
      image: { data: await photo(400, 300), type: 'image/jpeg', filename: 'a.jpg' },
    });
    expect(alone.statusCode).toBe(303);
    const bad = await postMultipart(alice, '/posts', {
      status: 'look',
      image: { data: Buffer.from('MZ\x90\x00 not an image'), type: 'image/png', filename: 'x.png' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('The file is not a supported image');
    // Without the form token nothing is posted.
    const forged = await postMultipart(alice, '/posts', { status: 'forged' }, false);
    expect(forged.statusCode).toBe(403);
  });

  it.skipIf(skip)('sets an avatar and header from the settings page', async () => {
    const settings = await alice.get('/settings/profile');
    expectGoodPage(settings, '/settings/profile');
    expect(settings.body).toContain('action="/settings/profile/images" enctype="multipart/form-data"');
    const saved = await postMultipart(alice, '/settings/profile/images', {
      avatar: { data: await photo(600, 400, '#225522'), type: 'image/jpeg', filename: 'me.jpg' },
      header: { data: await photo(2000, 800), type: 'image/jpeg', filename: 'banner.jpg' },
    });
    expect(saved.statusCode, saved.body.slice(0, 300)).toBe(303);
    const profile = await alice.get('/@alice');
    expectGoodPage(profile, '/@alice');
    const avatar = /<img class="avatar" src="([^"]+)" alt="" width="48" height="48">/.exec(profile.body)?.[1];
    expect(avatar).toMatch(/\/media\/avatars\/[0-9a-f]{32}\.webp$/);
    expect(profile.body).toMatch(/<img class="banner" src="[^"]+\/media\/headers\/[0-9a-f]{32}\.webp"/);
    const api = await h.app.inject({ url: '/api/v1/accounts/lookup?acct=alice' });
    expect(api.json().avatar).toBe(avatar);

    const refused = await postMultipart(alice, '/settings/profile/images', {
      avatar: { data: Buffer.from('GIF89a broken'), type: 'image/gif', filename: 'x.gif' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('corrupt');

    const removed = await alice.post('/settings/profile/avatar/remove');
    expect(removed.statusCode).toBe(303);
    expect((await h.app.inject({ url: '/api/v1/accounts/lookup?acct=alice' })).json().avatar).toMatch(/missing\.png$/);
  });
});
