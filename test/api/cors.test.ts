import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.ts';

const ORIGIN = 'https://web-client.example';

/**
 * Cross-origin access as Mastodon grants it, through real HTTP: web clients on any origin may
 * call the API, OAuth token/revoke and discovery documents (no credentials), and never read
 * the cookie-authenticated web pages.
 */
describe('CORS', () => {
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer('sqlite');
    const account = await server.ctx.microblog.createAccount({ username: 'corsy' });
    token = (await server.ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes: ['read', 'write'] }))
      .accessToken;
  });
  afterAll(async () => server?.close());

  const preflight = (path: string, method: string, headers = 'authorization, content-type, idempotency-key') =>
    fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': headers },
    });

  it.each([
    ['/api/v1/apps', 'POST'],
    ['/api/v1/statuses', 'POST'],
    ['/api/v1/statuses/123', 'DELETE'],
    ['/api/v1/accounts/update_credentials', 'PATCH'],
    ['/oauth/token', 'POST'],
    ['/oauth/revoke', 'POST'],
    ['/.well-known/host-meta', 'GET'],
    ['/nodeinfo/2.0', 'GET'],
  ])('answers the preflight of %s %s for any origin, without credentials', async (path, method) => {
    const response = await preflight(path, method);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toContain(method);
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of ['authorization', 'content-type', 'idempotency-key']) expect(allowed).toContain(header);
  });

  it('grants reading API answers, errors included, and exposes Link and rate-limit headers', async () => {
    const instance = await fetch(`${server.url}/api/v1/instance`, { headers: { origin: ORIGIN } });
    expect(instance.status).toBe(200);
    expect(instance.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = instance.headers.get('access-control-expose-headers')!;
    for (const header of ['Link', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) expect(exposed).toContain(header);

    const signedIn = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, {
      headers: { origin: ORIGIN, authorization: `Bearer ${token}` },
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('access-control-allow-origin')).toBe('*');

    // A rejected token's 401 must be readable too, or a client cannot tell the person to sign in again.
    const rejected = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, {
      headers: { origin: ORIGIN, authorization: 'Bearer not-a-token' },
    });
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get('access-control-allow-origin')).toBe('*');

    const missing = await fetch(`${server.url}/api/v1/statuses/1`, { headers: { origin: ORIGIN } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');

    const tokenError = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: 'nope', client_id: 'x', client_secret: 'y' }),
    });
    expect(tokenError.status).toBeGreaterThanOrEqual(400);
    expect(tokenError.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('grants the streaming API, whose answer is written outside the normal reply', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/api/v1/streaming/public`, {
      headers: { origin: ORIGIN },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('access-control-allow-origin')).toBe('*');
    controller.abort();
  });

  it.each([
    '/',
    '/home',
    '/login',
    '/settings',
    '/settings/security',
    '/admin',
    '/notifications',
    '/oauth/authorize?client_id=x&redirect_uri=urn:ietf:wg:oauth:2.0:oob&response_type=code',
    '/users/corsy',
  ])('never grants the web page %s, nor answers its preflight', async (path) => {
    const page = await fetch(`${server.url}${path}`, { headers: { origin: ORIGIN }, redirect: 'manual' });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(page.headers.get('access-control-allow-credentials')).toBeNull();
    const pre = await preflight(path, 'POST', 'content-type');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('does not stretch the grant to paths that merely start like a granted one', async () => {
    for (const path of ['/oauth/tokens', '/oauth/token-page', '/apix/v1/instance', '/nodeinfox']) {
      const pre = await preflight(path, 'POST', 'content-type');
      expect(pre.headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });
});
