import { createHash, createHmac } from 'node:crypto';
import {
  ProviderConfigError,
  basicAuth,
  bodyText,
  contentType,
  describeError,
  header,
  httpFailure,
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
  type DeliveryReceipt,
  type DeliveryStatus,
  type OutboundSms,
  type SendResult,
  type SmsProvider,
  type WebhookKind,
  type WebhookReply,
  type WebhookRequest,
  type WebhookResult,
} from './types.ts';

export interface TwilioProviderOptions {
  accountSid: string;
  authToken: string;
  /** Sender: a phone number, an alphanumeric sender id, or a Messaging Service SID (`MG…`). */
  from: string;
  /** Default `https://api.twilio.com`; Twilio-compatible providers and tests point it elsewhere. */
  apiBaseUrl?: string;
  /** Public URL of `/webhooks/sms/twilio/status`; sent as `StatusCallback` with each message. */
  statusCallbackUrl?: string;
  /** Per-request timeout for the REST API (default 15 s). */
  requestTimeoutMs?: number;
}

const PROVIDER = 'twilio';
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Twilio error codes that are about load, not about the message: worth another try. */
const RETRYABLE_TWILIO_CODES = new Set([20429, 21611, 30001]);

/**
 * `X-Twilio-Signature` as Twilio computes it: base64 HMAC-SHA1, keyed with the auth token,
 * over the full URL followed by every POST parameter name and value, sorted by name
 * (a repeated name contributes each distinct value, values sorted).
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: ReadonlyMap<string, readonly string[]>,
): string {
  let data = url;
  for (const name of [...params.keys()].sort()) {
    const values = params.get(name) ?? [];
    const list = values.length > 1 ? [...new Set(values)].sort() : values;
    for (const value of list) data += name + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * The URL as Twilio may have signed it: as received, and with the scheme's standard port
 * added or removed (Twilio signs with the port for some configurations; its own helpers try
 * both, and so do we).
 */
function urlCandidates(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const userInfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const withoutPort = scheme + userInfo + host + rest;
  const standardPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  const withPort = colon === -1 ? scheme + userInfo + host + standardPort + rest : url;
  return [...new Set([url, withoutPort, withPort])];
}

function mapStatus(status: string): DeliveryStatus | null {
  switch (status) {
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    // queued, accepted, scheduled, sending: still inside Twilio; receiving/received: inbound.
    default:
      return null;
  }
}

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio' as const;
  private readonly accountSid: string;
  private readonly authToken: string;
  private readonly from: string;
  private readonly apiBaseUrl: string;
  private readonly statusCallbackUrl: string | undefined;
  private readonly requestTimeoutMs: number;

  constructor(options: TwilioProviderOptions) {
    const o = options as unknown as Record<string, unknown> | undefined;
    if (!o || typeof o !== 'object') throw new ProviderConfigError(PROVIDER, 'an options object is required');
    this.accountSid = requireString(PROVIDER, o, 'accountSid');
    if (!/^[A-Za-z0-9_-]+$/.test(this.accountSid)) {
      throw new ProviderConfigError(PROVIDER, 'option "accountSid" may only contain letters, digits, "-" and "_"');
    }
    this.authToken = requireString(PROVIDER, o, 'authToken');
    this.from = requireString(PROVIDER, o, 'from');
    this.apiBaseUrl = requireBaseUrl(PROVIDER, o, 'apiBaseUrl', 'https://api.twilio.com');
    this.statusCallbackUrl = optionalString(PROVIDER, o, 'statusCallbackUrl');
    if (this.statusCallbackUrl !== undefined && !URL.canParse(this.statusCallbackUrl)) {
      throw new ProviderConfigError(
        PROVIDER,
        `option "statusCallbackUrl" is not a valid URL: ${this.statusCallbackUrl}`,
      );
    }
    this.requestTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'requestTimeoutMs', 15_000);
  }

  parseWebhook(request: WebhookRequest, kind: WebhookKind): WebhookResult {
    const params = this.verify(request);
    const get = (name: string): string | undefined => params.get(name)?.[0];

    const sid = get('MessageSid') ?? get('SmsMessageSid') ?? get('SmsSid');
    const status = get('MessageStatus') ?? get('SmsStatus');
    const looksLikeStatus =
      status !== undefined && status !== 'received' && status !== 'receiving' && get('Body') === undefined;

    if (kind === 'status' || looksLikeStatus) {
      if (!sid || !status) throw new WebhookPayloadError('Twilio status callback without MessageSid or MessageStatus');
      const mapped = mapStatus(status);
      if (mapped === null) return { kind: 'ignored' };
      const errorCode = get('ErrorCode');
      const receipt: DeliveryReceipt = {
        providerMessageId: sid,
        status: mapped,
        errorCode: errorCode && errorCode !== '' ? errorCode : null,
      };
      return { kind: 'receipts', receipts: [receipt] };
    }

    const from = get('From');
    const to = get('To');
    const body = get('Body');
    if (!sid || !from || !to || body === undefined) {
      throw new WebhookPayloadError('Twilio inbound message without MessageSid, From, To or Body');
    }
    return { kind: 'inbound', messages: [{ providerMessageId: sid, from, to, text: body }] };
  }

  webhookReply(_kind: WebhookKind): WebhookReply {
    return { status: 200, contentType: 'text/xml', body: EMPTY_TWIML };
  }

  async send(message: OutboundSms): Promise<SendResult> {
    const form = new URLSearchParams();
    form.set('To', message.to);
    if (/^MG[0-9a-fA-F]{32}$/.test(this.from)) form.set('MessagingServiceSid', this.from);
    else form.set('From', this.from);
    form.set('Body', message.text);
    if (this.statusCallbackUrl) form.set('StatusCallback', this.statusCallbackUrl);

    const url = `${this.apiBaseUrl}/2010-04-01/Accounts/${encodeURIComponent(this.accountSid)}/Messages.json`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: basicAuth(this.accountSid, this.authToken),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
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
    if (!response.ok) {
      const code = isRecord(body) ? Number(body.code) : NaN;
      const result = httpFailure(PROVIDER, response.status, describeError(body));
      if (!result.ok && RETRYABLE_TWILIO_CODES.has(code)) return { ...result, retryable: true };
      return result;
    }
    const sid = isRecord(body) ? body.sid : undefined;
    if (typeof sid !== 'string' || sid === '') {
      // Accepted but unreadable: Twilio may have queued it, so a retry could send twice.
      return { ok: false, retryable: false, error: `${PROVIDER}: HTTP ${response.status} without a message sid` };
    }
    return { ok: true, providerMessageId: sid };
  }

  /** Proves the request came from Twilio and returns its parameters. */
  private verify(request: WebhookRequest): Map<string, string[]> {
    const signature = header(request, 'x-twilio-signature');
    if (!signature) throw new WebhookSignatureError('missing X-Twilio-Signature');

    const method = request.method.toUpperCase();
    const text = bodyText(request);
    let signed: Map<string, string[]>;
    let params: Map<string, string[]>;
    let bodyHash: string | null = null;
    if (method === 'GET') {
      // GET webhooks: everything is in the URL, which is all Twilio signs.
      signed = new Map();
      params = parseForm(new URL(request.url).search);
    } else if (
      contentType(request) === 'application/x-www-form-urlencoded' ||
      (contentType(request) === '' && request.rawBody.length === 0)
    ) {
      if (text === null) throw new WebhookSignatureError('body is not valid UTF-8');
      signed = parseForm(text);
      params = signed;
    } else {
      // JSON bodies are signed through a `bodySHA256` query parameter (Twilio's scheme).
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        throw new WebhookSignatureError('webhook URL is not absolute');
      }
      bodyHash = url.searchParams.get('bodySHA256');
      if (bodyHash === null) throw new WebhookSignatureError(`unsigned body type ${contentType(request) || '(none)'}`);
      signed = new Map();
      params = new Map();
    }

    const valid = urlCandidates(request.url).some((candidate) =>
      safeEqual(signature, twilioSignature(this.authToken, candidate, signed)),
    );
    if (!valid) throw new WebhookSignatureError('X-Twilio-Signature does not match');
    if (bodyHash !== null) {
      const actual = createHash('sha256').update(request.rawBody).digest('hex');
      if (!safeEqual(bodyHash.toLowerCase(), actual)) throw new WebhookSignatureError('body does not match bodySHA256');
      throw new WebhookPayloadError('Twilio JSON webhooks are not supported for messaging');
    }
    return params;
  }
}
