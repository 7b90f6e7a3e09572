import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { apiHarness } from '../api/helpers.ts';

const KE = '+254712345678';

describe('phone simulator (/dev/phone)', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await smsHarness('sqlite');
  });
  afterAll(async () => h?.close());

  it('links a number, texts a post and shows replies, all without JavaScript', async () => {
    const user = await h.user('wanjiru');
    await h.enableCountry('KE');
    // The code requested through the API shows up on the simulated phone.
    await h.app.inject({ method: 'POST', url: '/api/v1/sparrow/phone', headers: user.auth, payload: { number: KE } });
    await h.drain();
    const phonePage = await h.app.inject({ url: `/dev/phone?number=${encodeURIComponent(KE)}` });
    expect(phonePage.statusCode).toBe(200);
    expect(phonePage.headers['content-type']).toMatch(/text\/html/);
    const code = /Your Sparrow code is (\d{6})/.exec(phonePage.body)?.[1];
    expect(code).toBeDefined();
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/phone/verify',
          headers: user.auth,
          payload: { code },
        })
      ).statusCode,
    ).toBe(200);
    await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: user.auth,
      payload: { posting: true },
    });

    const sent = await h.app.inject({
      method: 'POST',
      url: '/dev/phone',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ number: KE, text: 'Posted from the simulator' }).toString(),
    });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/dev/phone?number=${encodeURIComponent(KE)}&outcome=posted`);
    const timeline = await h.ctx.microblog.accountTimeline(null, user.id, { limit: 1 });
    expect(timeline[0]?.post).toMatchObject({ text: 'Posted from the simulator', source: 'sms' });

    await h.app.inject({
      method: 'POST',
      url: '/dev/phone',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ number: KE, text: 'HELP' }).toString(),
    });
    await h.drain();
    const after = await h.app.inject({ url: `/dev/phone?number=${encodeURIComponent(KE)}&outcome=help` });
    expect(after.body).toContain('Sparrow: text to post.');
    expect(after.body).toContain('Sparrow: help');
    expect(Buffer.byteLength(after.body)).toBeLessThan(30 * 1024);
  });

  it('runs a USSD session without a carrier: dial, read the menu, post', async () => {
    const user = (await h.ctx.microblog.lookup('wanjiru'))!;
    const form = (fields: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/dev/phone/ussd',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ number: KE, ...fields }).toString(),
      });
    const start = await h.app.inject({ url: `/dev/phone/ussd?number=${encodeURIComponent(KE)}` });
    expect(start.body).toContain('Dial *384*123#');
    const menu = await form({ dial: '1' });
    expect(menu.body, menu.body.slice(-900)).toContain('1 Latest posts');
    const hidden = (body: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1] ?? '';
    const session = hidden(menu.body, 'session');
    expect(session).toMatch(/^dev-/);
    const write = await form({ session, text: hidden(menu.body, 'text'), input: '2' });
    expect(write.body).toContain('Write your post:');
    const done = await form({ session, text: hidden(write.body, 'text'), input: 'Posted by USSD' });
    expect(done.body).toContain('Posted.');
    expect(done.body).toContain('Session ended.');
    const timeline = await h.ctx.microblog.accountTimeline(null, user.id, { limit: 1 });
    expect(timeline[0]?.post.text).toBe('Posted by USSD');
    expect(Buffer.byteLength(done.body)).toBeLessThan(30 * 1024);
  });

  it('escapes what it shows and refuses bad input', async () => {
    await h.ctx.sms.outbox.enqueue([
      { to: KE, country: 'KE', text: '<script>alert(1)</script>', messageClass: 'security', purpose: 'test' },
    ]);
    await h.drain();
    const res = await h.app.inject({ url: `/dev/phone?number=${encodeURIComponent(KE)}&outcome=<b>x</b>` });
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).not.toContain('<b>x</b>');
    const bad = await h.app.inject({
      method: 'POST',
      url: '/dev/phone',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'number=123&text=hi',
    });
    expect(bad.statusCode).toBe(422);
  });

  it('does not exist with a real provider', async () => {
    const real = await apiHarness('sqlite', {
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: 'AC1',
      SPARROW_TWILIO_AUTH_TOKEN: 't',
      SPARROW_TWILIO_FROM: '+15005550006',
    });
    try {
      expect((await real.app.inject({ url: '/dev/phone' })).statusCode).toBe(404);
      expect(
        (await real.app.inject({ method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { from: KE, text: 'x' } }))
          .statusCode,
      ).toBe(404);
    } finally {
      await real.close();
    }
  });
});
