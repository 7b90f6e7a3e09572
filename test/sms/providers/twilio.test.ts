import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderConfigError } from '../../../src/sms/providers/shared.ts';
import { TwilioProvider, twilioSignature } from '../../../src/sms/providers/twilio.ts';
import { WebhookPayloadError, WebhookSignatureError, type WebhookRequest } from '../../../src/sms/providers/types.ts';
import { deadBaseUrl, FakeHttpServer, json } from './fake-http.ts';

const AUTH_TOKEN = '12345678901234567890123456789012';
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const URL_INBOUND = 'https://sparrow.example/webhooks/sms/twilio';
const URL_STATUS = 'https://sparrow.example/webhooks/sms/twilio/status';

function provider(apiBaseUrl = 'https://api.twilio.invalid', extra: Record<string, unknown> = {}): TwilioProvider {
  return new TwilioProvider({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    from: '+15005550006',
    apiBaseUrl,
    ...extra,
  });
}

/** A webhook request signed by the twilio package's own helper. */
function signedRequest(
  url: string,
  params: Record<string, string>,
  overrides: Partial<WebhookRequest> = {},
): WebhookRequest {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    rawBody: Buffer.from(new URLSearchParams(params).toString(), 'utf8'),
    ...overrides,
  };
}

const inbound = {
  ToCountry: 'KE',
  ToState: '',
  SmsMessageSid: 'SM11111111111111111111111111111111',
  NumMedia: '0',
  ToCity: '',
  FromZip: '',
  SmsSid: 'SM11111111111111111111111111111111',
  FromState: '',
  SmsStatus: 'received',
  FromCity: '',
  Body: 'FOLLOW @amani & say "hi" = 😀 {ok}',
  FromCountry: 'KE',
  To: '+254700000000',
  ToZip: '',
  NumSegments: '1',
  MessageSid: 'SM11111111111111111111111111111111',
  AccountSid: ACCOUNT_SID,
  From: '+254712345678',
  ApiVersion: '2010-04-01',
};

describe('TwilioProvider options', () => {
  it('refuses missing or malformed options with a clear message', () => {
    expect(() => new TwilioProvider(undefined as never)).toThrow(ProviderConfigError);
    expect(() => new TwilioProvider({ accountSid: '', authToken: 'x', from: '+1' })).toThrow(/accountSid/);
    expect(() => new TwilioProvider({ accountSid: 'AC1', authToken: '', from: '+1' })).toThrow(/authToken/);
    expect(() => new TwilioProvider({ accountSid: 'AC1', authToken: 'x', from: ' ' })).toThrow(/from/);
    expect(() => new TwilioProvider({ accountSid: 'AC1', authToken: 'x', from: '+1', apiBaseUrl: 'ftp://x' })).toThrow(
      /apiBaseUrl/,
    );
    expect(
      () => new TwilioProvider({ accountSid: 'AC1', authToken: 'x', from: '+1', apiBaseUrl: 'not a url' }),
    ).toThrow(/apiBaseUrl/);
    expect(() => new TwilioProvider({ accountSid: 'AC/../x', authToken: 'x', from: '+1' })).toThrow(/accountSid/);
    expect(
      () => new TwilioProvider({ accountSid: 'AC1', authToken: 'x', from: '+1', statusCallbackUrl: 'nope' }),
    ).toThrow(/statusCallbackUrl/);
  });
});

describe('TwilioProvider webhooks', () => {
  it('computes the same signature as the twilio package, including repeated and unicode parameters', () => {
    const params = new Map([
      ['Body', ['a&b=c 😀']],
      ['To', ['+1']],
      ['From', ['+2']],
      ['MediaUrl', ['b', 'a', 'b']],
    ]);
    const expected = twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL_INBOUND, {
      Body: 'a&b=c 😀',
      To: '+1',
      From: '+2',
      MediaUrl: ['b', 'a', 'b'],
    });
    expect(twilioSignature(AUTH_TOKEN, URL_INBOUND, params)).toBe(expected);
  });

  it('accepts a validly signed inbound message and reads it', () => {
    const request = signedRequest(URL_INBOUND, inbound);
    expect(twilio.validateRequest(AUTH_TOKEN, request.headers['x-twilio-signature']!, URL_INBOUND, inbound)).toBe(true);
    expect(provider().parseWebhook(request, 'inbound')).toEqual({
      kind: 'inbound',
      messages: [
        { providerMessageId: inbound.MessageSid, from: '+254712345678', to: '+254700000000', text: inbound.Body },
      ],
    });
  });

  it('accepts a signature made over the URL with the standard port, as Twilio sometimes signs', () => {
    const signature = twilio.getExpectedTwilioSignature(
      AUTH_TOKEN,
      'https://sparrow.example:443/webhooks/sms/twilio',
      inbound,
    );
    const request = signedRequest(URL_INBOUND, inbound);
    request.headers['x-twilio-signature'] = signature;
    expect(provider().parseWebhook(request, 'inbound').kind).toBe('inbound');
  });

  it('rejects a missing signature header', () => {
    const request = signedRequest(URL_INBOUND, inbound);
    delete request.headers['x-twilio-signature'];
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookSignatureError);
  });

  it('rejects a tampered body', () => {
    const request = signedRequest(URL_INBOUND, inbound);
    request.rawBody = Buffer.from(new URLSearchParams({ ...inbound, Body: 'UNDO' }).toString());
    expect(
      twilio.validateRequest(AUTH_TOKEN, request.headers['x-twilio-signature']!, URL_INBOUND, {
        ...inbound,
        Body: 'UNDO',
      }),
    ).toBe(false);
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookSignatureError);
  });

  it('rejects an added parameter', () => {
    const request = signedRequest(URL_INBOUND, inbound);
    request.rawBody = Buffer.concat([request.rawBody, Buffer.from('&Extra=1')]);
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookSignatureError);
  });

  it('rejects a signature made for another URL', () => {
    const request = signedRequest(URL_INBOUND, inbound);
    expect(() =>
      provider().parseWebhook({ ...request, url: 'https://evil.example/webhooks/sms/twilio' }, 'inbound'),
    ).toThrow(WebhookSignatureError);
    expect(() => provider().parseWebhook({ ...request, url: `${URL_INBOUND}?x=1` }, 'inbound')).toThrow(
      WebhookSignatureError,
    );
  });

  it('rejects a signature made with another auth token', () => {
    const request = signedRequest(URL_INBOUND, inbound);
    request.headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature('another-token', URL_INBOUND, inbound);
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookSignatureError);
    request.headers['x-twilio-signature'] = 'garbage';
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookSignatureError);
  });

  it('rejects unsigned JSON bodies', () => {
    const request: WebhookRequest = {
      url: URL_INBOUND,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x' },
      rawBody: Buffer.from('{}'),
    };
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookSignatureError);
  });

  it('an authentic request without the inbound fields is a payload error', () => {
    const request = signedRequest(URL_INBOUND, { MessageSid: 'SM1', From: '+254712345678' });
    expect(() => provider().parseWebhook(request, 'inbound')).toThrow(WebhookPayloadError);
  });

  it('verifies GET webhooks over the URL alone', () => {
    const url = `${URL_INBOUND}?${new URLSearchParams(inbound).toString()}`;
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, {});
    const request: WebhookRequest = {
      url,
      method: 'GET',
      headers: { 'x-twilio-signature': signature },
      rawBody: Buffer.alloc(0),
    };
    expect(provider().parseWebhook(request, 'inbound')).toMatchObject({
      kind: 'inbound',
      messages: [{ text: inbound.Body }],
    });
    const tampered = url.replace('FOLLOW', 'UNFOLLOW');
    expect(() => provider().parseWebhook({ ...request, url: tampered }, 'inbound')).toThrow(WebhookSignatureError);
  });

  it.each([
    ['delivered', 'delivered', null],
    ['sent', 'sent', null],
    ['undelivered', 'undelivered', '30003'],
    ['failed', 'failed', '30008'],
  ] as const)('maps status callback %s to a %s receipt', (status, mapped, errorCode) => {
    const params: Record<string, string> = {
      MessageSid: 'SM2',
      MessageStatus: status,
      SmsStatus: status,
      AccountSid: ACCOUNT_SID,
      To: '+254712345678',
      From: '+15005550006',
      ApiVersion: '2010-04-01',
    };
    if (errorCode) params.ErrorCode = errorCode;
    expect(provider().parseWebhook(signedRequest(URL_STATUS, params), 'status')).toEqual({
      kind: 'receipts',
      receipts: [{ providerMessageId: 'SM2', status: mapped, errorCode }],
    });
  });

  it.each(['queued', 'accepted', 'sending', 'scheduled'])('ignores the in-flight status %s', (status) => {
    const result = provider().parseWebhook(
      signedRequest(URL_STATUS, { MessageSid: 'SM2', MessageStatus: status }),
      'status',
    );
    expect(result).toEqual({ kind: 'ignored' });
  });

  it('rejects a tampered status callback', () => {
    const request = signedRequest(URL_STATUS, { MessageSid: 'SM2', MessageStatus: 'failed' });
    request.rawBody = Buffer.from('MessageSid=SM2&MessageStatus=delivered');
    expect(() => provider().parseWebhook(request, 'status')).toThrow(WebhookSignatureError);
  });

  it('answers with empty TwiML', () => {
    expect(provider().webhookReply('inbound')).toEqual({
      status: 200,
      contentType: 'text/xml',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    });
  });
});

describe('TwilioProvider send', () => {
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

  it('posts the form with basic auth and returns the sid', async () => {
    server.handler = (req, res) => {
      const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      if (auth !== `${ACCOUNT_SID}:${AUTH_TOKEN}`)
        return json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      json(res, 201, { sid: 'SM99999999999999999999999999999999', status: 'queued' });
    };
    const result = await provider(server.baseUrl, { statusCallbackUrl: URL_STATUS }).send({
      id: '1',
      to: '+254712345678',
      text: 'Habari & karibu 😀',
    });
    expect(result).toEqual({ ok: true, providerMessageId: 'SM99999999999999999999999999999999' });
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req?.body);
    expect(Object.fromEntries(form)).toEqual({
      To: '+254712345678',
      From: '+15005550006',
      Body: 'Habari & karibu 😀',
      StatusCallback: URL_STATUS,
    });
  });

  it('sends through a Messaging Service when `from` is one', async () => {
    server.handler = (_req, res) => json(res, 201, { sid: 'SM1' });
    await provider(server.baseUrl, { from: 'MG0123456789abcdef0123456789abcdef' }).send({
      id: '1',
      to: '+254712345678',
      text: 'hi',
    });
    const form = new URLSearchParams(server.requests[0]?.body);
    expect(form.get('MessagingServiceSid')).toBe('MG0123456789abcdef0123456789abcdef');
    expect(form.has('From')).toBe(false);
  });

  it('wrong credentials are a non-retryable failure', async () => {
    server.handler = (_req, res) => json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    const result = await new TwilioProvider({
      accountSid: ACCOUNT_SID,
      authToken: 'wrong',
      from: '+1',
      apiBaseUrl: server.baseUrl,
    }).send({ id: '1', to: '+2', text: 'x' });
    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  it('an invalid number (21211) is not retryable', async () => {
    server.handler = (_req, res) =>
      json(res, 400, { code: 21211, message: "The 'To' number +1 is not a valid phone number.", status: 400 });
    const result = await provider(server.baseUrl).send({ id: '1', to: '+1', text: 'x' });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(!result.ok && result.error).toContain('21211');
  });

  it.each([429, 500, 503])('HTTP %i is retryable', async (status) => {
    server.handler = (_req, res) => json(res, status, { code: 20500, message: 'oops', status });
    expect(await provider(server.baseUrl).send({ id: '1', to: '+2', text: 'x' })).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it('a queue-full error (21611) is retryable even though it is a 400', async () => {
    server.handler = (_req, res) => json(res, 400, { code: 21611, message: 'queue full', status: 400 });
    expect(await provider(server.baseUrl).send({ id: '1', to: '+2', text: 'x' })).toMatchObject({
      ok: false,
      retryable: true,
    });
  });

  it('a network error is retryable', async () => {
    const result = await provider(await deadBaseUrl()).send({ id: '1', to: '+2', text: 'x' });
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('a timeout is retryable', async () => {
    server.handler = () => {
      /* never answers */
    };
    const result = await provider(server.baseUrl, { requestTimeoutMs: 100 }).send({ id: '1', to: '+2', text: 'x' });
    expect(result).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('timed out') });
  });
});
