import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from '../../src/shared/field-limits.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

type User = Awaited<ReturnType<ApiHarness['user']>>;

/**
 * Request validation by schema: the same parameters arrive as JSON, form fields, multipart or
 * query strings, and every failure is a 422 that names the field.
 */
describe.each(ENGINES)('request validation by schema on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let alice: User;

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name);
    alice = await h.user('alice');
  });
  afterAll(async () => h?.close());

  const form = (fields: [string, string][]) => ({
    'content-type': 'application/x-www-form-urlencoded',
    payload: new URLSearchParams(fields).toString(),
  });

  it.skipIf(skip)('reads form booleans and key[] arrays as JSON types', async () => {
    const { payload, ...headers } = form([
      ['status', 'a form post'],
      ['sensitive', '1'],
      ['spoiler_text', 'cw'],
    ]);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: { ...alice.auth, ...headers },
      payload,
    });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ sensitive: true, spoiler_text: 'cw' });

    const profile = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/accounts/update_credentials',
      headers: { ...alice.auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'locked=true&bot=0',
    });
    expect(profile.json()).toMatchObject({ locked: true, bot: false });

    const related = await h.app.inject({
      method: 'GET',
      url: `/api/v1/accounts/relationships?id[]=${alice.id}&id[]=nonsense`,
      headers: alice.auth,
    });
    expect(related.statusCode).toBe(200);
    expect(related.json()).toHaveLength(1);
  });

  it.skipIf(skip)('answers 422 naming the field, with the limit from the one table', async () => {
    const refuse = async (request: InjectOptions, message: string) => {
      const res = await h.app.inject(request);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toBe(message);
    };
    const url = '/api/v1/statuses';
    const headers = alice.auth;
    await refuse(
      { method: 'POST', url, headers, payload: { status: 'x', sensitive: 'maybe' } },
      'sensitive must be true or false',
    );
    await refuse(
      { method: 'POST', url, headers, payload: { status: 'x', visibility: 'friends' } },
      'visibility must be one of public, unlisted, private, direct',
    );
    await refuse(
      { method: 'POST', url, headers, payload: { status: 'x', in_reply_to_id: 'abc' } },
      'in_reply_to_id is not a valid id',
    );
    await refuse({ method: 'POST', url, headers, payload: { status: ['x'] } }, 'status must be a string');
    await refuse(
      {
        method: 'PATCH',
        url: '/api/v1/accounts/update_credentials',
        headers,
        payload: { note: 'n'.repeat(FIELD_LIMITS.note + 1) },
      },
      `note is too long (at most ${FIELD_LIMITS.note} characters)`,
    );
    await refuse(
      { method: 'GET', url: '/api/v1/timelines/home?limit=many', headers },
      'limit must be a positive number',
    );
    await refuse({ method: 'GET', url: '/api/v1/accounts/lookup', headers }, 'acct is required');
    await refuse(
      { method: 'POST', url: '/api/v1/apps', payload: { client_name: '', redirect_uris: 'https://a.example/cb' } },
      'client_name is required',
    );
    const client = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        payload: { client_name: 'Validator', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read' },
      })
    ).json();
    const appToken = (
      await h.app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret },
      })
    ).json().access_token;
    await refuse(
      {
        method: 'POST',
        url: '/api/v1/sparrow/auth/sign_in/verify',
        headers: { authorization: `Bearer ${appToken}` },
        payload: { flow_id: 'f'.repeat(30), method: 'telepathy' },
      },
      'method must be one of login_code, passkey, totp, recovery_code, sms, password',
    );
  });

  it.skipIf(skip)('still checks the token first: no token is 401, whatever the parameters', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/statuses', payload: { sensitive: 'maybe' } });
    expect(res.statusCode).toBe(401);
  });
});
