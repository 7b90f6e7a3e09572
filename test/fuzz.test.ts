import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { AndroidGatewayProvider } from '../src/sms/providers/android-gateway.ts';
import { TwilioProvider } from '../src/sms/providers/twilio.ts';
import { VonageProvider } from '../src/sms/providers/vonage.ts';
import {
  WebhookPayloadError,
  WebhookSignatureError,
  type SmsProvider,
  type WebhookRequest,
} from '../src/sms/providers/types.ts';
import { analyseSms, fitSms } from '../src/sms/encoding.ts';

/** Bad input from outside never crashes anything: it is refused with the error made for it. */
describe('property: hostile input', () => {
  const SETTINGS = [
    'PORT',
    'SPARROW_PUBLIC_URL',
    'SPARROW_DATABASE_URL',
    'SPARROW_REDIS_URL',
    'SPARROW_LOG_LEVEL',
    'SPARROW_SMS_PROVIDER',
    'SPARROW_FANOUT_MAX_FOLLOWERS',
    'SPARROW_SMS_THROUGHPUT',
    'SPARROW_SIM_SWAP_URL',
    'SPARROW_SIM_SWAP_FAIL_OPEN',
    'SPARROW_SMPP_URL',
    'SPARROW_TWILIO_API_BASE_URL',
    'SPARROW_VONAGE_SIGNATURE_METHOD',
    'SPARROW_SMS_MAX_SEGMENTS',
    'SPARROW_REGISTRATIONS_OPEN',
    'SPARROW_REGISTRATIONS_MODE',
    'SPARROW_SIGNUP_POW_BITS',
    'SPARROW_SIGNUP_POW_MAX_BITS',
    'SPARROW_SIGNUP_PER_HOUR',
  ];

  it('the config loader returns a config or a ConfigError naming the variables, nothing else', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...SETTINGS), fc.oneof(fc.string(), fc.webUrl(), fc.integer().map(String))),
        (env) => {
          try {
            const config = loadConfig(env);
            expect(config.port).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            for (const problem of (error as ConfigError).problems) expect(problem).toMatch(/^(PORT|SPARROW_[A-Z_]+) /);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  const providers: SmsProvider[] = [
    new TwilioProvider({ accountSid: 'AC1', authToken: 'token', from: '+15005550006' }),
    new VonageProvider({ apiKey: 'k', apiSecret: 's', signatureSecret: 'secret', from: 'Sparrow' }),
    new AndroidGatewayProvider({ baseUrl: 'http://127.0.0.1:9', username: 'u', password: 'p', signingKey: 'key' }),
  ];

  const request = fc.record({
    url: fc.oneof(fc.webUrl(), fc.constant('https://sparrow.example/webhooks/sms/x')),
    method: fc.constantFrom('POST', 'GET'),
    headers: fc.dictionary(
      fc.constantFrom('content-type', 'x-twilio-signature', 'x-signature', 'x-timestamp', 'authorization'),
      fc.oneof(
        fc.string(),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded'),
        fc.integer().map(String),
      ),
    ),
    rawBody: fc
      .oneof(
        fc.string(),
        fc.json(),
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
      )
      .map((s) => Buffer.from(s)),
  }) as fc.Arbitrary<WebhookRequest>;

  it.each(providers.map((p) => [p.name, p] as const))(
    'the %s webhook parser refuses garbage with its own errors',
    (_name, provider) => {
      fc.assert(
        fc.property(request, fc.constantFrom('inbound' as const, 'status' as const), (req, kind) => {
          try {
            provider.parseWebhook!(req, kind);
            // Accepting means the signature really matched: impossible for random input.
            expect.unreachable('random input was accepted');
          } catch (error) {
            expect(error instanceof WebhookSignatureError || error instanceof WebhookPayloadError).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('segment counting and fitting never throw and always fit', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 600 }),
        fc.integer({ min: 1, max: 5 }),
        (text, maxSegments) => {
          const analysis = analyseSms(text);
          expect(analysis.segments).toBeGreaterThanOrEqual(text === '' ? 0 : 1);
          expect(
            analyseSms(fitSms(text, { maxSegments, link: 'https://sparrow.example/@a/1' })).segments,
          ).toBeLessThanOrEqual(maxSegments);
        },
      ),
      { numRuns: 300 },
    );
  });
});
