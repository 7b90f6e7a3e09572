import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage, flowIdOf } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';
const KE = '+254712345681';

/**
 * Sign-in with a second factor, e-mail-first sign-up, password reset, the security and
 * privacy settings pages: all through plain forms, as a browser without JavaScript.
 */
describe.each(ENGINES)('sign-in, 2FA, security and privacy pages ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let alice: FormClient;
  let bob: FormClient;

  const idOf = async (username: string) => (await h.ctx.microblog.lookup(username))!.id;
  /** The TOTP code at the server's (manual) clock, `steps` periods later. */
  const totpCode = (secret: string, steps = 0) =>
    new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({
      timestamp: h.clock.now().getTime() + steps * 30_000,
    });

  async function secondStep(client: FormClient, login: string, password = PASSWORD) {
    await client.get('/login');
    const res = await client.post('/login', { login, password, next: '/home' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.body).toContain('Confirm it’s you');
    return { res, flowId: flowIdOf(res.body) };
  }

  async function smsCode(number: string, previous: number): Promise<string> {
    await h.ctx.background.idle();
    await h.drain();
    const inbox = await h.inbox(number);
    expect(inbox.length).toBeGreaterThan(previous);
    return /(\d{6})/.exec(inbox.at(-1)!.text)![1]!;
  }

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine, {
      SPARROW_SECURITY_SMS_PER_IP_HOUR: '1000',
      SPARROW_SIGN_IN_PER_IP_10MIN: '1000',
      SPARROW_SIGN_IN_PER_ACCOUNT_10MIN: '1000',
    });
    alice = new FormClient(h.app);
    bob = new FormClient(h.app);
    await alice.signUp('alice');
    await bob.signUp('bob');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)(
    'sets up an authenticator app, then signs in with password and TOTP; wrong codes say so',
    async () => {
      const tess = new FormClient(h.app);
      await tess.signUp('tess');
      const page = await tess.get('/settings/security');
      expectGoodPage(page, '/settings/security');
      expect(page.body).toContain('SMS is the weakest factor');

      const refused = await tess.post('/settings/security/totp', { password: 'not my password' });
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('That password is not right');
      const setup = await tess.post('/settings/security/totp', { password: PASSWORD });
      expectGoodPage(setup, 'TOTP setup');
      expect(setup.body).toContain('otpauth://totp/');
      const shown = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(setup.body)![1]!;
      expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/); // groups of four
      const secret = shown.replace(/ /g, '');

      expect(
        (
          await tess.post('/settings/security/totp/confirm', {
            code: totpCode(secret) === '000000' ? '111111' : '000000',
          })
        ).statusCode,
      ).toBe(422);
      const confirmed = await tess.post('/settings/security/totp/confirm', { code: totpCode(secret) });
      expectGoodPage(confirmed, 'recovery codes');
      expect(confirmed.body).toContain('Save these now');
      const recovery = [...confirmed.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
      expect(recovery).toHaveLength(10);
      expect((await h.ctx.factors.summary(await idOf('tess'))).totp).toBe(true);
      expect((await tess.get('/settings/security')).body).not.toContain(recovery[0]!); // shown once

      // Log out: the session token itself is revoked, not only the cookie.
      const oldToken = tess.cookies.get('sparrow_session')!;
      expect((await tess.post('/logout')).headers.location).toBe('/');
      expect(await h.ctx.oauth.verifyToken(oldToken)).toBeNull();

      const { res: step, flowId } = await secondStep(tess, 'tess');
      expectGoodPage(step, 'second step');
      expect(step.body).toContain('Authenticator app');
      expect(step.body).toContain('Recovery code');
      expect(step.body).not.toContain('Text me a code'); // no phone, no SMS
      expect(step.body).toContain('<script src="/static/passkey.js" defer></script>');
      expect(tess.cookies.has('sparrow_session')).toBe(false); // no session before the second step

      const wrong = await tess.post('/login/verify', { flow_id: flowId, method: 'totp', code: '12345', next: '/home' });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.body).toContain('That code is not right or has expired.');
      expect(flowIdOf(wrong.body)).toBe(flowId);
      expect(tess.cookies.has('sparrow_session')).toBe(false);

      const right = await tess.post('/login/verify', {
        flow_id: flowId,
        method: 'totp',
        code: totpCode(secret, 1),
        next: '/home',
      });
      expect(right.statusCode).toBe(303);
      expect(right.headers.location).toBe('/home');
      expect((await tess.get('/home')).statusCode).toBe(200);

      // A recovery code works once.
      await tess.post('/logout');
      expect(tess.cookies.has('sparrow_session')).toBe(false);
      const second = await secondStep(tess, 'tess');
      expect(
        (
          await tess.post('/login/verify', {
            flow_id: second.flowId,
            method: 'recovery_code',
            code: recovery[0]!,
            next: '/settings/security',
          })
        ).headers.location,
      ).toBe('/settings/security');
      await tess.get('/settings/security'); // the signed-in form token
      expect((await tess.post('/logout')).statusCode).toBe(303);
      const third = await secondStep(tess, 'tess');
      expect(
        (
          await tess.post('/login/verify', {
            flow_id: third.flowId,
            method: 'recovery_code',
            code: recovery[0]!,
            next: '/home',
          })
        ).statusCode,
      ).toBe(422);

      // Guessing is cut off: after five wrong codes the flow answers 429.
      let last = 0;
      for (let i = 0; i < 6; i += 1)
        last = (
          await tess.post('/login/verify', { flow_id: third.flowId, method: 'totp', code: '000000', next: '/home' })
        ).statusCode;
      expect(last).toBe(429);
      expect((await tess.get('/home')).statusCode).toBe(303);

      // Turning the app off needs the password.
      h.clock.advance(60_000); // a code already used (step +1) is never accepted again
      const again = await secondStep(tess, 'tess');
      expect(
        (
          await tess.post('/login/verify', {
            flow_id: again.flowId,
            method: 'totp',
            code: totpCode(secret),
            next: '/home',
          })
        ).statusCode,
      ).toBe(303);
      expect((await tess.get('/home')).statusCode).toBe(200);
      expect((await tess.post('/settings/security/totp/disable', { password: 'nope nope nope' })).statusCode).toBe(403);
      expect((await tess.post('/settings/security/totp/disable', { password: PASSWORD })).headers.location).toBe(
        '/settings/security?notice=totp_off',
      );
      expect((await h.ctx.factors.summary(await idOf('tess'))).totp).toBe(false);
    },
  );

  it.skipIf(skip)('signs in with a code by SMS, and asks for an SMS second factor (labelled the weakest)', async () => {
    const sam = new FormClient(h.app);
    await sam.signUp('sam');
    await h.enableCountry('KE');
    await sam.post('/settings/phone', { number: KE });
    await sam.post('/settings/phone/verify', { code: await smsCode(KE, 0) });

    const anon = new FormClient(h.app);
    expectGoodPage(await anon.get('/login/sms?next=/notifications'), '/login/sms');
    const codePage = await anon.post('/login/sms', { number: KE, next: '/notifications' });
    expectGoodPage(codePage, 'SMS code page');
    const flowId = flowIdOf(codePage.body);
    const code = await smsCode(KE, 1);
    expect(
      (
        await anon.post('/login/verify', {
          flow_id: flowId,
          method: 'login_code',
          code: code === '000000' ? '111111' : '000000',
          next: '/notifications',
        })
      ).statusCode,
    ).toBe(422);
    const signedIn = await anon.post('/login/verify', {
      flow_id: flowId,
      method: 'login_code',
      code,
      next: '/notifications',
    });
    expect(signedIn.headers.location).toBe('/notifications');
    expect((await anon.get('/notifications')).statusCode).toBe(200);

    // Same first answer for a number nobody has.
    const nobody = new FormClient(h.app);
    await nobody.get('/login/sms');
    const other = await nobody.post('/login/sms', { number: '+254712345600', next: '/home' });
    expect(other.statusCode).toBe(200);

    // SMS as a second factor.
    expect((await sam.post('/settings/security/sms', { on: 'on', password: PASSWORD })).headers.location).toBe(
      '/settings/security?notice=sms_2fa_on',
    );
    const browser = new FormClient(h.app);
    const { res, flowId: stepFlow } = await secondStep(browser, 'sam');
    expect(res.body).toContain('SMS is the weakest option');
    const sent = await browser.post('/login/second_factor/sms', { flow_id: stepFlow, next: '/home' });
    expectGoodPage(sent, 'SMS sent');
    expect(sent.body).toContain('A code is on its way');
    const second = await smsCode(KE, 2);
    expect(
      (await browser.post('/login/verify', { flow_id: stepFlow, method: 'sms', code: second, next: '/home' })).headers
        .location,
    ).toBe('/home');
  });

  it.skipIf(skip)('sign-up answers the first step identically for a taken and a new e-mail', async () => {
    const normalise = (body: string, email: string) =>
      body
        .replace(/name="_csrf" value="[^"]+"/g, '')
        .replace(/name="flow_id" value="[^"]+"/g, '')
        .replaceAll(encodeURIComponent(email), 'EMAIL')
        .replaceAll(email, 'EMAIL');
    const one = new FormClient(h.app);
    const two = new FormClient(h.app);
    await one.get('/signup');
    await two.get('/signup');
    const taken = await one.post('/signup', { email: 'alice@example.test' });
    const fresh = await two.post('/signup', { email: 'newbie@example.test' });
    expect(taken.statusCode).toBe(fresh.statusCode);
    expect(normalise(taken.body, 'alice@example.test')).toBe(normalise(fresh.body, 'newbie@example.test'));
    await h.ctx.background.idle();
    expect(h.ctx.devMailbox!.messagesTo('alice@example.test')[0]?.subject).toMatch(/already have/);
    expect(h.ctx.devMailbox!.messagesTo('newbie@example.test')[0]?.subject).toMatch(/sign-up code: \d{6}/);
    const mail = await fresh.body.includes('/dev/mail?to=newbie%40example.test');
    expect(mail).toBe(true);
    const box = await one.get('/dev/mail?to=alice%40example.test');
    expectGoodPage(box, '/dev/mail');
    expect(box.body).toContain('already have');
  });

  it.skipIf(skip)('resets a password by e-mail code, then logs in with the new one', async () => {
    const rita = new FormClient(h.app);
    await rita.signUp('rita');
    const other = new FormClient(h.app);
    expectGoodPage(await other.get('/password_reset'), '/password_reset');
    const start = await other.post('/password_reset', { target: 'rita@example.test' });
    expectGoodPage(start, 'reset code page');
    const code = await other.mailCode('rita@example.test', /password reset code: (\d{6})/);
    const weak = await other.post('/password_reset/finish', {
      flow_id: flowIdOf(start.body),
      target: 'rita@example.test',
      code,
      password: 'short',
    });
    expect(weak.statusCode).toBe(422);
    const done = await other.post('/password_reset/finish', {
      flow_id: flowIdOf(start.body),
      target: 'rita@example.test',
      code,
      password: 'a brand new long password',
    });
    expect(done.headers.location).toBe('/login?notice=password_reset');
    expect((await other.get('/login?notice=password_reset')).body).toContain('Log in with the new password');
    expect((await rita.get('/home')).statusCode).toBe(303); // every session signed out
    expect((await other.logIn('rita', 'a brand new long password')).headers.location).toBe('/home');
    const stranger = new FormClient(h.app);
    await stranger.get('/password_reset');
    const unknown = await stranger.post('/password_reset', { target: 'nobody@example.test' });
    expect(unknown.statusCode).toBe(200);
  });

  it.skipIf(skip)('security and privacy pages need a signed-in user and this browser’s CSRF token', async () => {
    const anon = new FormClient(h.app);
    for (const url of ['/settings/security', '/settings/privacy']) {
      const res = await anon.get(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    await anon.get('/login');
    expect(
      (await anon.post('/settings/security/password', { current_password: PASSWORD, new_password: 'x'.repeat(20) }))
        .headers.location,
    ).toMatch(/^\/login/);

    const [point] = await h.ctx.privacy.contactPoints.list(await idOf('alice'));
    const session = await h.ctx.oauth.verifyToken(alice.cookies.get('sparrow_session')!);
    const forms: [string, Record<string, string>][] = [
      ['/settings/security/totp', { password: PASSWORD }],
      ['/settings/security/totp/disable', { password: PASSWORD }],
      ['/settings/security/sms', { on: 'on', password: PASSWORD }],
      ['/settings/security/strong', { on: 'on', password: PASSWORD }],
      ['/settings/security/recovery_codes', { password: PASSWORD }],
      ['/settings/security/passkeys/options', { password: PASSWORD }],
      ['/settings/security/passkeys', { name: 'x', credential: '{}' }],
      ['/settings/security/password', { current_password: PASSWORD, new_password: 'pwned pwned pwned' }],
      ['/settings/security/sessions/revoke_others', {}],
      [`/settings/security/sessions/${session!.tokenId}/revoke`, {}],
      [`/settings/privacy/${point!.id}`, { discovery: 'on', advertising: 'on' }],
    ];
    for (const [url, fields] of forms) {
      expect((await alice.post(url, { ...fields, _csrf: null })).statusCode, url).toBe(403);
      expect((await alice.post(url, { ...fields, _csrf: bob.csrf })).statusCode, url).toBe(403);
    }
    expect((await alice.get('/home')).statusCode).toBe(200);
    expect(await h.ctx.identity.checkPassword(await idOf('alice'), PASSWORD)).toBe(true);
    expect((await h.ctx.factors.summary(await idOf('alice'))).requireStrong).toBe(false);
    const [after] = await h.ctx.privacy.contactPoints.list(await idOf('alice'));
    expect(after!.purposes.discovery).toBeUndefined();
  });

  it.skipIf(skip)('lists sessions; signing one out from the list makes its cookie stop working', async () => {
    const laptop = new FormClient(h.app);
    await laptop.logIn('alice');
    expect((await laptop.get('/home')).statusCode).toBe(200);
    const laptopSession = (await h.ctx.oauth.verifyToken(laptop.cookies.get('sparrow_session')!))!;
    const page = await alice.get('/settings/security');
    expect(page.body.match(/this browser<\/strong>/g)).toHaveLength(1);
    expect(page.body).toContain('127.0.0.1');
    expect(page.body).toContain('lightMyRequest'); // the user agent inject sends
    expect(page.body).toContain(`/settings/security/sessions/${laptopSession.tokenId}/revoke`);

    const revoked = await alice.post(`/settings/security/sessions/${laptopSession.tokenId}/revoke`);
    expect(revoked.headers.location).toBe('/settings/security?notice=session_revoked#sessions');
    const shut = await laptop.get('/home');
    expect(shut.statusCode).toBe(303);
    expect(shut.headers.location).toMatch(/^\/login/);
    expect((await alice.get('/home')).statusCode).toBe(200);

    // "Sign out everywhere else", and a password change, keep only this browser.
    const phone = new FormClient(h.app);
    await phone.logIn('alice');
    expect((await alice.post('/settings/security/sessions/revoke_others')).headers.location).toBe(
      '/settings/security?notice=others_signed_out#sessions',
    );
    expect((await phone.get('/home')).statusCode).toBe(303);
    await phone.logIn('alice');
    expect(
      (
        await alice.post('/settings/security/password', {
          current_password: 'wrong wrong wrong',
          new_password: 'another long password',
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await alice.post('/settings/security/password', {
          current_password: PASSWORD,
          new_password: 'another long password',
        })
      ).headers.location,
    ).toBe('/settings/security?notice=password_changed');
    expect((await phone.get('/home')).statusCode).toBe(303);
    expect((await alice.get('/home')).statusCode).toBe(200);
    await alice.post('/settings/security/password', {
      current_password: 'another long password',
      new_password: PASSWORD,
    });
  });

  it.skipIf(skip)('privacy page shows each contact point’s purposes, saves choices and shows the history', async () => {
    const page = await alice.get('/settings/privacy');
    expectGoodPage(page, '/settings/privacy');
    expect(page.body).toContain('e-mail');
    expect(page.body).toContain('Always on');
    expect(page.body).not.toContain('alice@example.test'); // masked
    const [point] = await h.ctx.privacy.contactPoints.list(await idOf('alice'));
    expect((await alice.post(`/settings/privacy/${point!.id}`, { discovery: 'on' })).headers.location).toBe(
      `/settings/privacy?notice=saved#cp-${point!.id}`,
    );
    const [on] = await h.ctx.privacy.contactPoints.list(await idOf('alice'));
    expect(on!.purposes.discovery).toBeInstanceOf(Date);
    expect(on!.purposes.advertising).toBeUndefined();
    expect((await alice.get('/settings/privacy')).body).toMatch(
      /Let me find me|Let people find me by it<\/strong>: on since <time/,
    );
    const history = await alice.get(`/settings/privacy/${point!.id}/history`);
    expectGoodPage(history, 'history');
    expect(history.body).toContain('turned on');
    expect(history.body).toContain('<td>you</td>');
    await alice.post(`/settings/privacy/${point!.id}`, {});
    const [off] = await h.ctx.privacy.contactPoints.list(await idOf('alice'));
    expect(off!.purposes.discovery).toBeUndefined();
    expect(off!.purposes.authentication).toBeInstanceOf(Date);
    expect((await bob.get(`/settings/privacy/${point!.id}/history`)).statusCode).toBe(404);
  });
  it.skipIf(skip)(
    'answers 429 with its own page when sign-in is throttled; passkey removal needs the password',
    async () => {
      const tight = await smsHarness(engine, { SPARROW_SIGN_IN_PER_ACCOUNT_10MIN: '2' });
      try {
        const anon = new FormClient(tight.app);
        await anon.get('/login');
        const statuses: number[] = [];
        for (let i = 0; i < 3; i += 1)
          statuses.push(
            (await anon.post('/login', { login: 'someone', password: 'wrong password', next: '/home' })).statusCode,
          );
        expect(statuses).toEqual([401, 401, 429]);
        const page = await anon.post('/login', { login: 'someone', password: 'wrong password', next: '/home' });
        expectGoodPage({ ...page, statusCode: 200 }, '429 page');
        expect(page.body).toContain('Too many attempts');
        expect(page.body).not.toContain('name="password"');
      } finally {
        await tight.close();
      }
      expect(
        (await alice.post('/settings/security/passkeys/nope/remove', { password: 'not it at all' })).statusCode,
      ).toBe(403);
      const missing = await alice.post('/settings/security/passkeys/nope/remove', { password: PASSWORD });
      expect(missing.statusCode).toBe(422);
      expect(missing.body).toContain('That passkey was not found.');
      const noJs = await alice.post('/settings/security/passkeys', { name: 'x', credential: 'not json' });
      expect(noJs.statusCode).toBe(422);
      const options = await alice.post('/settings/security/passkeys/options', { password: 'wrong password' });
      expect(options.statusCode).toBe(403);
      expect(JSON.parse(options.body)).toEqual({ error: 'That password is not right' });
    },
  );
});
