import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './helpers.ts';

describe('operations endpoints', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('reports health', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('reports unavailable while the database cannot answer, and recovers', async () => {
    await h.ctx.store.db.schema.alterTable('accounts').renameTo('accounts_away').execute();
    try {
      const res = await h.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable' });
    } finally {
      await h.ctx.store.db.schema.alterTable('accounts_away').renameTo('accounts').execute();
    }
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('exposes Prometheus metrics labelled by route pattern, not by id', async () => {
    await h.app.inject({ method: 'GET', url: '/api/v1/statuses/123456789012345678' });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('# TYPE sparrow_http_requests_total counter');
    expect(res.body).toContain('route="/api/v1/statuses/:id",status="404"');
    expect(res.body).not.toContain('123456789012345678');
    expect(res.body).toMatch(/process_resident_memory_bytes \d+/);
  });

  it('serves the default avatar as a PNG', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/avatars/original/missing.png' });
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  });
});
