import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

const REDIRECT = 'https://client.example/callback';

describe.each(ENGINES)('OAuth on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name);
    await h.ctx.identity.register({ username: 'owner', email: 'owner@example.org', password: 'a fine long password' });
    client = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        payload: { client_name: 'Client', redirect_uris: REDIRECT, scopes: 'read write' },
      })
    ).json();
  });
  afterAll(async () => h?.close());

  const form = (fields: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

  async function approve(extra: Record<string, string> = {}, password = 'a fine long password') {
    return h.app.inject({
      method: 'POST',
      url: '/oauth/authorize',
      ...form({
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'read',
        login: 'owner@example.org',
        password,
        decision: 'approve',
        ...extra,
      }),
    });
  }
  const codeFrom = (res: { headers: Record<string, unknown> }) =>
    new URL(String(res.headers.location)).searchParams.get('code')!;
  const token = (fields: Record<string, string>) =>
    h.app.inject({ method: 'POST', url: '/oauth/token', ...form(fields) });

  it.skipIf(skip)('validates app registration', async () => {
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/apps', payload: { redirect_uris: REDIRECT } })).statusCode,
    ).toBe(422);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/apps',
          payload: { client_name: 'x', redirect_uris: 'not a uri' },
        })
      ).statusCode,
    ).toBe(422);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/apps',
          payload: { client_name: 'x', redirect_uris: REDIRECT, scopes: 'read godmode' },
        })
      ).statusCode,
    ).toBe(422);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/apps',
          payload: { client_name: 'x', redirect_uris: 'javascript:alert(1)' },
        })
      ).statusCode,
    ).toBe(422);
  });

  it.skipIf(skip)('shows the consent page only for a registered client and redirect URI', async () => {
    const ok = await h.app.inject({
      method: 'GET',
      url: `/oauth/authorize?client_id=${client.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=read`,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/oauth/authorize?client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT)}`,
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/oauth/authorize?client_id=${client.client_id}&redirect_uri=${encodeURIComponent('https://evil.example/')}`,
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/oauth/authorize?client_id=${client.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=follow`,
        })
      ).statusCode,
    ).toBe(400);
  });

  it.skipIf(skip)('gives no code for a wrong password, and the same answer for an unknown login', async () => {
    const wrong = await approve({}, 'wrong password!!');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers.location).toBeUndefined();
    const unknown = await h.app.inject({
      method: 'POST',
      url: '/oauth/authorize',
      ...form({
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        scope: 'read',
        login: 'nobody@example.org',
        password: 'whatever pass',
        decision: 'approve',
      }),
    });
    expect(unknown.statusCode).toBe(401);
    // Each page carries its own anti-forgery token (the language switcher's form); nothing else may differ.
    const same = (body: string, login: string) => body.replace(login, '').replace(/name="_csrf" value="[^"]*"/g, '');
    expect(same(unknown.body, 'nobody@example.org')).toBe(same(wrong.body, 'owner@example.org'));
  });

  it.skipIf(skip)('redirects with access_denied when the user denies', async () => {
    const denied = await approve({ decision: 'deny', state: 's1' });
    expect(denied.statusCode).toBe(302);
    const location = new URL(String(denied.headers.location));
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('code')).toBeNull();
    expect(location.searchParams.get('state')).toBe('s1');
  });

  it.skipIf(skip)('exchanges a code once, with the client secret', async () => {
    const code = codeFrom(await approve());
    const wrongSecret = await token({
      grant_type: 'authorization_code',
      code,
      client_id: client.client_id,
      client_secret: 'wrong',
      redirect_uri: REDIRECT,
    });
    expect(wrongSecret.statusCode).toBe(401);
    expect(wrongSecret.json().error).toBe('invalid_client');
    // The failed attempt spent the code: codes are single-use whatever happens.
    const retry = await token({
      grant_type: 'authorization_code',
      code,
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uri: REDIRECT,
    });
    expect(retry.statusCode).toBe(400);
    expect(retry.json().error).toBe('invalid_grant');

    const fresh = codeFrom(await approve());
    const wrongRedirect = await token({
      grant_type: 'authorization_code',
      code: fresh,
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uri: 'https://client.example/other',
    });
    expect(wrongRedirect.json().error).toBe('invalid_grant');

    const good = codeFrom(await approve());
    const issued = await token({
      grant_type: 'authorization_code',
      code: good,
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uri: REDIRECT,
    });
    expect(issued.statusCode).toBe(200);
    expect(issued.json()).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect(issued.headers['cache-control']).toBe('no-store');
    const replay = await token({
      grant_type: 'authorization_code',
      code: good,
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uri: REDIRECT,
    });
    expect(replay.json().error).toBe('invalid_grant');
  });

  it.skipIf(skip)('requires the matching PKCE verifier', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const plain = await approve({ code_challenge: challenge, code_challenge_method: 'plain' });
    expect(plain.statusCode).toBe(400);
    const code = codeFrom(await approve({ code_challenge: challenge, code_challenge_method: 'S256' }));
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      code_verifier: randomBytes(32).toString('base64url'),
    });
    expect(wrong.json().error).toBe('invalid_grant');
    const code2 = codeFrom(await approve({ code_challenge: challenge, code_challenge_method: 'S256' }));
    const right = await token({
      grant_type: 'authorization_code',
      code: code2,
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(right.statusCode).toBe(200);
    const me = await h.app.inject({
      method: 'GET',
      url: '/api/v1/accounts/verify_credentials',
      headers: { authorization: `Bearer ${right.json().access_token}` },
    });
    expect(me.json().username).toBe('owner');
  });

  it.skipIf(skip)('issues app-only tokens by client credentials that cannot act as a user', async () => {
    const res = await token({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      scope: 'read',
    });
    expect(res.statusCode).toBe(200);
    const auth = { authorization: `Bearer ${res.json().access_token}` };
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/v1/apps/verify_credentials', headers: auth })).json().name,
    ).toBe('Client');
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/v1/accounts/verify_credentials', headers: auth })).statusCode,
    ).toBe(401);
    const basic = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      payload: 'grant_type=client_credentials',
    });
    expect(basic.statusCode).toBe(200);
    expect(
      (
        await token({
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: client.client_secret,
          scope: 'admin:write',
        })
      ).json().error,
    ).toBe('invalid_scope');
    expect(
      (await token({ grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret })).json()
        .error,
    ).toBe('unsupported_grant_type');
  });

  it.skipIf(skip)('revokes tokens, but only for the client that owns them', async () => {
    const issued = (
      await token({
        grant_type: 'authorization_code',
        code: codeFrom(await approve()),
        client_id: client.client_id,
        client_secret: client.client_secret,
        redirect_uri: REDIRECT,
      })
    ).json();
    const auth = { authorization: `Bearer ${issued.access_token}` };
    const other = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        payload: { client_name: 'Other', redirect_uris: REDIRECT },
      })
    ).json();
    await h.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      ...form({ client_id: other.client_id, client_secret: other.client_secret, token: issued.access_token }),
    });
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/v1/accounts/verify_credentials', headers: auth })).statusCode,
    ).toBe(200);
    const revoked = await h.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      ...form({ client_id: client.client_id, client_secret: client.client_secret, token: issued.access_token }),
    });
    expect(revoked.statusCode).toBe(200);
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/v1/accounts/verify_credentials', headers: auth })).statusCode,
    ).toBe(401);
  });
});
