import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from '../../src/shared/field-limits.ts';
import { ENGINES } from '../helpers/context.ts';
import { securityHarness, type Person, type SecurityHarness } from '../security/helpers.ts';
import type { SmsUser } from '../sms/helpers.ts';
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

/**
 * The Sparrow routes (SMS, security, moderation, privacy, the phone simulator) through the same
 * schema layer: wrong types and over-long values are 422s naming the field, with the limit from
 * the one table; extra fields are ignored except on settings, where a misspelt switch is refused;
 * form spellings of booleans work; and authentication still comes first.
 */
describe.each(ENGINES)('request validation on the Sparrow routes on $label', ({ name, skip }) => {
  let h: SecurityHarness;
  let owner: Person;
  let moderator: SmsUser;
  let admin: SmsUser;
  const KE = '+254712000101';

  beforeAll(async () => {
    if (skip) return;
    h = await securityHarness(name);
    await h.enableCountry('KE');
    owner = await h.person('owner', { phone: KE });
    moderator = await h.user('moderator', 'read write admin:read admin:write');
    admin = await h.user('administrator', 'read write admin:read admin:write');
    await h.ctx.store.db.updateTable('accounts').set({ role: 'moderator' }).where('id', '=', moderator.id).execute();
    await h.ctx.store.db.updateTable('accounts').set({ role: 'admin' }).where('id', '=', admin.id).execute();
  });
  afterAll(async () => h?.close());

  type Request = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: object | string };
  const send = (who: { auth: Record<string, string> } | null, request: Request, headers: Record<string, string> = {}) =>
    h.app.inject({ ...request, headers: { ...(who?.auth ?? {}), ...headers } });
  const form = (who: { auth: Record<string, string> }, method: Request['method'], url: string, fields: string) =>
    send(who, { method, url, payload: fields }, { 'content-type': 'application/x-www-form-urlencoded' });
  const refuses = async (who: { auth: Record<string, string> } | null, request: Request, message: string) => {
    const res = await send(who, request);
    expect(res.statusCode, `${request.method} ${request.url} ${JSON.stringify(request.payload)}`).toBe(422);
    expect(res.json().error).toBe(message);
  };
  const tooLong = (field: keyof typeof FIELD_LIMITS, name: string = field) =>
    `${name} is too long (at most ${FIELD_LIMITS[field]} characters)`;
  const over = (field: keyof typeof FIELD_LIMITS) => '9'.repeat(FIELD_LIMITS[field] + 1);

  it.skipIf(skip)('the owner SMS routes: wrong types, over-long fields, misspelt settings', async () => {
    const settings = '/api/v1/sparrow/sms_settings';
    await refuses(
      owner,
      { method: 'PATCH', url: settings, payload: { posting: 'maybe' } },
      'posting must be true or false',
    );
    await refuses(
      owner,
      { method: 'PATCH', url: settings, payload: { posting: [true] } },
      'posting must be true or false',
    );
    await refuses(
      owner,
      { method: 'PATCH', url: settings, payload: { pin: ['583920'] } },
      'pin must be a string (or null)',
    );
    await refuses(owner, { method: 'PATCH', url: settings, payload: { pin: over('pin') } }, tooLong('pin'));
    // A misspelt switch would look accepted and leave SMS posting as it was: refused, nothing changed.
    await refuses(
      owner,
      { method: 'PATCH', url: settings, payload: { sms_posting: true } },
      'sms_posting is not a known field',
    );
    expect((await send(owner, { method: 'GET', url: settings })).json()).toMatchObject({ posting: false });

    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/phone', payload: { number: [KE] } },
      'number must be a string',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/phone', payload: { number: over('number') } },
      tooLong('number'),
    );
    await refuses(owner, { method: 'POST', url: '/api/v1/sparrow/phone', payload: {} }, 'number is required');
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/phone/verify', payload: { code: { value: '123456' } } },
      'code must be a string',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/phone/verify', payload: { code: over('code') } },
      tooLong('code'),
    );
    await refuses(
      owner,
      { method: 'GET', url: '/api/v1/sparrow/sms_holds?status=kept' },
      'status must be one of pending, released, discarded, all',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/sms_settings/unlock', payload: { password: ['a', 'b'] } },
      'password must be a string',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/sms_settings/unlock', payload: { password: over('password') } },
      tooLong('password'),
    );
  });

  it.skipIf(skip)('the owner SMS routes: form booleans, null PIN, harmless extras ignored', async () => {
    const settings = '/api/v1/sparrow/sms_settings';
    const on = await form(owner, 'PATCH', settings, 'posting=on&notifications=0&pin=583920');
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ posting: true, notifications: false, pin: null, pin_set: true });
    const off = await form(owner, 'PATCH', settings, 'posting=false&notifications=1');
    expect(off.json()).toMatchObject({ posting: false, notifications: true });
    // JSON null is "remove my PIN" (allowed for an ordinary user), not "leave it".
    const cleared = await send(owner, { method: 'PATCH', url: settings, payload: { pin: null } });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ pin_set: false });

    const holds = await send(owner, { method: 'GET', url: '/api/v1/sparrow/sms_holds?status=all&view=compact' });
    expect(holds.statusCode).toBe(200);
    const requested = await send(owner, {
      method: 'POST',
      url: '/api/v1/sparrow/phone',
      payload: { number: '+254712000102', locale: 'sw', client: { name: 'app' } },
    });
    expect(requested.statusCode).toBe(202);
  });

  it.skipIf(skip)('the security routes: wrong types, over-long fields, misspelt settings, form booleans', async () => {
    const security = '/api/v1/sparrow/security';
    await refuses(
      owner,
      { method: 'PATCH', url: security, payload: { password: owner.password, sms_two_factor: 'maybe' } },
      'sms_two_factor must be true or false',
    );
    await refuses(
      owner,
      { method: 'PATCH', url: security, payload: { password: owner.password, sms_2fa: true } },
      'sms_2fa is not a known field',
    );
    expect((await send(owner, { method: 'GET', url: security })).json()).toMatchObject({ sms_two_factor: false });
    const viaForm = await form(
      owner,
      'PATCH',
      security,
      new URLSearchParams({ password: owner.password, sms_two_factor: '1', require_strong_factor: 'off' }).toString(),
    );
    expect(viaForm.statusCode).toBe(200);
    expect(viaForm.json()).toMatchObject({ sms_two_factor: true, require_strong_factor: false });

    const password = '/api/v1/sparrow/security/password';
    await refuses(
      owner,
      { method: 'POST', url: password, payload: { current_password: owner.password, new_password: ['a', 'b'] } },
      'new_password must be a string',
    );
    await refuses(
      owner,
      { method: 'POST', url: password, payload: { current_password: over('password'), new_password: 'x' } },
      tooLong('password', 'current_password'),
    );
    await refuses(
      owner,
      { method: 'POST', url: password, payload: { current_password: owner.password } },
      'new_password is required',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/security/totp/confirm', payload: { code: over('code') } },
      tooLong('code'),
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/security/totp', payload: { password: { text: owner.password } } },
      'password must be a string',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/security/passkeys', payload: { credential: 'a passkey', name: 'Phone' } },
      'credential must be an object',
    );
    await refuses(
      owner,
      { method: 'POST', url: '/api/v1/sparrow/security/passkeys', payload: { credential: {}, name: over('name') } },
      tooLong('name'),
    );
    // A number where a string is expected is the form spelling of that string: read as text, then checked.
    const numeric = await send(owner, {
      method: 'POST',
      url: '/api/v1/sparrow/security/recovery_codes',
      payload: { password: 12345678, source: 'settings screen' },
    });
    expect(numeric.statusCode).toBe(403);
  });

  it.skipIf(skip)('the admin routes with a staff token: 401, then 403, then 422 naming the field', async () => {
    const policy = '/api/v1/admin/sparrow/sms_policy';
    const killSwitch = '/api/v1/admin/sparrow/kill_switch';
    // Authentication and the role come first, whatever the parameters.
    expect((await send(null, { method: 'PUT', url: policy, payload: { posting: 'maybe' } })).statusCode).toBe(401);
    expect((await send(owner, { method: 'PUT', url: policy, payload: { posting: 'maybe' } })).statusCode).toBe(403);

    await refuses(
      admin,
      { method: 'PUT', url: policy, payload: { country: 'KE', posting: 'maybe' } },
      'posting must be true or false',
    );
    await refuses(
      admin,
      { method: 'PUT', url: policy, payload: { country: 'KE', security: 'default' } },
      'security must be true or false (or null)',
    );
    await refuses(
      admin,
      { method: 'PUT', url: policy, payload: { country: ['KE'], posting: true } },
      'country must be a string',
    );
    await refuses(
      admin,
      { method: 'PUT', url: policy, payload: { country: over('country'), posting: true } },
      tooLong('country'),
    );
    await refuses(
      admin,
      { method: 'PUT', url: policy, payload: { country: 'KE', posting: true, reason: over('reason') } },
      tooLong('reason'),
    );
    // The reason is bounded here; requiring it is the permission policy's rule, with its own message.
    await refuses(
      admin,
      { method: 'PUT', url: policy, payload: { country: 'KE', posting: true } },
      'A reason is required for the audit log',
    );
    const viaForm = await form(admin, 'PUT', policy, 'country=ke&posting=on&notifications=0&reason=pilot&ticket=42');
    expect(viaForm.statusCode).toBe(200);
    expect(viaForm.json()).toMatchObject({ country: 'KE', posting: true, notifications: false });
    const securityDefault = await send(admin, {
      method: 'PUT',
      url: policy,
      payload: { country: 'KE', security: null, reason: 'back to the default' },
    });
    expect(securityDefault.statusCode).toBe(200);
    expect(securityDefault.json()).toMatchObject({ security: null });

    await refuses(moderator, { method: 'POST', url: killSwitch, payload: { reason: 'drill' } }, 'enabled is required');
    await refuses(
      moderator,
      { method: 'POST', url: killSwitch, payload: { enabled: 'yes', reason: 'drill' } },
      'enabled must be true or false',
    );
    const pulled = await form(moderator, 'POST', killSwitch, 'enabled=1&reason=drill&confirm=yes');
    expect(pulled.statusCode).toBe(200);
    expect(pulled.json()).toMatchObject({ enabled: true, reason: 'drill' });
    const released = await send(admin, {
      method: 'POST',
      url: killSwitch,
      payload: { enabled: false, reason: 'drill over' },
    });
    expect(released.json()).toMatchObject({ enabled: false });

    const action = `/api/v1/admin/accounts/${owner.id}/action`;
    await refuses(
      moderator,
      { method: 'POST', url: action, payload: { type: 'silence', text: 'x' } },
      'type must be one of none, suspend',
    );
    await refuses(
      moderator,
      { method: 'POST', url: action, payload: { type: 'none', text: ['spam'] } },
      'text must be a string',
    );
    await refuses(
      moderator,
      { method: 'POST', url: action, payload: { type: 'none', text: over('reason') } },
      tooLong('reason', 'text'),
    );
    await refuses(
      moderator,
      { method: 'POST', url: `/api/v1/admin/accounts/${owner.id}/sms_unlock`, payload: { text: { why: 'asked' } } },
      'text must be a string',
    );
    const warned = await form(moderator, 'POST', action, 'type=none&text=first+warning&send_email_notification=true');
    expect(warned.statusCode).toBe(200);

    await refuses(
      moderator,
      { method: 'GET', url: '/api/v1/admin/sparrow/reports?status=closed' },
      'status must be one of open, resolved, all',
    );
    await refuses(
      moderator,
      {
        method: 'POST',
        url: '/api/v1/admin/sparrow/reports/123456789012345678/resolve',
        payload: { unblock: 'maybe' },
      },
      'unblock must be true or false',
    );
    await refuses(
      admin,
      { method: 'PUT', url: `/api/v1/admin/sparrow/advertisers/${owner.id}`, payload: { reason: ['campaign'] } },
      'reason must be a string',
    );
    await refuses(
      admin,
      { method: 'DELETE', url: `/api/v1/admin/sparrow/advertisers/${owner.id}?reason=${over('reason')}` },
      tooLong('reason'),
    );
  });

  it.skipIf(skip)('contact points and the phone simulator', async () => {
    const points = (await send(owner, { method: 'GET', url: '/api/v1/sparrow/contact_points' })).json() as {
      id: string;
    }[];
    const pointId = points[0]!.id;
    const url = '/api/v1/sparrow/contact_points';
    await refuses(
      owner,
      { method: 'PATCH', url, payload: { id: pointId, purposes: 'discovery' } },
      'purposes must be an object',
    );
    await refuses(
      owner,
      { method: 'PATCH', url, payload: { id: pointId, purposes: { discovery: true }, discoverable: true } },
      'discoverable is not a known field',
    );
    await refuses(owner, { method: 'PATCH', url, payload: { id: pointId } }, 'purposes is required');

    await refuses(
      null,
      { method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { from: KE, text: ['hi'] } },
      'text must be a string',
    );
    await refuses(
      null,
      { method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { from: KE, text: over('message') } },
      tooLong('message', 'text'),
    );
    await refuses(
      null,
      { method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { text: 'hi' } },
      'from is required',
    );
    await refuses(null, { method: 'GET', url: '/api/v1/sparrow/dev/sms?number=' }, 'number is required');
    await refuses(null, { method: 'GET', url: `/api/v1/sparrow/dev/mail?to=${over('email')}` }, tooLong('email', 'to'));
    const texted = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/dev/sms',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ from: KE, text: 'hello from a form', carrier: 'test' }).toString(),
    });
    expect(texted.statusCode).toBe(202);
  });
});
