import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Federator } from './federation.ts';
import { claimedSenderDomain, type InboxLimits } from './inbox-limits.ts';

const ACTIVITY_TYPES = ['application/activity+json', 'application/ld+json'];

/**
 * ActivityPub over Sparrow's HTTP server: the actor, collection, object and inbox paths are
 * answered by Fedify (content negotiation, HTTP Signatures); a browser asking for the same
 * paths is sent to the profile or post page.
 */
export function activityPubRoutes(federator: Federator, publicUrl: string, limits: InboxLimits) {
  return async (app: FastifyInstance) => {
    // Signatures cover the exact bytes: inbox bodies reach Fedify unparsed, and never more
    // than the cap is read (Fastify stops reading and answers 413).
    for (const type of [...ACTIVITY_TYPES, 'application/json'])
      app.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: limits.bodyLimit },
        async (_r: FastifyRequest, body: Buffer) => body,
      );
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST') return;
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > limits.bodyLimit) {
        limits.count('too_large');
        return reply.status(413).send({ error: `Activities may be at most ${limits.bodyLimit} bytes` });
      }
    });
    app.addHook('onError', async (request, _reply, error) => {
      // A chunked body that grows over the cap while being read.
      if (request.method === 'POST' && (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        limits.count('too_large');
    });

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
        if (request.method === 'POST') {
          const domain = claimedSenderDomain(headers, body);
          const retryAfter = domain ? await limits.admit(domain) : null;
          if (retryAfter !== null)
            return reply
              .status(429)
              .header('retry-after', String(retryAfter))
              .send({ error: 'Too many deliveries from your domain; retry later' });
        }
        const response = await federator.handle(
          new Request(new URL(request.url, publicUrl), { method: request.method, headers, body }),
        );
        if (response === null) {
          const target = fallback(request.params as Record<string, string>);
          if (target && request.method === 'GET') return reply.redirect(target, 302);
          return reply.status(404).send({ error: 'Record not found' });
        }
        // The inbox answers 403 only to a suspended domain (a bad signature is 401).
        if (request.method === 'POST' && response.status === 403) limits.count('suspended_domain');
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
