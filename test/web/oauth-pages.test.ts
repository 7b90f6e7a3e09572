import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { expectGoodPage } from './helpers.ts';

const REDIRECT = 'https://client.example/callback';

/** The OAuth authorization pages are web pages like any other: shared layout, stylesheet and strict CSP. */
describe.each(ENGINES)('OAuth pages in the web stack ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let clientId: string;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    await h.ctx.identity.register({
      username: 'consenter',
      email: 'consenter@example.test',
      password: 'correct horse battery staple',
    });
    const registered = await h.app.inject({
      method: 'POST',
      url: '/api/v1/apps',
      payload: { client_name: 'Pocket <Client>', redirect_uris: REDIRECT, scopes: 'read write' },
    });
    clientId = registered.json().client_id;
  });
  afterAll(async () => h?.close());

  const query = () =>
    new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'read' });

  it.skipIf(skip)('renders consent with the shared layout and a CSP without unsafe-inline', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/oauth/authorize?${query()}` });
    expectGoodPage(res, '/oauth/authorize');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("style-src 'self'");
    // After consent the browser follows a redirect to the client: only its origin is allowed, not any site.
    expect(csp).toContain("form-action 'self' https://client.example");
    expect(csp).not.toMatch(/form-action[^;]*\s\*/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<link rel="stylesheet" href="/static/sparrow.css">');
    expect(res.body).toContain('<nav aria-label="Main">');
    expect(res.body).not.toMatch(/<style/i);
    // The client's name is escaped by the shared escaping, never markup.
    expect(res.body).toContain('Sign in to authorize Pocket &lt;Client&gt;');
  });

  it.skipIf(skip)('renders the wrong-password and failure pages with the same layout', async () => {
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/oauth/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        ...Object.fromEntries(query()),
        login: 'consenter',
        password: 'not the password',
        decision: 'approve',
      }).toString(),
    });
    expect(wrong.statusCode).toBe(401);
    expect(String(wrong.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(wrong.body).toContain('<link rel="stylesheet" href="/static/sparrow.css">');
    const unknown = await h.app.inject({
      method: 'GET',
      url: `/oauth/authorize?client_id=nope&redirect_uri=${REDIRECT}`,
    });
    expect(unknown.statusCode).toBe(400);
    expect(String(unknown.headers['content-security-policy'])).toContain("form-action 'self';");
    expect(unknown.body).toContain('<link rel="stylesheet" href="/static/sparrow.css">');
  });
});
