/**
 * What Fastify itself costs here: `node bench/bare-fastify.ts <port> [bytes]` serves, from a
 * Fastify 5 app with no plugins, no hooks and no logger, `GET /healthz` answering
 * `{"status":"ok"}` like Sparrow's empty route, and `GET /static` answering a prebuilt JSON body
 * of `bytes` bytes (the same body as bench/static-server.ts). The home benchmark sets Sparrow's
 * empty route and home timeline beside them: the differences are Sparrow's own per-request work,
 * and the second is the least any Fastify route serving a home page's bytes costs.
 */
import Fastify from 'fastify';
import { staticBody } from './static-body.ts';

const port = Number(process.argv[2]);
const body = staticBody(Number(process.argv[3] ?? 0));
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/static', (_request, reply) => {
  void reply.type('application/json; charset=utf-8').send(body);
});
await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on ${port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
