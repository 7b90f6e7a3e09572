import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimSwapSimulator } from '../../src/dev/sim-swap-server.ts';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from './helpers.ts';

const KE = '+254712345678';
const PASSWORD = 'correct horse battery staple';

/**
 * Attack replays against the SMS trust gate (SPEC 3.4), through the public interfaces:
 * texts arrive through the console provider's inbound path, the owner acts through the API.
 */
describe.each(ENGINES)('SMS trust gate on $label', ({ name, skip }) => {
  let carrier: SimSwapSimulator;
  let h: SmsHarness;

  beforeAll(async () => {
    if (skip) return;
    carrier = await new SimSwapSimulator({ token: 'carrier-token' }).listen();
    h = await smsHarness(name, {
      SPARROW_SIM_SWAP_URL: carrier.url,
      SPARROW_SIM_SWAP_TOKEN: 'carrier-token',
      SPARROW_SMS_POSTS_PER_MINUTE: '3',
      SPARROW_SMS_POSTS_PER_DAY: '50',
    });
  });
  afterAll(async () => {
    await h?.close();
    await carrier?.close();
  });

  /** A registered user (with a password, the non-SMS factor) whose number is linked and SMS posting on. */
  let counter = 0;
  const owner = async (number: string): Promise<SmsUser> => {
    counter += 1;
    const account = await h.ctx.identity.register({
      username: `owner${counter}`,
      email: `owner${counter}@example.org`,
      password: PASSWORD,
    });
    const registered = await h.ctx.oauth.registerApp({
      name: 'Gate test',
      redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read write',
    });
    const token = await h.ctx.oauth.issueToken({
      appId: registered.app.id,
      accountId: account.id,
      scopes: ['read', 'write'],
    });
    const user = {
      id: account.id,
      username: account.username,
      token: token.accessToken,
      auth: { authorization: `Bearer ${token.accessToken}` },
    };
    await h.enableCountry('KE');
    await h.linkPhone(user, number);
    await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: user.auth,
      payload: { posting: true },
    });
    return user;
  };
  const api = (user: SmsUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
    h.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
  const posts = async (user: SmsUser) =>
    (await h.ctx.microblog.accountTimeline(user.id, user.id, { limit: 40 })).map((v) => v.post.text);
  const events = async (user: SmsUser) =>
    ((await api(user, 'GET', '/api/v1/sparrow/security_events')).json() as { kind: string }[]).map((e) => e.kind);
  const minute = () => h.clock.advance(61_000);

  it.skipIf(skip)(
    'a SIM-swapped number cannot post: the text is held, posting frozen, the owner alerted; unlocking needs the password',
    async () => {
      const victim = await owner(KE);
      expect((await h.text(KE, 'legit post before the swap')).outcome).toBe('posted');
      carrier.swaps.set(KE, new Date(Date.now() - 3600_000));
      h.clock.advance(61_000); // past the 60 s reuse of the "not swapped" answer

      const attack = await h.text(KE, 'Send 1 BTC to this address, I will double it');
      expect(attack.outcome).toBe('held');
      expect(await posts(victim)).toEqual(['legit post before the swap']);
      expect(await events(victim)).toContain('sim_swap_detected');
      const settings = (await api(victim, 'GET', '/api/v1/sparrow/sms_settings')).json();
      expect(settings).toMatchObject({ locked: true, lock_reason: 'sim_swap' });
      // Nothing about the freeze is texted to the phone that may be in the attacker's hands.
      expect((await h.inbox(KE)).some((m) => /swap|locked|held/i.test(m.text))).toBe(false);

      // The attacker keeps texting: refused, never held again, never posted.
      minute();
      expect((await h.text(KE, 'FOLLOW @owner1')).outcome).toBe('refused_locked');
      const holds = (await api(victim, 'GET', '/api/v1/sparrow/sms_holds')).json();
      expect(holds).toEqual([
        expect.objectContaining({
          reason: 'sim_swap',
          text: 'Send 1 BTC to this address, I will double it',
          status: 'pending',
        }),
      ]);

      // Re-enabling needs a non-SMS factor: a token alone (e.g. one got through an SMS login code) is not enough.
      expect((await api(victim, 'POST', '/api/v1/sparrow/sms_settings/unlock', {})).statusCode).toBe(403);
      expect((await api(victim, 'POST', '/api/v1/sparrow/sms_settings/unlock', { password: 'guess' })).statusCode).toBe(
        403,
      );
      expect((await api(victim, 'POST', '/api/v1/sparrow/sms_holds/' + holds[0].id + '/discard')).statusCode).toBe(200);
      carrier.swaps.delete(KE);
      expect(
        (await api(victim, 'POST', '/api/v1/sparrow/sms_settings/unlock', { password: PASSWORD })).json(),
      ).toMatchObject({ locked: false });
      minute();
      expect((await h.text(KE, 'back to normal')).outcome).toBe('posted');
    },
  );

  it.skipIf(skip)(
    'holds texts when the carrier cannot answer (fail closed), and reuses "not swapped" for at most 60 s',
    async () => {
      const user = await owner('+254722123456');
      const before = carrier.requests;
      expect((await h.text('+254722123456', 'first')).outcome).toBe('posted');
      expect((await h.text('+254722123456', 'second, same minute')).outcome).toBe('posted');
      expect(carrier.requests - before).toBe(1);
      minute();
      await carrier.close();
      expect((await h.text('+254722123456', 'carrier is down')).outcome).toBe('held');
      expect(await events(user)).toContain('sim_swap_check_failed');
      // Operators who prefer availability can fail open instead.
      const open = await smsHarness(name, {
        SPARROW_SIM_SWAP_URL: 'http://127.0.0.1:9/sim-swap/v0',
        SPARROW_SIM_SWAP_FAIL_OPEN: 'true',
      });
      try {
        await open.smsUser('trusting', '+254722123456', 'KE');
        expect((await open.text('+254722123456', 'carrier is down, posting anyway')).outcome).toBe('posted');
      } finally {
        await open.close();
      }
    },
  );

  it.skipIf(skip)(
    'a wrong-PIN spree locks SMS posting after 5 tries; the PIN is required, stripped, and never stored in clear',
    async () => {
      const fresh = await smsHarness(name, { SPARROW_SMS_POSTS_PER_MINUTE: '100' });
      try {
        const user = await fresh.smsUser('pinned', '+254733123456', 'KE');
        const patch = (payload: Record<string, unknown>) =>
          fresh.app.inject({ method: 'PATCH', url: '/api/v1/sparrow/sms_settings', headers: user.auth, payload });
        expect((await patch({ pin: '1234' })).statusCode).toBe(422); // guessable
        expect((await patch({ pin: '12a4' })).statusCode).toBe(422);
        expect((await patch({ pin: '4071', posting: 'maybe' })).statusCode).toBe(422);
        expect((await fresh.ctx.sms.owner.state(user.id)).pinHash).toBeNull(); // nothing half-written
        expect((await patch({ pin: '4071' })).json()).toMatchObject({ pin: null, pin_set: true });
        const stored = await fresh.ctx.store.db
          .selectFrom('sms_settings')
          .select('pin_hash')
          .where('account_id', '=', user.id)
          .executeTakeFirstOrThrow();
        expect(stored.pin_hash).not.toContain('4071');

        expect((await fresh.text('+254733123456', 'no pin here')).outcome).toBe('refused_pin');
        const ok = await fresh.text('+254733123456', '4071 Posted with my PIN');
        expect(ok.outcome).toBe('posted');
        expect((await fresh.ctx.microblog.visiblePost(null, ok.post_id!)).text).toBe('Posted with my PIN');

        const spree = [];
        for (const guess of ['0000', '1111', '2222', '3333', '4444'])
          spree.push((await fresh.text('+254733123456', `${guess} hacked`)).outcome);
        expect(spree).toEqual(Array(5).fill('refused_pin'));
        expect((await fresh.ctx.sms.owner.state(user.id)).lockReason).toBe('pin');
        // Even the right PIN no longer works until the owner unlocks from the web.
        expect((await fresh.text('+254733123456', '4071 is this me?')).outcome).toBe('refused_locked');
        const timeline = await fresh.ctx.microblog.accountTimeline(null, user.id, { limit: 10 });
        expect(timeline.map((v) => v.post.text)).toEqual(['Posted with my PIN']);
      } finally {
        await fresh.close();
      }
    },
  );

  it.skipIf(skip)('requires a PIN for administrators before any SMS acts', async () => {
    const fresh = await smsHarness(name);
    try {
      const admin = await fresh.smsUser('chief', '+254744123456', 'KE');
      await fresh.ctx.store.db.updateTable('accounts').set({ role: 'admin' }).where('id', '=', admin.id).execute();
      expect((await fresh.text('+254744123456', 'admin post without pin')).outcome).toBe('refused_pin');
      expect(
        (
          await fresh.app.inject({
            method: 'PATCH',
            url: '/api/v1/sparrow/sms_settings',
            headers: admin.auth,
            payload: { pin: '583920' },
          })
        ).statusCode,
      ).toBe(200);
      expect(
        (
          await fresh.app.inject({
            method: 'PATCH',
            url: '/api/v1/sparrow/sms_settings',
            headers: admin.auth,
            payload: { pin: null },
          })
        ).statusCode,
      ).toBe(422);
      expect((await fresh.text('+254744123456', '583920 admin post with pin')).outcome).toBe('posted');
    } finally {
      await fresh.close();
    }
  });

  it.skipIf(skip)('holds a burst beyond the per-number limit; the owner can release it', async () => {
    const fresh = await smsHarness(name, { SPARROW_SMS_POSTS_PER_MINUTE: '3', SPARROW_SMS_POSTS_PER_DAY: '1000' });
    try {
      const user = await fresh.smsUser('bursty', '+254755123456', 'KE');
      const outcomes = [];
      for (let i = 0; i < 6; i += 1) outcomes.push((await fresh.text('+254755123456', `burst ${i}`)).outcome);
      expect(outcomes).toEqual(['posted', 'posted', 'posted', 'held', 'held', 'held']);
      const holds = (await fresh.app.inject({ url: '/api/v1/sparrow/sms_holds', headers: user.auth })).json() as {
        id: string;
        text: string;
      }[];
      expect(holds.map((x) => x.text).sort()).toEqual(['burst 3', 'burst 4', 'burst 5']);
      const released = await fresh.app.inject({
        method: 'POST',
        url: `/api/v1/sparrow/sms_holds/${holds[0]!.id}/release`,
        headers: user.auth,
      });
      expect(released.json()).toMatchObject({ outcome: 'posted' });
      // Released once only; another account cannot touch it.
      expect(
        (
          await fresh.app.inject({
            method: 'POST',
            url: `/api/v1/sparrow/sms_holds/${holds[0]!.id}/release`,
            headers: user.auth,
          })
        ).statusCode,
      ).toBe(422);
      const other = await fresh.user('nosy');
      expect(
        (
          await fresh.app.inject({
            method: 'POST',
            url: `/api/v1/sparrow/sms_holds/${holds[1]!.id}/discard`,
            headers: other.auth,
          })
        ).statusCode,
      ).toBe(404);
    } finally {
      await fresh.close();
    }
  });

  it.skipIf(skip)(
    '"this wasn\'t me" removes SMS posts since the last confirmed one and locks SMS posting',
    async () => {
      const fresh = await smsHarness(name);
      try {
        const user = await fresh.smsUser('notme', '+254766123456', 'KE');
        await fresh.text('+254766123456', 'mine, confirmed');
        expect(
          (await fresh.app.inject({ method: 'POST', url: '/api/v1/sparrow/sms_confirm', headers: user.auth }))
            .statusCode,
        ).toBe(200);
        await fresh.ctx.microblog.post(user.id, { text: 'from the web', source: 'web' });
        await fresh.text('+254766123456', 'not mine 1');
        await fresh.text('+254766123456', 'not mine 2');
        // Every SMS post was reported to the owner outside SMS.
        const kinds = (
          (await fresh.app.inject({ url: '/api/v1/sparrow/security_events', headers: user.auth })).json() as {
            kind: string;
          }[]
        ).map((e) => e.kind);
        expect(kinds.filter((k) => k === 'sms_post')).toHaveLength(3);
        const res = await fresh.app.inject({ method: 'POST', url: '/api/v1/sparrow/sms_not_me', headers: user.auth });
        expect(res.json().removed_post_ids).toHaveLength(2);
        const left = (await fresh.ctx.microblog.accountTimeline(null, user.id, { limit: 10 })).map((v) => v.post.text);
        expect(left).toEqual(['from the web', 'mine, confirmed']);
        expect((await fresh.text('+254766123456', 'more')).outcome).toBe('refused_locked');
      } finally {
        await fresh.close();
      }
    },
  );

  it.skipIf(skip)('SMS cannot change password, e-mail, phone, 2FA or delete the account', async () => {
    const fresh = await smsHarness(name);
    try {
      const account = await fresh.ctx.identity.register({
        username: 'careful',
        email: 'careful@example.org',
        password: PASSWORD,
      });
      const registered = await fresh.ctx.oauth.registerApp({
        name: 'x',
        redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
        scopes: 'read write',
      });
      const token = await fresh.ctx.oauth.issueToken({
        appId: registered.app.id,
        accountId: account.id,
        scopes: ['read', 'write'],
      });
      const user = {
        id: account.id,
        username: 'careful',
        token: token.accessToken,
        auth: { authorization: `Bearer ${token.accessToken}` },
      };
      await fresh.enableCountry('KE');
      await fresh.linkPhone(user, '+254777123456');
      await fresh.app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/sms_settings',
        headers: user.auth,
        payload: { posting: true },
      });
      for (const text of [
        'PASSWORD hunter2hunter2',
        'EMAIL evil@example.org',
        'PHONE +254700000001',
        '2FA OFF',
        'DELETE ACCOUNT',
        'PIN 9999',
      ]) {
        await fresh.text('+254777123456', text);
      }
      expect(await fresh.ctx.identity.authenticate('careful@example.org', PASSWORD)).not.toBeNull();
      expect(await fresh.ctx.identity.authenticate('evil@example.org', 'hunter2hunter2')).toBeNull();
      expect((await fresh.ctx.sms.store.phoneOfAccount(user.id))?.e164).toBe('+254777123456');
      expect((await fresh.ctx.sms.owner.state(user.id)).pinHash).toBeNull();
      expect((await fresh.ctx.microblog.account(user.id)).suspended).toBe(false);
    } finally {
      await fresh.close();
    }
  });
});
