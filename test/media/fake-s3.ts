import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A stand-in for S3-compatible storage: keeps objects in memory and checks every request's
 * AWS Signature Version 4 (recomputed here independently of the client library) for one
 * bucket, access key and region. `/public/<key>` serves objects without a signature, as a
 * public bucket URL or CDN would.
 */
export interface FakeS3 {
  url: string;
  objects: Map<string, { data: Buffer; contentType: string; cacheControl: string }>;
  requests: { method: string; path: string; verified: boolean; credential: string }[];
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function verifySigV4(
  request: IncomingMessage,
  body: Buffer,
  secret: { accessKeyId: string; secretAccessKey: string; region: string },
): { ok: boolean; credential: string } {
  const header = request.headers.authorization ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) return { ok: false, credential: '' };
  const [, keyId, date, region, signedHeaders, signature] = match as unknown as string[];
  const credential = `${keyId}/${region}`;
  if (keyId !== secret.accessKeyId || region !== secret.region) return { ok: false, credential };
  const names = signedHeaders!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date') || !names.includes('x-amz-content-sha256'))
    return { ok: false, credential };
  const payloadHash = String(request.headers['x-amz-content-sha256']);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return { ok: false, credential };
  const amzDate = String(request.headers['x-amz-date']);
  if (!amzDate.startsWith(date!)) return { ok: false, credential };
  const url = new URL(request.url ?? '/', 'http://localhost');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = names.map((name) => `${name}:${String(request.headers[name] ?? '').trim()}\n`).join('');
  const canonical = [request.method, url.pathname, query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret.secretAccessKey}`, date!), region!), 's3'), 'aws4_request');
  const expected = hmac(key, toSign);
  const given = Buffer.from(signature!, 'hex');
  return { ok: given.length === expected.length && timingSafeEqual(given, expected), credential };
}

export async function startFakeS3(options: {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}): Promise<FakeS3> {
  const objects: FakeS3['objects'] = new Map();
  const requests: FakeS3['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (path.startsWith('/public/') && request.method === 'GET') {
        const object = objects.get(path.slice('/public/'.length));
        if (!object) return void response.writeHead(404).end();
        return void response
          .writeHead(200, { 'content-type': object.contentType, 'cache-control': object.cacheControl })
          .end(object.data);
      }
      const { ok, credential } = verifySigV4(request, body, options);
      requests.push({ method: request.method ?? '', path, verified: ok, credential });
      if (!ok) return void response.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
      const prefix = `/${options.bucket}/`;
      if (!path.startsWith(prefix)) return void response.writeHead(404).end('<Error><Code>NoSuchBucket</Code></Error>');
      const key = path.slice(prefix.length);
      if (request.method === 'PUT') {
        objects.set(key, {
          data: body,
          contentType: String(request.headers['content-type'] ?? ''),
          cacheControl: String(request.headers['cache-control'] ?? ''),
        });
        return void response.writeHead(200, { etag: `"${sha256(body)}"` }).end();
      }
      if (request.method === 'GET') {
        const object = objects.get(key);
        if (!object) return void response.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
        return void response.writeHead(200, { 'content-type': object.contentType }).end(object.data);
      }
      if (request.method === 'DELETE') {
        objects.delete(key);
        return void response.writeHead(204).end();
      }
      response.writeHead(405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
