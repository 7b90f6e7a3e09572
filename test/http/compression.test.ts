import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { gzipBody } from '../../src/app/compression.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with exactly the headers given (fetch would add and undo compression itself). */
function get(url: string, headers: Record<string, string>, abortAfterFirstChunk = false, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, method }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (abortAfterFirstChunk) {
          resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) });
          req.destroy();
        }
      });
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', (error) => (abortAfterFirstChunk ? undefined : reject(error)));
    req.end();
  });
}

describe('gzip through the one kept engine', () => {
  it('gives each body its own complete gzip stream, whatever came before, large and incompressible ones too', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 5000 }), fc.uint8Array({ maxLength: 5000 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (bodies) => {
          for (const body of bodies) {
            const input = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
            expect(gunzipSync(gzipBody(input)).equals(input)).toBe(true);
          }
        },
      ),
    );
    // Compressed larger than the kept output buffer (128 KB): compressed apart, still whole.
    const noise = randomBytes(300_000);
    expect(gunzipSync(gzipBody(noise)).equals(noise)).toBe(true);
    const text = Buffer.from('the market, the rain and the road '.repeat(2000));
    expect(gunzipSync(gzipBody(text)).equals(text)).toBe(true);
  });
});

describe.each(ENGINES)('response compression on $label', ({ name: engine, skip }) => {
  const test = it.skipIf(skip);
  let server: RunningServer;
  let auth: { authorization: string };
  beforeAll(async () => {
    if (skip) return;
    server = await startServer(engine);
    const ada = await server.ctx.microblog.createAccount({ username: 'zipper' });
    for (let i = 0; i < 20; i += 1)
      await server.ctx.microblog.post(ada.id, {
        text: `Post number ${i} about the market, the rain and the road`,
        source: 'web',
      });
    const token = await server.ctx.oauth.issueToken({ appId: null, accountId: ada.id, scopes: ['read'] });
    auth = { authorization: `Bearer ${token.accessToken}` };
  });
  afterAll(async () => server?.close());

  const home = () => `${server.url}/api/v1/timelines/home?limit=20`;

  test('sends a timeline as it is when the client does not ask for compression', async () => {
    const plain = await get(home(), auth);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString())).toHaveLength(20);
  });

  test('gzips a timeline for a client that accepts gzip (mobile apps), the same JSON in far fewer bytes', async () => {
    const plain = await get(home(), auth);
    const zipped = await get(home(), { ...auth, 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(JSON.parse(gunzipSync(zipped.body).toString())).toEqual(JSON.parse(plain.body.toString()));
  });

  test('prefers gzip when both are offered (cheaper for the server), brotli for a client that asks only for it', async () => {
    const plain = await get(home(), auth);
    const both = await get(home(), { ...auth, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(both.headers['content-encoding']).toBe('gzip');
    const br = await get(home(), { ...auth, 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(JSON.parse(plain.body.toString()));
  });

  test('gzips pages one after another and at once, each whole and each its own', async () => {
    const urls = Array.from({ length: 12 }, (_, i) => `${server.url}/api/v1/timelines/home?limit=${8 + i}`);
    const plain = await Promise.all(urls.map((url) => get(url, auth)));
    for (const url of urls) {
      const zipped = await get(url, { ...auth, 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(zipped.body).equals(plain[urls.indexOf(url)]!.body)).toBe(true);
    }
    const together = await Promise.all(urls.map((url) => get(url, { ...auth, 'accept-encoding': 'gzip' })));
    together.forEach((zipped, i) => expect(gunzipSync(zipped.body).equals(plain[i]!.body)).toBe(true));
  });

  test('leaves small bodies alone', async () => {
    const health = await get(`${server.url}/healthz`, { 'accept-encoding': 'gzip, br' });
    expect(health.status).toBe(200);
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok' });
  });

  test('never compresses a streaming response (events would wait in the compressor)', async () => {
    const stream = await get(`${server.url}/api/v1/streaming/public`, { 'accept-encoding': 'gzip, br' }, true);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(stream.body.toString()).toContain(':)');
  });

  test('compresses web pages too', async () => {
    const page = await get(`${server.url}/@zipper`, { 'accept-encoding': 'gzip' });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(page.body).toString()).toContain('zipper');
  });

  test('honours q values: q=0 refuses a coding, the highest q wins, * stands for the others', async () => {
    const cases: [string, string | undefined][] = [
      ['br;q=0, gzip;q=0', undefined],
      ['gzip;q=0', undefined],
      ['gzip;q=0, br', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip;q=0.5, br;q=0.8', 'br'],
      ['br;q=0.2, gzip', 'gzip'],
      ['*', 'gzip'],
      ['*;q=0', undefined],
      ['gzip;q=0, *', 'br'],
      ['deflate', undefined],
      ['gzip;q=nonsense, br;q=2', undefined],
    ];
    for (const [accept, expected] of cases) {
      const response = await get(home(), { ...auth, 'accept-encoding': accept });
      expect(response.status, accept).toBe(200);
      expect(response.headers['content-encoding'], accept).toBe(expected);
      const body =
        expected === 'br' ? brotliDecompressSync(response.body) : expected ? gunzipSync(response.body) : response.body;
      expect(JSON.parse(body.toString()), accept).toHaveLength(20);
      expect(Number(response.headers['content-length']), accept).toBe(response.body.length);
    }
  });

  test('sends identity when the client asks only for identity, and says the answer varies', async () => {
    for (const accept of ['identity', 'identity;q=1, gzip;q=0', '']) {
      const response = await get(home(), { ...auth, 'accept-encoding': accept });
      expect(response.headers['content-encoding'], accept).toBeUndefined();
      expect(response.headers.vary).toMatch(/accept-encoding/i);
      expect(JSON.parse(response.body.toString())).toHaveLength(20);
    }
  });

  test('leaves small API answers alone whatever the client accepts', async () => {
    const response = await get(`${server.url}/api/v1/accounts/verify_credentials`, {
      ...auth,
      'accept-encoding': 'br, gzip',
    });
    expect(response.status).toBe(200);
    expect(response.body.length).toBeLessThan(1024);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(response.body.toString()).username).toBe('zipper');
  });

  test('answers HEAD with the headers and no body, not compressed', async () => {
    const head = await get(`${server.url}/@zipper`, { 'accept-encoding': 'gzip, br' }, false, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.body.length).toBe(0);
    const page = await get(`${server.url}/@zipper`, {});
    expect(Number(head.headers['content-length'])).toBe(page.body.length);
  });

  test('puts no encoding on a 204 (a CORS preflight)', async () => {
    const preflight = await get(
      home(),
      { origin: 'https://app.example', 'access-control-request-method': 'GET', 'accept-encoding': 'gzip' },
      false,
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers['content-encoding']).toBeUndefined();
    expect(preflight.body.length).toBe(0);
  });
});
