export * from './model.ts';
export type * from './ports.ts';
export { parseSmsCommand, STOP_WORDS, START_WORDS, type SmsCommand } from './commands.ts';
export { SmsPolicy, type PolicySnapshot } from './policy.ts';
export { SmsTraffic } from './traffic.ts';
export {
  Outbox,
  EarlyReceiptReconciler,
  OutboxDispatcher,
  DEFAULT_DISPATCHER_OPTIONS,
  type OutgoingSms,
  type DispatcherOptions,
  type DispatchEvents,
  type BackgroundStep,
} from './outbox.ts';
export { SmsNotifier, type NotifierOptions } from './notifier.ts';
export { SmsChannel, type ChannelOptions, type InboundResult } from './channel.ts';
export { PhoneBinding } from './phone-binding.ts';
export { SmsSettingsService, type SmsSettingsView } from './settings.ts';
export { SmsSubscriptions, NotFollowingError } from './subscriptions.ts';
export { replies } from './replies.ts';
export { analyseSms, fitSms } from './encoding.ts';
export { normalisePhone } from './phone.ts';
export * from './providers/types.ts';
export { CamaraSimSwapClient, CachedSimSwapChecker, type SimSwapChecker, type SimSwapAnswer } from './sim-swap.ts';
export {
  TrustGate,
  PostingEnabledStep,
  CountryPolicyStep,
  SimSwapStep,
  PinStep,
  RateLimitStep,
  MAX_PIN_FAILURES,
  type GateStep,
  type GateContext,
  type GateDecision,
  type StepResult,
} from './trust-gate.ts';
export { SmsOwnerControls, type PinHasher, type NonSmsFactorCheck } from './owner-controls.ts';
