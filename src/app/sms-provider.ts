import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { ConsoleProvider } from '../sms/providers/console.ts';
import { TwilioProvider } from '../sms/providers/twilio.ts';
import { VonageProvider } from '../sms/providers/vonage.ts';
import { AndroidGatewayProvider } from '../sms/providers/android-gateway.ts';
import { SmppProvider } from '../sms/providers/smpp.ts';
import type { SmsProvider } from '../sms/providers/types.ts';

/** The configured provider. Config validation already guaranteed the required settings. */
export function createSmsProvider(config: Config, logger: Logger): SmsProvider {
  switch (config.smsProvider) {
    case 'console':
      return new ConsoleProvider((message) => logger.info({ sms: { id: message.id, to: message.to } }, 'console SMS sent'));
    case 'twilio':
      return new TwilioProvider({
        accountSid: config.twilio.accountSid!,
        authToken: config.twilio.authToken!,
        from: config.twilio.from!,
        apiBaseUrl: config.twilio.apiBaseUrl,
        statusCallbackUrl: `${config.publicUrl}/webhooks/sms/twilio/status`,
      });
    case 'vonage':
      return new VonageProvider({
        apiKey: config.vonage.apiKey!,
        apiSecret: config.vonage.apiSecret!,
        signatureSecret: config.vonage.signatureSecret!,
        from: config.vonage.from!,
        apiBaseUrl: config.vonage.apiBaseUrl,
      });
    case 'android-gateway':
      return new AndroidGatewayProvider({
        baseUrl: config.androidGateway.url!,
        username: config.androidGateway.username!,
        password: config.androidGateway.password!,
        signingKey: config.androidGateway.signingKey!,
      });
    case 'smpp':
      return new SmppProvider({
        url: config.smpp.url!,
        sourceAddr: config.smpp.sourceAddr ?? 'Sparrow',
        throughputPerSecond: config.sms.throughputPerSecond,
      });
  }
}
