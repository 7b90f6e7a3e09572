import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/app/http-server.ts';
import { testContext, type EngineName, type TestContext } from '../helpers/context.ts';

export interface ApiHarness {
  ctx: TestContext;
  app: FastifyInstance;
  /** Creates a user and a token for it with the given scopes. */
  user(username: string, scopes?: string): Promise<{ id: string; token: string; auth: { authorization: string } }>;
  close(): Promise<void>;
}

let counter = 0;

export async function apiHarness(engine: EngineName, env: Record<string, string> = {}): Promise<ApiHarness> {
  const ctx = await testContext(engine, env);
  const app = await buildServer(ctx);
  await app.ready();
  return {
    ctx,
    app,
    async user(username, scopes = 'read write follow') {
      counter += 1;
      const account = await ctx.microblog.createAccount({ username });
      const app = await ctx.oauth.registerApp({
        name: `Test App ${counter}`,
        redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
        scopes: 'read write follow push',
      });
      const token = await ctx.oauth.issueToken({ appId: app.app.id, accountId: account.id, scopes: scopes.split(' ') });
      return { id: account.id, token: token.accessToken, auth: { authorization: `Bearer ${token.accessToken}` } };
    },
    async close() {
      await app.close();
      await ctx.dispose();
    },
  };
}
