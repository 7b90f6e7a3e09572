/**
 * Federates a real Sparrow with another ActivityPub server (Hollo, GoToSocial, Mastodon …,
 * built and run by you from its own source, never part of this repository) and prints, step
 * by step, what crossed between them. Not part of `npm test`. docs/federation.md ("Tested with
 * other servers") tells how it was run against Hollo and what came out.
 *
 * Servers fetch each other over https by host name, so the lab needs:
 * - two names on loopback in /etc/hosts, e.g. `127.0.0.1 sparrow.test hollo.test`;
 * - a local certificate authority and one certificate for both names:
 *     scripts/node24 node scripts/try-federation-peer.ts certs <dir> sparrow.test hollo.test
 * - the peer started on a loopback port, plain http, trusting X-Forwarded-Proto/Host and
 *   the lab CA (NODE_EXTRA_CA_CERTS=<dir>/ca.pem for a Node peer), with its own SSRF guard
 *   relaxed for private addresses, and an access token of one of its accounts (Mastodon API,
 *   scopes read write follow);
 * - then, as root (the TLS front listens on 443, where https URLs point):
 *     NODE_EXTRA_CA_CERTS=<dir>/ca.pem scripts/node24 node scripts/try-federation-peer.ts run \
 *       --certs <dir> --peer hollo.test=3101 --peer-token <token> [--sparrow sparrow.test]
 *       [--data <dir to keep Sparrow's store between runs>]
 *
 * What runs here: Sparrow, composed as `sparrow serve` does (SQLite under --data, console SMS
 * provider, federation on, private addresses allowed), listening on a loopback port; and one
 * TLS front on 443 that serves both names with the lab certificate and passes each request to
 * its server by Host, with X-Forwarded-Proto/Host, as an operator's nginx or Caddy would.
 * Every step goes through the Mastodon client API of each side (plain fetch), and the SMS post
 * through the console provider's development endpoint, as the phone simulator does.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '../src/app/http-server.ts';
import { createContext } from '../src/app/context.ts';
import { loadConfig } from '../src/config/config.ts';
import { solidPng } from '../src/http/placeholder-image.ts';
import { operatorActor } from '../src/security/index.ts';
import { freePort } from '../test/helpers/server.ts';

const WAIT_MS = Number(process.env.PEER_WAIT_MS ?? 20_000);
const [command, ...rest] = process.argv.slice(2);

function usage(): never {
  process.stderr.write(
    'usage: node scripts/try-federation-peer.ts certs <dir> <host>...\n' +
      '       node scripts/try-federation-peer.ts run --certs <dir> --peer <host>=<port> --peer-token <token> [--sparrow <host>] [--data <dir>]\n',
  );
  process.exit(2);
}

if (command === 'certs') {
  const [dirArg, ...hosts] = rest;
  if (!dirArg || hosts.length === 0) usage();
  makeCertificates(resolve(dirArg), hosts);
  process.stdout.write(`${resolve(dirArg)}/ca.pem (trust it), cert.pem and key.pem for ${hosts.join(', ')}\n`);
  process.exit(0);
}
if (command !== 'run') usage();

const { values } = parseArgs({
  args: rest,
  options: {
    certs: { type: 'string' },
    peer: { type: 'string' },
    'peer-token': { type: 'string' },
    sparrow: { type: 'string', default: 'sparrow.test' },
    data: { type: 'string' },
    'tls-port': { type: 'string', default: '443' },
  },
});
if (!values.certs || !values.peer || !values['peer-token']) usage();
const [peerHost, peerPortText] = values.peer.split('=');
if (!peerHost || !/^\d+$/.test(peerPortText ?? '')) usage();
if (!process.env.NODE_EXTRA_CA_CERTS)
  process.stderr.write('warning: NODE_EXTRA_CA_CERTS is not set; the peer will look untrusted\n');

// --- Sparrow and the TLS front -----------------------------------------------------------
const sparrowHost = values.sparrow;
const dataDir = resolve(values.data ?? mkdtempSync(join(tmpdir(), 'sparrow-peer-')));
mkdirSync(dataDir, { recursive: true });
const sparrowPort = await freePort();
const config = loadConfig({
  ...process.env,
  PORT: String(sparrowPort),
  SPARROW_HOST: '127.0.0.1',
  SPARROW_PUBLIC_URL: `https://${sparrowHost}`,
  SPARROW_DATA_DIR: join(dataDir, 'data'),
  SPARROW_DATABASE_URL: process.env.SPARROW_DATABASE_URL ?? `sqlite:${join(dataDir, 'sparrow.sqlite')}`,
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_SMS_PROVIDER: 'console',
  SPARROW_LOG_LEVEL: process.env.SPARROW_LOG_LEVEL ?? 'warn',
});
const ctx = await createContext(config);
const sparrow = await buildServer(ctx);
await sparrow.listen({ host: '127.0.0.1', port: sparrowPort });
const background = await ctx.startBackgroundWork({ inProcessWithWeb: true });

const routes = new Map([
  [sparrowHost, sparrowPort],
  [peerHost, Number(peerPortText)],
]);
const certs = resolve(values.certs);
const front = createHttpsServer({
  key: readFileSync(join(certs, 'key.pem')),
  cert: readFileSync(join(certs, 'cert.pem')),
});
front.on('request', (request, response) => {
  const host = request.headers.host ?? '';
  const port = routes.get(host.replace(/:\d+$/, ''));
  if (!port) {
    response.writeHead(421).end('no such server here');
    return;
  }
  const upstream = httpRequest(
    {
      host: '127.0.0.1',
      port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': host },
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => response.destroy());
  request.pipe(upstream);
});
await new Promise<void>((done) => front.listen(Number(values['tls-port']), '127.0.0.1', done));

// --- the Mastodon API of each side -----------------------------------------------------------
type Json = Record<string, unknown> & { id?: string };

class ApiError extends Error {}

function client(host: string, token: string) {
  const base = `https://${host}`;
  return async function call<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${base}${path}`, { method, headers, body: payload });
    const text = await res.text();
    if (!res.ok) throw new ApiError(`${method} ${host}${path} → ${res.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
}

async function sparrowUser(username: string, locked = false) {
  const account =
    (await ctx.microblog.lookup(username)) ??
    (await ctx.microblog.createAccount({ username, displayName: username[0]!.toUpperCase() + username.slice(1) }));
  if (locked) await ctx.microblog.updateProfile(account.id, { locked: true });
  const token = await ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes: ['read', 'write', 'follow'] });
  return { id: account.id, username, call: client(sparrowHost, token.accessToken) };
}

// --- steps and the table -------------------------------------------------------------------------
const results: { step: string; ok: boolean; note: string }[] = [];

async function step(name: string, run: () => Promise<string | void>): Promise<void> {
  try {
    const note = await run();
    results.push({ step: name, ok: true, note: note ?? '' });
    process.stderr.write(`✓ ${name}${note ? ` — ${note}` : ''}\n`);
  } catch (error) {
    const note = error instanceof Error ? error.message : String(error);
    results.push({ step: name, ok: false, note });
    process.stderr.write(`✗ ${name} — ${note}\n`);
  }
}

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() - started > WAIT_MS)
      throw new Error(`not seen within ${WAIT_MS} ms: ${what}${lastError ? ` (${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const text = (status: Json) =>
  String(status.content ?? '')
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const run = randomUUID().slice(0, 6);
const peer = client(peerHost, values['peer-token']);
const ada = await sparrowUser('ada');
const grace = await sparrowUser('grace', true);
const peerMe = await peer<Json>('GET', '/api/v1/accounts/verify_credentials');
const peerHandle = `${String(peerMe.username)}@${peerHost}`;

async function resolveOn(call: ReturnType<typeof client>, handle: string): Promise<Json> {
  const found = await call<{ accounts: Json[] }>(
    'GET',
    `/api/v2/search?type=accounts&resolve=true&q=${encodeURIComponent(`@${handle}`)}`,
  );
  const account = found.accounts.find((a) => String(a.acct).toLowerCase() === handle.toLowerCase());
  if (!account) throw new Error(`search found ${found.accounts.map((a) => a.acct).join(', ') || 'nothing'}`);
  return account;
}
async function relationship(call: ReturnType<typeof client>, id: string): Promise<Json> {
  const [rel] = await call<Json[]>('GET', `/api/v1/accounts/relationships?id[]=${encodeURIComponent(id)}`);
  return rel ?? {};
}
async function inHome(call: ReturnType<typeof client>, needle: string): Promise<Json | undefined> {
  const home = await call<Json[]>('GET', '/api/v1/timelines/home?limit=40');
  return home.find((s) => text(s).includes(needle));
}
async function notified(
  call: ReturnType<typeof client>,
  type: string,
  statusNeedle?: string,
): Promise<Json | undefined> {
  const list = await call<Json[]>('GET', '/api/v1/notifications?limit=40');
  return list.find(
    (n) =>
      n.type === type &&
      (!statusNeedle || (n.status !== null && n.status !== undefined && text(n.status as Json).includes(statusNeedle))),
  );
}

let adaOnPeer: Json = {};
let graceOnPeer: Json = {};
let peerOnSparrow: Json = {};

function profileForm(name: string, note: string, rgb: [number, number, number]): FormData {
  const form = new FormData();
  form.set('display_name', name);
  form.set('note', note);
  form.set('avatar', new Blob([solidPng(64, 64, rgb)], { type: 'image/png' }), 'avatar.png');
  return form;
}
function sameProfile(seen: Json, name: string, note: string): string[] {
  const wrong: string[] = [];
  if (seen.display_name !== name) wrong.push(`name ${JSON.stringify(seen.display_name)}`);
  if (!text({ content: seen.note }).includes(note)) wrong.push(`bio ${JSON.stringify(seen.note)}`);
  if (!seen.avatar || /missing/.test(String(seen.avatar))) wrong.push(`avatar ${String(seen.avatar)}`);
  return wrong;
}
// Profiles are set before either side first sees the other, so each side's first fetch of the
// actor carries them (later changes need Update(Person), checked further down).
await ada.call(
  'PATCH',
  '/api/v1/accounts/update_credentials',
  profileForm('Ada Lovelace', `Ada's bio on Sparrow ${run}`, [40, 120, 200]),
);
await peer(
  'PATCH',
  '/api/v1/accounts/update_credentials',
  profileForm(`Peer person`, `Bio on ${peerHost} ${run}`, [200, 120, 40]),
);

await step(`Sparrow finds @${peerHandle} (search, resolve=true)`, async () => {
  peerOnSparrow = await resolveOn(ada.call, peerHandle);
  return `display name "${String(peerOnSparrow.display_name)}"`;
});
await step(`${peerHost} profile (name, bio, avatar) as Sparrow shows it`, async () => {
  const wrong = sameProfile(
    await ada.call<Json>('GET', `/api/v1/accounts/${peerOnSparrow.id}`),
    'Peer person',
    `Bio on ${peerHost} ${run}`,
  );
  if (wrong.length > 0) throw new Error(wrong.join('; '));
});
await step(`Sparrow follows ${peerHost}`, async () => {
  await ada.call('POST', `/api/v1/accounts/${peerOnSparrow.id}/follow`);
  await eventually('following', async () => (await relationship(ada.call, peerOnSparrow.id!)).following === true);
  return 'Accept came back';
});
await step(`${peerHost} finds @ada@${sparrowHost}`, async () => {
  adaOnPeer = await resolveOn(peer, `ada@${sparrowHost}`);
  return `display name "${String(adaOnPeer.display_name)}"`;
});
await step(`Sparrow profile (name, bio, avatar) as ${peerHost} shows it`, async () => {
  const wrong = sameProfile(
    await peer<Json>('GET', `/api/v1/accounts/${adaOnPeer.id}`),
    'Ada Lovelace',
    `Ada's bio on Sparrow ${run}`,
  );
  if (wrong.length > 0) throw new Error(wrong.join('; '));
});
await step(`${peerHost} follows Sparrow (open account)`, async () => {
  await peer('POST', `/api/v1/accounts/${adaOnPeer.id}/follow`);
  await eventually('following', async () => (await relationship(peer, adaOnPeer.id!)).following === true);
  await eventually('followed by on Sparrow', async () => (await relationship(ada.call, peerOnSparrow.id!)).followed_by);
});
await step(`${peerHost} follows a locked Sparrow account: request, accept`, async () => {
  graceOnPeer = await resolveOn(peer, `grace@${sparrowHost}`);
  if (graceOnPeer.locked !== true) throw new Error('the peer does not see grace as locked');
  await peer('POST', `/api/v1/accounts/${graceOnPeer.id}/follow`);
  const request = await eventually('the follow request on Sparrow', async () =>
    (await grace.call<Json[]>('GET', '/api/v1/follow_requests')).find((a) => a.acct === peerHandle),
  );
  if ((await relationship(peer, graceOnPeer.id!)).requested !== true)
    throw new Error('the peer does not show "requested"');
  await grace.call('POST', `/api/v1/follow_requests/${request.id}/authorize`);
  await eventually(
    'following after Accept',
    async () => (await relationship(peer, graceOnPeer.id!)).following === true,
  );
});

const fromSparrow = `Hello from Sparrow ${run}`;
const fromPeer = `Hello from ${peerHost} ${run}`;
let sparrowPost: Json = {};
let peerPost: Json = {};
let sparrowPostOnPeer: Json = {};
let peerPostOnSparrow: Json = {};
await step('Sparrow post reaches the peer home timeline', async () => {
  sparrowPost = await ada.call('POST', '/api/v1/statuses', {
    status: `${fromSparrow} #sparrowlab`,
    visibility: 'public',
  });
  sparrowPostOnPeer = await eventually('in home', () => inHome(peer, fromSparrow));
  return `content ${JSON.stringify(String(sparrowPostOnPeer.content).slice(0, 120))}`;
});
await step('peer post reaches the Sparrow home timeline', async () => {
  peerPost = await peer('POST', '/api/v1/statuses', { status: fromPeer, visibility: 'public' });
  peerPostOnSparrow = await eventually('in home', () => inHome(ada.call, fromPeer));
  return `content ${JSON.stringify(String(peerPostOnSparrow.content).slice(0, 120))}`;
});
await step('Sparrow replies to the peer post (threaded, mention notified)', async () => {
  const reply = `@${peerHandle} a reply from Sparrow ${run}`;
  await ada.call('POST', '/api/v1/statuses', { status: reply, in_reply_to_id: peerPostOnSparrow.id });
  const n = await eventually('mention on peer', () => notified(peer, 'mention', 'a reply from Sparrow'));
  const status = n.status as Json;
  if (status.in_reply_to_id !== peerPost.id)
    throw new Error(`in_reply_to_id ${String(status.in_reply_to_id)}, expected ${peerPost.id}`);
});
await step('peer replies to the Sparrow post (threaded, mention notified)', async () => {
  await peer('POST', '/api/v1/statuses', {
    status: `@ada@${sparrowHost} a reply from ${peerHost} ${run}`,
    in_reply_to_id: sparrowPostOnPeer.id,
  });
  const n = await eventually('mention on Sparrow', () => notified(ada.call, 'mention', `a reply from ${peerHost}`));
  const status = n.status as Json;
  if (status.in_reply_to_id !== sparrowPost.id)
    throw new Error(`in_reply_to_id ${String(status.in_reply_to_id)}, expected ${sparrowPost.id}`);
});
await step('Sparrow likes and boosts the peer post (notified there)', async () => {
  await ada.call('POST', `/api/v1/statuses/${peerPostOnSparrow.id}/favourite`);
  await ada.call('POST', `/api/v1/statuses/${peerPostOnSparrow.id}/reblog`);
  await eventually('favourite on peer', () => notified(peer, 'favourite', fromPeer));
  await eventually('reblog on peer', () => notified(peer, 'reblog', fromPeer));
  const counts = await peer<Json>('GET', `/api/v1/statuses/${peerPost.id}`);
  return `counts there: ${String(counts.favourites_count)} like, ${String(counts.reblogs_count)} boost`;
});
await step('peer likes and boosts the Sparrow post (notified here)', async () => {
  await peer('POST', `/api/v1/statuses/${sparrowPostOnPeer.id}/favourite`);
  await peer('POST', `/api/v1/statuses/${sparrowPostOnPeer.id}/reblog`);
  await eventually('favourite on Sparrow', () => notified(ada.call, 'favourite', fromSparrow));
  await eventually('reblog on Sparrow', () => notified(ada.call, 'reblog', fromSparrow));
  const counts = await ada.call<Json>('GET', `/api/v1/statuses/${sparrowPost.id}`);
  return `counts here: ${String(counts.favourites_count)} like, ${String(counts.reblogs_count)} boost`;
});
await step('Sparrow undoes its like and boost', async () => {
  await ada.call('POST', `/api/v1/statuses/${peerPostOnSparrow.id}/unfavourite`);
  await ada.call('POST', `/api/v1/statuses/${peerPostOnSparrow.id}/unreblog`);
  await eventually('counts back to 0', async () => {
    const s = await peer<Json>('GET', `/api/v1/statuses/${peerPost.id}`);
    return s.favourites_count === 0 && s.reblogs_count === 0;
  });
});
await step('peer undoes its like and boost', async () => {
  await peer('POST', `/api/v1/statuses/${sparrowPostOnPeer.id}/unfavourite`);
  await peer('POST', `/api/v1/statuses/${sparrowPostOnPeer.id}/unreblog`);
  await eventually('counts back to 0', async () => {
    const s = await ada.call<Json>('GET', `/api/v1/statuses/${sparrowPost.id}`);
    return s.favourites_count === 0 && s.reblogs_count === 0;
  });
});
await step('a Sparrow hashtag is indexed by the peer (tag timeline there)', async () => {
  await eventually('the post in #sparrowlab on the peer', async () =>
    (await peer<Json[]>('GET', '/api/v1/timelines/tag/sparrowlab')).find((s) => text(s).includes(fromSparrow)),
  );
});
await step('a peer hashtag is indexed by Sparrow (tag timeline here)', async () => {
  const tagged = `Tagged on ${peerHost} ${run} #peerlab${run}`;
  await peer('POST', '/api/v1/statuses', { status: tagged, visibility: 'public' });
  await eventually('in home', () => inHome(ada.call, tagged));
  await eventually(`the post in #peerlab${run} here`, async () =>
    (await ada.call<Json[]>('GET', `/api/v1/timelines/tag/peerlab${run}`)).find((s) => text(s).includes(tagged)),
  );
});
await step('followers-only posts both ways (private visibility kept)', async () => {
  const mine = `Followers only from Sparrow ${run}`;
  const theirs = `Followers only from ${peerHost} ${run}`;
  await ada.call('POST', '/api/v1/statuses', { status: mine, visibility: 'private' });
  await peer('POST', '/api/v1/statuses', { status: theirs, visibility: 'private' });
  const there = await eventually('on the peer', () => inHome(peer, mine));
  const here = await eventually('on Sparrow', () => inHome(ada.call, theirs));
  if (there.visibility !== 'private' || here.visibility !== 'private')
    throw new Error(`visibility there ${String(there.visibility)}, here ${String(here.visibility)}`);
});
await step('direct messages both ways (mention notified, direct visibility kept)', async () => {
  const mine = `@${peerHandle} a direct word from Sparrow ${run}`;
  const theirs = `@ada@${sparrowHost} a direct word from ${peerHost} ${run}`;
  await ada.call('POST', '/api/v1/statuses', { status: mine, visibility: 'direct' });
  await peer('POST', '/api/v1/statuses', { status: theirs, visibility: 'direct' });
  const there = await eventually('mention on the peer', () => notified(peer, 'mention', 'a direct word from Sparrow'));
  const here = await eventually('mention on Sparrow', () =>
    notified(ada.call, 'mention', `a direct word from ${peerHost}`),
  );
  const v = [(there.status as Json).visibility, (here.status as Json).visibility];
  if (v[0] !== 'direct' || v[1] !== 'direct') throw new Error(`visibility there ${String(v[0])}, here ${String(v[1])}`);
});
await step('Sparrow edits its post (Update seen by the peer)', async () => {
  await ada.call('PUT', `/api/v1/statuses/${sparrowPost.id}`, { status: `${fromSparrow} (edited)` });
  await eventually('edited text on peer', async () =>
    text(await peer<Json>('GET', `/api/v1/statuses/${sparrowPostOnPeer.id}`)).includes('(edited)'),
  );
});
await step('peer edits its post (Update seen by Sparrow)', async () => {
  await peer('PUT', `/api/v1/statuses/${peerPost.id}`, { status: `${fromPeer} (edited)` });
  await eventually('edited text on Sparrow', async () =>
    text(await ada.call<Json>('GET', `/api/v1/statuses/${peerPostOnSparrow.id}`)).includes('(edited)'),
  );
});
await step('Sparrow profile update (Update(Person)) seen by the peer', async () => {
  await ada.call(
    'PATCH',
    '/api/v1/accounts/update_credentials',
    profileForm(`Ada ${run}`, `Bio written on Sparrow ${run}`, [200, 80, 40]),
  );
  const seen = await eventually('new name on peer', async () => {
    const a = await peer<Json>('GET', `/api/v1/accounts/${adaOnPeer.id}`);
    return a.display_name === `Ada ${run}` && a;
  });
  if (!text({ content: seen.note }).includes(`Bio written on Sparrow ${run}`))
    throw new Error(`bio on peer: ${String(seen.note)}`);
  return `avatar there ${String(seen.avatar)}`;
});
await step('peer profile update (Update(Person)) seen by Sparrow', async () => {
  await peer(
    'PATCH',
    '/api/v1/accounts/update_credentials',
    profileForm(`Peer ${run}`, `Bio written on ${peerHost} ${run}`, [80, 200, 40]),
  );
  await eventually('new name on Sparrow', async () => {
    const a = await ada.call<Json>('GET', `/api/v1/accounts/${peerOnSparrow.id}`);
    return a.display_name === `Peer ${run}`;
  });
});
await step('a text message (SMS) post on Sparrow reaches the peer', async () => {
  const phone = `+2547${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  await ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('lab'), reason: 'federation lab' },
  );
  await ada.call('POST', '/api/v1/sparrow/phone', { number: phone });
  const code = await eventually('the code on the simulated phone', async () => {
    const inbox = await ada.call<{ text: string }[]>(
      'GET',
      `/api/v1/sparrow/dev/sms?number=${encodeURIComponent(phone)}`,
    );
    return inbox.map((m) => /code is (\d{6})/.exec(m.text)?.[1]).find(Boolean);
  });
  await ada.call('POST', '/api/v1/sparrow/phone/verify', { code });
  await ada.call('PATCH', '/api/v1/sparrow/sms_settings', { posting: true });
  const sms = `Texted from a phone ${run}`;
  const sent = await ada.call<Json>('POST', '/api/v1/sparrow/dev/sms', { from: phone, text: sms });
  if (!sent.post_id) throw new Error(`the text made no post: ${JSON.stringify(sent)}`);
  await eventually('the texted post in the peer home', () => inHome(peer, sms));
});
await step('Sparrow deletes its post (gone on the peer)', async () => {
  await ada.call('DELETE', `/api/v1/statuses/${sparrowPost.id}`);
  await eventually('404 on peer', async () => {
    try {
      await peer('GET', `/api/v1/statuses/${sparrowPostOnPeer.id}`);
      return false;
    } catch (error) {
      return error instanceof ApiError && / → 404 /.test(error.message);
    }
  });
});
await step('peer deletes its post (gone on Sparrow)', async () => {
  await peer('DELETE', `/api/v1/statuses/${peerPost.id}`);
  await eventually('404 on Sparrow', async () => {
    try {
      await ada.call('GET', `/api/v1/statuses/${peerPostOnSparrow.id}`);
      return false;
    } catch (error) {
      return error instanceof ApiError && / → 404 /.test(error.message);
    }
  });
});
await step('Sparrow unfollows the peer', async () => {
  await ada.call('POST', `/api/v1/accounts/${peerOnSparrow.id}/unfollow`);
  await eventually(
    'not followed by on peer',
    async () => (await relationship(peer, adaOnPeer.id!)).followed_by === false,
  );
});
await step('peer unfollows Sparrow', async () => {
  await peer('POST', `/api/v1/accounts/${adaOnPeer.id}/unfollow`);
  await peer('POST', `/api/v1/accounts/${graceOnPeer.id}/unfollow`);
  await eventually(
    'not followed by on Sparrow',
    async () => (await relationship(ada.call, peerOnSparrow.id!)).followed_by === false,
  );
});

// --- the table -------------------------------------------------------------------------------------
const table = [
  '| step | result | notes |',
  '| --- | --- | --- |',
  ...results.map((r) => `| ${r.step} | ${r.ok ? '✓' : '✗'} | ${r.note.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`),
].join('\n');
process.stdout.write(`${table}\n`);
writeFileSync(join(dataDir, 'results.md'), `${table}\n`);
process.stderr.write(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length} failed\n`);

await background.stop();
await new Promise<void>((done) => front.close(() => done()));
await sparrow.close();
await ctx.close();

function makeCertificates(dir: string, hosts: string[]): void {
  mkdirSync(dir, { recursive: true });
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  if (!existsSync(join(dir, 'ca.pem'))) {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '7',
      '-subj',
      '/CN=Sparrow federation lab CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      join(dir, 'ca-key.pem'),
      '-out',
      join(dir, 'ca.pem'),
    ]);
  }
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${hosts[0]}`,
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'req.csr'),
  ]);
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    join(dir, 'req.csr'),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca-key.pem'),
    '-CAcreateserial',
    '-days',
    '7',
    '-extfile',
    join(dir, 'ext.cnf'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
}
