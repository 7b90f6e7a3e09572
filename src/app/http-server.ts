import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { registerCompression } from './compression.ts';
import { requestLogger } from './request-logger.ts';
import type { AppContext } from './context.ts';
import { resolveToken } from '../api/auth.ts';
import { HttpError, handleError } from '../api/errors.ts';
import { mastodonRoutes } from '../api/mastodon/index.ts';
import { oauthRoutes } from '../api/oauth/routes.ts';
import { smsRoutes } from '../api/sparrow/sms.ts';
import { authRoutes } from '../api/sparrow/auth.ts';
import { securityRoutes } from '../api/sparrow/security.ts';
import { moderationRoutes } from '../api/sparrow/moderation.ts';
import { federationAdminRoutes } from '../api/sparrow/federation.ts';
import { registrationRoutes } from '../api/sparrow/registrations.ts';
import { privacyRoutes } from '../api/sparrow/privacy.ts';
import { devSmsRoutes } from '../api/sparrow/dev.ts';
import { webhookRoutes } from '../api/webhooks.ts';
import { webRoutes } from '../web/routes.ts';
import { activityPubRoutes } from '../federation/http.ts';
import { streamingRoutes } from '../api/streaming.ts';
import { solidPng } from '../http/placeholder-image.ts';
import { registerMultipart } from '../http/multipart.ts';
import { mediaFileRoutes } from './media-files.ts';
import { CORS_RESPONSE_HEADERS, corsApplies, preflightHeaders } from '../http/cors.ts';
import { safeEqual } from '../security/index.ts';

const BODY_LIMIT_BYTES = 256 * 1024;

export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    childLoggerFactory: requestLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: ctx.config.trustProxy,
    // Ids are long digit strings; never let the query parser coerce anything.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  app.decorateRequest('token', null);
  registerCompression(app);
  await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  await app.register(cookie);
  // Streaming clients send only subscribe/unsubscribe messages of a few dozen bytes.
  await app.register(websocket, { options: { maxPayload: 4096 } });
  // Several clients (masto.js among them) send forms as multipart, and uploads come that way.
  await registerMultipart(app, {
    maxUploadBytes: ctx.config.media.imageSizeLimit,
    // API uploads need a token; web forms a session cookie (each route still checks them fully).
    mayUpload: (request) =>
      request.url.startsWith('/api/') ? request.token !== null : request.headers.cookie !== undefined,
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: 'Record not found' });
  });
  // One hook for what every request needs before routing: CORS, the cache's request mark, the
  // bearer token. Callback-style and synchronous unless a token has to be looked up: this runs
  // on every request, and each async hook costs a promise and a turn of the microtask queue.
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    // CORS before the token check, so a rejected token's 401 is still readable by a web client.
    if (corsApplies(url)) {
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
        const requested = request.headers['access-control-request-headers'];
        void reply
          .code(204)
          .headers(preflightHeaders(typeof requested === 'string' ? requested : undefined))
          .send();
        return;
      }
      void reply.headers(CORS_RESPONSE_HEADERS);
    }
    ctx.requestStarted();
    if (!url.startsWith('/api/') && !url.startsWith('/oauth/')) return done();
    const verifying = resolveToken(ctx.oauth, request);
    if (verifying === null) return done();
    verifying.then(() => done(), done);
  });

  // U+0000 in any text a request carries (query or body, every route): PostgreSQL cannot store
  // it in text and no field has a use for it, so it is refused here with a clear 422 rather than
  // failing as a 500 wherever it reaches the database (a status, a name, a search, a webhook).
  app.addHook('preValidation', (request, _reply, done) => {
    if (carriesNul(request.query) || carriesNul(request.body))
      return done(new HttpError(422, 'Text must not contain NUL characters'));
    done();
  });

  const requests = ctx.metrics.counter('sparrow_http_requests_total', 'HTTP requests by method, route and status.');
  const durations = ctx.metrics.histogram(
    'sparrow_http_request_duration_seconds',
    'HTTP request duration by route.',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  // The series of each method, route and status, looked up once: labelling every response anew
  // (sorting, escaping and joining the labels) was a measurable share of a small request.
  const series = new Map<string, { count: () => void; duration: (seconds: number) => void }>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, so ids do not explode the label space.
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    const status = reply.statusCode;
    const key = `${method} ${status} ${route}`;
    let handles = series.get(key);
    if (!handles) {
      handles = {
        count: requests.series({ method, route, status: String(status) }),
        duration: durations.series({ route }),
      };
      series.set(key, handles);
    }
    handles.count();
    handles.duration(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (request, reply) => {
    const expected = ctx.config.metricsToken;
    if (expected && !safeEqual(request.headers.authorization ?? '', `Bearer ${expected}`))
      return reply.status(401).send({ error: 'Metrics require the metrics token' });
    await ctx.metrics.refresh();
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render());
  });

  app.get('/healthz', async (_request, reply) =>
    (await ctx.health.ready()) ? { status: 'ok' } : reply.status(503).send({ status: 'unavailable' }),
  );

  const avatar = solidPng(96, 96, [0x9a, 0xa8, 0xb8]);
  const header = solidPng(300, 100, [0xd8, 0xe0, 0xe8]);
  const image = (png: Buffer) => async (_request: unknown, reply: FastifyReply) =>
    reply.header('content-type', 'image/png').header('cache-control', 'public, max-age=86400').send(png);
  app.get('/avatars/original/missing.png', image(avatar));
  app.get('/headers/original/missing.png', image(header));
  await app.register(mediaFileRoutes(ctx));

  await app.register(oauthRoutes(ctx));
  await app.register(mastodonRoutes(ctx));
  await app.register(smsRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(securityRoutes(ctx));
  await app.register(moderationRoutes(ctx));
  await app.register(federationAdminRoutes(ctx));
  await app.register(registrationRoutes(ctx));
  await app.register(privacyRoutes(ctx));
  await app.register(devSmsRoutes(ctx));
  await app.register(webhookRoutes(ctx));
  await app.register(webRoutes(ctx));
  await app.register(streamingRoutes(ctx));
  if (ctx.federation)
    await app.register(activityPubRoutes(ctx.federation, ctx.config.publicUrl, ctx.federation.inboxLimits));
  return app;
}

/**
 * Whether a parsed query or body holds a string with U+0000 anywhere in its plain objects and
 * arrays (a few levels deep; uploaded files and other objects are not text and are left alone).
 */
function carriesNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 8) return false;
  if (Array.isArray(value)) return value.some((item) => carriesNul(item, depth + 1));
  // Plain objects, including the prototype-less ones query-string parsers make (whose prototype
  // may itself be an empty object without one).
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== null && prototype !== Object.prototype && Object.getPrototypeOf(prototype) !== null) return false;
  for (const item of Object.values(value)) if (carriesNul(item, depth + 1)) return true;
  return false;
}
