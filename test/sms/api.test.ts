import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from './helpers.ts';

const KE = '+254712345678';
const KE_OTHER = '+254722123456';

describe.each(ENGINES)('SMS API on $label', ({ name, skip }) => {
  let h: SmsHarness;
  let alice: SmsUser;
  let mallory: SmsUser;
  let admin: SmsUser;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
    alice = await h.user('alice');
    mallory = await h.user('mallory');
    admin = await h.user('root', 'read write follow admin:read admin:write');
    await h.ctx.store.db.updateTable('accounts').set({ role: 'admin' }).where('id', '=', admin.id).execute();
  });
  afterAll(async () => h?.close());

  const requestCode = (user: SmsUser, number: unknown) =>
    h.app.inject({ method: 'POST', url: '/api/v1/sparrow/phone', headers: user.auth, payload: { number } });
  const verify = (user: SmsUser, code: unknown) =>
    h.app.inject({ method: 'POST', url: '/api/v1/sparrow/phone/verify', headers: user.auth, payload: { code } });
  const codeAt = async (number: string) => {
    await h.drain();
    return /code is (\d{6})/.exec((await h.inbox(number)).at(-1)?.text ?? '')?.[1] ?? null;
  };

  it.skipIf(skip)('validates the number and the request', async () => {
    expect((await requestCode(alice, 'not a number')).statusCode).toBe(422);
    expect((await requestCode(alice, '+1900555')).statusCode).toBe(422);
    expect((await requestCode(alice, 12345)).statusCode).toBe(422);
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/sparrow/phone', payload: { number: KE } })).statusCode,
    ).toBe(401);
    const readOnly = await h.user('reader', 'read');
    expect((await requestCode(readOnly, KE)).statusCode).toBe(403);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/phone',
          headers: { ...alice.auth, 'content-type': 'application/json' },
          payload: '{"number":',
        })
      ).statusCode,
    ).toBe(400);
    expect(await h.inbox(KE)).toHaveLength(0);
  });

  it.skipIf(skip)('binds a number with the code sent to it, and stores the code only as a keyed hash', async () => {
    const res = await requestCode(alice, '0712 345 678'.replace(/^0/, '+254'));
    expect(res.statusCode).toBe(202);
    const code = await codeAt(KE);
    expect(code).toMatch(/^\d{6}$/);
    const stored = await h.ctx.store.db.selectFrom('verification_codes').selectAll().execute();
    expect(stored.some((row) => JSON.stringify(row).includes(code!))).toBe(false);
    const verified = await verify(alice, code);
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ country: 'KE', number: expect.stringMatching(/^\+254•+78$/) });
    // Single use.
    expect((await verify(alice, code)).statusCode).toBe(422);
    const settings = await h.app.inject({ url: '/api/v1/sparrow/sms_settings', headers: alice.auth });
    expect(settings.json()).toEqual({
      posting: false,
      notifications: true,
      pin: null,
      pin_set: false,
      locked: false,
      lock_reason: null,
      phone: { number: expect.any(String), country: 'KE', verified_at: expect.any(String) },
    });
  });

  it.skipIf(skip)(
    "answers the same for a number linked elsewhere; only the phone's holder learns it is taken",
    async () => {
      const forTaken = await requestCode(mallory, KE);
      const forFree = await requestCode(mallory, KE_OTHER);
      expect([forTaken.statusCode, forTaken.body]).toEqual([forFree.statusCode, forFree.body]);
      // The code for alice's number goes to alice's phone, not to mallory: mallory cannot bind it.
      const guessed = await verify(mallory, '000000');
      expect(guessed.statusCode).toBe(422);
      expect((await h.ctx.sms.store.phoneByNumber(KE))?.accountId).toBe(alice.id);
    },
  );

  it.skipIf(skip)('locks a code after 5 wrong attempts, even when the right one comes next', async () => {
    const victim = await h.user('victim');
    await requestCode(victim, '+254733123456');
    const code = await codeAt('+254733123456');
    const wrong = code === '111111' ? '222222' : '111111';
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push((await verify(victim, wrong)).statusCode);
    expect(answers).toEqual([422, 422, 422, 422, 429]);
    expect((await verify(victim, code)).statusCode).toBe(429);
    expect(await h.ctx.sms.store.phoneOfAccount(victim.id)).toBeNull();
  });

  it.skipIf(skip)('expires codes after 10 minutes', async () => {
    const slow = await h.user('slow');
    await requestCode(slow, '+254744123456');
    const code = await codeAt('+254744123456');
    h.clock.advance(10 * 60_000 + 1);
    expect((await verify(slow, code)).statusCode).toBe(422);
  });

  it.skipIf(skip)('limits codes per account and per number each hour, answering the same', async () => {
    const pumper = await h.user('pumper');
    const target = '+254755123456';
    const statuses = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await requestCode(pumper, target)).statusCode);
    expect(new Set(statuses)).toEqual(new Set([202]));
    await h.drain();
    // SPARROW_SECURITY_SMS_PER_NUMBER_HOUR (3) is the tightest limit here.
    expect((await h.inbox(target)).length).toBe(3);
    // Another account cannot push more codes to the same number.
    const helper = await h.user('pumper2');
    await requestCode(helper, target);
    await h.drain();
    expect((await h.inbox(target)).length).toBe(3);
  });

  it.skipIf(skip)('validates SMS settings and never lets them leak a PIN', async () => {
    const bad = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: alice.auth,
      payload: { posting: 'yes please' },
    });
    expect(bad.statusCode).toBe(422);
    const unknown = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: alice.auth,
      payload: { admin: true },
    });
    expect(unknown.statusCode).toBe(422);
    expect((await h.ctx.sms.store.settings(alice.id)).posting).toBe(false);
    const ok = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: alice.auth,
      payload: { posting: true, notifications: false },
    });
    expect(ok.json()).toMatchObject({ posting: true, notifications: false, pin: null });
  });

  it.skipIf(skip)('unlinks a number', async () => {
    const res = await h.app.inject({ method: 'DELETE', url: '/api/v1/sparrow/phone', headers: alice.auth });
    expect(res.statusCode).toBe(200);
    expect(await h.ctx.sms.store.phoneByNumber(KE)).toBeNull();
  });

  it.skipIf(skip)('lets only administrators change the policy and kill switch, each change audited', async () => {
    const put = (user: SmsUser, payload: Record<string, unknown>) =>
      h.app.inject({ method: 'PUT', url: '/api/v1/admin/sparrow/sms_policy', headers: user.auth, payload });
    expect((await put(mallory, { country: 'KE', posting: true })).statusCode).toBe(403);
    const plainAdminScopes = await h.user('scoped');
    await h.ctx.store.db.updateTable('accounts').set({ role: 'admin' }).where('id', '=', plainAdminScopes.id).execute();
    expect((await put(plainAdminScopes, { country: 'KE', posting: true })).statusCode).toBe(403);
    expect((await put(admin, { country: 'ZZ', posting: true })).statusCode).toBe(422);
    expect((await put(admin, { country: 'KE' })).statusCode).toBe(422);
    const ok = await put(admin, { country: 'ke', posting: true, reason: 'pilot' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      country: 'KE',
      posting: true,
      notifications: false,
      updated_by: `account:${admin.id}`,
    });

    const kill = (payload: Record<string, unknown>, user = admin) =>
      h.app.inject({ method: 'POST', url: '/api/v1/admin/sparrow/kill_switch', headers: user.auth, payload });
    expect((await kill({ enabled: true })).statusCode).toBe(422);
    expect((await kill({ enabled: true, reason: 'x' }, mallory)).statusCode).toBe(403);
    expect((await kill({ enabled: true, reason: 'carrier incident' })).json()).toMatchObject({
      enabled: true,
      reason: 'carrier incident',
    });
    const listed = await h.app.inject({ url: '/api/v1/admin/sparrow/sms_policy', headers: admin.auth });
    expect(listed.json()).toMatchObject({
      kill_switch: { enabled: true },
      countries: [{ country: 'KE', posting: true }],
    });
    const audit = await h.app.inject({ url: '/api/v1/admin/sparrow/audit_log', headers: admin.auth });
    expect(audit.json().slice(0, 2)).toMatchObject([
      { action: 'sms.kill_switch.on', actor: `account:${admin.id}`, reason: 'carrier incident' },
      {
        action: 'sms.policy.set',
        subject: 'KE',
        reason: 'pilot',
        details: { before: null, after: { posting: true, notifications: false } },
      },
    ]);
    await kill({ enabled: false, reason: 'resolved' });
  });

  it.skipIf(skip)('exposes the dev simulator only with the console provider, validating input', async () => {
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { from: 'nope', text: 'hi' } }))
        .statusCode,
    ).toBe(422);
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { from: KE } })).statusCode,
    ).toBe(422);
    expect((await h.app.inject({ url: '/api/v1/sparrow/dev/sms?number=abc' })).statusCode).toBe(422);
  });
});
