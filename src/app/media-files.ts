import type { FastifyInstance, FastifyReply } from 'fastify';
import type { StoredFile } from '../media/ports.ts';
import { createHash } from 'node:crypto';
import type { AppContext } from './context.ts';
import { MEDIA_CACHE_CONTROL, contentTypeOfKey } from '../media/index.ts';
import { httpStatusOf } from '../http/error-status.ts';

/**
 * Media files served by Sparrow at `/media/<key>`: from the local disk, or fetched from the
 * bucket when S3 has no public URL. A key names one file forever, so answers may be cached for
 * a year; `nosniff` and a sandboxing CSP keep a browser from treating a file as anything but
 * the image it is.
 */
export function mediaFileRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/media/*', async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const contentType = contentTypeOfKey(key);
      const file = contentType ? await ctx.media.file(key) : null;
      if (!file) return reply.status(404).header('cache-control', 'no-store').send({ error: 'Record not found' });
      const etag = `"${createHash('sha256').update(file.data).digest('base64url').slice(0, 27)}"`;
      void reply
        .header('content-type', file.contentType)
        .header('cache-control', MEDIA_CACHE_CONTROL)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('access-control-allow-origin', '*')
        .header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.send(file.data);
    });

    // Other servers' images: fetched and re-encoded on first use, then served from the cache.
    app.get('/media_proxy/:id/:variant', async (request, reply) => {
      const { id, variant } = request.params as { id: string; variant: string };
      const proxy = ctx.remoteMedia;
      if (!proxy || (variant !== 'original' && variant !== 'small') || !ID.test(id)) return notFound(reply);
      return proxied(reply, () => proxy.file(id, variant));
    });

    // Other servers' avatars and headers, the same way; the tag names the image's current URL.
    app.get('/media_proxy/accounts/:id/:kind/:tag', async (request, reply) => {
      const { id, kind, tag } = request.params as { id: string; kind: string; tag: string };
      const proxy = ctx.remoteMedia;
      if (!proxy || (kind !== 'avatar' && kind !== 'header') || !ID.test(id) || !/^[0-9A-Za-z_-]{16}$/.test(tag))
        return notFound(reply);
      return proxied(reply, () => proxy.profileImage(id, kind, tag));
    });
  };
}

const ID = /^[0-9A-Za-z_-]{1,40}$/;

function notFound(reply: FastifyReply) {
  return reply.status(404).header('cache-control', 'no-store').send({ error: 'Record not found' });
}

/** A proxied remote file, or why it could not be had (404, or 502 with the reason). */
async function proxied(reply: FastifyReply, get: () => Promise<StoredFile>) {
  let file;
  try {
    file = await get();
  } catch (error) {
    const status = httpStatusOf(error);
    const message = status === 404 ? 'Record not found' : (error as Error).message;
    return reply
      .status(status === 404 ? 404 : 502)
      .header('cache-control', 'no-store')
      .send({ error: message });
  }
  void reply
    .header('content-type', file.contentType)
    // The copy can be deleted (an admin rejecting the server's media): a day, not a year.
    .header('cache-control', 'public, max-age=86400')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('access-control-allow-origin', '*');
  return reply.send(file.data);
}
