/**
 * The machine's limit for serving a body: `node bench/static-server.ts <port> <bytes>` answers
 * every request with one prebuilt JSON body of that size, nothing else (no routing, no
 * framework, no storage). The benchmarks compare Sparrow's routes with it.
 */
import { createServer } from 'node:http';
import { staticBody } from './static-body.ts';

const port = Number(process.argv[2]);
const bytes = Number(process.argv[3]);
const body = staticBody(bytes);
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => console.log(`listening on ${port}, ${body.length} bytes`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
