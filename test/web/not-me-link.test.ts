import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { securityHarness, type SecurityHarness } from '../security/helpers.ts';

describe.each(ENGINES)('the one-step "this wasn\'t me" link in the e-mail on $label', ({ name, skip }) => {
  let h: SecurityHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await securityHarness(name);
    await h.enableCountry('KE');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)(
    'removes the SMS posts and locks SMS posting from the e-mail, without signing in; forged or expired links do nothing',
    async () => {
      const owner = await h.person('mailed', { phone: '+254712355001' });
      await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/sms_settings',
        headers: owner.auth,
        payload: { posting: true },
      });
      const texted = await h.text('+254712355001', 'posted by whoever holds the SIM');
      expect(texted.post_id).not.toBeNull();
      const second = await h.text('+254712355001', 'and another one');
      expect(second.post_id).not.toBeNull();
      await h.settle();
      // Two SMS posts within ten minutes: two in-app events, one e-mail.
      expect(h.mailTo(owner.email).filter((m) => m.subject.includes('New post by SMS'))).toHaveLength(1);
      const events = (await h.app.inject({ url: '/api/v1/sparrow/security_events', headers: owner.auth })).json() as {
        kind: string;
      }[];
      expect(events.filter((e) => e.kind === 'sms_post')).toHaveLength(2);
      const mail = h.mailTo(owner.email).find((m) => m.subject.includes('New post by SMS'))!;
      const link = /(https:\/\/sparrow\.example\/sms\/not-me\?t=\S+)/.exec(mail.text)![1]!;
      const path = link.replace('https://sparrow.example', '');
      const token = new URL(link).searchParams.get('t')!;

      // Opening the link (as mail scanners do) changes nothing.
      const page = await h.app.inject({ url: path });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Remove them and lock SMS posting');
      expect((await h.app.inject({ url: `/api/v1/statuses/${texted.post_id}` })).statusCode).toBe(200);

      const forged = await h.app.inject({
        method: 'POST',
        url: '/sms/not-me',
        payload: { t: `${owner.id}.9999999999.${'A'.repeat(43)}` },
      });
      expect(forged.statusCode).toBe(400);
      const done = await h.app.inject({ method: 'POST', url: '/sms/not-me', payload: { t: token } });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('2 posts made by SMS were removed');
      expect((await h.app.inject({ url: `/api/v1/statuses/${texted.post_id}` })).statusCode).toBe(404);
      expect((await h.app.inject({ url: '/api/v1/sparrow/sms_settings', headers: owner.auth })).json()).toMatchObject({
        locked: true,
      });

      // After 7 days the link is dead.
      h.clock.advance(8 * 24 * 3600_000);
      expect((await h.app.inject({ method: 'POST', url: '/sms/not-me', payload: { t: token } })).statusCode).toBe(400);
    },
  );
});
