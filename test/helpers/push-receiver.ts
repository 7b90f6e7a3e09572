import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/**
 * A local Web Push service for tests: it gives out subscriptions (a P-256 key pair and an
 * auth secret, as a browser or phone would), receives what the server sends, checks the
 * VAPID signature and decrypts the RFC 8291 (aes128gcm) payload with the private key.
 */
interface ReceivedPush {
  path: string;
  payload: Record<string, unknown>;
  vapid: { publicKey: string; audience: string; expiresAt: number; subject: string };
  headers: Record<string, string | string[] | undefined>;
}

export interface PushReceiver {
  url: string;
  received: ReceivedPush[];
  /** Paths that answer 410 Gone (an unsubscribed device). */
  gone: Set<string>;
  subscription(path: string): { endpoint: string; keys: { p256dh: string; auth: string } };
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  close(): Promise<void>;
}

const b64 = (b: Buffer) => b.toString('base64url');

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

function decrypt(body: Buffer, privateEcdh: ReturnType<typeof createECDH>, auth: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const senderPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (ciphertext.length > rs) throw new Error('more than one record');
  const ecdhSecret = privateEcdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), privateEcdh.getPublicKey(), senderPublic]);
  const ikm = hkdf(ecdhSecret, auth, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('missing last-record delimiter');
  return padded.subarray(0, end);
}

function checkVapid(header: string, audience: string): ReceivedPush['vapid'] {
  const match = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header);
  if (!match) throw new Error(`not a VAPID authorization: ${header}`);
  const [, jwt, key] = match as unknown as [string, string, string];
  const [head, claims, signature] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33, 65)) },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) throw new Error('VAPID signature does not verify');
  const parsedHead = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg: string };
  if (parsedHead.alg !== 'ES256') throw new Error('VAPID JWT is not ES256');
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  if (body.aud !== audience) throw new Error(`VAPID audience ${body.aud} is not ${audience}`);
  return { publicKey: key, audience: body.aud, expiresAt: body.exp, subject: body.sub };
}

export async function startPushReceiver(): Promise<PushReceiver> {
  const devices = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer }>();
  const received: ReceivedPush[] = [];
  const gone = new Set<string>();
  const waiters: (() => void)[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (gone.has(path)) {
        res.writeHead(410).end();
        return;
      }
      const device = devices.get(path);
      try {
        if (!device) throw new Error(`unknown subscription ${path}`);
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
        const vapid = checkVapid(String(req.headers.authorization ?? ''), new URL(url).origin);
        const payload = JSON.parse(decrypt(Buffer.concat(chunks), device.ecdh, device.auth).toString('utf8')) as Record<
          string,
          unknown
        >;
        received.push({ path, payload, vapid, headers: req.headers });
        res.writeHead(201).end();
      } catch (error) {
        received.push({
          path,
          payload: { error: (error as Error).message },
          vapid: { publicKey: '', audience: '', expiresAt: 0, subject: '' },
          headers: req.headers,
        });
        res.writeHead(400).end();
      }
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    received,
    gone,
    subscription(path) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      devices.set(path, { ecdh, auth });
      return { endpoint: `${url}${path}`, keys: { p256dh: b64(ecdh.getPublicKey()), auth: b64(auth) } };
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
