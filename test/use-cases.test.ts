import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/context.ts';
import { securityHarness, type Person, type SecurityHarness } from './security/helpers.ts';
import { FormClient } from './web/helpers.ts';

const INTERFACES = ['api', 'web'] as const;

/**
 * A use case lives once in the domain and every interface calls it: each is played here
 * through every interface that offers it, with the same expectations for each, so two
 * interfaces cannot drift apart again.
 */
describe.each(ENGINES)('one use case, the same through every interface ($label)', ({ name, skip }) => {
  let h: SecurityHarness;

  beforeAll(async () => {
    if (skip) return;
    h = await securityHarness(name, {
      SPARROW_SECURITY_SMS_PER_IP_HOUR: '1000',
      SPARROW_SIGN_IN_PER_IP_10MIN: '1000',
      SPARROW_SIGN_IN_PER_ACCOUNT_10MIN: '1000',
    });
    await h.enableCountry('KE');
  });
  afterAll(async () => h?.close());

  const apiSignedIn = async (token: string) =>
    (
      await h.app.inject({
        url: '/api/v1/accounts/verify_credentials',
        headers: { authorization: `Bearer ${token}` },
      })
    ).statusCode === 200;
  const webSignedIn = async (browser: FormClient) => (await browser.get('/home')).statusCode === 200;
  const apiToken = async (person: Person, password = person.password) => {
    const res = await h.signIn(person.username, password);
    return res.statusCode === 200 ? (res.json().access_token as string) : null;
  };

  for (const via of INTERFACES) {
    it.skipIf(skip)(
      `changing the password through the ${via} signs out every other session and tells the owner; a wrong current password changes nothing`,
      async () => {
        const owner = await h.person(`pw_${via}`);
        const browser = new FormClient(h.app);
        await browser.logIn(owner.username, owner.password);
        const otherApp = (await apiToken(owner))!;
        const newPassword = `a new passphrase for ${via}`;
        const change = async (current: string) =>
          via === 'api'
            ? h.app.inject({
                method: 'POST',
                url: '/api/v1/sparrow/security/password',
                headers: owner.auth,
                payload: { current_password: current, new_password: newPassword },
              })
            : browser.post('/settings/security/password', { current_password: current, new_password: newPassword });

        const refused = await change('not the current password');
        expect(refused.statusCode).toBe(403);
        expect(refused.body).toContain('The current password is not right');
        expect(await apiSignedIn(owner.token)).toBe(true);
        expect(await webSignedIn(browser)).toBe(true);
        expect(await apiSignedIn(otherApp)).toBe(true);
        expect(await apiToken(owner, newPassword)).toBeNull();
        await h.settle();
        expect(h.mailTo(owner.email).some((m) => m.text.includes('password changed'))).toBe(false);

        const changed = await change(owner.password);
        if (via === 'api') expect(changed.json()).toEqual({ sessions_signed_out: 2 });
        else expect(changed.headers.location).toBe('/settings/security?notice=password_changed');
        // The session that made the change stays; every other one (web or app) is signed out.
        expect(await apiSignedIn(owner.token)).toBe(via === 'api');
        expect(await webSignedIn(browser)).toBe(via === 'web');
        expect(await apiSignedIn(otherApp)).toBe(false);
        expect(await apiToken(owner)).toBeNull();
        expect(await apiToken(owner, newPassword)).not.toBeNull();
        // The owner is told, in the app and by e-mail.
        if (via === 'api') {
          const events = (
            await h.app.inject({ url: '/api/v1/sparrow/security_events', headers: owner.auth })
          ).json() as { kind: string; details: Record<string, unknown> }[];
          expect(events).toContainEqual(
            expect.objectContaining({ kind: 'two_factor_changed', details: { change: 'password_changed' } }),
          );
        } else {
          expect((await browser.get('/settings/events')).body).toContain('the password was changed');
        }
        await h.settle();
        expect(h.mailTo(owner.email).filter((m) => m.text.includes('password changed'))).toHaveLength(1);
      },
    );
  }

  for (const via of INTERFACES) {
    it.skipIf(skip)(
      `changing sign-in protection through the ${via} needs the password again, whatever session asks`,
      async () => {
        const owner = await h.person(`reauth_${via}`);
        const browser = new FormClient(h.app);
        await browser.logIn(owner.username, owner.password);
        const regenerate = (password: string | null) => {
          const fields: Record<string, string> = password === null ? {} : { password };
          return via === 'api'
            ? h.app.inject({
                method: 'POST',
                url: '/api/v1/sparrow/security/recovery_codes',
                headers: owner.auth,
                payload: fields,
              })
            : browser.post('/settings/security/recovery_codes', fields);
        };
        const told = async () => {
          await h.settle();
          return h.mailTo(owner.email).filter((m) => m.text.includes('recovery codes regenerated')).length;
        };

        const missing = await regenerate(null);
        expect(missing.statusCode).toBe(422);
        expect(missing.body).toContain('Your password is required to change sign-in protection');
        const wrong = await regenerate('somebody else’s guess');
        expect(wrong.statusCode).toBe(403);
        expect(wrong.body).toContain('That password is not right');
        expect(await told()).toBe(0);

        const done = await regenerate(owner.password);
        expect(done.statusCode).toBe(200);
        if (via === 'api') expect((done.json() as { recovery_codes: string[] }).recovery_codes).toHaveLength(10);
        else expect(done.body).toContain('Save these now');
        expect(await told()).toBe(1);
      },
    );
  }

  it.skipIf(skip)(
    'posts come by SMS only from followed accounts: the SMS command and the web settings refuse alike',
    async () => {
      const poster = await h.person('sub_poster');
      const texter = await h.smsUser('sub_texter', '+254712300001', 'KE');
      const reader = await h.person('sub_reader', { phone: '+254712300002' });
      const browser = new FormClient(h.app);
      await browser.logIn(reader.username, reader.password);
      let posts = 0;
      /** Whether a new post by the poster reaches the number by SMS. */
      const textedOnNextPost = async (number: string) => {
        posts += 1;
        const text = `Market news number ${posts}`;
        await h.ctx.microblog.post(poster.id, { text, source: 'web' });
        await h.drain();
        return (await h.inbox(number)).some((m) => m.text.includes(text));
      };
      const follow = (person: { auth: Record<string, string> }) =>
        h.app.inject({ method: 'POST', url: `/api/v1/accounts/${poster.id}/follow`, headers: person.auth });

      // Not following: refused by text and on the web, with the same reason.
      expect((await h.text('+254712300001', 'ON @sub_poster')).outcome).toBe('rejected');
      expect((await h.inbox('+254712300001')).at(-1)?.text).toBe(
        "You don't follow @sub_poster. Reply FOLLOW @sub_poster.",
      );
      const refused = await browser.post('/settings/sms/follows/sub_poster', { on: 'on' });
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain('You don&#39;t follow @sub_poster. Follow them first to get their posts by SMS.');

      // Following afterwards does not turn texts on by itself: the refused choice was not kept.
      expect((await follow(texter)).statusCode).toBe(200);
      expect((await follow(reader)).statusCode).toBe(200);
      expect(await textedOnNextPost('+254712300001')).toBe(false);
      expect(await textedOnNextPost('+254712300002')).toBe(false);

      // Following, both accept.
      expect((await h.text('+254712300001', 'ON @sub_poster')).outcome).toBe('command');
      expect((await browser.post('/settings/sms/follows/sub_poster', { on: 'on' })).headers.location).toBe(
        '/settings/sms/follows?notice=saved',
      );
      expect((await browser.get('/settings/sms/follows')).body).toContain('By SMS now: @sub_poster.');
      expect(await textedOnNextPost('+254712300001')).toBe(true);
      expect(await textedOnNextPost('+254712300002')).toBe(true);

      // And both turn it off again.
      expect((await h.text('+254712300001', 'OFF @sub_poster')).outcome).toBe('command');
      expect((await browser.post('/settings/sms/follows/sub_poster', { on: 'off' })).headers.location).toBe(
        '/settings/sms/follows?notice=saved',
      );
      expect(await textedOnNextPost('+254712300001')).toBe(false);
      expect(await textedOnNextPost('+254712300002')).toBe(false);
    },
  );
});
