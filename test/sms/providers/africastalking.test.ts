import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AfricasTalkingProvider } from '../../../src/sms/providers/africastalking.ts';
import { FakeHttpServer, deadBaseUrl, json } from './fake-http.ts';

const SECRET = 'a-callback-secret-123';

describe("Africa's Talking adapter", () => {
  const api = new FakeHttpServer();
  let provider: AfricasTalkingProvider;
  beforeAll(async () => {
    await api.start();
    provider = new AfricasTalkingProvider({
      username: 'sandbox',
      apiKey: 'key-1',
      from: 'SPARROW',
      apiBaseUrl: api.baseUrl,
      callbackSecret: SECRET,
    });
  });
  afterAll(() => api.stop());

  const answer = (statusCode: number, status: string, messageId = 'ATXid_1', cost = 'KES 0.8000') => {
    api.handler = (_req, res) =>
      json(res, 201, {
        SMSMessageData: {
          Message: 'Sent to 1/1',
          Recipients: [{ statusCode, number: '+254711000001', status, cost, messageId }],
        },
      });
  };

  it('sends form-encoded with the apiKey header and reads the per-recipient answer', async () => {
    answer(101, 'Success');
    const result = await provider.send({ id: 'm1', to: '+254711000001', text: 'Habari' });
    expect(result).toEqual({ ok: true, providerMessageId: 'ATXid_1', cost: 'KES 0.8000' });
    const request = api.requests.at(-1)!;
    expect(request.url).toBe('/version1/messaging');
    expect(request.headers.apikey).toBe('key-1');
    expect(request.headers.accept).toBe('application/json');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      username: 'sandbox',
      to: '+254711000001',
      message: 'Habari',
      from: 'SPARROW',
    });
  });

  it.each([
    [403, 'InvalidPhoneNumber', false],
    [406, 'UserInBlacklist', false],
    [402, 'InvalidSenderId', false],
    [405, 'InsufficientBalance', true],
    [500, 'InternalServerError', true],
    [501, 'GatewayError', true],
  ])('maps recipient status %i %s (retryable: %s)', async (code, status, retryable) => {
    answer(code, status, 'None', '0');
    const result = await provider.send({ id: 'm2', to: '+254711000001', text: 'x' });
    expect(result).toEqual({ ok: false, retryable, error: `africastalking: ${code} ${status}` });
  });

  it('maps HTTP failures: a bad key is permanent, an outage passes on retry, a dead host is retried', async () => {
    api.handler = (_req, res) => {
      res.statusCode = 401;
      res.end('The supplied authentication is invalid');
    };
    expect(await provider.send({ id: 'm3', to: '+254711000001', text: 'x' })).toMatchObject({
      ok: false,
      retryable: false,
    });
    api.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    };
    expect(await provider.send({ id: 'm4', to: '+254711000001', text: 'x' })).toMatchObject({
      ok: false,
      retryable: true,
    });
    const dead = new AfricasTalkingProvider({
      username: 'u',
      apiKey: 'k',
      apiBaseUrl: await deadBaseUrl(),
      callbackSecret: SECRET,
    });
    expect(await dead.send({ id: 'm5', to: '+254711000001', text: 'x' })).toMatchObject({ ok: false, retryable: true });
  });

  it('parses inbound messages, delivery reports and USSD requests only with the URL secret', () => {
    const request = (path: string, fields: Record<string, string>) => ({
      url: `https://sparrow.example${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: Buffer.from(new URLSearchParams(fields).toString()),
    });
    const inbound = {
      from: '+254711000001',
      to: '22384',
      text: 'Hi',
      date: '2026-12-04',
      id: 'abc',
      linkId: 'L1',
      networkCode: '63902',
    };
    expect(provider.parseWebhook(request(`/webhooks/sms/africastalking/${SECRET}`, inbound), 'inbound')).toEqual({
      kind: 'inbound',
      messages: [{ providerMessageId: 'abc', from: '+254711000001', to: '22384', text: 'Hi', replyLink: 'L1' }],
    });
    expect(
      provider.parseWebhook(
        request(`/webhooks/sms/africastalking/${SECRET}/status`, {
          id: 'ATXid_1',
          status: 'Rejected',
          failureReason: 'InvalidLinkId',
        }),
        'status',
      ),
    ).toEqual({
      kind: 'receipts',
      receipts: [{ providerMessageId: 'ATXid_1', status: 'failed', errorCode: 'InvalidLinkId' }],
    });
    expect(
      provider.parseWebhook(
        request(`/webhooks/sms/africastalking/${SECRET}/status`, { id: 'ATXid_1', status: 'Buffered' }),
        'status',
      ),
    ).toMatchObject({ kind: 'receipts', receipts: [{ status: 'sent' }] });
    expect(() =>
      provider.parseWebhook(request('/webhooks/sms/africastalking/wrong-secret-123456', inbound), 'inbound'),
    ).toThrow(/secret/);
    expect(
      provider.parseUssd(
        request(`/webhooks/ussd/africastalking/${SECRET}`, {
          sessionId: 'S1',
          serviceCode: '*384*123#',
          phoneNumber: '+254711000001',
          text: '1*2',
        }),
      ),
    ).toEqual({
      sessionId: 'S1',
      serviceCode: '*384*123#',
      phoneNumber: '+254711000001',
      networkCode: null,
      text: '1*2',
    });
  });

  it('refuses weak callback secrets and bad allowlists at start', () => {
    expect(() => new AfricasTalkingProvider({ username: 'u', apiKey: 'k', callbackSecret: 'short' })).toThrow(
      /callbackSecret/,
    );
    expect(
      () =>
        new AfricasTalkingProvider({
          username: 'u',
          apiKey: 'k',
          callbackSecret: SECRET,
          allowedSources: ['not-an-ip'],
        }),
    ).toThrow(/allowed source/);
  });
});
