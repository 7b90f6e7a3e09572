import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';

describe.each(ENGINES)('the sms_channel purpose governs the SMS channel on $label', ({ name, skip }) => {
  let h: SmsHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)(
    'revoking sms_channel stops SMS posting and notifications; turning SMS on again grants it again',
    async () => {
      const user = await h.smsUser('texter', '+254712366001', 'KE');
      expect((await h.text('+254712366001', 'first by text')).post_id).not.toBeNull();
      const points = (await h.app.inject({ url: '/api/v1/sparrow/contact_points', headers: user.auth })).json() as {
        id: string;
        kind: string;
        purposes: Record<string, { enabled: boolean }>;
      }[];
      const phone = points.find((p) => p.kind === 'phone')!;
      expect(phone.purposes.sms_channel!.enabled).toBe(true);

      const revoked = await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/contact_points',
        headers: user.auth,
        payload: { id: phone.id, purposes: { sms_channel: false } },
      });
      expect(revoked.statusCode).toBe(200);
      const settings = (await h.app.inject({ url: '/api/v1/sparrow/sms_settings', headers: user.auth })).json();
      expect(settings).toMatchObject({ posting: false, notifications: false });
      const refused = await h.text('+254712366001', 'must not be posted');
      expect(refused.post_id).toBeNull();
      expect(refused.outcome).toBe('refused_settings');

      await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/sms_settings',
        headers: user.auth,
        payload: { posting: true },
      });
      const again = (
        await h.app.inject({ url: `/api/v1/sparrow/contact_points/${phone.id}/uses`, headers: user.auth })
      ).json() as {
        contact_point: { purposes: Record<string, { enabled: boolean }> };
        consents: { purpose: string; action: string }[];
      };
      expect(again.contact_point.purposes.sms_channel!.enabled).toBe(true);
      expect(again.consents.filter((c) => c.purpose === 'sms_channel').map((c) => c.action)).toEqual([
        'grant',
        'revoke',
        'grant',
      ]);
      expect((await h.text('+254712366001', 'back by text')).post_id).not.toBeNull();
    },
  );
});
