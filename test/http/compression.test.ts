import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with exactly the headers given (fetch would add and undo compression itself). */
function get(url: string, headers: Record<string, string>, abortAfterFirstChunk = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (response) => {
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
});
