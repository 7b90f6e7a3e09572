import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRestAPIClient } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor, type ConfigError } from '../../src/config/config.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { startFakeS3, type FakeS3 } from './fake-s3.ts';
import { blob, photo, png } from './images.ts';

const S3 = {
  bucket: 'sparrow-media',
  accessKeyId: 'AKIASPARROWTEST',
  secretAccessKey: 'not-a-real-secret',
  region: 'us-test-1',
};

const s3Env = (fake: FakeS3, extra: Record<string, string> = {}) => ({
  SPARROW_S3_BUCKET: S3.bucket,
  SPARROW_S3_ENDPOINT: fake.url,
  SPARROW_S3_REGION: S3.region,
  SPARROW_S3_ACCESS_KEY_ID: S3.accessKeyId,
  SPARROW_S3_SECRET_ACCESS_KEY: S3.secretAccessKey,
  ...extra,
});

/**
 * S3-compatible storage (issue 12): files go to the bucket with signed requests (checked by a
 * stand-in S3 server), are reached at the public bucket URL or through Sparrow, and are deleted
 * from the bucket with their post or upload. Nothing touches the local disk.
 */
describe.each(ENGINES)('media in S3-compatible storage on $label', ({ name, skip }) => {
  let fake: FakeS3;
  let dataDir: string;
  let server: RunningServer;

  const token = async (target: RunningServer, username: string) => {
    const account = await target.ctx.microblog.createAccount({ username });
    return (await target.ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes: ['read', 'write'] }))
      .accessToken;
  };

  beforeAll(async () => {
    if (skip) return;
    fake = await startFakeS3(S3);
    dataDir = await mkdtemp(join(tmpdir(), 'sparrow-s3-'));
    server = await startServer(name, {
      SPARROW_DATA_DIR: dataDir,
      ...s3Env(fake, { SPARROW_S3_PUBLIC_URL: `${fake.url}/public/` }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('stores signed objects in the bucket and links apps to the public URL', async () => {
    const accessToken = await token(server, 'cloudy');
    const rest = createRestAPIClient({ url: server.url, accessToken });
    const before = fake.requests.length;
    const media = await rest.v2.media.create({ file: blob(await photo(800, 600), 'image/jpeg'), description: 'Sky' });
    expect(media.url).toMatch(new RegExp(`^${fake.url}/public/attachments/[0-9a-f]{32}\\.jpg$`));
    expect(media.previewUrl).toMatch(new RegExp(`^${fake.url}/public/attachments/[0-9a-f]{32}-small\\.webp$`));
    const puts = fake.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts.every((r) => r.verified && r.credential === `${S3.accessKeyId}/${S3.region}`)).toBe(true);
    const key = new URL(media.url!).pathname.slice('/public/'.length);
    const object = fake.objects.get(key)!;
    expect(object.contentType).toBe('image/jpeg');
    expect(object.cacheControl).toBe('public, max-age=31536000, immutable');
    const served = await fetch(media.url!);
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).width).toBe(800);

    const post = await rest.v1.statuses.create({ status: 'from the cloud', mediaIds: [media.id] });
    expect(post.mediaAttachments[0]!.url).toBe(media.url);
    const updated = await rest.v1.accounts.updateCredentials({ avatar: blob(await png(), 'image/png') });
    expect(updated.avatar).toMatch(new RegExp(`^${fake.url}/public/avatars/[0-9a-f]{32}\\.webp$`));

    // Deleting the post deletes its objects, with signed requests.
    await rest.v1.statuses.$select(post.id).remove();
    expect(fake.objects.has(key)).toBe(false);
    expect(fake.requests.filter((r) => r.method === 'DELETE').every((r) => r.verified)).toBe(true);
    // Nothing was written to the local disk.
    await expect(readdir(join(dataDir, 'media'))).rejects.toThrow();
    // The page CSP lets browsers load images from the bucket.
    const page = await fetch(`${server.url}/@cloudy`);
    expect(page.headers.get('content-security-policy')).toContain(`img-src 'self' data: ${fake.url}`);
  });

  it.skipIf(skip)(
    'serves files itself when the bucket has no public URL, and refuses a wrong secret',
    async () => {
      const proxied = await startServer(name, { SPARROW_DATA_DIR: dataDir, ...s3Env(fake) });
      try {
        const accessToken = await token(proxied, 'proxied');
        const rest = createRestAPIClient({ url: proxied.url, accessToken });
        const media = await rest.v2.media.create({ file: blob(await png(30, 20), 'image/png') });
        expect(media.url).toMatch(new RegExp(`^${proxied.url}/media/attachments/[0-9a-f]{32}\\.png$`));
        const served = await fetch(media.url!);
        expect(served.status).toBe(200);
        expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).format).toBe('png');
        expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', verified: true });
      } finally {
        await proxied.close();
      }
      const wrong = await startServer(name, {
        SPARROW_DATA_DIR: dataDir,
        ...s3Env(fake, { SPARROW_S3_SECRET_ACCESS_KEY: 'wrong' }),
      });
      try {
        const accessToken = await token(wrong, 'unlucky');
        const form = new FormData();
        form.append('file', blob(await png(), 'image/png'), 'a.png');
        const answer = await fetch(`${wrong.url}/api/v1/media`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}` },
          body: form,
        });
        expect(answer.status).toBe(422);
        expect(fake.requests.at(-1)).toMatchObject({ method: 'PUT', verified: false });
      } finally {
        await wrong.close();
      }
    },
    120_000,
  );
});

describe('S3 settings', () => {
  it('are validated together at start', () => {
    expect(() => configFor({ SPARROW_S3_ENDPOINT: 'https://s3.example.org' })).toThrow(/SPARROW_S3_BUCKET is not/);
    try {
      configFor({ SPARROW_S3_BUCKET: 'Bad_Bucket', SPARROW_S3_PUBLIC_URL: 'ftp://x' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/SPARROW_S3_BUCKET must be a bucket name/);
      expect(problems).toMatch(/SPARROW_S3_ACCESS_KEY_ID is required/);
      expect(problems).toMatch(/SPARROW_S3_SECRET_ACCESS_KEY is required/);
      expect(problems).toMatch(/SPARROW_S3_PUBLIC_URL must be a http: or https: URL/);
      expect(problems).not.toMatch(/not-a-real-secret/);
    }
    const config = configFor({
      SPARROW_S3_BUCKET: 'media',
      SPARROW_S3_ACCESS_KEY_ID: 'a',
      SPARROW_S3_SECRET_ACCESS_KEY: 'b',
      SPARROW_S3_REGION: 'eu-central-1',
    });
    expect(config.media.s3?.endpoint).toBe('https://s3.eu-central-1.amazonaws.com');
    expect(config.media.baseUrl).toBe('http://localhost:3000/media');
    expect(() => configFor({ SPARROW_MEDIA_IMAGE_SIZE_LIMIT: '10' })).toThrow(/SPARROW_MEDIA_IMAGE_SIZE_LIMIT/);
  });
});
