import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AndroidGatewayProvider,
  type AndroidGatewayProviderOptions,
} from '../../../src/sms/providers/android-gateway.ts';
import { ProviderConfigError } from '../../../src/sms/providers/shared.ts';
import { WebhookPayloadError, WebhookSignatureError, type WebhookRequest } from '../../../src/sms/providers/types.ts';
import { deadBaseUrl, FakeHttpServer, json } from './fake-http.ts';

const KEY = 'signing-key-abc123';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
let clock = NOW;

function provider(extra: Partial<AndroidGatewayProviderOptions> = {}): AndroidGatewayProvider {
  return new AndroidGatewayProvider({
    baseUrl: 'http://gateway.invalid:8080',
    username: 'sms',
    password: 'p4ss',
    signingKey: KEY,
    now: () => clock,
    ...extra,
  });
}

/** Signs exactly as the app documents: hex HMAC-SHA256(key, rawBody + X-Timestamp). */
function signed(body: string, timestamp = String(Math.floor(clock / 1000)), key = KEY): WebhookRequest {
  const signature = createHmac('sha256', key)
    .update(body + timestamp)
    .digest('hex');
  return {
    url: 'https://sparrow.example/webhooks/sms/android-gateway',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': signature, 'x-timestamp': timestamp },
    rawBody: Buffer.from(body, 'utf8'),
  };
}

const received = (payload: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
  JSON.stringify({
    deviceId: 'ffffffffceb0b1db0000018e937c815b',
    event: 'sms:received',
    id: 'Ey6ECgOkVVFjz3CL48B8C',
    webhookId: 'sparrow',
    payload: {
      messageId: 'abc123',
      message: 'FOLLOW @amani 😀',
      phoneNumber: '+254712345678',
      sender: '+254712345678',
      recipient: '+254700000000',
      simNumber: 1,
      receivedAt: '2026-01-15T15:00:00.000+03:00',
      ...payload,
    },
    ...top,
  });

beforeEach(() => {
  clock = NOW;
});

describe('AndroidGatewayProvider options', () => {
  it('refuses missing or malformed options', () => {
    expect(() => new AndroidGatewayProvider(undefined as never)).toThrow(ProviderConfigError);
    expect(() => provider({ baseUrl: '' })).toThrow(/baseUrl/);
    expect(() => provider({ baseUrl: 'gateway:8080' })).toThrow(/baseUrl/);
    expect(() => provider({ username: '' })).toThrow(/username/);
    expect(() => provider({ username: 'a:b' })).toThrow(/username/);
    expect(() => provider({ password: '' })).toThrow(/password/);
    expect(() => provider({ signingKey: '' })).toThrow(/signingKey/);
    expect(() => provider({ simNumber: 4 })).toThrow(/simNumber/);
    expect(() => provider({ sendPath: 'message' })).toThrow(/sendPath/);
  });
});

describe('AndroidGatewayProvider webhooks', () => {
  it('accepts a signed sms:received and uses the event id for dedupe', () => {
    expect(provider().parseWebhook(signed(received()), 'inbound')).toEqual({
      kind: 'inbound',
      messages: [
        {
          providerMessageId: 'Ey6ECgOkVVFjz3CL48B8C',
          from: '+254712345678',
          to: '+254700000000',
          text: 'FOLLOW @amani 😀',
        },
      ],
    });
  });

  it('reads older payloads (phoneNumber only, no recipient) with the configured device number', () => {
    const body = JSON.stringify({
      deviceId: 'd',
      event: 'sms:received',
      id: 'E1',
      payload: { message: 'hi', phoneNumber: '6505551212', receivedAt: '2024-06-22T15:46:11.000+07:00' },
      webhookId: 'w',
    });
    expect(provider({ deviceNumber: '+15550001111' }).parseWebhook(signed(body), 'inbound')).toEqual({
      kind: 'inbound',
      messages: [{ providerMessageId: 'E1', from: '6505551212', to: '+15550001111', text: 'hi' }],
    });
  });

  it('accepts an uppercase hex signature', () => {
    const request = signed(received());
    request.headers['x-signature'] = request.headers['x-signature']!.toUpperCase();
    expect(provider().parseWebhook(request, 'inbound').kind).toBe('inbound');
  });

  it('rejects missing headers', () => {
    const noSig = signed(received());
    delete noSig.headers['x-signature'];
    expect(() => provider().parseWebhook(noSig, 'inbound')).toThrow(WebhookSignatureError);
    const noTs = signed(received());
    delete noTs.headers['x-timestamp'];
    expect(() => provider().parseWebhook(noTs, 'inbound')).toThrow(WebhookSignatureError);
  });

  it('rejects a tampered body, a tampered timestamp and another key', () => {
    const request = signed(received());
    expect(() =>
      provider().parseWebhook({ ...request, rawBody: Buffer.from(received({ message: 'UNDO' })) }, 'inbound'),
    ).toThrow(WebhookSignatureError);
    // Re-serialised JSON with the same meaning is not the signed bytes either.
    expect(() =>
      provider().parseWebhook(
        { ...request, rawBody: Buffer.from(JSON.stringify(JSON.parse(received()), null, 1)) },
        'inbound',
      ),
    ).toThrow(WebhookSignatureError);
    const ts = String(Math.floor(clock / 1000) - 1);
    expect(() =>
      provider().parseWebhook({ ...request, headers: { ...request.headers, 'x-timestamp': ts } }, 'inbound'),
    ).toThrow(WebhookSignatureError);
    expect(() => provider().parseWebhook(signed(received(), undefined, 'other-key'), 'inbound')).toThrow(
      WebhookSignatureError,
    );
  });

  it('rejects stale and far-future timestamps (replay protection)', () => {
    const stale = signed(received(), String(Math.floor((NOW - 6 * 60_000) / 1000)));
    expect(() => provider().parseWebhook(stale, 'inbound')).toThrow(/stale/);
    const future = signed(received(), String(Math.floor((NOW + 6 * 60_000) / 1000)));
    expect(() => provider().parseWebhook(future, 'inbound')).toThrow(WebhookSignatureError);
    const recent = signed(received(), String(Math.floor((NOW - 4 * 60_000) / 1000)));
    expect(provider().parseWebhook(recent, 'inbound').kind).toBe('inbound');
    const millis = signed(received(), String(NOW));
    expect(() => provider().parseWebhook(millis, 'inbound')).toThrow(WebhookSignatureError);
  });

  it.each([
    ['sms:sent', { messageId: 'M1', phoneNumber: '+254712345678', sentAt: '2026-01-15T12:00:00Z' }, 'sent', null],
    [
      'sms:delivered',
      { messageId: 'M1', phoneNumber: '+254712345678', deliveredAt: '2026-01-15T12:00:05Z' },
      'delivered',
      null,
    ],
    [
      'sms:failed',
      {
        messageId: 'M1',
        phoneNumber: '+254712345678',
        failedAt: '2026-01-15T12:00:05Z',
        reason: 'RESULT_ERROR_GENERIC_FAILURE',
      },
      'failed',
      'RESULT_ERROR_GENERIC_FAILURE',
    ],
  ])('maps %s to a receipt', (event, payload, status, errorCode) => {
    const body = JSON.stringify({ deviceId: 'd', event, id: 'E2', payload, webhookId: 'w' });
    expect(provider().parseWebhook(signed(body), 'status')).toEqual({
      kind: 'receipts',
      receipts: [{ providerMessageId: 'M1', status, errorCode }],
    });
  });

  it('ignores pings and other events', () => {
    for (const event of ['system:ping', 'sms:data-received', 'mms:received']) {
      expect(
        provider().parseWebhook(
          signed(JSON.stringify({ deviceId: 'd', event, id: 'E3', payload: {}, webhookId: 'w' })),
          'inbound',
        ),
      ).toEqual({ kind: 'ignored' });
    }
  });

  it('an authentic but unreadable payload is a payload error', () => {
    expect(() => provider().parseWebhook(signed('not json'), 'inbound')).toThrow(WebhookPayloadError);
    expect(() =>
      provider().parseWebhook(
        signed(JSON.stringify({ event: 'sms:received', id: 'x', payload: { message: 'hi' } })),
        'inbound',
      ),
    ).toThrow(WebhookPayloadError);
    expect(() =>
      provider().parseWebhook(signed(JSON.stringify({ event: 'sms:failed', payload: {} })), 'status'),
    ).toThrow(WebhookPayloadError);
  });
});

describe('AndroidGatewayProvider send', () => {
  const server = new FakeHttpServer();
  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  const accept = () => {
    server.handler = (req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('sms:p4ss').toString('base64')}`)
        return json(res, 401, { message: 'Unauthorized' });
      json(res, 202, {
        id: 'zXDYfTmTVf3iMd16zzdBj',
        state: 'Pending',
        isHashed: false,
        isEncrypted: false,
        recipients: [{ phoneNumber: '+254712345678', state: 'Pending' }],
      });
    };
  };

  it('posts a textMessage with basic auth to baseUrl + /message and returns the id', async () => {
    accept();
    const result = await provider({ baseUrl: `${server.baseUrl}/3rdparty/v1` }).send({
      id: '1',
      to: '+254712345678',
      text: 'Habari 😀',
    });
    expect(result).toEqual({ ok: true, providerMessageId: 'zXDYfTmTVf3iMd16zzdBj' });
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/3rdparty/v1/message');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      textMessage: { text: 'Habari 😀' },
      phoneNumbers: ['+254712345678'],
      withDeliveryReport: true,
    });
  });

  it('can send the legacy message field, a SIM choice and another path', async () => {
    accept();
    await provider({ baseUrl: server.baseUrl, legacyMessageField: true, simNumber: 2, sendPath: '/messages' }).send({
      id: '1',
      to: '+254712345678',
      text: 'hi',
    });
    expect(server.requests[0]!.url).toBe('/messages');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      message: 'hi',
      phoneNumbers: ['+254712345678'],
      withDeliveryReport: true,
      simNumber: 2,
    });
  });

  it('wrong credentials are not retryable', async () => {
    accept();
    expect(
      await provider({ baseUrl: server.baseUrl, password: 'wrong' }).send({ id: '1', to: '+2547', text: 'x' }),
    ).toMatchObject({ ok: false, retryable: false });
  });

  it.each([
    [400, false],
    [429, true],
    [500, true],
    [502, true],
  ])('HTTP %i → retryable %s', async (status, retryable) => {
    server.handler = (_req, res) => json(res, status, { message: 'x' });
    expect(await provider({ baseUrl: server.baseUrl }).send({ id: '1', to: '+2547', text: 'x' })).toMatchObject({
      ok: false,
      retryable,
    });
  });

  it('an unreachable phone is retryable', async () => {
    expect(await provider({ baseUrl: await deadBaseUrl() }).send({ id: '1', to: '+2547', text: 'x' })).toMatchObject({
      ok: false,
      retryable: true,
    });
  });
});
