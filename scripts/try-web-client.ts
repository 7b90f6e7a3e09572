/**
 * Plays a person using an unmodified Mastodon web client (Phanpy, built from its source)
 * against a real Sparrow server, in Chromium, and prints each step's result. Not part of
 * `npm test`: it needs the client's build, which is never committed (see docs/clients.md
 * for how to fetch and build it).
 *
 *   scripts/node24 node scripts/try-web-client.ts <phanpy dist dir> [screenshot dir]
 *
 * What runs:
 * - Sparrow, composed like `sparrow serve` does, on a fresh SQLite store in a temp folder
 *   (or SPARROW_DATABASE_URL when set), listening on a loopback port;
 * - a TLS front on another port (self-signed certificate made with openssl), because web
 *   clients only speak https to a server, as any deployment behind a reverse proxy; it
 *   passes WebSocket upgrades through, so streaming is the real thing. SPARROW_PUBLIC_URL
 *   is that https address;
 * - the client's static files on http://localhost:<port>, another origin (and another
 *   site), so every API call is a cross-origin request that needs Sparrow's CORS answers;
 * - Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) through playwright-core.
 * Other people (grace, hopper) act through the REST API with tokens the server issues.
 * Screenshots go to the given folder (default: a new temp folder), one per step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildServer } from '../src/app/http-server.ts';
import { createContext } from '../src/app/context.ts';
import { loadConfig } from '../src/config/config.ts';
import { solidPng } from '../src/http/placeholder-image.ts';
import { freePort } from '../test/helpers/server.ts';

const PASSWORD = 'a long password for ada';
const STEP_TIMEOUT_MS = 15_000;

const [clientDirArg, shotsArg] = process.argv.slice(2);
if (!clientDirArg || !existsSync(join(clientDirArg, 'index.html'))) {
  process.stderr.write('usage: node scripts/try-web-client.ts <built client dir with index.html> [screenshot dir]\n');
  process.exit(2);
}
const clientDir = resolve(clientDirArg);
const work = mkdtempSync(join(tmpdir(), 'sparrow-web-client-'));
const shots = resolve(shotsArg ?? join(work, 'screenshots'));
mkdirSync(shots, { recursive: true });

// --- Sparrow behind a TLS front -------------------------------------------------------
const sparrowPort = await freePort();
const tlsPort = await freePort();
const publicUrl = `https://127.0.0.1:${tlsPort}`;
const instanceHost = `127.0.0.1:${tlsPort}`;
const config = loadConfig({
  ...process.env,
  PORT: String(sparrowPort),
  SPARROW_HOST: '127.0.0.1',
  SPARROW_PUBLIC_URL: publicUrl,
  SPARROW_DATA_DIR: join(work, 'data'),
  SPARROW_DATABASE_URL: process.env.SPARROW_DATABASE_URL ?? `sqlite:${join(work, 'sparrow.sqlite')}`,
  SPARROW_LOG_LEVEL: process.env.SPARROW_LOG_LEVEL ?? 'warn',
});
const ctx = await createContext(config);
const sparrow = await buildServer(ctx);
await sparrow.listen({ host: '127.0.0.1', port: sparrowPort });

execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(work, 'key.pem'),
    '-out',
    join(work, 'cert.pem'),
  ],
  { stdio: 'ignore' },
);
const tls = createHttpsServer({ key: readFileSync(join(work, 'key.pem')), cert: readFileSync(join(work, 'cert.pem')) });
// A plain reverse proxy, as an operator's nginx or Caddy would be.
tls.on('request', (request, response) => {
  const upstream = httpRequest(
    {
      host: '127.0.0.1',
      port: sparrowPort,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, 'x-forwarded-proto': 'https' },
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => response.destroy());
  request.pipe(upstream);
});
// WebSocket upgrades pass through as raw bytes after TLS.
tls.on('upgrade', (request, socket, head) => {
  const upstream = connect(sparrowPort, '127.0.0.1', () => {
    const lines = [`${request.method} ${request.url} HTTP/1.1`];
    for (let i = 0; i < request.rawHeaders.length; i += 2)
      lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
});
await new Promise<void>((done) => tls.listen(tlsPort, '127.0.0.1', done));

// --- the client's static files on another origin ---------------------------------------
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain',
};
const clientPort = await freePort();
const clientOrigin = `http://localhost:${clientPort}`;
const statics = createHttpServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? '/', clientOrigin).pathname);
  let file = normalize(join(clientDir, path));
  if (!file.startsWith(clientDir)) return void response.writeHead(403).end();
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(clientDir, 'index.html');
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  response.end(readFileSync(file));
});
await new Promise<void>((done) => statics.listen(clientPort, 'localhost', done));

// --- the people and what they already posted --------------------------------------------
async function api<T = Record<string, unknown>>(
  token: string,
  method: string,
  path: string,
  body?: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${sparrowPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : {}) as T;
}
const tokenFor = async (accountId: string) =>
  (await ctx.oauth.issueToken({ appId: null, accountId, scopes: ['read', 'write', 'follow', 'push'] })).accessToken;

const ada = await ctx.identity.register({ username: 'ada', email: 'ada@example.org', password: PASSWORD });
const adaToken = await tokenFor(ada.id); // only for checking what the client did, never given to it
const grace = await ctx.identity.register({
  username: 'grace',
  email: 'grace@example.org',
  password: 'a long password for grace',
});
const graceToken = await tokenFor(grace.id);
const hopper = await ctx.identity.register({
  username: 'hopper',
  email: 'hopper@example.org',
  password: 'a long password for hopper',
});
const hopperToken = await tokenFor(hopper.id);
await api(adaToken, 'POST', `/api/v1/accounts/${grace.id}/follow`);
const hopperPost = await api<{ id: string }>(hopperToken, 'POST', '/api/v1/statuses', {
  status: 'Compilers are translators #sparrowtest',
});
const gracePost = await api<{ id: string }>(graceToken, 'POST', '/api/v1/statuses', {
  status: 'Good morning from Grace, who writes about #sparrowtest',
});
await api(hopperToken, 'POST', '/api/v1/statuses', {
  status: '@grace morning! A reply in the thread',
  in_reply_to_id: gracePost.id,
});
void hopperPost;

// --- the person in the browser -----------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
// The TLS front's certificate is self-signed; nothing else is trusted blindly.
const context = await browser.newContext({
  ignoreHTTPSErrors: true,
  // The client's service worker cannot fetch through a self-signed certificate (the browser's
  // certificate override does not reach it), so it is kept out unless asked for.
  serviceWorkers: process.env.TRY_CLIENT_SERVICE_WORKERS === 'allow' ? 'allow' : 'block',
  viewport: { width: 1100, height: 900 },
});
const page = await context.newPage();
page.setDefaultTimeout(STEP_TIMEOUT_MS);
const browserErrors: string[] = [];
page.on('console', (message) => {
  if (message.type() === 'error') browserErrors.push(message.text().slice(0, 300));
});
const streamFrames: string[] = [];
const streamUrls: string[] = [];
page.on('websocket', (socket) => {
  socket.on('framesent', (frame) => streamFrames.push(`sent: ${String(frame.payload)}`));
  socket.on('socketerror', (error) => streamFrames.push(`error: ${error}`));
  socket.on('close', () => streamFrames.push('closed'));
  streamUrls.push(socket.url().replace(/access_token=[^&]+/, 'access_token=…'));
  socket.on('framereceived', (frame) => streamFrames.push(String(frame.payload)));
});
// Any confirm() the client raises (e.g. "Some media have no descriptions. Continue?") is accepted.
page.on('dialog', (dialog) => void dialog.accept());
const failedRequests: string[] = [];
page.on('requestfailed', (request) => {
  if (request.failure()?.errorText === 'net::ERR_ABORTED') return; // a navigation cut it short
  failedRequests.push(`${request.method()} ${request.url()} failed: ${request.failure()?.errorText}`);
});
page.on('response', (response) => {
  const url = response.url();
  if (url.startsWith(publicUrl) && response.status() >= 400)
    failedRequests.push(`${response.request().method()} ${url.slice(publicUrl.length)} → ${response.status()}`);
});

interface StepResult {
  name: string;
  ok: boolean;
  note: string;
  requests: string[];
}
const results: StepResult[] = [];
let stepNumber = 0;

async function step(name: string, run: () => Promise<string | void>): Promise<boolean> {
  stepNumber++;
  failedRequests.length = 0;
  browserErrors.length = 0;
  let ok = true;
  let note = '';
  try {
    note = (await run()) ?? '';
  } catch (error) {
    ok = false;
    note = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 600);
  }
  const file = join(shots, `${String(stepNumber).padStart(2, '0')}-${name.replace(/\W+/g, '-')}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
  const requests = [...new Set(failedRequests)];
  results.push({ name, ok, note, requests });
  const consoleErrors = [...new Set(browserErrors)].filter((text) => !text.startsWith('Failed to load resource'));
  process.stdout.write(
    `${ok ? 'PASS' : 'FAIL'}  ${name}${note ? ` — ${note}` : ''}${requests.length ? `\n      API errors: ${requests.join('; ')}` : ''}${consoleErrors.length ? `\n      console errors: ${consoleErrors.slice(0, 3).join(' | ')}` : ''}\n`,
  );
  return ok;
}

const route = (path: string) => `${clientOrigin}/#${path}`;
/** A fresh page load at a client route (the session stays in the client's storage). */
async function visit(path: string) {
  await page.goto('about:blank');
  await page.goto(route(path));
}
/** The page on top: Phanpy keeps Home mounted beneath every other page. */
const onTop = () => page.locator('.deck').last();
const statusIn = (text: string) => onTop().locator('.status', { hasText: text }).first();

async function statusIds(token: string, path: string): Promise<string[]> {
  return (await api<{ id: string }[]>(token, 'GET', path)).map((s) => s.id);
}

async function openThread(id: string, text: string) {
  await visit(`/${instanceHost}/s/${id}`);
  await statusIn(text).waitFor();
}

async function compose(text: string, submitLabel: RegExp, image?: string) {
  // A draft left by a failed step is offered back first; dismiss the offer.
  const drafts = page.getByRole('heading', { name: 'Unsent drafts' });
  if (await drafts.isVisible()) await page.keyboard.press('Escape');
  const form = page.locator('#compose-container form');
  await form.locator('textarea').first().fill(text);
  if (image) {
    await page.locator('#compose-container input[type="file"]').first().setInputFiles(image);
    const attachment = page.locator('#compose-container .media-attachment');
    await attachment.first().waitFor();
    // Alt text, as a person should give it (Phanpy asks for confirmation without it).
    await attachment.first().locator('textarea').fill('A blue square');
  }
  await form.getByRole('button', { name: submitLabel }).click();
  await page.locator('#compose-container').waitFor({ state: 'detached' });
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

// 1. Sign in through Sparrow's OAuth page (the client registers itself, PKCE).
await step('sign in', async () => {
  await page.goto(route(`/login?instance=${encodeURIComponent(instanceHost)}`));
  const popupPromise = context.waitForEvent('page', { timeout: STEP_TIMEOUT_MS });
  await page
    .getByRole('button', { name: /log in|continue|sign in/i })
    .first()
    .click();
  const popup = await popupPromise.catch(() => page);
  await popup.waitForURL((url) => url.href.startsWith(`${publicUrl}/oauth/authorize`));
  const pkce = new URL(popup.url()).searchParams.get('code_challenge_method');
  await popup.fill('#login', 'ada');
  await popup.fill('#password', PASSWORD);
  await popup.getByRole('button', { name: 'Sign in and authorize' }).click();
  await page.locator('#compose-button').waitFor();
  await statusIn('Good morning from Grace').waitFor();
  return `signed in as ada through ${publicUrl}/oauth/authorize (PKCE ${pkce ?? 'not used'}, in a ${popup === page ? 'redirect' : 'popup'})`;
});

// 2. Home timeline.
await step('home timeline', async () => {
  await visit('/');
  await statusIn('Good morning from Grace').waitFor();
  return 'shows the post of someone ada follows';
});

// 3. A thread.
await step('open a thread', async () => {
  await statusIn('Good morning from Grace').click();
  await page.waitForURL((url) => url.hash.includes(`/s/${gracePost.id}`));
  await statusIn('A reply in the thread').waitFor();
  return 'post and its reply';
});

// 4. Post, with an image.
const image = join(work, 'photo.png');
writeFileSync(image, solidPng(640, 480, [0x3a, 0x7b, 0xd5]));
await step('post with an image', async () => {
  const instance = await api<{ configuration: { statuses: { max_media_attachments: number } } }>(
    adaToken,
    'GET',
    '/api/v2/instance',
  );
  if (instance.configuration.statuses.max_media_attachments === 0)
    throw new Error('the server offers no media upload (configuration.statuses.max_media_attachments is 0)');
  await visit('/');
  await page.locator('#compose-button').click();
  await compose('Hello from Phanpy on Sparrow', /^post$/i, image);
  const posted = await waitUntil('the post in the API', async () => {
    const mine = await api<{ id: string; content: string; media_attachments: unknown[] }[]>(
      adaToken,
      'GET',
      `/api/v1/accounts/${ada.id}/statuses`,
    );
    return mine.find((s) => s.content.includes('Hello from Phanpy'));
  });
  return `posted ${posted.id} with ${posted.media_attachments.length} image(s)`;
}).catch(() => false);

// Plain post, so later steps have ada's own post even when the image could not be attached.
await step('post', async () => {
  await visit('/');
  await page.locator('#compose-button').click();
  await compose('Plain words from Phanpy #sparrowtest', /^post$/i);
  await waitUntil('the post in the API', async () => {
    const mine = await api<{ content: string }[]>(adaToken, 'GET', `/api/v1/accounts/${ada.id}/statuses`);
    return mine.some((s) => s.content.includes('Plain words from Phanpy'));
  });
  await visit('/');
  await statusIn('Plain words from Phanpy').waitFor();
  return 'posted; on home after a reload';
});

// 5. Reply.
await step('reply', async () => {
  await openThread(gracePost.id, 'Good morning from Grace');
  await statusIn('Good morning from Grace').locator('button[title="Reply"]').first().click();
  await compose('Replying from Phanpy', /^reply$/i);
  const context = await api<{ descendants: { content: string }[] }>(
    graceToken,
    'GET',
    `/api/v1/statuses/${gracePost.id}/context`,
  );
  if (!context.descendants.some((s) => s.content.includes('Replying from Phanpy')))
    throw new Error('reply not in thread');
  return 'reply is in the thread';
});

// 6–8. Like, boost, bookmark.
await step('like', async () => {
  await openThread(gracePost.id, 'Good morning from Grace');
  await statusIn('Good morning from Grace').locator('.favourite-button').first().click();
  const by = await waitUntil('favourited_by', async () => {
    const accounts = await api<{ username: string }[]>(
      graceToken,
      'GET',
      `/api/v1/statuses/${gracePost.id}/favourited_by`,
    );
    return accounts.length > 0 && accounts;
  });
  await visit('/f');
  await statusIn('Good morning from Grace').waitFor();
  return `favourited_by: ${by.map((a) => a.username).join(', ')}; on the client's Likes page`;
});
await step('boost', async () => {
  await openThread(gracePost.id, 'Good morning from Grace');
  await statusIn('Good morning from Grace').locator('.reblog-button').first().click();
  await page
    .getByRole('menuitem', { name: /^boost/i })
    .first()
    .click();
  const by = await waitUntil('reblogged_by', async () => {
    const accounts = await api<{ username: string }[]>(
      graceToken,
      'GET',
      `/api/v1/statuses/${gracePost.id}/reblogged_by`,
    );
    return accounts.length > 0 && accounts;
  });
  return `reblogged_by: ${by.map((a) => a.username).join(', ')}`;
});
await step('bookmark', async () => {
  await openThread(gracePost.id, 'Good morning from Grace');
  await statusIn('Good morning from Grace').locator('.bookmark-button').first().click();
  await waitUntil('the bookmark', async () => (await statusIds(adaToken, '/api/v1/bookmarks')).includes(gracePost.id));
  await visit('/b');
  await statusIn('Good morning from Grace').waitFor();
  return 'bookmarked and listed on the bookmarks page';
});

// 9. Notifications.
await step('notifications', async () => {
  const mine = await api<{ id: string; content: string }[]>(adaToken, 'GET', `/api/v1/accounts/${ada.id}/statuses`);
  const own = mine.find((s) => s.content.includes('Plain words'));
  if (!own) throw new Error('ada has no post of her own to like');
  // With the client open, the notifications also arrive on its stream (the badge).
  const framesAtVisit = streamFrames.length;
  await visit('/');
  await waitUntil('the client to subscribe to its stream', async () =>
    streamFrames.slice(framesAtVisit).some((frame) => frame.startsWith('sent: ') && frame.includes('subscribe')),
  );
  await page.waitForTimeout(300);
  await api(graceToken, 'POST', `/api/v1/statuses/${own.id}/favourite`);
  await api(graceToken, 'POST', '/api/v1/statuses', { status: '@ada did you see this?' });
  await api(hopperToken, 'POST', `/api/v1/accounts/${ada.id}/follow`);
  await waitUntil('the notifications on the WebSocket', async () => {
    const received = streamFrames.slice(framesAtVisit).filter((frame) => frame.includes('"event":"notification"'));
    return received.length >= 3;
  });
  await visit('/notifications');
  await page.getByText('did you see this?').first().waitFor();
  await page
    .locator('.notification', { hasText: /followed you/i })
    .first()
    .waitFor();
  await page.locator('.notification', { hasText: /liked/i }).first().waitFor();
  return 'mention, like and follow streamed to the open client and shown on its notifications page';
});

// 10. Search for a person and follow them.
await step('search for a person', async () => {
  await visit(`/${instanceHost}/search?q=hopper&type=accounts`);
  await onTop().locator('.account-block', { hasText: '@hopper' }).first().click();
  await page
    .getByRole('button', { name: /^follow$/i })
    .first()
    .waitFor();
  return 'found @hopper';
});
await step('follow', async () => {
  if (!page.url().includes('/a/')) await visit(`/${instanceHost}/a/${hopper.id}`);
  await page
    .getByRole('button', { name: /^follow$/i })
    .first()
    .click();
  await waitUntil('following hopper', async () => {
    const [relationship] = await api<{ following: boolean }[]>(
      adaToken,
      'GET',
      `/api/v1/accounts/relationships?id[]=${hopper.id}`,
    );
    return relationship?.following;
  });
  return 'following @hopper';
});

// 11. Hashtag page.
await step('hashtag page', async () => {
  await visit(`/${instanceHost}/t/sparrowtest`);
  await statusIn('Compilers are translators').waitFor();
  return '#sparrowtest shows tagged posts';
});

// 12. A list.
await step('a list', async () => {
  await visit('/l');
  await page
    .getByRole('button', { name: /new list/i })
    .first()
    .click();
  await page.locator('input[name="title"]').fill('Friends');
  await page.getByRole('button', { name: /^create$/i }).click();
  const lists = await waitUntil('the list', async () => {
    const all = await api<{ id: string; title: string }[]>(adaToken, 'GET', '/api/v1/lists');
    return all.find((list) => list.title === 'Friends');
  });
  await api(adaToken, 'POST', `/api/v1/lists/${lists.id}/accounts`, { account_ids: [grace.id] });
  await visit(`/l/${lists.id}`);
  await statusIn('Good morning from Grace').waitFor();
  return 'created "Friends"; its timeline shows its member';
});

// 13. Edit a post.
await step('edit a post', async () => {
  const mine = await api<{ id: string; content: string }[]>(adaToken, 'GET', `/api/v1/accounts/${ada.id}/statuses`);
  const target = mine.find((s) => s.content.includes('Plain words'));
  if (!target) throw new Error('no post to edit');
  await openThread(target.id, 'Plain words');
  await statusIn('Plain words').locator('.more-button').first().click();
  await page.getByRole('menuitem', { name: /^edit/i }).first().click();
  await compose('Plain words from Phanpy, edited #sparrowtest', /^update$/i);
  const edited = await api<{ content: string; edited_at: string | null }>(
    adaToken,
    'GET',
    `/api/v1/statuses/${target.id}`,
  );
  if (!edited.content.includes('edited')) throw new Error('the text did not change');
  return `edited at ${edited.edited_at}`;
});

// 14. Live update of a new post. Phanpy keeps a WebSocket to the user stream open (it uses
// it for edits, deletes and the notification badge) and shows new home posts with a
// "New posts" button after its next check (every 15–30 s), so both are checked.
await step('live update', async () => {
  const framesAtVisit = streamFrames.length;
  await visit('/');
  await statusIn('Good morning from Grace').waitFor();
  await waitUntil('the client to subscribe to its stream', async () =>
    streamFrames.slice(framesAtVisit).some((frame) => frame.startsWith('sent: ') && frame.includes('subscribe')),
  );
  await page.waitForTimeout(300); // the subscription reaches the server
  const framesBefore = streamFrames.length;
  await api(graceToken, 'POST', '/api/v1/statuses', { status: 'Breaking: streamed to Phanpy' });
  await waitUntil('the post on the WebSocket', async () =>
    streamFrames.slice(framesBefore).some((frame) => frame.includes('Breaking: streamed to Phanpy')),
  ).catch((error: Error) => {
    throw new Error(
      `${error.message} (streams opened: ${streamUrls.join(', ')}; frames since the post: ${
        streamFrames
          .slice(framesBefore)
          .map((f) => f.slice(0, 120))
          .join(' | ') || 'none'
      })`,
    );
  });
  const deadline = Date.now() + 45_000;
  let shown = '';
  while (!shown && Date.now() < deadline) {
    if (await statusIn('Breaking: streamed to Phanpy').isVisible()) shown = 'inline';
    else if (
      await page
        .getByRole('button', { name: /new posts/i })
        .first()
        .isVisible()
    )
      shown = '"New posts" button';
    else await page.waitForTimeout(500);
  }
  if (!shown) throw new Error('the stream delivered the post, but the timeline did not show it within 45 s');
  if (shown !== 'inline') {
    await page
      .getByRole('button', { name: /new posts/i })
      .first()
      .click();
    await statusIn('Breaking: streamed to Phanpy').waitFor();
  }
  return `delivered on the user stream (WebSocket through TLS); timeline showed it (${shown})`;
});

await browser.close();
await new Promise<void>((done) => statics.close(() => done()));
await new Promise<void>((done) => tls.close(() => done()));
await sparrow.close();
await ctx.close();

const passed = results.filter((r) => r.ok).length;
process.stdout.write(`\n${passed}/${results.length} steps passed; screenshots in ${shots}\n\n`);
process.stdout.write('| step | result | note |\n| ---- | ------ | ---- |\n');
for (const r of results) {
  const errors = r.requests.length ? ` (API errors: ${r.requests.join('; ')})` : '';
  process.stdout.write(`| ${r.name} | ${r.ok ? 'pass' : 'FAIL'} | ${(r.note + errors).replace(/\|/g, '\\|')} |\n`);
}
process.exit(passed === results.length ? 0 : 1);
