import { createHash, createHmac } from 'node:crypto';
import { analyseSms } from '../encoding.ts';
import {
  ProviderConfigError,
  bodyText,
  contentType,
  describeError,
  httpFailure,
  isFresh,
  isRecord,
  networkFailure,
  optionalPositiveNumber,
  optionalString,
  parseForm,
  readJson,
  requireBaseUrl,
  requireString,
  safeEqual,
} from './shared.ts';
import {
  WebhookPayloadError,
  WebhookSignatureError,
  type DeliveryStatus,
  type InboundSms,
  type OutboundSms,
  type SendResult,
  type SmsProvider,
  type WebhookKind,
  type WebhookReply,
  type WebhookRequest,
  type WebhookResult,
} from './types.ts';

/**
 * Vonage's signature methods, named as in their SDKs: `md5hash` is MD5 over the string with
 * the secret appended; the others are HMACs keyed with the signature secret.
 */
export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface VonageProviderOptions {
  apiKey: string;
  apiSecret: string;
  /** The account's signature secret (dashboard → API settings); signed webhooks must be enabled. */
  signatureSecret: string;
  /** Must match the method chosen in the Vonage dashboard. Default `sha256` (HMAC-SHA256). */
  signatureMethod?: VonageSignatureMethod;
  from: string;
  apiBaseUrl?: string;
  /** Signed webhooks whose `timestamp` is further than this from now are refused (default 5 min). */
  maxWebhookAgeMs?: number;
  /** How long the parts of a concatenated inbound message are kept waiting for the rest (default 10 min). */
  concatTimeoutMs?: number;
  /** Upper bound on concatenated messages being reassembled at once (default 10 000). */
  maxPendingConcat?: number;
  /** Where delivery receipts should go, if not the account's default (`callback` parameter). */
  deliveryReceiptUrl?: string;
  requestTimeoutMs?: number;
  /** Clock for the freshness check and the reassembly timeout (tests). */
  now?: () => number;
}

const PROVIDER = 'vonage';
const METHODS: ReadonlySet<string> = new Set(['md5hash', 'md5', 'sha1', 'sha256', 'sha512']);

/**
 * The `sig` of a Vonage SMS API request or webhook, per Vonage's "Signing messages" guide and
 * their SDKs' `verifySignature`: drop `sig`; sort the remaining parameters by name; in every
 * value replace `&` and `=` with `_`; concatenate `&name=value` for each (note the leading
 * `&`); then either MD5 of that string with the secret appended (`md5hash`) or the HMAC of it
 * keyed with the secret. Hex; Vonage's case varies, so compare case-insensitively.
 */
export function vonageSignature(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: VonageSignatureMethod,
): string {
  let signed = '';
  for (const name of Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()) {
    signed += `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`;
  }
  if (method === 'md5hash')
    return createHash('md5')
      .update(signed + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(signed, 'utf8').digest('hex');
}

function mapStatus(status: string): DeliveryStatus | null {
  switch (status) {
    case 'delivered':
      return 'delivered';
    case 'accepted':
    case 'buffered':
      return 'sent';
    case 'expired':
      return 'undelivered';
    case 'failed':
    case 'rejected':
      return 'failed';
    default:
      return null; // `unknown`: no information yet
  }
}

interface PendingConcat {
  firstSeen: number;
  total: number;
  from: string;
  to: string;
  parts: Map<number, { text: string; messageId: string }>;
}

/**
 * Vonage SMS API adapter (the classic `rest.nexmo.com/sms/json` API and its webhooks).
 *
 * Concatenated inbound messages arrive one webhook per part (`concat=true`, `concat-ref`,
 * `concat-part`, `concat-total`). Parts are kept in memory, keyed by sender, recipient and
 * `concat-ref`, until all have arrived, then delivered as one message whose provider id is the
 * `messageId` of part 1 (stable across Vonage's retries). Limits: the buffer lives in this
 * process, so with several web instances behind a load balancer the parts of one message must
 * reach the same instance; parts not completed within `concatTimeoutMs`, or held when the
 * process stops, are lost (Vonage was already answered 200 for them).
 */
export class VonageProvider implements SmsProvider {
  readonly name = 'vonage' as const;
  private readonly apiKey: string;
  private readonly apiSecret: string;
  private readonly signatureSecret: string;
  private readonly signatureMethod: VonageSignatureMethod;
  private readonly from: string;
  private readonly apiBaseUrl: string;
  private readonly maxWebhookAgeMs: number;
  private readonly concatTimeoutMs: number;
  private readonly maxPendingConcat: number;
  private readonly deliveryReceiptUrl: string | undefined;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;
  private readonly pending = new Map<string, PendingConcat>();

  constructor(options: VonageProviderOptions) {
    const o = options as unknown as Record<string, unknown> | undefined;
    if (!o || typeof o !== 'object') throw new ProviderConfigError(PROVIDER, 'an options object is required');
    this.apiKey = requireString(PROVIDER, o, 'apiKey');
    this.apiSecret = requireString(PROVIDER, o, 'apiSecret');
    this.signatureSecret = requireString(PROVIDER, o, 'signatureSecret');
    const method = o.signatureMethod ?? 'sha256';
    if (typeof method !== 'string' || !METHODS.has(method)) {
      throw new ProviderConfigError(
        PROVIDER,
        `option "signatureMethod" must be one of ${[...METHODS].join(', ')} (got ${String(method)})`,
      );
    }
    this.signatureMethod = method as VonageSignatureMethod;
    this.from = requireString(PROVIDER, o, 'from');
    this.apiBaseUrl = requireBaseUrl(PROVIDER, o, 'apiBaseUrl', 'https://rest.nexmo.com');
    this.maxWebhookAgeMs = optionalPositiveNumber(PROVIDER, o, 'maxWebhookAgeMs', 5 * 60_000);
    this.concatTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'concatTimeoutMs', 10 * 60_000);
    this.maxPendingConcat = optionalPositiveNumber(PROVIDER, o, 'maxPendingConcat', 10_000);
    this.deliveryReceiptUrl = optionalString(PROVIDER, o, 'deliveryReceiptUrl');
    if (this.deliveryReceiptUrl !== undefined && !URL.canParse(this.deliveryReceiptUrl)) {
      throw new ProviderConfigError(
        PROVIDER,
        `option "deliveryReceiptUrl" is not a valid URL: ${this.deliveryReceiptUrl}`,
      );
    }
    this.requestTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'requestTimeoutMs', 15_000);
    if (o.now !== undefined && typeof o.now !== 'function')
      throw new ProviderConfigError(PROVIDER, 'option "now" must be a function');
    this.now = (o.now as (() => number) | undefined) ?? Date.now;
  }

  /**
   * Inbound messages and delivery receipts may arrive on the same URL (Vonage's SMS API has
   * one of each, often pointed at one endpoint), so the payload decides, not `kind`.
   */
  parseWebhook(request: WebhookRequest, _kind: WebhookKind): WebhookResult {
    const params = this.verify(request);

    if (params.status !== undefined && params.text === undefined && params.type === undefined) {
      const id = params.messageId;
      if (!id) throw new WebhookPayloadError('Vonage delivery receipt without messageId');
      const status = mapStatus(params.status);
      if (status === null) return { kind: 'ignored' };
      const err = params['err-code'];
      return {
        kind: 'receipts',
        receipts: [{ providerMessageId: id, status, errorCode: err && err !== '0' ? err : null }],
      };
    }

    const { msisdn, to, messageId, type } = params;
    if (!msisdn || !to || !messageId)
      throw new WebhookPayloadError('Vonage inbound message without msisdn, to or messageId');
    if (type === 'binary') return { kind: 'ignored' };
    const text = params.text;
    if (text === undefined) throw new WebhookPayloadError('Vonage inbound message without text');
    // Vonage gives numbers in international format without the leading +.
    const from = /^[0-9]+$/.test(msisdn) ? `+${msisdn}` : msisdn;
    const recipient = /^[0-9]+$/.test(to) ? `+${to}` : to;

    if (params.concat === 'true') return this.reassemble(params, from, recipient, text);
    return { kind: 'inbound', messages: [{ providerMessageId: messageId, from, to: recipient, text }] };
  }

  webhookReply(_kind: WebhookKind): WebhookReply {
    // Vonage wants 200 or 204; anything else makes it retry for 24 hours.
    return { status: 204, contentType: 'text/plain', body: '' };
  }

  async send(message: OutboundSms): Promise<SendResult> {
    const form = new URLSearchParams();
    form.set('api_key', this.apiKey);
    form.set('api_secret', this.apiSecret);
    form.set('from', this.from);
    form.set('to', message.to.replace(/^\+/, ''));
    form.set('text', message.text);
    if (analyseSms(message.text).encoding === 'UCS-2') form.set('type', 'unicode');
    form.set('client-ref', message.id.slice(0, 100));
    if (this.deliveryReceiptUrl) form.set('callback', this.deliveryReceiptUrl);

    let response: Response;
    try {
      response = await fetch(`${this.apiBaseUrl}/sms/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      return networkFailure(PROVIDER, error);
    }
    let body: unknown;
    try {
      body = await readJson(response);
    } catch (error) {
      return networkFailure(PROVIDER, error);
    }
    if (!response.ok) return httpFailure(PROVIDER, response.status, describeError(body));

    const messages = isRecord(body) && Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
    if (messages.length === 0) {
      return { ok: false, retryable: false, error: `${PROVIDER}: response without messages: ${describeError(body)}` };
    }
    // A long text is split by Vonage: one entry (and one message-id, one receipt) per part.
    // The first part's id stands for the message; receipts for later parts are unknown ids.
    const failed = messages.find((m) => String(m.status) !== '0');
    const anySent = messages.some((m) => String(m.status) === '0');
    if (failed) {
      const status = String(failed.status);
      const text = typeof failed['error-text'] === 'string' ? failed['error-text'] : '';
      // 1 throttled, 5 internal error: try again later — unless some parts already went out,
      // where a retry would send those twice.
      const retryable = (status === '1' || status === '5') && !anySent;
      return {
        ok: false,
        retryable,
        error: `${PROVIDER}: status ${status}${text ? ` ${text}` : ''}${anySent ? ' (some parts were sent)' : ''}`,
      };
    }
    const id = messages[0]?.['message-id'];
    if (typeof id !== 'string' || id === '') {
      return { ok: false, retryable: false, error: `${PROVIDER}: accepted without a message-id` };
    }
    return { ok: true, providerMessageId: id };
  }

  /** Parts of concatenated messages still waiting for the rest (for tests and metrics). */
  get pendingConcatenated(): number {
    return this.pending.size;
  }

  private reassemble(params: Record<string, string>, from: string, to: string, text: string): WebhookResult {
    const ref = params['concat-ref'];
    const part = Number(params['concat-part']);
    const total = Number(params['concat-total']);
    if (
      !ref ||
      !Number.isInteger(part) ||
      !Number.isInteger(total) ||
      total < 1 ||
      total > 255 ||
      part < 1 ||
      part > total
    ) {
      throw new WebhookPayloadError('Vonage concatenated message with invalid concat-ref, concat-part or concat-total');
    }
    const now = this.now();
    this.expire(now);
    const key = `${from}\u0000${to}\u0000${ref}\u0000${total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      while (this.pending.size >= this.maxPendingConcat) {
        const oldest = this.pending.keys().next().value;
        if (oldest === undefined) break;
        this.pending.delete(oldest);
      }
      entry = { firstSeen: now, total, from, to, parts: new Map() };
      this.pending.set(key, entry);
    }
    entry.parts.set(part, { text, messageId: params.messageId ?? '' });
    if (entry.parts.size < entry.total) return { kind: 'ignored' };

    this.pending.delete(key);
    let whole = '';
    for (let i = 1; i <= entry.total; i++) whole += entry.parts.get(i)?.text ?? '';
    const message: InboundSms = {
      providerMessageId: entry.parts.get(1)?.messageId ?? params.messageId ?? '',
      from,
      to,
      text: whole,
    };
    return { kind: 'inbound', messages: [message] };
  }

  private expire(now: number): void {
    for (const [key, entry] of this.pending) {
      if (now - entry.firstSeen > this.concatTimeoutMs) this.pending.delete(key);
    }
  }

  /** Proves the webhook is Vonage's (signature and freshness) and returns its parameters. */
  private verify(request: WebhookRequest): Record<string, string> {
    const params = this.readParams(request);
    const sig = params.sig;
    if (!sig) throw new WebhookSignatureError('missing Vonage sig parameter (are signed webhooks enabled?)');
    const expected = vonageSignature(params, this.signatureSecret, this.signatureMethod);
    if (!safeEqual(sig.toLowerCase(), expected.toLowerCase()))
      throw new WebhookSignatureError('Vonage sig does not match');
    const timestamp = params.timestamp;
    if (!timestamp || !/^[0-9]+$/.test(timestamp))
      throw new WebhookSignatureError('signed webhook without a timestamp');
    if (!isFresh(Number(timestamp), this.now(), this.maxWebhookAgeMs)) {
      throw new WebhookSignatureError('Vonage webhook timestamp is outside the accepted window (stale or replayed)');
    }
    const { sig: _sig, ...rest } = params;
    return rest;
  }

  /** GET query, POST form or POST JSON: Vonage may use any of them. */
  private readParams(request: WebhookRequest): Record<string, string> {
    const method = request.method.toUpperCase();
    let url: URL | null = null;
    try {
      url = new URL(request.url);
    } catch {
      url = null;
    }
    const fromEntries = (entries: Iterable<[string, string]>): Record<string, string> => {
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of entries) {
        if (k in out) throw new WebhookSignatureError(`parameter ${k} given twice`);
        out[k] = v;
      }
      return out;
    };

    if (method === 'GET' || request.rawBody.length === 0) {
      if (!url) throw new WebhookSignatureError('webhook URL is not absolute');
      return fromEntries(url.searchParams);
    }
    const text = bodyText(request);
    if (text === null) throw new WebhookSignatureError('body is not valid UTF-8');
    const type = contentType(request);
    if (type === 'application/json' || type.endsWith('+json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new WebhookSignatureError('body is not valid JSON');
      }
      if (!isRecord(parsed)) throw new WebhookSignatureError('JSON body is not an object');
      const entries: [string, string][] = [];
      for (const [k, v] of Object.entries(parsed)) {
        if (v === null || v === undefined) continue;
        if (typeof v === 'object') throw new WebhookSignatureError(`cannot verify structured parameter ${k}`);
        entries.push([k, String(v)]);
      }
      return fromEntries(entries);
    }
    if (type === 'application/x-www-form-urlencoded' || type === '') {
      const form = parseForm(text);
      const entries: [string, string][] = [];
      for (const [k, values] of form) for (const v of values) entries.push([k, v]);
      return fromEntries(entries);
    }
    throw new WebhookSignatureError(`unsupported body type ${type}`);
  }
}
