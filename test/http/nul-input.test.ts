import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from '../api/helpers.ts';
import { ENGINES } from '../helpers/context.ts';

/**
 * U+0000 in any text a request carries is refused at the edge with a 422 (src/app/http-server.ts):
 * PostgreSQL cannot store it in text, and it once failed as a 500 wherever it reached the
 * database (a status, a display name, a search, a filter, a list). Played in JSON, form and
 * multipart bodies and in query strings, nested too; nothing is written.
 */
describe.each(ENGINES)('NUL characters in requests on $label', ({ name, skip }) => {
  let h: ApiHarness;
  beforeAll(async () => {
    if (!skip) h = await apiHarness(name);
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('are refused with 422 wherever they come, and nothing is written', async () => {
    const me = await h.user('nulsender');
    const refused = async (options: InjectOptions) => {
      const response = await h.app.inject(options);
      expect(response.statusCode, `${JSON.stringify(options).slice(0, 120)} → ${response.body}`).toBe(422);
      expect(response.json()).toEqual({ error: 'Text must not contain NUL characters' });
    };
    const auth = me.auth;
    await refused({ method: 'POST', url: '/api/v1/statuses', headers: auth, payload: { status: 'a\u0000b' } });
    await refused({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'status=a%00b',
    });
    await refused({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: { ...auth, 'content-type': 'multipart/form-data; boundary=X' },
      payload: '--X\r\nContent-Disposition: form-data; name="status"\r\n\r\na\u0000b\r\n--X--\r\n',
    });
    await refused({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: auth,
      payload: { status: 'poll', poll: { options: ['yes', 'n\u0000o'], expires_in: 3600 } },
    });
    await refused({
      method: 'PATCH',
      url: '/api/v1/accounts/update_credentials',
      headers: auth,
      payload: { display_name: 'a\u0000b' },
    });
    await refused({ method: 'GET', url: '/api/v2/search?q=a%00bc', headers: auth });
    await refused({ method: 'GET', url: '/api/v1/accounts/search?q=a%00bc', headers: auth });
    await refused({
      method: 'POST',
      url: '/api/v2/filters',
      headers: auth,
      payload: { title: 'x', context: ['home'], keywords_attributes: [{ keyword: 'a\u0000b' }] },
    });
    await refused({ method: 'POST', url: '/api/v1/lists', headers: auth, payload: { title: 'a\u0000b' } });
    await refused({ method: 'GET', url: '/api/v1/timelines/home?limit=20&max_id=1%00', headers: auth });

    const statuses = await h.app.inject({ url: `/api/v1/accounts/${me.id}/statuses`, headers: auth });
    expect(statuses.json()).toEqual([]);
    const account = await h.app.inject({ url: '/api/v1/accounts/verify_credentials', headers: auth });
    expect(account.json().display_name).not.toContain('\u0000');
    // Other control characters and ordinary text are still fine.
    const ok = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: auth,
      payload: { status: 'tab\there, newline\nthere ✓' },
    });
    expect(ok.statusCode).toBe(200);
  });
});
