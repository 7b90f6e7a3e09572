import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/app/context.ts';
import { buildServer } from '../../src/app/http-server.ts';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, type TestContext } from '../helpers/context.ts';

/**
 * Request logs are written at the configured level with the request's id, though the
 * per-request logger is made only when something is written (src/app/request-logger.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- log lines of many shapes
type Line = Record<string, any>;

function server(level: string) {
  const lines: Line[] = [];
  let ctx: TestContext;
  let app: FastifyInstance;
  beforeAll(async () => {
    const config = configFor({ SPARROW_DATABASE_URL: 'sqlite::memory:', SPARROW_LOG_LEVEL: level });
    const logger = createLogger(config, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
    ctx = await contextWithStorage(config, { logger });
    app = await buildServer(ctx);
  });
  afterAll(async () => {
    await app.close();
    await ctx.dispose();
  });
  return { lines, app: () => app, ctx: () => ctx };
}

describe('request logs at info', () => {
  const s = server('info');
  it('logs each request coming in and completed, under one request id', async () => {
    s.lines.length = 0;
    expect((await s.app().inject({ url: '/healthz' })).statusCode).toBe(200);
    const incoming = s.lines.find((l) => l.msg === 'incoming request');
    const completed = s.lines.find((l) => l.msg === 'request completed');
    expect(incoming?.req?.url).toBe('/healthz');
    expect(completed?.res?.statusCode).toBe(200);
    expect(incoming?.reqId).toBeTruthy();
    expect(completed?.reqId).toBe(incoming?.reqId);
  });
});

describe('request logs at warn', () => {
  const s = server('warn');
  it('writes nothing for a request that went well', async () => {
    s.lines.length = 0;
    expect((await s.app().inject({ url: '/healthz' })).statusCode).toBe(200);
    expect(s.lines).toEqual([]);
  });

  it("writes a failing request's error with its request id", async () => {
    s.lines.length = 0;
    const db = s.ctx().store.db;
    await db.schema.alterTable('accounts').renameTo('accounts_away').execute();
    try {
      expect((await s.app().inject({ url: '/api/v1/accounts/123456789012345678' })).statusCode).toBe(500);
    } finally {
      await db.schema.alterTable('accounts_away').renameTo('accounts').execute();
    }
    const error = s.lines.find((l) => l.msg === 'unhandled error');
    expect(error?.level).toBe(50);
    expect(error?.reqId).toBeTruthy();
    expect(s.lines.some((l) => l.msg === 'incoming request')).toBe(false);
  });
});
