export * from './model.ts';
export type * from './ports.ts';
export { PushDispatcher, PushNotifier, PushSubscriptions, generateVapidKeys } from './push.ts';
export { httpPushTransport } from './transport.ts';
