/**
 * The one interface every SMS provider adapter implements. Adapters translate between a
 * provider's wire format and these shapes; they know nothing of accounts, commands or
 * the store. Signature checks happen inside `parseWebhook` so that no caller can reach a
 * message that was not proven authentic.
 */

/** A text that reached the server. Numbers are as the provider gave them (normalised later). */
export interface InboundSms {
  /** The provider's own id for this message; retries of one message carry the same id. */
  providerMessageId: string;
  from: string;
  to: string;
  text: string;
  /** A premium short code's session link (Africa's Talking `linkId`): replies must carry it. */
  replyLink?: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'failed' | 'undelivered';

export interface DeliveryReceipt {
  /** The id the provider returned when the message was submitted. */
  providerMessageId: string;
  status: DeliveryStatus;
  errorCode: string | null;
}

export interface OutboundSms {
  /** Sparrow's own message id, for correlation in logs and provider metadata. */
  id: string;
  to: string;
  text: string;
  /** The `linkId` of the text this answers (premium on-demand short codes). */
  replyLink?: string;
}

export type SendResult =
  | {
      ok: true;
      providerMessageId: string /** What the provider says it charged, as it wrote it (e.g. `KES 0.8000`). */;
      cost?: string;
    }
  /** `retryable` false means trying again cannot help (invalid number, rejected content). */
  | { ok: false; retryable: boolean; error: string };

/** What the HTTP edge hands an adapter: the request exactly as received. */
export interface WebhookRequest {
  /** The full URL the provider called, as the provider saw it (public URL + path + query). */
  url: string;
  method: string;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  /** The body bytes as received, before any parsing: signatures cover these. */
  rawBody: Buffer;
  /** The caller's address (after the reverse-proxy rules of SPARROW_TRUST_PROXY). */
  remoteAddress?: string;
}

export type WebhookKind = 'inbound' | 'status';

export type WebhookResult =
  | { kind: 'inbound'; messages: InboundSms[] }
  | { kind: 'receipts'; receipts: DeliveryReceipt[] }
  /** Authentic but nothing for Sparrow to act on (e.g. a provider's test ping). */
  | { kind: 'ignored' };

/** What the provider expects in the HTTP answer to its webhook. */
export interface WebhookReply {
  status: number;
  contentType: string;
  body: string;
}

/** Thrown by `parseWebhook` when the request is not proven to come from the provider. */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** Thrown by `parseWebhook` when an authentic request carries a payload it cannot read. */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}

/** Where connection-oriented providers (SMPP) deliver what arrives on their bind. */
export interface ProviderSink {
  inbound(message: InboundSms): Promise<void>;
  receipt(receipt: DeliveryReceipt): Promise<void>;
}

/** One request of a USSD session, as a USSD gateway posts it. */
export interface UssdRequest {
  sessionId: string;
  /** The code dialled, e.g. `*384*123#`. */
  serviceCode: string;
  phoneNumber: string;
  networkCode: string | null;
  /** Everything typed in this session so far, inputs joined by `*` (empty on the first request). */
  text: string;
}

export interface SmsProvider {
  readonly name: 'console' | 'twilio' | 'vonage' | 'android-gateway' | 'smpp' | 'africastalking';
  /** The webhook URL carries a secret path segment (`/webhooks/sms/<name>/<secret>`), checked by the adapter. */
  readonly secretInPath?: boolean;
  /** Present on webhook providers. Throws WebhookSignatureError / WebhookPayloadError. */
  parseWebhook?(request: WebhookRequest, kind: WebhookKind): WebhookResult;
  /** The answer the provider expects once the webhook was accepted. */
  webhookReply?(kind: WebhookKind): WebhookReply;
  /** Present on providers with a USSD gateway: proves and reads one USSD request. */
  parseUssd?(request: WebhookRequest): UssdRequest;
  send(message: OutboundSms): Promise<SendResult>;
  /** Connection-oriented providers bind here and push what arrives into the sink. */
  start?(sink: ProviderSink): Promise<void>;
  stop?(): Promise<void>;
}
