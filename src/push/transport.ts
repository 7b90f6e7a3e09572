import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isPublicAddress, publicOnlyLookup } from '../shared/network.ts';

interface PushRequest {
  endpoint: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
}

/** Sends one encrypted message to a push service; answers its status code. */
export type PushTransport = (request: PushRequest) => Promise<number>;

const TIMEOUT_MS = 15_000;

/**
 * The HTTP(S) client for push services: https only and public addresses only, unless the
 * operator allowed insecure endpoints (tests with a local push service).
 */
export function httpPushTransport(options: { allowInsecure: boolean }): PushTransport {
  return (push) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(push.endpoint);
      const secure = url.protocol === 'https:';
      if (!secure && !(options.allowInsecure && url.protocol === 'http:'))
        return reject(new Error('push endpoints must be https'));
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (
        !options.allowInsecure &&
        (literal === 'localhost' || (/^[\d.:a-f]+$/i.test(literal) && !isPublicAddress(literal)))
      )
        return reject(Object.assign(new Error('push endpoint is not a public address'), { code: 'EPRIVATE' }));
      const send = secure ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          headers: push.headers,
          timeout: TIMEOUT_MS,
          ...(options.allowInsecure ? {} : { lookup: publicOnlyLookup }),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('push service did not answer in time')));
      req.on('error', reject);
      req.end(push.body ?? undefined);
    });
}
