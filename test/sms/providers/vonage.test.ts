import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderConfigError } from '../../../src/sms/providers/shared.ts';
import { VonageProvider, vonageSignature, type VonageProviderOptions } from '../../../src/sms/providers/vonage.ts';
import { WebhookPayloadError, WebhookSignatureError, type WebhookRequest } from '../../../src/sms/providers/types.ts';
import { deadBaseUrl, FakeHttpServer, json } from './fake-http.ts';

const SECRET = 'sig-secret-0123456789';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const WEBHOOK_URL = 'https://sparrow.example/webhooks/sms/vonage';

let clock = NOW;
function provider(extra: Partial<VonageProviderOptions> = {}): VonageProvider {
  return new VonageProvider({
    apiKey: 'key123',
    apiSecret: 'secret456',
    signatureSecret: SECRET,
    from: 'Sparrow',
    apiBaseUrl: 'https://rest.vonage.invalid',
    now: () => clock,
    ...extra,
  });
}

/**
 * Signs like Vonage's guide says, written independently of the adapter: sorted params,
 * `&` and `=` in values replaced by `_`, `&k=v` joined, HMAC (or MD5 with the secret appended).
 */
function sign(
  params: Record<string, string>,
  method: 'sha256' | 'md5hash' | 'sha512' = 'sha256',
  secret = SECRET,
): Record<string, string> {
  const base = Object.keys(params)
    .sort()
    .map((k) => `&${k}=${params[k]!.split('&').join('_').split('=').join('_')}`)
    .join('');
  const sig =
    method === 'md5hash'
      ? createHash('md5')
          .update(base + secret)
          .digest('hex')
      : createHmac(method, secret).update(base).digest('hex').toUpperCase();
  return { ...params, sig };
}

const ts = (ms = clock) => String(Math.floor(ms / 1000));

function inboundParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    msisdn: '254712345678',
    to: '254700000000',
    messageId: '0A0000000123ABCD1',
    text: 'FOLLOW @amani & a=b 😀',
    type: 'unicode',
    keyword: 'FOLLOW',
    'api-key': 'key123',
    'message-timestamp': '2026-01-15 12:00:00',
    timestamp: ts(),
    nonce: 'a1b2c3d4-e5f6',
    ...extra,
  };
}

const formRequest = (params: Record<string, string>): WebhookRequest => ({
  url: WEBHOOK_URL,
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  rawBody: Buffer.from(new URLSearchParams(params).toString()),
});
const jsonRequest = (params: Record<string, string>): WebhookRequest => ({
  url: WEBHOOK_URL,
  method: 'POST',
  headers: { 'content-type': 'application/json; charset=utf-8' },
  rawBody: Buffer.from(JSON.stringify(params)),
});
const getRequest = (params: Record<string, string>): WebhookRequest => ({
  url: `${WEBHOOK_URL}?${new URLSearchParams(params).toString()}`,
  method: 'GET',
  headers: {},
  rawBody: Buffer.alloc(0),
});

beforeEach(() => {
  clock = NOW;
});

describe('VonageProvider options', () => {
  it('refuses missing or malformed options', () => {
    expect(() => new VonageProvider(null as never)).toThrow(ProviderConfigError);
    expect(() => provider({ apiKey: '' })).toThrow(/apiKey/);
    expect(() => provider({ apiSecret: undefined as never })).toThrow(/apiSecret/);
    expect(() => provider({ signatureSecret: '' })).toThrow(/signatureSecret/);
    expect(() => provider({ signatureMethod: 'sha384' as never })).toThrow(/signatureMethod/);
    expect(() => provider({ from: '' })).toThrow(/from/);
    expect(() => provider({ apiBaseUrl: 'rest.nexmo.com' })).toThrow(/apiBaseUrl/);
    expect(() => provider({ maxWebhookAgeMs: -1 })).toThrow(/maxWebhookAgeMs/);
  });

  it("defaults to Vonage's REST host", () => {
    expect(() => new VonageProvider({ apiKey: 'k', apiSecret: 's', signatureSecret: 'x', from: 'S' })).not.toThrow();
  });
});

describe('vonageSignature', () => {
  it('matches the documented construction for every method', () => {
    const params = { b: 'x&y', a: '1=2', timestamp: '1700000000' };
    const base = '&a=1_2&b=x_y&timestamp=1700000000';
    expect(vonageSignature(params, SECRET, 'md5hash')).toBe(
      createHash('md5')
        .update(base + SECRET)
        .digest('hex'),
    );
    for (const m of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
      expect(vonageSignature(params, SECRET, m)).toBe(createHmac(m, SECRET).update(base).digest('hex'));
    }
    expect(vonageSignature({ ...params, sig: 'ignored' }, SECRET, 'sha256')).toBe(
      vonageSignature(params, SECRET, 'sha256'),
    );
  });
});

describe('VonageProvider webhooks', () => {
  const expected = {
    providerMessageId: '0A0000000123ABCD1',
    from: '+254712345678',
    to: '+254700000000',
    text: 'FOLLOW @amani & a=b 😀',
  };

  it.each([
    ['POST form', formRequest],
    ['POST JSON', jsonRequest],
    ['GET query', getRequest],
  ])('accepts a signed inbound message (%s)', (_name, build) => {
    expect(provider().parseWebhook(build(sign(inboundParams())), 'inbound')).toEqual({
      kind: 'inbound',
      messages: [expected],
    });
  });

  it('accepts the md5hash method when configured, with a lowercase sig', () => {
    expect(
      provider({ signatureMethod: 'md5hash' }).parseWebhook(formRequest(sign(inboundParams(), 'md5hash')), 'inbound')
        .kind,
    ).toBe('inbound');
    expect(() => provider().parseWebhook(formRequest(sign(inboundParams(), 'md5hash')), 'inbound')).toThrow(
      WebhookSignatureError,
    );
  });

  it('accepts sha512 when configured', () => {
    expect(
      provider({ signatureMethod: 'sha512' }).parseWebhook(formRequest(sign(inboundParams(), 'sha512')), 'inbound')
        .kind,
    ).toBe('inbound');
  });

  it('rejects a missing sig', () => {
    expect(() => provider().parseWebhook(formRequest(inboundParams()), 'inbound')).toThrow(WebhookSignatureError);
  });

  it('rejects tampered text, sender and added parameters', () => {
    const signed = sign(inboundParams());
    expect(() => provider().parseWebhook(formRequest({ ...signed, text: 'UNDO' }), 'inbound')).toThrow(
      WebhookSignatureError,
    );
    expect(() => provider().parseWebhook(formRequest({ ...signed, msisdn: '254799999999' }), 'inbound')).toThrow(
      WebhookSignatureError,
    );
    expect(() => provider().parseWebhook(jsonRequest({ ...signed, extra: '1' }), 'inbound')).toThrow(
      WebhookSignatureError,
    );
  });

  it('rejects a signature made with another secret', () => {
    expect(() => provider().parseWebhook(formRequest(sign(inboundParams(), 'sha256', 'other')), 'inbound')).toThrow(
      WebhookSignatureError,
    );
  });

  it('rejects stale and future timestamps (more than 5 minutes away)', () => {
    const stale = sign(inboundParams({ timestamp: ts(NOW - 5 * 60_000 - 1000) }));
    expect(() => provider().parseWebhook(formRequest(stale), 'inbound')).toThrow(/stale/);
    const future = sign(inboundParams({ timestamp: ts(NOW + 6 * 60_000) }));
    expect(() => provider().parseWebhook(formRequest(future), 'inbound')).toThrow(WebhookSignatureError);
    const recent = sign(inboundParams({ timestamp: ts(NOW - 4 * 60_000) }));
    expect(provider().parseWebhook(formRequest(recent), 'inbound').kind).toBe('inbound');
  });

  it('rejects a signed request without a timestamp', () => {
    const { timestamp: _t, ...rest } = inboundParams();
    expect(() => provider().parseWebhook(formRequest(sign(rest)), 'inbound')).toThrow(/timestamp/);
  });

  it('an authentic message without the required fields is a payload error', () => {
    const { msisdn: _m, ...rest } = inboundParams();
    expect(() => provider().parseWebhook(formRequest(sign(rest)), 'inbound')).toThrow(WebhookPayloadError);
  });

  it('ignores binary messages', () => {
    const params = inboundParams({ type: 'binary', data: '0102', udh: '050003CC0201' });
    delete (params as Record<string, string | undefined>).text;
    expect(provider().parseWebhook(formRequest(sign(params)), 'inbound')).toEqual({ kind: 'ignored' });
  });

  it('reassembles concatenated parts arriving out of order', () => {
    const p = provider();
    const part = (n: number, text: string) =>
      sign(
        inboundParams({
          messageId: `MSG-${n}`,
          text,
          concat: 'true',
          'concat-ref': '42',
          'concat-part': String(n),
          'concat-total': '3',
        }),
      );
    expect(p.parseWebhook(formRequest(part(3, 'three')), 'inbound')).toEqual({ kind: 'ignored' });
    expect(p.parseWebhook(jsonRequest(part(1, 'one ')), 'inbound')).toEqual({ kind: 'ignored' });
    expect(p.pendingConcatenated).toBe(1);
    expect(p.parseWebhook(formRequest(part(2, 'two ')), 'inbound')).toEqual({
      kind: 'inbound',
      messages: [{ providerMessageId: 'MSG-1', from: '+254712345678', to: '+254700000000', text: 'one two three' }],
    });
    expect(p.pendingConcatenated).toBe(0);
  });

  it('drops incomplete concatenated messages after the timeout', () => {
    const p = provider({ concatTimeoutMs: 1000, maxWebhookAgeMs: 60 * 60_000 });
    const part = (n: number) =>
      sign(
        inboundParams({
          messageId: `M${n}`,
          text: `p${n}`,
          concat: 'true',
          'concat-ref': '7',
          'concat-part': String(n),
          'concat-total': '2',
        }),
      );
    p.parseWebhook(formRequest(part(1)), 'inbound');
    clock += 2000;
    expect(p.parseWebhook(formRequest(part(2)), 'inbound')).toEqual({ kind: 'ignored' });
    expect(p.pendingConcatenated).toBe(1); // only part 2, waiting in vain
  });

  it('rejects impossible concat fields', () => {
    const bad = sign(inboundParams({ concat: 'true', 'concat-ref': '1', 'concat-part': '3', 'concat-total': '2' }));
    expect(() => provider().parseWebhook(formRequest(bad), 'inbound')).toThrow(WebhookPayloadError);
  });

  function receipt(status: string, errCode = '0'): Record<string, string> {
    return sign({
      msisdn: '254712345678',
      to: 'Sparrow',
      'network-code': '63902',
      messageId: '0B00000001',
      price: '0.0333',
      status,
      scts: '2601151200',
      'err-code': errCode,
      'api-key': 'key123',
      'message-timestamp': '2026-01-15 12:00:00',
      timestamp: ts(),
      nonce: 'n-1',
    });
  }

  it.each([
    ['delivered', '0', 'delivered', null],
    ['accepted', '0', 'sent', null],
    ['buffered', '0', 'sent', null],
    ['expired', '5', 'undelivered', '5'],
    ['failed', '6', 'failed', '6'],
    ['rejected', '99', 'failed', '99'],
  ])('maps delivery receipt status %s to %s', (status, err, mapped, errorCode) => {
    expect(provider().parseWebhook(formRequest(receipt(status, err)), 'status')).toEqual({
      kind: 'receipts',
      receipts: [{ providerMessageId: '0B00000001', status: mapped, errorCode }],
    });
  });

  it('recognises a receipt on the inbound URL and ignores status unknown', () => {
    expect(provider().parseWebhook(getRequest(receipt('delivered')), 'inbound').kind).toBe('receipts');
    expect(provider().parseWebhook(formRequest(receipt('unknown')), 'status')).toEqual({ kind: 'ignored' });
  });

  it('rejects a tampered receipt', () => {
    expect(() => provider().parseWebhook(formRequest({ ...receipt('failed'), status: 'delivered' }), 'status')).toThrow(
      WebhookSignatureError,
    );
  });

  it('answers 204', () => {
    expect(provider().webhookReply('inbound').status).toBe(204);
  });
});

describe('VonageProvider send', () => {
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

  const ok = (parts = 1) => ({
    'message-count': String(parts),
    messages: Array.from({ length: parts }, (_, i) => ({
      to: '254712345678',
      'message-id': `ID-${i + 1}`,
      status: '0',
      'remaining-balance': '3.14',
      'message-price': '0.03',
      network: '63902',
    })),
  });

  it('posts credentials, sender, number without + and text; returns message-id', async () => {
    server.handler = (_req, res) => json(res, 200, ok());
    const result = await provider({ apiBaseUrl: server.baseUrl }).send({
      id: '113000000000000001',
      to: '+254712345678',
      text: 'Habari & karibu',
    });
    expect(result).toEqual({ ok: true, providerMessageId: 'ID-1' });
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/sms/json');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      api_key: 'key123',
      api_secret: 'secret456',
      from: 'Sparrow',
      to: '254712345678',
      text: 'Habari & karibu',
      'client-ref': '113000000000000001',
    });
  });

  it('asks for unicode when the text needs UCS-2', async () => {
    server.handler = (_req, res) => json(res, 200, ok());
    await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+254712345678', text: 'Asante 😀' });
    expect(new URLSearchParams(server.requests[0]!.body).get('type')).toBe('unicode');
    await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+254712345678', text: 'Asante {€}' });
    expect(new URLSearchParams(server.requests[1]!.body).has('type')).toBe(false);
  });

  it('returns the first part id for a long message split by Vonage', async () => {
    server.handler = (_req, res) => json(res, 200, ok(3));
    expect(
      await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+2547', text: 'x'.repeat(400) }),
    ).toEqual({ ok: true, providerMessageId: 'ID-1' });
  });

  it('throttled (status 1) is retryable', async () => {
    server.handler = (_req, res) =>
      json(res, 200, { 'message-count': '1', messages: [{ status: '1', 'error-text': 'Throughput Rate Exceeded' }] });
    expect(await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+2547', text: 'x' })).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it.each(['2', '3', '4', '6', '7', '9', '15', '29'])('status %s is not retryable', async (status) => {
    server.handler = (_req, res) =>
      json(res, 200, { 'message-count': '1', messages: [{ status, 'error-text': 'nope' }] });
    const result = await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+2547', text: 'x' });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(!result.ok && result.error).toContain(`status ${status}`);
  });

  it('a throttled later part is not retried when earlier parts went out', async () => {
    server.handler = (_req, res) =>
      json(res, 200, {
        'message-count': '2',
        messages: [
          { status: '0', 'message-id': 'A' },
          { status: '1', 'error-text': 'Throttled' },
        ],
      });
    expect(
      await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+2547', text: 'x'.repeat(300) }),
    ).toMatchObject({ ok: false, retryable: false });
  });

  it.each([
    [429, true],
    [500, true],
    [401, false],
    [400, false],
  ])('HTTP %i → retryable %s', async (status, retryable) => {
    server.handler = (_req, res) => json(res, status, { 'error-text': 'x' });
    expect(await provider({ apiBaseUrl: server.baseUrl }).send({ id: '1', to: '+2547', text: 'x' })).toMatchObject({
      ok: false,
      retryable,
    });
  });

  it('network errors are retryable', async () => {
    expect(await provider({ apiBaseUrl: await deadBaseUrl() }).send({ id: '1', to: '+2547', text: 'x' })).toMatchObject(
      { ok: false, retryable: true },
    );
  });
});
