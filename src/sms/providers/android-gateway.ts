import { createHmac } from 'node:crypto';
import {
  ProviderConfigError,
  basicAuth,
  bodyText,
  describeError,
  header,
  httpFailure,
  isFresh,
  isRecord,
  networkFailure,
  optionalPositiveNumber,
  optionalString,
  readJson,
  requireBaseUrl,
  requireString,
  safeEqual,
} from './shared.ts';
import {
  WebhookPayloadError,
  WebhookSignatureError,
  type DeliveryStatus,
  type OutboundSms,
  type SendResult,
  type SmsProvider,
  type WebhookKind,
  type WebhookReply,
  type WebhookRequest,
  type WebhookResult,
} from './types.ts';

export interface AndroidGatewayProviderOptions {
  /**
   * The gateway's API root, used as given: `http://<device-ip>:8080` (local server mode) or
   * `https://api.sms-gate.app/3rdparty/v1` (cloud / private server mode).
   */
  baseUrl: string;
  username: string;
  password: string;
  /** The webhook signing key (app: Settings → Webhooks → Signing Key). */
  signingKey: string;
  /** Path appended to `baseUrl` for sending; default `/message` (accepted by local and cloud servers). */
  sendPath?: string;
  /** Send the deprecated top-level `message` field instead of `textMessage.text` (app versions before 1.40). */
  legacyMessageField?: boolean;
  /** Which SIM to send from (1-3); default: the app's own choice. */
  simNumber?: number;
  /** The device's own number, used as the recipient of inbound messages when the app cannot tell it. */
  deviceNumber?: string;
  /** Webhooks whose `X-Timestamp` is further than this from now are refused (default 5 min). */
  maxWebhookAgeMs?: number;
  requestTimeoutMs?: number;
  now?: () => number;
}

const PROVIDER = 'android-gateway';

/** The `X-Signature` the app sends: hex HMAC-SHA256, keyed with the signing key, over the raw body followed by `X-Timestamp`. */
export function androidGatewaySignature(signingKey: string, rawBody: Buffer, timestamp: string): string {
  return createHmac('sha256', signingKey).update(rawBody).update(timestamp, 'utf8').digest('hex');
}

const RECEIPT_EVENTS: Readonly<Record<string, DeliveryStatus>> = {
  'sms:sent': 'sent',
  'sms:delivered': 'delivered',
  'sms:failed': 'failed',
};

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * "SMS Gateway for Android" (capcom6/android-sms-gateway): an Android phone as the gateway,
 * in local server mode or through the project's cloud / a private server.
 *
 * Inbound dedupe uses the webhook event's top-level `id`, which the app generates once per
 * event and keeps across its retries; `payload.messageId` of `sms:received` is derived from
 * the message content and documented as not unique, so it is only a fallback. End-to-end
 * encrypted payloads (the app's passphrase option) are not supported: leave encryption off.
 */
export class AndroidGatewayProvider implements SmsProvider {
  readonly name = 'android-gateway' as const;
  private readonly baseUrl: string;
  private readonly username: string;
  private readonly password: string;
  private readonly signingKey: string;
  private readonly sendPath: string;
  private readonly legacyMessageField: boolean;
  private readonly simNumber: number | undefined;
  private readonly deviceNumber: string | undefined;
  private readonly maxWebhookAgeMs: number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: AndroidGatewayProviderOptions) {
    const o = options as unknown as Record<string, unknown> | undefined;
    if (!o || typeof o !== 'object') throw new ProviderConfigError(PROVIDER, 'an options object is required');
    this.baseUrl = requireBaseUrl(PROVIDER, o, 'baseUrl');
    this.username = requireString(PROVIDER, o, 'username');
    if (this.username.includes(':')) throw new ProviderConfigError(PROVIDER, 'option "username" must not contain ":"');
    this.password = requireString(PROVIDER, o, 'password');
    this.signingKey = requireString(PROVIDER, o, 'signingKey');
    const sendPath = optionalString(PROVIDER, o, 'sendPath') ?? '/message';
    if (!/^\/[A-Za-z0-9/_.-]*$/.test(sendPath))
      throw new ProviderConfigError(PROVIDER, 'option "sendPath" must be a path starting with "/"');
    this.sendPath = sendPath;
    if (o.legacyMessageField !== undefined && typeof o.legacyMessageField !== 'boolean') {
      throw new ProviderConfigError(PROVIDER, 'option "legacyMessageField" must be a boolean');
    }
    this.legacyMessageField = o.legacyMessageField === true;
    if (
      o.simNumber !== undefined &&
      (!Number.isInteger(o.simNumber) || (o.simNumber as number) < 1 || (o.simNumber as number) > 3)
    ) {
      throw new ProviderConfigError(PROVIDER, 'option "simNumber" must be 1, 2 or 3');
    }
    this.simNumber = o.simNumber as number | undefined;
    this.deviceNumber = optionalString(PROVIDER, o, 'deviceNumber');
    this.maxWebhookAgeMs = optionalPositiveNumber(PROVIDER, o, 'maxWebhookAgeMs', 5 * 60_000);
    this.requestTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'requestTimeoutMs', 15_000);
    if (o.now !== undefined && typeof o.now !== 'function')
      throw new ProviderConfigError(PROVIDER, 'option "now" must be a function');
    this.now = (o.now as (() => number) | undefined) ?? Date.now;
  }

  parseWebhook(request: WebhookRequest, _kind: WebhookKind): WebhookResult {
    this.verify(request);

    const text = bodyText(request);
    let event: unknown;
    try {
      event = text === null ? undefined : JSON.parse(text);
    } catch {
      event = undefined;
    }
    if (!isRecord(event) || typeof event.event !== 'string')
      throw new WebhookPayloadError('Android gateway webhook is not a JSON event');
    const payload = isRecord(event.payload) ? event.payload : {};

    if (event.event === 'sms:received') {
      const from = str(payload.sender) ?? str(payload.phoneNumber);
      const message = payload.message;
      const eventId = str(event.id);
      const id =
        eventId ?? (str(payload.messageId) ? `${str(event.deviceId) ?? ''}:${str(payload.messageId)}` : undefined);
      if (!from || typeof message !== 'string' || !id) {
        throw new WebhookPayloadError('sms:received without sender, message or id');
      }
      const to = str(payload.recipient) ?? this.deviceNumber ?? '';
      return { kind: 'inbound', messages: [{ providerMessageId: id, from, to, text: message }] };
    }

    const status = RECEIPT_EVENTS[event.event];
    if (status) {
      const id = str(payload.messageId);
      if (!id) throw new WebhookPayloadError(`${event.event} without payload.messageId`);
      const reason = status === 'failed' ? (str(payload.reason) ?? null) : null;
      return { kind: 'receipts', receipts: [{ providerMessageId: id, status, errorCode: reason }] };
    }

    // system:ping, sms:data-received, mms:received and events added later.
    return { kind: 'ignored' };
  }

  webhookReply(_kind: WebhookKind): WebhookReply {
    return { status: 204, contentType: 'text/plain', body: '' };
  }

  async send(message: OutboundSms): Promise<SendResult> {
    const body: Record<string, unknown> = this.legacyMessageField
      ? { message: message.text, phoneNumbers: [message.to] }
      : { textMessage: { text: message.text }, phoneNumbers: [message.to] };
    body.withDeliveryReport = true;
    if (this.simNumber !== undefined) body.simNumber = this.simNumber;

    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${this.sendPath}`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(this.username, this.password),
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      return networkFailure(PROVIDER, error);
    }
    let answer: unknown;
    try {
      answer = await readJson(response);
    } catch (error) {
      return networkFailure(PROVIDER, error);
    }
    if (!response.ok) return httpFailure(PROVIDER, response.status, describeError(answer));
    const id = isRecord(answer) ? str(answer.id) : undefined;
    if (!id) return { ok: false, retryable: false, error: `${PROVIDER}: HTTP ${response.status} without a message id` };
    if (isRecord(answer) && answer.state === 'Failed') {
      const recipients = Array.isArray(answer.recipients) ? answer.recipients.filter(isRecord) : [];
      const error = recipients.map((r) => str(r.error)).find(Boolean) ?? 'failed';
      return { ok: false, retryable: false, error: `${PROVIDER}: ${error}` };
    }
    return { ok: true, providerMessageId: id };
  }

  private verify(request: WebhookRequest): void {
    const signature = header(request, 'x-signature');
    const timestamp = header(request, 'x-timestamp');
    if (!signature) throw new WebhookSignatureError('missing X-Signature');
    if (!timestamp) throw new WebhookSignatureError('missing X-Timestamp');
    if (!/^[0-9]{1,12}$/.test(timestamp)) throw new WebhookSignatureError('X-Timestamp is not a Unix time in seconds');
    const expected = androidGatewaySignature(this.signingKey, request.rawBody, timestamp);
    if (!safeEqual(signature.trim().toLowerCase(), expected))
      throw new WebhookSignatureError('X-Signature does not match');
    if (!isFresh(Number(timestamp), this.now(), this.maxWebhookAgeMs)) {
      throw new WebhookSignatureError('X-Timestamp is outside the accepted window (stale or replayed)');
    }
  }
}
