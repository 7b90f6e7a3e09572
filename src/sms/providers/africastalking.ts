import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import {
  ProviderConfigError,
  bodyText,
  contentType,
  describeError,
  httpFailure,
  isRecord,
  networkFailure,
  optionalPositiveNumber,
  optionalString,
  parseForm,
  readJson,
  requireBaseUrl,
  requireString,
} from './shared.ts';
import {
  WebhookPayloadError,
  WebhookSignatureError,
  type DeliveryReceipt,
  type DeliveryStatus,
  type OutboundSms,
  type SendResult,
  type SmsProvider,
  type UssdRequest,
  type WebhookKind,
  type WebhookReply,
  type WebhookRequest,
  type WebhookResult,
} from './types.ts';

export interface AfricasTalkingOptions {
  /** The Africa's Talking application username (`sandbox` in the sandbox). */
  username: string;
  apiKey: string;
  /** Sender id or short code; omitted: the account's default sender. */
  from?: string;
  /** Default `https://api.africastalking.com`; `https://api.sandbox.africastalking.com` or a stand-in for tests. */
  apiBaseUrl?: string;
  /** The secret path segment every callback URL must carry (Africa's Talking does not sign callbacks). */
  callbackSecret: string;
  /** Source addresses allowed to call back (CIDRs, IPv4 or IPv6); empty: any. */
  allowedSources?: readonly string[];
  /** Per-request timeout for the REST API (default 15 s). */
  requestTimeoutMs?: number;
}

const PROVIDER = 'africastalking';
/** Callbacks are answered quickly with a plain 200; Africa's Talking reads nothing from the body. */
const OK_REPLY: WebhookReply = { status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK' };

/**
 * Per-recipient `statusCode`s of the messaging API. 100–102 mean accepted; the rest are
 * refusals, of which only a provider-side fault or an empty balance can pass on retry.
 */
const ACCEPTED = new Set([100, 101, 102]);
const RETRYABLE_STATUS = new Set([405, 500, 501]);

function mapStatus(status: string): DeliveryStatus | null {
  switch (status) {
    case 'Sent':
    case 'Submitted':
    case 'Buffered':
      return 'sent';
    case 'Success':
      return 'delivered';
    case 'Rejected':
      return 'failed';
    case 'Failed':
      return 'undelivered';
    default:
      return null;
  }
}

/** Compares secrets of any length in constant time (both sides are hashed to 32 bytes first). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function parseAllowList(sources: readonly string[]): BlockList | null {
  if (sources.length === 0) return null;
  const list = new BlockList();
  for (const source of sources) {
    const [address = '', bits] = source.trim().split('/');
    const family = isIP(address);
    if (family === 0)
      throw new ProviderConfigError(PROVIDER, `allowed source "${source}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new ProviderConfigError(PROVIDER, `allowed source "${source}" has a bad prefix length`);
    }
    list.addSubnet(address, prefix, type);
  }
  return list;
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) is checked as 1.2.3.4. */
function plainAddress(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const candidate = mapped ? mapped[1]! : address;
  const family = isIP(candidate);
  if (family === 0) return null;
  return { address: candidate, type: family === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Africa's Talking (https://developers.africastalking.com): SMS through its messaging REST
 * API, inbound texts, delivery reports and USSD through callbacks. Its callbacks carry no
 * signature, so each one must prove itself otherwise: the callback URL holds a secret path
 * segment (compared in constant time), the caller's address may be held to an allowlist,
 * and replays act once (the inbound pipeline dedupes by message id; USSD steps by session
 * and input, see `src/sms/ussd.ts`).
 */
export class AfricasTalkingProvider implements SmsProvider {
  readonly name = 'africastalking' as const;
  readonly secretInPath = true;
  private readonly username: string;
  private readonly apiKey: string;
  private readonly from: string | undefined;
  private readonly apiBaseUrl: string;
  private readonly callbackSecret: string;
  private readonly allowList: BlockList | null;
  private readonly requestTimeoutMs: number;

  constructor(options: AfricasTalkingOptions) {
    const o = options as unknown as Record<string, unknown> | undefined;
    if (!o || typeof o !== 'object') throw new ProviderConfigError(PROVIDER, 'an options object is required');
    this.username = requireString(PROVIDER, o, 'username');
    this.apiKey = requireString(PROVIDER, o, 'apiKey');
    this.from = optionalString(PROVIDER, o, 'from');
    this.apiBaseUrl = requireBaseUrl(PROVIDER, o, 'apiBaseUrl', 'https://api.africastalking.com');
    this.callbackSecret = requireString(PROVIDER, o, 'callbackSecret');
    if (this.callbackSecret.length < 16 || !/^[A-Za-z0-9_-]+$/.test(this.callbackSecret)) {
      throw new ProviderConfigError(
        PROVIDER,
        'option "callbackSecret" must be at least 16 letters, digits, "-" or "_" (it is a URL path segment)',
      );
    }
    this.allowList = parseAllowList(options.allowedSources ?? []);
    this.requestTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'requestTimeoutMs', 15_000);
  }

  parseWebhook(request: WebhookRequest, kind: WebhookKind): WebhookResult {
    const params = this.verify(request);
    const get = (name: string): string | undefined => params.get(name)?.[0];
    const id = get('id');
    const status = get('status');
    if (kind === 'status' || (status !== undefined && get('text') === undefined)) {
      if (!id || !status) throw new WebhookPayloadError("Africa's Talking delivery report without id or status");
      const mapped = mapStatus(status);
      if (mapped === null) return { kind: 'ignored' };
      const reason = get('failureReason');
      const receipt: DeliveryReceipt = {
        providerMessageId: id,
        status: mapped,
        errorCode: reason && reason !== '' ? reason : null,
      };
      return { kind: 'receipts', receipts: [receipt] };
    }
    const from = get('from');
    const to = get('to');
    const text = get('text');
    if (!id || !from || !to || text === undefined) {
      throw new WebhookPayloadError("Africa's Talking incoming message without id, from, to or text");
    }
    const linkId = get('linkId');
    return {
      kind: 'inbound',
      messages: [{ providerMessageId: id, from, to, text, ...(linkId ? { replyLink: linkId } : {}) }],
    };
  }

  webhookReply(_kind: WebhookKind): WebhookReply {
    return OK_REPLY;
  }

  /** Proves and reads a USSD callback (same URL secret and allowlist as the SMS callbacks). */
  parseUssd(request: WebhookRequest): UssdRequest {
    const params = this.verify(request);
    const get = (name: string): string | undefined => params.get(name)?.[0];
    const sessionId = get('sessionId');
    const serviceCode = get('serviceCode');
    const phoneNumber = get('phoneNumber');
    if (!sessionId || !serviceCode || !phoneNumber) {
      throw new WebhookPayloadError("Africa's Talking USSD request without sessionId, serviceCode or phoneNumber");
    }
    if (sessionId.length > 200 || serviceCode.length > 40) throw new WebhookPayloadError('USSD field too long');
    return { sessionId, serviceCode, phoneNumber, networkCode: get('networkCode') ?? null, text: get('text') ?? '' };
  }

  async send(message: OutboundSms): Promise<SendResult> {
    const form = new URLSearchParams();
    form.set('username', this.username);
    form.set('to', message.to);
    form.set('message', message.text);
    if (this.from) form.set('from', this.from);
    if (message.replyLink) {
      // An on-demand premium reply: the subscriber's text opened the session this answers.
      form.set('linkId', message.replyLink);
      form.set('bulkSMSMode', '0');
    }
    let response: Response;
    try {
      response = await fetch(`${this.apiBaseUrl}/version1/messaging`, {
        method: 'POST',
        headers: {
          apiKey: this.apiKey,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
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
    if (!response.ok) return httpFailure(PROVIDER, response.status, describeError(body));
    const data = isRecord(body) && isRecord(body.SMSMessageData) ? body.SMSMessageData : null;
    const recipients = data && Array.isArray(data.Recipients) ? data.Recipients : [];
    const recipient = recipients.find((r): r is Record<string, unknown> => isRecord(r));
    if (!recipient) {
      // No recipient entry: Africa's Talking refused the whole request (its `Message` says why).
      const why = data && typeof data.Message === 'string' ? data.Message : 'no recipient in the answer';
      return { ok: false, retryable: false, error: `${PROVIDER}: ${why}` };
    }
    const code = Number(recipient.statusCode);
    const status = typeof recipient.status === 'string' ? recipient.status : `status ${code}`;
    if (!ACCEPTED.has(code)) {
      return { ok: false, retryable: RETRYABLE_STATUS.has(code), error: `${PROVIDER}: ${code} ${status}` };
    }
    const messageId = recipient.messageId;
    if (typeof messageId !== 'string' || messageId === '' || messageId === 'None') {
      return { ok: false, retryable: false, error: `${PROVIDER}: accepted without a messageId` };
    }
    return {
      ok: true,
      providerMessageId: messageId,
      ...(typeof recipient.cost === 'string' ? { cost: recipient.cost } : {}),
    };
  }

  /** The URL secret, then the source address; returns the form fields. */
  private verify(request: WebhookRequest): Map<string, string[]> {
    let path: string[];
    try {
      path = new URL(request.url).pathname.split('/');
    } catch {
      throw new WebhookSignatureError('webhook URL is not absolute');
    }
    const at = path.indexOf(PROVIDER);
    const given = at === -1 ? undefined : path[at + 1];
    if (given === undefined || given === '' || given === 'status') {
      throw new WebhookSignatureError('callback URL without its secret');
    }
    if (!sameSecret(decodeURIComponent(given), this.callbackSecret)) {
      throw new WebhookSignatureError('callback URL secret does not match');
    }
    if (this.allowList) {
      const peer = request.remoteAddress ? plainAddress(request.remoteAddress) : null;
      if (!peer || !this.allowList.check(peer.address, peer.type)) {
        throw new WebhookSignatureError('callback from an address outside the allowlist');
      }
    }
    const type = contentType(request);
    if (request.method.toUpperCase() === 'GET') return parseForm(new URL(request.url).search);
    if (type !== 'application/x-www-form-urlencoded' && !(type === '' && request.rawBody.length === 0)) {
      throw new WebhookPayloadError(`unexpected body type ${type || '(none)'}`);
    }
    const text = bodyText(request);
    if (text === null) throw new WebhookPayloadError('body is not valid UTF-8');
    return parseForm(text);
  }
}
