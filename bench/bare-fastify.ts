/**
 * What Fastify itself costs here: `node bench/bare-fastify.ts <port>` serves one route,
 * `GET /healthz` answering `{"status":"ok"}` like Sparrow's empty route, from a Fastify 5 app
 * with no plugins, no hooks and no logger. The home benchmark sets Sparrow's empty route
 * beside it: the difference is Sparrow's own per-request work.
 */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on ${port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
