/**
 * SMS provider adapters. Each is constructed from a plain options object (the composition
 * root maps configuration onto them) and throws ProviderConfigError for bad options.
 * Prefer importing a single adapter module where only one is needed (the app loads just the
 * configured one), so unused protocol stacks such as SMPP are never loaded.
 */
export * from './types.ts';
export { ProviderConfigError } from './shared.ts';
export { ConsoleProvider } from './console.ts';
export { TwilioProvider, twilioSignature, type TwilioProviderOptions } from './twilio.ts';
export { VonageProvider, vonageSignature, type VonageProviderOptions, type VonageSignatureMethod } from './vonage.ts';
export {
  AndroidGatewayProvider,
  androidGatewaySignature,
  type AndroidGatewayProviderOptions,
} from './android-gateway.ts';
export { SmppProvider, SmppBindError, type SmppEvent, type SmppProviderOptions } from './smpp.ts';
