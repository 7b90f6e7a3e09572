import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Federator } from './federation.ts';

/** Largest activity accepted in an inbox; Mastodon's own limit is of this order. */
const INBOX_BODY_LIMIT = 1024 * 1024;

const ACTIVITY_TYPES = ['application/activity+json', 'application/ld+json'];

/**
 * ActivityPub over Sparrow's HTTP server: the actor, collection, object and inbox paths are
 * answered by Fedify (content negotiation, HTTP Signatures); a browser asking for the same
 * paths is sent to the profile or post page.
 */
export function activityPubRoutes(federator: Federator, publicUrl: string) {
  return async (app: FastifyInstance) => {
    // Signatures cover the exact bytes: inbox bodies reach Fedify unparsed.
    for (const type of ACTIVITY_TYPES)
      app.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: INBOX_BODY_LIMIT },
        async (_r: FastifyRequest, body: Buffer) => body,
      );
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: INBOX_BODY_LIMIT },
      async (_r: FastifyRequest, body: Buffer) => body,
    );

    const forward =
      (fallback: (params: Record<string, string>) => string | null) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers)) {
          if (value === undefined) continue;
          headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const body =
          request.method === 'POST' && Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : undefined;
        const response = await federator.handle(
          new Request(new URL(request.url, publicUrl), { method: request.method, headers, body }),
        );
        if (response === null) {
          const target = fallback(request.params as Record<string, string>);
          if (target && request.method === 'GET') return reply.redirect(target, 302);
          return reply.status(404).send({ error: 'Record not found' });
        }
        reply.status(response.status);
        response.headers.forEach((value, name) => {
          if (name !== 'content-length') void reply.header(name, value);
        });
        return reply.send(Buffer.from(await response.arrayBuffer()));
      };

    const profile = (p: Record<string, string>) => `/@${encodeURIComponent(p.username ?? '')}`;
    app.get('/users/:username', forward(profile));
    app.get('/users/:username/outbox', forward(profile));
    app.get('/users/:username/followers', forward(profile));
    app.get('/users/:username/following', forward(profile));
    app.get(
      '/users/:username/statuses/:id',
      forward((p) => `${profile(p)}/${encodeURIComponent(p.id ?? '')}`),
    );
    app.post(
      '/users/:username/inbox',
      forward(() => null),
    );
    app.post(
      '/inbox',
      forward(() => null),
    );
  };
}
