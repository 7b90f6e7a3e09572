import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPushTransport } from '../../src/push/index.ts';
import { isPublicAddress } from '../../src/shared/network.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

/** Push endpoints in production: https to public push services only (no SSRF into the server's network). */
describe.each(ENGINES)('push endpoints on $label', ({ name, skip }) => {
  let api: ApiHarness;
  beforeAll(async () => {
    if (!skip) api = await apiHarness(name);
  });
  afterAll(async () => api?.close());

  const keys = () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
  };

  it.skipIf(skip)('refuses plain http, loopback, private and link-local endpoints', async () => {
    const user = await api.user(`pusher${Date.now() % 100000}`, 'read push');
    const subscribe = (endpoint: string) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/push/subscription',
        headers: user.auth,
        payload: { subscription: { endpoint, keys: keys() }, data: { alerts: { mention: true } } },
      });
    for (const endpoint of [
      'http://push.example.com/send/1',
      'https://127.0.0.1/send',
      'https://localhost/send',
      'https://[::1]/send',
      'https://10.0.0.7/send',
      'https://192.168.1.1/send',
      'https://169.254.169.254/latest/meta-data',
      'https://intranet/send',
      'ftp://push.example.com/',
    ]) {
      const response = await subscribe(endpoint);
      expect(response.statusCode, endpoint).toBe(422);
      expect(response.json().error).toContain('subscription[endpoint]');
    }
    const ok = await subscribe('https://push.example.com/send/abc');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ endpoint: 'https://push.example.com/send/abc', alerts: { mention: true } });
    // Form spelling, as some apps send it.
    const k = keys();
    const form = await api.app.inject({
      method: 'POST',
      url: '/api/v1/push/subscription',
      headers: { ...user.auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        'subscription[endpoint]': 'https://push.example.com/send/form',
        'subscription[keys][p256dh]': k.p256dh,
        'subscription[keys][auth]': k.auth,
        'data[alerts][follow]': 'true',
        'data[policy]': 'followed',
      }).toString(),
    });
    expect(form.statusCode).toBe(200);
    expect(form.json()).toMatchObject({ alerts: { follow: true, mention: false }, policy: 'followed' });
    const badPolicy = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/push/subscription',
      headers: user.auth,
      payload: { data: { policy: 'everyone' } },
    });
    expect(badPolicy.statusCode).toBe(422);
  });
});

describe('the push transport', () => {
  it('never connects to a non-public address unless allowed', async () => {
    const send = httpPushTransport({ allowInsecure: false });
    for (const endpoint of [
      'https://127.0.0.1:9/x',
      'https://localhost:9/x',
      'https://[::1]:9/x',
      'http://push.example.com/x',
    ])
      await expect(send({ endpoint, headers: {}, body: null }), endpoint).rejects.toThrow(/public|https/);
  });

  it('tells public addresses from the rest', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      'nonsense',
    ])
      expect(isPublicAddress(ip), ip).toBe(false);
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isPublicAddress(ip), ip).toBe(true);
  });
});
