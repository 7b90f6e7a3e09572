export * from './model.ts';
export type * from './ports.ts';
export { SmsPolicy } from './policy.ts';
export { SmsTraffic } from './traffic.ts';
export {
  Outbox,
  EarlyReceiptReconciler,
  OutboxDispatcher,
  type BackgroundStep,
  type DispatcherOptions,
} from './outbox.ts';
export { SmsNotifier } from './notifier.ts';
export { SmsChannel } from './channel.ts';
export { PhoneBinding } from './phone-binding.ts';
export { SmsSettingsService, type SmsSettingsView } from './settings.ts';
export { SmsSubscriptions, NotFollowingError } from './subscriptions.ts';
export { normalisePhone } from './phone.ts';
export * from './providers/types.ts';
export { CamaraSimSwapClient, CachedSimSwapChecker, type SimSwapChecker } from './sim-swap.ts';
export {
  TrustGate,
  PostingEnabledStep,
  CountryPolicyStep,
  SimSwapStep,
  PinStep,
  RateLimitStep,
  type GateStep,
} from './trust-gate.ts';
export { SmsOwnerControls } from './owner-controls.ts';
export { UssdMenu, type UssdAnswer } from './ussd.ts';
