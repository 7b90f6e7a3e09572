import { createHash, randomBytes } from 'node:crypto';
import { createOAuthAPIClient, createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Plays the browser part of the OAuth flow: sign in on the consent page and catch the redirect. */
async function authorize(
  server: RunningServer,
  clientId: string,
  login: string,
  password: string,
  challenge: string,
): Promise<string> {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'read write follow',
    state: 'xyz',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const page = await fetch(`${server.url}/oauth/authorize?${query}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Sign in to authorize');
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(
      match[1]!,
      match[2]!
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>'),
    );
  }
  form.set('login', login);
  form.set('password', password);
  form.set('decision', 'approve');
  const approved = await fetch(`${server.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  expect(approved.status).toBe(302);
  const location = new URL(approved.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(REDIRECT_URI);
  expect(location.searchParams.get('state')).toBe('xyz');
  return location.searchParams.get('code')!;
}

async function collect<T>(paginator: AsyncIterable<T[]>, maxPages = 20): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of paginator) {
    pages.push(page);
    if (pages.length >= maxPages) break;
  }
  return pages;
}

describe.each(ENGINES)('masto.js drives Sparrow end to end on $label', ({ name, skip }) => {
  let server: RunningServer;
  let client: mastodon.rest.Client;
  let friendClient: mastodon.rest.Client;
  let friendId: string;

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
    await server.ctx.identity.register({
      username: 'ada',
      email: 'ada@example.org',
      password: 'correct horse battery',
    });
    const friend = await server.ctx.identity.register({
      username: 'grace',
      email: 'grace@example.org',
      password: 'another long password',
    });
    friendId = friend.id;
    const friendToken = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: friend.id,
      scopes: ['read', 'write', 'follow'],
    });
    friendClient = createRestAPIClient({ url: server.url, accessToken: friendToken.accessToken });
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)('registers an app, signs in through OAuth with PKCE and uses the token', async () => {
    const anonymous = createRestAPIClient({ url: server.url });
    const app = await anonymous.v1.apps.create({
      clientName: 'masto e2e',
      redirectUris: REDIRECT_URI,
      scopes: 'read write follow',
      website: 'https://example.org',
    });
    expect(app.clientId).toBeTruthy();
    expect(app.clientSecret).toBeTruthy();

    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = await authorize(server, app.clientId!, 'ada@example.org', 'correct horse battery', challenge);

    const oauth = createOAuthAPIClient({ url: server.url });
    const token = await oauth.token.create({
      grantType: 'authorization_code',
      clientId: app.clientId!,
      clientSecret: app.clientSecret!,
      redirectUri: REDIRECT_URI,
      code,
      scope: 'read write follow',
      codeVerifier: verifier,
    } as Parameters<typeof oauth.token.create>[0]);
    expect(token.accessToken).toBeTruthy();

    // The same code cannot be exchanged twice.
    await expect(
      oauth.token.create({
        grantType: 'authorization_code',
        clientId: app.clientId!,
        clientSecret: app.clientSecret!,
        redirectUri: REDIRECT_URI,
        code,
        codeVerifier: verifier,
      } as Parameters<typeof oauth.token.create>[0]),
    ).rejects.toThrow();

    client = createRestAPIClient({ url: server.url, accessToken: token.accessToken });
    const me = await client.v1.accounts.verifyCredentials();
    expect(me.username).toBe('ada');
    expect(me.source?.privacy).toBe('public');
  });

  it.skipIf(skip)('posts, follows, reads the home timeline page by page and gets notifications', async () => {
    const posted = await client.v1.statuses.create({ status: 'Hello from masto.js 👋🏽' });
    expect(posted.application?.name).toBe('masto e2e');
    expect(posted.content).toContain('Hello from masto.js');

    const relationship = await client.v1.accounts.$select(friendId).follow();
    expect(relationship.following).toBe(true);

    const friendPosts: string[] = [];
    for (let i = 0; i < 5; i++) {
      friendPosts.push((await friendClient.v1.statuses.create({ status: `grace post ${i} @ada` })).id);
    }

    const pages = await collect(client.v1.timelines.home.list({ limit: 2 }));
    const ids = pages.flat().map((s) => s.id);
    expect(pages[0]!.length).toBe(2);
    expect(ids).toEqual([...friendPosts].reverse().concat(posted.id));
    expect(new Set(ids).size).toBe(ids.length);

    const notifications = await client.v1.notifications.list({ limit: 40 });
    expect(
      notifications
        .filter((n) => n.type === 'mention')
        .map((n) => n.status?.id)
        .sort(),
    ).toEqual([...friendPosts].sort());

    const friendNotes = await friendClient.v1.notifications.list();
    expect(friendNotes.some((n) => n.type === 'follow' && n.account.username === 'ada')).toBe(true);

    await client.v1.statuses.$select(friendPosts[0]!).favourite();
    const favourited = await friendClient.v1.statuses.$select(friendPosts[0]!).fetch();
    expect(favourited.favouritesCount).toBe(1);

    // A boost's notification carries the boosted post, as Mastodon's does (issue 12).
    const boost = await client.v1.statuses.$select(friendPosts[1]!).reblog();
    const boosted = (await friendClient.v1.notifications.list({ types: ['reblog'] }))[0]!;
    expect([boosted.account.username, boosted.status?.id, boosted.status?.reblog]).toEqual([
      'ada',
      friendPosts[1],
      null,
    ]);
    expect(boosted.status?.id).not.toBe(boost.id);

    const instance = await client.v2.instance.fetch();
    expect(instance.configuration.statuses.maxCharacters).toBe(280);
  });

  it.skipIf(skip)(
    'locks an account, and a follow becomes a request the owner lists and authorizes (issue 11, finding 5)',
    async () => {
      const clientFor = async (username: string) => {
        const account = await server.ctx.microblog.createAccount({ username });
        const issued = await server.ctx.oauth.issueToken({
          appId: null,
          accountId: account.id,
          scopes: ['read', 'write', 'follow'],
        });
        return { id: account.id, rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }) };
      };
      const owner = await clientFor('hopper');
      const requesters = [await clientFor('lovelace'), await clientFor('babbage')];
      const [first, second] = requesters as [(typeof requesters)[0], (typeof requesters)[0]];
      const locked = await owner.rest.v1.accounts.updateCredentials({ locked: true });
      expect(locked.locked).toBe(true);
      const secret = await owner.rest.v1.statuses.create({ status: 'for approved eyes only', visibility: 'private' });

      for (const requester of requesters) {
        const relationship = await requester.rest.v1.accounts.$select(owner.id).follow();
        expect(relationship).toMatchObject({ following: false, requested: true });
      }
      const seenBy = async (client: mastodon.rest.Client) => [
        ...(await client.v1.accounts.$select(owner.id).statuses.list()).map((s) => s.id),
        ...(await client.v1.timelines.home.list()).map((s) => s.id),
      ];
      expect(await seenBy(first.rest)).not.toContain(secret.id);
      await expect(first.rest.v1.statuses.$select(secret.id).fetch()).rejects.toThrow();

      expect((await owner.rest.v1.accounts.verifyCredentials()).source?.followRequestsCount).toBe(2);
      const pages = await collect(owner.rest.v1.followRequests.list({ limit: 1 }));
      expect(pages.flat().map((a) => a.username)).toEqual(['babbage', 'lovelace']);
      const asks = await owner.rest.v1.notifications.list({ types: ['follow_request'] });
      expect(asks.map((n) => n.account.username).sort()).toEqual(['babbage', 'lovelace']);

      const accepted = await owner.rest.v1.followRequests.$select(first.id).authorize();
      expect(accepted).toMatchObject({ id: first.id, followedBy: true, requestedBy: false });
      const rejected = await owner.rest.v1.followRequests.$select(second.id).reject();
      expect(rejected).toMatchObject({ id: second.id, followedBy: false, requestedBy: false });

      const [relationship] = await first.rest.v1.accounts.relationships.fetch({ id: [owner.id] });
      expect(relationship).toMatchObject({ following: true, requested: false });
      expect(await seenBy(first.rest)).toEqual([secret.id, secret.id]);
      expect(await seenBy(second.rest)).not.toContain(secret.id);
      expect((await owner.rest.v1.notifications.list({ types: ['follow'] })).map((n) => n.account.username)).toEqual([
        'lovelace',
      ]);
    },
  );

  it.skipIf(skip)('rejects an oversized post with a clear error and writes nothing', async () => {
    const before = await client.v1.accounts.verifyCredentials();
    await expect(client.v1.statuses.create({ status: 'x'.repeat(281) })).rejects.toThrow(/too long/i);
    const after = await client.v1.accounts.verifyCredentials();
    expect(after.statusesCount).toBe(before.statusesCount);
  });
});
