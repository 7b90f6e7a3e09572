import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/app/http-server.ts';
import type { ContextOptions } from '../../src/app/context.ts';
import { testContext, type EngineName, type TestContext } from './context.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningServer {
  url: string;
  ctx: TestContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * A real Sparrow HTTP server on a loopback port, with its public URL set to that
 * address so Link headers and redirects point back at it (clients follow them).
 */
export async function startServer(
  engine: EngineName,
  env: Record<string, string> = {},
  options: ContextOptions = {},
): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ctx = await testContext(engine, { PORT: String(port), SPARROW_PUBLIC_URL: url, ...env }, options);
  const app = await buildServer(ctx);
  await app.listen({ host: '127.0.0.1', port });
  return {
    url,
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.dispose();
    },
  };
}
