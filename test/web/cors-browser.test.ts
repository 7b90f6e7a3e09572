import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { freePort, startServer, type RunningServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery staple';

/**
 * A web client as Phanpy or Elk is one: a page served from another origin (another port)
 * that registers itself, sends the person through Sparrow's OAuth page with PKCE, and then
 * calls the API with `fetch` and a bearer token, in Chromium, so the browser itself enforces
 * CORS. The same page must not be able to read Sparrow's cookie-authenticated web pages.
 */
describe.skipIf(!hasChromium)(
  hasChromium ? 'a web client on another origin, in Chromium' : `cross-origin client (skipped: ${CHROMIUM} is missing)`,
  () => {
    let server: RunningServer;
    let client: Server;
    let clientOrigin: string;
    let browser: Browser;

    beforeAll(async () => {
      server = await startServer('sqlite');
      await server.ctx.identity.register({ username: 'webby', email: 'webby@example.test', password: PASSWORD });
      const port = await freePort();
      clientOrigin = `http://127.0.0.1:${port}`;
      client = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end('<!doctype html><html lang="en"><title>client</title><h1>A web client</h1></html>');
      });
      await new Promise<void>((resolve) => client.listen(port, '127.0.0.1', resolve));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => client?.close(resolve));
      await server?.close();
    });

    it('registers, signs in with PKCE and calls the API; cannot read the web pages with the session cookie', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${clientOrigin}/`);
      const api = server.url;
      const redirectUri = `${clientOrigin}/callback`;

      const registered = await page.evaluate(
        async ({ api, redirectUri }) => {
          const response = await fetch(`${api}/api/v1/apps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ client_name: 'Cross Origin', redirect_uris: redirectUri, scopes: 'read write' }),
          });
          return { status: response.status, body: await response.json() };
        },
        { api, redirectUri },
      );
      expect(registered.status).toBe(200);
      const { client_id: clientId, client_secret: clientSecret } = registered.body as Record<string, string>;
      expect(clientId).toBeTruthy();

      const instance = await page.evaluate(async (api) => {
        const response = await fetch(`${api}/api/v1/instance`);
        return { status: response.status, uri: ((await response.json()) as { uri: string }).uri };
      }, api);
      expect(instance).toEqual({ status: 200, uri: new URL(api).host });

      // The person signs in on Sparrow's own page (a top-level navigation, no CORS involved).
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const query = new URLSearchParams({
        client_id: clientId!,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'read write',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      await page.goto(`${api}/oauth/authorize?${query}`);
      await page.getByLabel('E-mail or username').fill('webby');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in and authorize' }).click();
      await page.waitForURL(`${redirectUri}?**`);
      const code = new URL(page.url()).searchParams.get('code');
      expect(code).toBeTruthy();

      const signedIn = await page.evaluate(
        async ({ api, code, clientId, clientSecret, redirectUri, verifier }) => {
          const tokenResponse = await fetch(`${api}/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              grant_type: 'authorization_code',
              code,
              client_id: clientId,
              client_secret: clientSecret,
              redirect_uri: redirectUri,
              code_verifier: verifier,
            }),
          });
          const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
          const auth = { authorization: `Bearer ${token}` };
          const me = await fetch(`${api}/api/v1/accounts/verify_credentials`, { headers: auth });
          const posted = await fetch(`${api}/api/v1/statuses`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'cross-origin-1' },
            body: JSON.stringify({ status: 'Hello from another origin' }),
          });
          const home = await fetch(`${api}/api/v1/timelines/home?limit=1`, { headers: auth });
          return {
            tokenStatus: tokenResponse.status,
            username: ((await me.json()) as { username: string }).username,
            postedStatus: posted.status,
            homeFirst: ((await home.json()) as { content: string }[])[0]?.content,
            // Readable only because it is exposed: clients page with it.
            link: home.headers.get('link'),
          };
        },
        { api, code, clientId, clientSecret, redirectUri, verifier },
      );
      expect(signedIn.tokenStatus).toBe(200);
      expect(signedIn.username).toBe('webby');
      expect(signedIn.postedStatus).toBe(200);
      expect(signedIn.homeFirst).toContain('Hello from another origin');
      expect(signedIn.link).toContain('max_id=');

      // Now the browser also holds a session cookie for Sparrow's web pages: sign in there.
      const web = await context.newPage();
      await web.goto(`${api}/login`);
      await web.getByLabel('Username or e-mail').fill('webby');
      await web.getByLabel('Password').fill(PASSWORD);
      await web.getByRole('button', { name: 'Log in' }).click();
      await web.waitForURL((url) => !url.pathname.startsWith('/login'));
      const ownOrigin = await web.evaluate(async () => (await fetch('/notifications')).status);
      expect(ownOrigin).toBe(200);

      // The other origin's page cannot read any of them with that cookie, nor the authorize page.
      const attempts = await page.evaluate(async (api) => {
        const results: Record<string, string> = {};
        for (const path of ['/home', '/notifications', '/settings', '/settings/security', '/oauth/authorize']) {
          try {
            const response = await fetch(`${api}${path}`, { credentials: 'include' });
            results[path] = `read ${response.status}: ${(await response.text()).slice(0, 40)}`;
          } catch (error) {
            results[path] = `blocked: ${(error as Error).name}`;
          }
        }
        return results;
      }, api);
      for (const result of Object.values(attempts)) expect(result).toBe('blocked: TypeError');
      await context.close();
    }, 60_000);
  },
);
