import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildServer } from '../../src/app/http-server.ts';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, testSchemaName, type EngineName, type TestContext } from './context.ts';
import { until } from './until.ts';

/** A federating Sparrow server on a fixed loopback port and database, so it can stop and start again as the same server. */
export interface FederationNode {
  url: string;
  host: string;
  ctx: TestContext;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export async function startNode(
  port: number,
  database: { url: string; schema?: string },
  env: Record<string, string> = {},
): Promise<FederationNode> {
  const url = `http://127.0.0.1:${port}`;
  const config = configFor({
    PORT: String(port),
    SPARROW_PUBLIC_URL: url,
    SPARROW_DATABASE_URL: database.url,
    SPARROW_FEDERATION: 'on',
    SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
    SPARROW_LOG_LEVEL: process.env.FED_LOG ?? 'silent',
    ...env,
  });
  const ctx = await contextWithStorage(config, database.schema ? { schema: database.schema, poolSize: 4 } : {});
  const app = await buildServer(ctx);
  await app.listen({ host: '127.0.0.1', port });
  const work = await ctx.startBackgroundWork({ inProcessWithWeb: true });
  return {
    url,
    host: `127.0.0.1:${port}`,
    ctx,
    app,
    async stop() {
      await work.stop();
      await app.close();
      await ctx.dispose();
    },
  };
}

/** A fresh database for one node: a SQLite file, or a PostgreSQL schema of its own. */
export async function databaseFor(engine: EngineName): Promise<{ url: string; schema?: string }> {
  if (engine === 'sqlite') return { url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'sparrow-fed-')), 'db.sqlite')}` };
  const url = process.env.SPARROW_TEST_DATABASE_URL as string;
  const schema = testSchemaName('fedr');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return { url, schema };
}

/** Waits for what another server does in its own time (test/helpers/until.ts). */
export async function eventually(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  await until(what, probe, { timeoutMs: ms, intervalMs: 150 });
}
