import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { ConsoleProvider } from '../sms/providers/console.ts';
import type { SmsProvider } from '../sms/providers/types.ts';
import { parsePriceTable, type PriceTable } from '../sms/prices.ts';
import { readFileSync } from 'node:fs';

/** The operator's SMS price table (`SPARROW_SMS_PRICES_FILE`), read and checked once at start. */
export function loadPriceTable(path: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `SPARROW_SMS_PRICES_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parsePriceTable(text);
}

/**
 * The configured provider. Config validation already guaranteed the required settings.
 * Only the configured adapter is loaded, so an installation never pulls in (or starts)
 * the protocol stacks of providers it does not use.
 */
export async function createSmsProvider(config: Config, logger: Logger): Promise<SmsProvider> {
  switch (config.smsProvider) {
    case 'console':
      return new ConsoleProvider((message) =>
        logger.info({ sms: { id: message.id, to: message.to } }, 'console SMS sent'),
      );
    case 'twilio': {
      const { TwilioProvider } = await import('../sms/providers/twilio.ts');
      return new TwilioProvider({
        accountSid: config.twilio.accountSid!,
        authToken: config.twilio.authToken!,
        from: config.twilio.from!,
        apiBaseUrl: config.twilio.apiBaseUrl,
        statusCallbackUrl: `${config.publicUrl}/webhooks/sms/twilio/status`,
      });
    }
    case 'vonage': {
      const { VonageProvider } = await import('../sms/providers/vonage.ts');
      return new VonageProvider({
        apiKey: config.vonage.apiKey!,
        apiSecret: config.vonage.apiSecret!,
        signatureSecret: config.vonage.signatureSecret!,
        signatureMethod: config.vonage.signatureMethod,
        from: config.vonage.from!,
        apiBaseUrl: config.vonage.apiBaseUrl,
      });
    }
    case 'android-gateway': {
      const { AndroidGatewayProvider } = await import('../sms/providers/android-gateway.ts');
      return new AndroidGatewayProvider({
        baseUrl: config.androidGateway.url!,
        username: config.androidGateway.username!,
        password: config.androidGateway.password!,
        signingKey: config.androidGateway.signingKey!,
      });
    }
    case 'africastalking': {
      const { AfricasTalkingProvider } = await import('../sms/providers/africastalking.ts');
      return new AfricasTalkingProvider({
        username: config.africasTalking.username!,
        apiKey: config.africasTalking.apiKey!,
        ...(config.africasTalking.from ? { from: config.africasTalking.from } : {}),
        apiBaseUrl: config.africasTalking.apiBaseUrl,
        callbackSecret: config.africasTalking.callbackSecret!,
        allowedSources: config.africasTalking.allowedSources,
      });
    }
    case 'smpp': {
      const { SmppProvider } = await import('../sms/providers/smpp.ts');
      return new SmppProvider({
        url: config.smpp.url!,
        sourceAddr: config.smpp.sourceAddr ?? 'Sparrow',
        throughputPerSecond: config.sms.throughputPerSecond,
      });
    }
  }
}
