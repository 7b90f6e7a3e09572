import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { privacyHarness, type PrivacyHarness, type PrivacyUser } from './helpers.ts';

describe.each(ENGINES)('contact points and purposes on $label', ({ name, skip }) => {
  let h: PrivacyHarness;
  let alice: PrivacyUser;
  let bob: PrivacyUser;

  beforeAll(async () => {
    if (skip) return;
    h = await privacyHarness(name);
    alice = await h.user('alice', { phone: '+254712345678', email: ' Alice@Example.org ' });
    bob = await h.user('bob', { email: 'bob@example.org' });
  });
  afterAll(async () => h?.close());

  const list = async (user: PrivacyUser) => {
    const res = await h.app.inject({ url: '/api/v1/sparrow/contact_points', headers: user.auth });
    expect(res.statusCode).toBe(200);
    return res.json() as {
      id: string;
      kind: string;
      value: string;
      masked: string;
      verified: boolean;
      purposes: Record<string, { enabled: boolean; since: string | null }>;
      uses: Record<string, number>;
    }[];
  };
  const patch = (user: PrivacyUser, payload: unknown) =>
    h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/contact_points',
      headers: user.auth,
      payload: payload as object,
    });

  it.skipIf(skip)(
    'derives contact points from existing e-mail and phone: security implies authentication only, a bound SMS phone adds sms_channel',
    async () => {
      const points = await list(alice);
      expect(points.map((p) => p.kind).sort()).toEqual(['email', 'phone']);
      const email = points.find((p) => p.kind === 'email')!;
      const phone = points.find((p) => p.kind === 'phone')!;
      expect(email.value).toBe('alice@example.org');
      expect(email.masked).toBe('a••••@example.org');
      expect(email.verified).toBe(false);
      expect(phone).toMatchObject({ value: '+254712345678', masked: '+254•••••••78', verified: true });
      const enabled = (p: (typeof points)[number]) =>
        Object.entries(p.purposes)
          .filter(([, s]) => s.enabled)
          .map(([k]) => k)
          .sort();
      expect(enabled(email)).toEqual(['authentication']);
      expect(enabled(phone)).toEqual(['authentication', 'sms_channel']);
      expect(phone.purposes.discovery).toEqual({ enabled: false, since: null });
      // Idempotent: a second read creates nothing new.
      expect((await list(alice)).map((p) => p.id)).toEqual(points.map((p) => p.id));
    },
  );

  it.skipIf(skip)('switches purposes with timestamped, revocable consent records', async () => {
    const phone = (await list(alice)).find((p) => p.kind === 'phone')!;
    const on = await patch(alice, { id: phone.id, purposes: { discovery: true, advertising: true } });
    expect(on.statusCode).toBe(200);
    expect(on.json().purposes.discovery).toEqual({ enabled: true, since: h.clock.now().toISOString() });
    h.clock.advance(60_000);
    const off = await patch(alice, { id: phone.id, purposes: { advertising: false } });
    expect(off.json().purposes).toMatchObject({
      discovery: { enabled: true },
      advertising: { enabled: false, since: null },
    });
    const history = await h.app.inject({ url: `/api/v1/sparrow/contact_points/${phone.id}/uses`, headers: alice.auth });
    expect(history.statusCode).toBe(200);
    const consents = history.json().consents as { purpose: string; action: string; source: string }[];
    expect(consents.map((c) => `${c.source}:${c.action}:${c.purpose}`).sort()).toEqual(
      [
        'implied:grant:authentication',
        'implied:grant:sms_channel',
        'owner:grant:advertising',
        'owner:grant:discovery',
        'owner:revoke:advertising',
      ].sort(),
    );
  });

  it.skipIf(skip)(
    "refuses switching authentication off, unknown purposes, bad values and other people's contacts",
    async () => {
      const phone = (await list(alice)).find((p) => p.kind === 'phone')!;
      expect((await patch(alice, { id: phone.id, purposes: { authentication: false } })).statusCode).toBe(422);
      expect((await patch(alice, { id: phone.id, purposes: { marketing: true } })).statusCode).toBe(422);
      expect((await patch(alice, { id: phone.id, purposes: { discovery: 'yes' } })).statusCode).toBe(422);
      expect((await patch(alice, { id: phone.id })).statusCode).toBe(422);
      expect((await patch(bob, { id: phone.id, purposes: { discovery: false } })).statusCode).toBe(404);
      expect(
        (await h.app.inject({ url: `/api/v1/sparrow/contact_points/${phone.id}/uses`, headers: bob.auth })).statusCode,
      ).toBe(404);
      expect((await h.app.inject({ url: '/api/v1/sparrow/contact_points' })).statusCode).toBe(401);
      // Nothing changed for alice.
      expect((await list(alice)).find((p) => p.kind === 'phone')!.purposes.discovery?.enabled).toBe(true);
    },
  );

  it.skipIf(skip)(
    'drops a contact point when its phone is unbound; consent does not follow the number to a new holder',
    async () => {
      const carol = await h.user('carol', { phone: '+254733111222' });
      await h.allow(carol, 'phone', { discovery: true });
      await h.ctx.sms.phones.unbind(carol.id);
      expect((await list(carol)).filter((p) => p.kind === 'phone')).toEqual([]);
      const dave = await h.user('dave', { phone: '+254733111222' });
      const phone = (await list(dave)).find((p) => p.kind === 'phone')!;
      expect(phone.purposes.discovery?.enabled).toBe(false);
    },
  );

  it.skipIf(skip)('records uses other modules report (e.g. a 2FA code sent) for the owner to see', async () => {
    await h.ctx.privacy.contactPoints.recordUse(
      { accountId: alice.id, kind: 'phone', value: '+254712345678' },
      'authentication',
      'verification_code_sent',
    );
    const phone = (await list(alice)).find((p) => p.kind === 'phone')!;
    expect(phone.uses.verification_code_sent).toBe(1);
    const history = await h.app.inject({ url: `/api/v1/sparrow/contact_points/${phone.id}/uses`, headers: alice.auth });
    expect(history.json().uses[0]).toMatchObject({ purpose: 'authentication', kind: 'verification_code_sent' });
  });
});
