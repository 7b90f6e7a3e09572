import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { devPhonePages } from './dev-phone.ts';
import { PHONE_SCRIPT, STYLESHEET } from './static.ts';

/** Every page and asset of the web UI. */
export function webRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/static/sparrow.css', async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));
    app.get('/static/phone.js', async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PHONE_SCRIPT));
    await app.register(devPhonePages(ctx));
  };
}
