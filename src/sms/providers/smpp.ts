import { createHash, randomInt } from 'node:crypto';
import smpp, { type PDU, type Session } from 'smpp';
import { encodeSms } from '../encoding.ts';
import { ProviderConfigError, optionalPositiveNumber, requireString } from './shared.ts';
import type {
  DeliveryReceipt,
  DeliveryStatus,
  InboundSms,
  OutboundSms,
  ProviderSink,
  SendResult,
  SmsProvider,
} from './types.ts';

/**
 * Direct SMPP 3.4 bind to an SMSC (transceiver), built on node-smpp.
 *
 * Outbound: `submit_sm` with `registered_delivery` 1; GSM-7 text goes as data_coding 0
 * (SMSC default alphabet, unpacked septets, one per octet, as SMPP carries it) and anything
 * else as data_coding 8 (UCS-2, UTF-16BE). Long texts are split by Sparrow itself into
 * concatenated parts with an 8-bit-reference UDH (`longMessages: 'udh'`, the default, because
 * every SMSC and handset supports it), at exactly the boundaries `analyseSms` counts (153
 * septets / 67 units, never inside an escape sequence or a surrogate pair). Each part gets its
 * own SMSC message id and receipt; the first part's id is returned, and receipts of the other
 * parts are folded into it (failed as soon as one part fails, delivered when all are) while
 * this process remembers the parts. `longMessages: 'payload'` instead sends the whole text in
 * one `submit_sm` with the `message_payload` TLV and lets the SMSC split it (one id, one
 * receipt), for SMSCs that support it.
 *
 * Inbound: `deliver_sm` is answered with `deliver_sm_resp` only after the sink has taken the
 * message (durably), so an SMSC that gets no answer delivers it again; a sink failure answers
 * ESME_RX_T_APPN (temporary error) to ask for redelivery. SMPP gives a mobile-originated
 * message no globally unique id, and a redelivery is a new PDU with a new sequence number,
 * so the id is derived from the content: sha-256 of source, destination, esm_class,
 * data_coding, concatenation reference and text, plus the time this process first saw that
 * content. The same content seen again within `inboundDedupeWindowMs` (default 10 minutes,
 * counted from the last sighting) gets the same id and is dropped by the channel's dedupe;
 * after that it is a new message (people do send "ON" twice). Trade-off: a redelivery that
 * straddles a restart of this process gets a new id (only possible if the process stopped
 * between storing the message and answering the SMSC), and an identical text resent by the
 * same person within the window acts once.
 * Concatenated inbound parts (UDH IE 0x00/0x08 or the sar_* TLVs) are acknowledged one by one
 * (SMSCs often wait for each answer before sending the next part) and reassembled in memory.
 *
 * Link: `enquire_link` every `enquireLinkIntervalMs` (30 s); no answer within
 * `responseTimeoutMs` means the link is dead. On any drop the provider rebinds with
 * exponential backoff (`reconnectInitialDelayMs` doubling up to `reconnectMaxDelayMs`).
 * While unbound, `send` answers `{ ok: false, retryable: true }` at once.
 */

export type SmppEvent =
  | { type: 'bound' }
  | { type: 'disconnected'; reason: string }
  | { type: 'bind_failed'; error: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number };

export interface SmppProviderOptions {
  /** `smpp://system_id:password@host:port` (or `ssmpp://` for TLS); credentials percent-encoded. */
  url: string;
  /** Sender address: E.164 (`+254…`, sent as TON 1 / NPI 1), a short code, or alphanumeric (TON 5). */
  sourceAddr: string;
  sourceAddrTon?: number;
  sourceAddrNpi?: number;
  systemType?: string;
  /** Cap on `submit_sm` per second on this bind (each part counts). Unlimited when unset. */
  throughputPerSecond?: number;
  enquireLinkIntervalMs?: number;
  /** Wait for any response (bind, submit, enquire link, unbind) before giving up. Default 10 s. */
  responseTimeoutMs?: number;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  longMessages?: 'udh' | 'payload';
  inboundDedupeWindowMs?: number;
  /** How long parts of a concatenated inbound message wait for the rest. Default 10 min. */
  concatTimeoutMs?: number;
  /** How long receipts of multipart messages are folded together. Default 72 h. */
  receiptTrackingMs?: number;
  onEvent?: (event: SmppEvent) => void;
  now?: () => number;
}

const PROVIDER = 'smpp';

/** SMSC answers to submit_sm after which the same message may well go through later. */
const RETRYABLE_STATUSES = new Set([
  0x00000004, // ESME_RINVBNDSTS: we were not (yet) bound
  0x00000008, // ESME_RSYSERR
  0x00000014, // ESME_RMSGQFUL
  0x00000045, // ESME_RSUBMITFAIL
  0x00000058, // ESME_RTHROTTLED
  0x00000064, // ESME_RX_T_APPN
]);
const CREDENTIAL_STATUSES = new Set([0x0000000d, 0x0000000e, 0x0000000f]); // BINDFAIL, INVPASWD, INVSYSID
const ESME_RX_T_APPN = 0x00000064;

const STATUS_NAMES = new Map<number, string>(Object.entries(smpp.errors ?? {}).map(([name, code]) => [code, name]));
function statusName(status: number): string {
  return `${STATUS_NAMES.get(status) ?? 'status'} (0x${status.toString(16).padStart(8, '0')})`;
}

class SmppRequestError extends Error {
  readonly retryable: boolean;
  readonly status?: number;
  constructor(message: string, retryable: boolean, status?: number) {
    super(message);
    this.retryable = retryable;
    this.status = status;
    this.name = 'SmppRequestError';
  }
}

/** Thrown by `start` when the SMSC refuses the credentials on the first bind. */
export class SmppBindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmppBindError';
  }
}

interface ParsedUrl {
  host: string;
  port: number;
  tls: boolean;
  systemId: string;
  password: string;
}

function parseSmppUrl(raw: string): ParsedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigError(
      PROVIDER,
      `option "url" is not a valid URL (expected smpp://system_id:password@host:port)`,
    );
  }
  if (url.protocol !== 'smpp:' && url.protocol !== 'ssmpp:') {
    throw new ProviderConfigError(PROVIDER, `option "url" must use smpp:// or ssmpp://, not ${url.protocol}`);
  }
  const tls = url.protocol === 'ssmpp:';
  const systemId = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (!url.hostname) throw new ProviderConfigError(PROVIDER, 'option "url" has no host');
  if (!systemId)
    throw new ProviderConfigError(PROVIDER, 'option "url" has no system_id (smpp://system_id:password@host:port)');
  if (systemId.length > 15)
    throw new ProviderConfigError(PROVIDER, 'system_id is longer than 15 characters (SMPP 3.4 limit)');
  if (password.length > 8)
    throw new ProviderConfigError(PROVIDER, 'password is longer than 8 characters (SMPP 3.4 limit)');
  const port = url.port ? Number(url.port) : tls ? 3550 : 2775;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port, tls, systemId, password };
}

function mapStat(stat: string): DeliveryStatus | null {
  switch (stat.toUpperCase()) {
    case 'DELIVRD':
      return 'delivered';
    case 'ACCEPTD':
    case 'ENROUTE':
      return 'sent';
    case 'EXPIRED':
    case 'UNDELIV':
      return 'undelivered';
    case 'DELETED':
    case 'REJECTD':
      return 'failed';
    default:
      return null; // UNKNOWN, SCHEDULED, SKIPPED
  }
}

function mapMessageState(state: number): DeliveryStatus | null {
  switch (state) {
    case 2:
      return 'delivered';
    case 1:
    case 6:
      return 'sent';
    case 3:
    case 5:
      return 'undelivered';
    case 4:
    case 8:
      return 'failed';
    default:
      return null;
  }
}

function messageText(value: unknown): { text: string; udh: Buffer[] } | null {
  if (typeof value === 'string') return { text: value, udh: [] };
  if (Buffer.isBuffer(value)) return { text: value.toString('latin1'), udh: [] };
  if (value && typeof value === 'object' && 'message' in value) {
    const decoded = value as { message: unknown; udh?: unknown };
    const m = decoded.message;
    const udh = Array.isArray(decoded.udh) ? decoded.udh.filter((ie): ie is Buffer => Buffer.isBuffer(ie)) : [];
    if (typeof m === 'string') return { text: m, udh };
    if (Buffer.isBuffer(m)) return { text: m.toString('latin1'), udh };
  }
  return null;
}

interface ConcatInfo {
  ref: number;
  total: number;
  part: number;
}

function concatInfo(pdu: PDU, udh: Buffer[]): ConcatInfo | null {
  for (const ie of udh) {
    if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return { ref: ie[2]!, total: ie[3]!, part: ie[4]! };
    if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6)
      return { ref: ie.readUInt16BE(2), total: ie[4]!, part: ie[5]! };
  }
  if (
    typeof pdu.sar_msg_ref_num === 'number' &&
    typeof pdu.sar_total_segments === 'number' &&
    typeof pdu.sar_segment_seqnum === 'number'
  ) {
    return { ref: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, part: pdu.sar_segment_seqnum };
  }
  return null;
}

function addressOut(address: string): { addr: string; ton: number; npi: number } {
  if (/^\+[0-9]{1,15}$/.test(address)) return { addr: address.slice(1), ton: 1, npi: 1 };
  if (/^[0-9]{1,20}$/.test(address)) return { addr: address, ton: 0, npi: 1 };
  return { addr: address, ton: 5, npi: 0 };
}

function addressIn(addr: unknown, ton: unknown): string {
  const value = typeof addr === 'string' ? addr : '';
  return ton === 1 && /^[0-9]+$/.test(value) ? `+${value}` : value;
}

interface Composite {
  id: string;
  remaining: Set<string>;
  done: boolean;
  createdAt: number;
}
interface PendingConcat {
  firstSeen: number;
  parts: Map<number, string>;
}

export class SmppProvider implements SmsProvider {
  readonly name = 'smpp' as const;
  private readonly target: ParsedUrl;
  private readonly source: { addr: string; ton: number; npi: number };
  private readonly systemType: string;
  private readonly intervalMs: number | null;
  private readonly enquireLinkIntervalMs: number;
  private readonly responseTimeoutMs: number;
  private readonly reconnectInitialDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  private readonly longMessages: 'udh' | 'payload';
  private readonly inboundDedupeWindowMs: number;
  private readonly concatTimeoutMs: number;
  private readonly receiptTrackingMs: number;
  private readonly onEvent: (event: SmppEvent) => void;
  private readonly now: () => number;

  private sink: ProviderSink | null = null;
  private session: Session | null = null;
  private bound = false;
  private running = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private enquireTimer: NodeJS.Timeout | null = null;
  private readonly inflight = new Set<(error: Error) => void>();
  private nextSlot = 0;
  private concatRef = randomInt(0, 256);
  private readonly composites = new Map<string, Composite>();
  private readonly seenInbound = new Map<string, { id: string; lastSeen: number }>();
  private readonly pendingConcat = new Map<string, PendingConcat>();

  constructor(options: SmppProviderOptions) {
    const o = options as unknown as Record<string, unknown> | undefined;
    if (!o || typeof o !== 'object') throw new ProviderConfigError(PROVIDER, 'an options object is required');
    this.target = parseSmppUrl(requireString(PROVIDER, o, 'url'));
    const sourceAddr = requireString(PROVIDER, o, 'sourceAddr');
    const source = addressOut(sourceAddr);
    if (source.ton === 5 && (source.addr.length > 11 || !/^[\x20-\x7e]+$/.test(source.addr))) {
      throw new ProviderConfigError(
        PROVIDER,
        'option "sourceAddr" must be E.164, digits, or at most 11 printable ASCII characters',
      );
    }
    for (const key of ['sourceAddrTon', 'sourceAddrNpi'] as const) {
      const v = o[key];
      if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 255)) {
        throw new ProviderConfigError(PROVIDER, `option "${key}" must be an integer 0-255`);
      }
    }
    this.source = {
      addr: source.addr,
      ton: (o.sourceAddrTon as number | undefined) ?? source.ton,
      npi: (o.sourceAddrNpi as number | undefined) ?? source.npi,
    };
    const systemType = o.systemType ?? '';
    if (typeof systemType !== 'string' || systemType.length > 12)
      throw new ProviderConfigError(PROVIDER, 'option "systemType" must be a string of at most 12 characters');
    this.systemType = systemType;
    const tps =
      o.throughputPerSecond === undefined ? null : optionalPositiveNumber(PROVIDER, o, 'throughputPerSecond', 1);
    this.intervalMs = tps === null ? null : 1000 / tps;
    this.enquireLinkIntervalMs = optionalPositiveNumber(PROVIDER, o, 'enquireLinkIntervalMs', 30_000);
    this.responseTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'responseTimeoutMs', 10_000);
    this.reconnectInitialDelayMs = optionalPositiveNumber(PROVIDER, o, 'reconnectInitialDelayMs', 1_000);
    this.reconnectMaxDelayMs = optionalPositiveNumber(PROVIDER, o, 'reconnectMaxDelayMs', 60_000);
    if (this.reconnectMaxDelayMs < this.reconnectInitialDelayMs) {
      throw new ProviderConfigError(
        PROVIDER,
        'option "reconnectMaxDelayMs" must not be below "reconnectInitialDelayMs"',
      );
    }
    const longMessages = o.longMessages ?? 'udh';
    if (longMessages !== 'udh' && longMessages !== 'payload')
      throw new ProviderConfigError(PROVIDER, 'option "longMessages" must be "udh" or "payload"');
    this.longMessages = longMessages;
    this.inboundDedupeWindowMs = optionalPositiveNumber(PROVIDER, o, 'inboundDedupeWindowMs', 10 * 60_000);
    this.concatTimeoutMs = optionalPositiveNumber(PROVIDER, o, 'concatTimeoutMs', 10 * 60_000);
    this.receiptTrackingMs = optionalPositiveNumber(PROVIDER, o, 'receiptTrackingMs', 72 * 3_600_000);
    if (o.onEvent !== undefined && typeof o.onEvent !== 'function')
      throw new ProviderConfigError(PROVIDER, 'option "onEvent" must be a function');
    this.onEvent = (o.onEvent as ((e: SmppEvent) => void) | undefined) ?? (() => {});
    if (o.now !== undefined && typeof o.now !== 'function')
      throw new ProviderConfigError(PROVIDER, 'option "now" must be a function');
    this.now = (o.now as (() => number) | undefined) ?? Date.now;
  }

  /** True while a transceiver bind is up. */
  get isBound(): boolean {
    return this.bound;
  }

  /**
   * Binds and starts delivering what arrives to `sink`. Resolves once the first bind attempt
   * is over: bound, or unreachable (then it keeps trying in the background). Rejects with
   * SmppBindError, and stays stopped, when the SMSC refuses the credentials.
   */
  async start(sink: ProviderSink): Promise<void> {
    if (this.running) throw new Error('smpp provider: already started');
    this.sink = sink;
    this.running = true;
    this.attempt = 0;
    const outcome = await this.connect();
    if (outcome.kind === 'refused') {
      this.running = false;
      this.sink = null;
      throw new SmppBindError(`SMSC refused the bind: ${outcome.reason}`);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const session = this.session;
    if (session && this.bound) {
      try {
        await this.request(session, 'unbind', {});
      } catch {
        // Unanswered unbind: close anyway.
      }
    }
    this.teardown('stopped');
    if (session) {
      await new Promise<void>((resolve) => {
        if (session.socket.destroyed) return resolve();
        session.socket.once('close', () => resolve());
        session.close();
        setTimeout(() => {
          session.destroy();
          resolve();
        }, this.responseTimeoutMs).unref();
      });
    }
    this.sink = null;
  }

  async send(message: OutboundSms): Promise<SendResult> {
    if (!this.bound || !this.session)
      return { ok: false, retryable: true, error: `${PROVIDER}: not bound to the SMSC` };
    const dest = addressOut(message.to);
    const encoded = encodeSms(message.text);
    const dataCoding = encoded.encoding === 'GSM-7' ? 0x00 : 0x08;
    const bytesOf = (codeUnits: number[]): Buffer => {
      if (dataCoding === 0x00) return Buffer.from(codeUnits);
      const buf = Buffer.alloc(codeUnits.length * 2);
      codeUnits.forEach((u, i) => buf.writeUInt16BE(u, i * 2));
      return buf;
    };
    const base = {
      source_addr_ton: this.source.ton,
      source_addr_npi: this.source.npi,
      source_addr: this.source.addr,
      dest_addr_ton: dest.ton,
      dest_addr_npi: dest.npi,
      destination_addr: dest.addr,
      registered_delivery: 1,
      data_coding: dataCoding,
    };

    const submits: Record<string, unknown>[] = [];
    if (encoded.segments.length <= 1) {
      submits.push({ ...base, esm_class: 0, short_message: bytesOf(encoded.segments[0]?.codeUnits ?? []) });
    } else if (this.longMessages === 'payload') {
      submits.push({
        ...base,
        esm_class: 0,
        short_message: Buffer.alloc(0),
        message_payload: bytesOf(encoded.segments.flatMap((s) => s.codeUnits)),
      });
    } else {
      if (encoded.segments.length > 255)
        return {
          ok: false,
          retryable: false,
          error: `${PROVIDER}: message too long (${encoded.segments.length} parts)`,
        };
      const ref = this.concatRef;
      this.concatRef = (this.concatRef + 1) % 256;
      encoded.segments.forEach((segment, i) => {
        const udh = Buffer.from([0x05, 0x00, 0x03, ref, encoded.segments.length, i + 1]);
        submits.push({ ...base, esm_class: 0x40, short_message: Buffer.concat([udh, bytesOf(segment.codeUnits)]) });
      });
    }

    const ids: string[] = [];
    for (const params of submits) {
      try {
        await this.throttle();
        const session = this.session;
        if (!this.bound || !session) throw new SmppRequestError('connection to the SMSC lost', true);
        const response = await this.request(session, 'submit_sm', params);
        if (response.command_status !== 0) {
          throw new SmppRequestError(
            `submit_sm refused: ${statusName(response.command_status)}`,
            RETRYABLE_STATUSES.has(response.command_status),
            response.command_status,
          );
        }
        const id = typeof response.message_id === 'string' ? response.message_id : '';
        if (!id) throw new SmppRequestError('submit_sm_resp without message_id', false);
        ids.push(id);
      } catch (error) {
        const e = error instanceof SmppRequestError ? error : new SmppRequestError(String(error), true);
        if (ids.length > 0) {
          // Earlier parts went out: a retry would send them twice.
          return {
            ok: false,
            retryable: false,
            error: `${PROVIDER}: ${e.message} after ${ids.length} of ${submits.length} parts were sent`,
          };
        }
        return { ok: false, retryable: e.retryable, error: `${PROVIDER}: ${e.message}` };
      }
    }
    const first = ids[0]!;
    if (ids.length > 1) this.trackComposite(first, ids);
    return { ok: true, providerMessageId: first };
  }

  // ---- connection ----------------------------------------------------------------------

  private connect(): Promise<
    { kind: 'bound' } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string }
  > {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (
        outcome: { kind: 'bound' } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string },
      ) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const session = smpp.connect({ host: this.target.host, port: this.target.port, tls: this.target.tls });
      this.session = session;
      const connectTimer = setTimeout(() => {
        settle({ kind: 'failed', reason: 'timed out connecting to the SMSC' });
        session.destroy();
      }, this.responseTimeoutMs);

      let lastError: string | null = null;
      session.on('error', (error: Error) => {
        lastError = error.message; // `close` follows
      });
      session.on('close', () => {
        clearTimeout(connectTimer);
        const reason = lastError ?? 'connection closed';
        if (this.session === session) this.lost(reason);
        settle({ kind: 'failed', reason });
      });
      session.on(this.target.tls ? 'secureConnect' : 'connect', () => {
        this.request(session, 'bind_transceiver', {
          system_id: this.target.systemId,
          password: this.target.password,
          system_type: this.systemType,
          interface_version: 0x34,
        }).then(
          (response) => {
            clearTimeout(connectTimer);
            if (response.command_status !== 0) {
              const reason = statusName(response.command_status);
              this.onEvent({ type: 'bind_failed', error: reason });
              const refused = CREDENTIAL_STATUSES.has(response.command_status);
              // The first refusal of the credentials ends start(); later ones keep retrying.
              if (refused && this.attempt === 0 && !settled) {
                settled = true;
                this.session = null;
                session.destroy();
                resolve({ kind: 'refused', reason });
                return;
              }
              session.destroy();
              settle({ kind: 'failed', reason });
              return;
            }
            if (!this.running || this.session !== session) {
              session.destroy();
              settle({ kind: 'failed', reason: 'stopped' });
              return;
            }
            this.bound = true;
            this.attempt = 0;
            this.scheduleEnquireLink(session);
            this.onEvent({ type: 'bound' });
            settle({ kind: 'bound' });
          },
          (error: Error) => {
            clearTimeout(connectTimer);
            this.onEvent({ type: 'bind_failed', error: error.message });
            session.destroy();
            settle({ kind: 'failed', reason: error.message });
          },
        );
      });

      session.on('deliver_sm', (pdu: PDU) => {
        void this.onDeliverSm(session, pdu);
      });
      session.on('enquire_link', (pdu: PDU) => {
        session.send(pdu.response());
      });
      session.on('unbind', (pdu: PDU) => {
        session.send(pdu.response());
        this.lost('SMSC unbound');
        session.close();
      });
      session.on('unknown', (pdu: PDU) => {
        session.send(pdu.response());
      });
    });
  }

  /** The bind is gone: fail what waits on it and, unless stopping, bind again after a backoff. */
  private lost(reason: string): void {
    const wasUp = this.session !== null;
    this.teardown(reason);
    if (wasUp) this.onEvent({ type: 'disconnected', reason });
    if (!this.running || this.reconnectTimer) return;
    this.attempt += 1;
    const delayMs = Math.min(this.reconnectMaxDelayMs, this.reconnectInitialDelayMs * 2 ** (this.attempt - 1));
    this.onEvent({ type: 'reconnecting', attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) void this.connect();
    }, delayMs);
    this.reconnectTimer.unref?.();
  }

  private teardown(reason: string): void {
    this.bound = false;
    this.session = null;
    if (this.enquireTimer) clearTimeout(this.enquireTimer);
    this.enquireTimer = null;
    const waiting = [...this.inflight];
    this.inflight.clear();
    for (const fail of waiting) fail(new SmppRequestError(`connection to the SMSC lost (${reason})`, true));
  }

  private scheduleEnquireLink(session: Session): void {
    this.enquireTimer = setTimeout(() => {
      this.enquireTimer = null;
      if (this.session !== session || !this.bound) return;
      this.request(session, 'enquire_link', {}).then(
        () => {
          if (this.session === session && this.bound) this.scheduleEnquireLink(session);
        },
        () => {
          // No answer: the link is dead even if TCP has not noticed. Drop it; `close` rebinds.
          if (this.session === session) session.destroy();
        },
      );
    }, this.enquireLinkIntervalMs);
    this.enquireTimer.unref?.();
  }

  /** Sends a request PDU and waits for its response (or the timeout, or the link dropping). */
  private request(session: Session, command: string, params: Record<string, unknown>): Promise<PDU> {
    return new Promise<PDU>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const fail = (error: Error) => {
        if (timer) clearTimeout(timer);
        this.inflight.delete(fail);
        reject(error);
      };
      this.inflight.add(fail);
      timer = setTimeout(
        () => fail(new SmppRequestError(`no ${command}_resp within ${this.responseTimeoutMs} ms`, true)),
        this.responseTimeoutMs,
      );
      let sent = false;
      try {
        sent = session.send(new smpp.PDU(command, params), (response) => {
          if (timer) clearTimeout(timer);
          this.inflight.delete(fail);
          resolve(response);
        });
      } catch (error) {
        fail(
          new SmppRequestError(
            `cannot encode ${command}: ${error instanceof Error ? error.message : String(error)}`,
            false,
          ),
        );
        return;
      }
      if (!sent) fail(new SmppRequestError('connection to the SMSC is not writable', true));
    });
  }

  private async throttle(): Promise<void> {
    if (this.intervalMs === null) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  // ---- what the SMSC delivers -----------------------------------------------------------

  private async onDeliverSm(session: Session, pdu: PDU): Promise<void> {
    let status = 0;
    try {
      // Stopped (or stopping): nobody would take the message, so let the SMSC keep it.
      if (!this.sink) throw new Error('no sink');
      const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
      if ((esmClass & 0x3c) === 0x04 || (esmClass & 0x3c) === 0x08) {
        if ((esmClass & 0x3c) === 0x04) {
          const receipt = this.foldReceipt(this.parseReceipt(pdu));
          if (receipt && this.sink) await this.sink.receipt(receipt);
        }
      } else if ((esmClass & 0x3c) === 0) {
        const message = this.parseInbound(pdu);
        if (message && this.sink) await this.sink.inbound(message);
      }
      // Intermediate notifications and user acknowledgements: acknowledged, nothing to do.
    } catch {
      status = ESME_RX_T_APPN; // ask the SMSC to deliver it again later
    }
    if (!session.socket.destroyed) session.send(pdu.response({ command_status: status }));
  }

  private parseReceipt(pdu: PDU): DeliveryReceipt | null {
    const body = messageText(pdu.short_message) ?? messageText(pdu.message_payload);
    const text = body?.text ?? '';
    const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
    const id = (typeof pdu.receipted_message_id === 'string' && pdu.receipted_message_id) || field('id');
    if (!id) return null;
    let status: DeliveryStatus | null = null;
    if (typeof pdu.message_state === 'number') status = mapMessageState(pdu.message_state);
    else {
      const stat = field('stat');
      if (stat) status = mapStat(stat);
    }
    if (status === null) return null;
    let errorCode: string | null = null;
    const err = field('err');
    if (err && !/^0+$/.test(err)) errorCode = err;
    if (Buffer.isBuffer(pdu.network_error_code) && pdu.network_error_code.length === 3) {
      const nec = pdu.network_error_code;
      const code = nec.readUInt16BE(1);
      if (code !== 0) errorCode = `${nec[0]}:${code}`;
    }
    return { providerMessageId: id, status, errorCode };
  }

  private trackComposite(first: string, ids: string[]): void {
    const now = this.now();
    for (const [key, c] of this.composites) {
      if (now - c.createdAt > this.receiptTrackingMs || this.composites.size > 100_000) this.composites.delete(key);
      else break;
    }
    const composite: Composite = { id: first, remaining: new Set(ids), done: false, createdAt: now };
    for (const id of ids) this.composites.set(id, composite);
  }

  /** Receipts of the parts of one multipart message become one receipt for the message. */
  private foldReceipt(receipt: DeliveryReceipt | null): DeliveryReceipt | null {
    if (!receipt) return null;
    const composite = this.composites.get(receipt.providerMessageId);
    if (!composite) return receipt;
    if (composite.done) return null;
    if (receipt.status === 'failed' || receipt.status === 'undelivered') {
      composite.done = true;
      return { ...receipt, providerMessageId: composite.id };
    }
    if (receipt.status === 'delivered') {
      composite.remaining.delete(receipt.providerMessageId);
      if (composite.remaining.size === 0) {
        composite.done = true;
        return { ...receipt, providerMessageId: composite.id };
      }
    }
    return null;
  }

  private parseInbound(pdu: PDU): InboundSms | null {
    const body = messageText(pdu.short_message);
    const payload = messageText(pdu.message_payload);
    const content = payload && payload.text !== '' ? payload : body;
    if (!content) return null;
    const from = addressIn(pdu.source_addr, pdu.source_addr_ton);
    const to = addressIn(pdu.destination_addr, pdu.dest_addr_ton);
    const concat = concatInfo(pdu, body?.udh ?? []);
    const dataCoding = typeof pdu.data_coding === 'number' ? pdu.data_coding : 0;

    if (concat && concat.total > 1) {
      if (concat.part < 1 || concat.part > concat.total) return null;
      const now = this.now();
      for (const [key, entry] of this.pendingConcat)
        if (now - entry.firstSeen > this.concatTimeoutMs) this.pendingConcat.delete(key);
      const key = `${from}\u0000${to}\u0000${concat.ref}\u0000${concat.total}`;
      let entry = this.pendingConcat.get(key);
      if (!entry) {
        if (this.pendingConcat.size >= 10_000) {
          const oldest = this.pendingConcat.keys().next().value;
          if (oldest !== undefined) this.pendingConcat.delete(oldest);
        }
        entry = { firstSeen: now, parts: new Map() };
        this.pendingConcat.set(key, entry);
      }
      entry.parts.set(concat.part, content.text);
      if (entry.parts.size < concat.total) return null;
      this.pendingConcat.delete(key);
      let text = '';
      for (let i = 1; i <= concat.total; i++) text += entry.parts.get(i) ?? '';
      return {
        providerMessageId: this.inboundId([from, to, 'concat', concat.ref, concat.total, dataCoding, text]),
        from,
        to,
        text,
      };
    }
    const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
    return {
      providerMessageId: this.inboundId([from, to, esmClass, dataCoding, content.text]),
      from,
      to,
      text: content.text,
    };
  }

  /** See the class comment: content fingerprint + first sighting within the dedupe window. */
  private inboundId(parts: (string | number)[]): string {
    const fingerprint = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
    const now = this.now();
    const seen = this.seenInbound.get(fingerprint);
    if (seen && now - seen.lastSeen <= this.inboundDedupeWindowMs) {
      seen.lastSeen = now;
      // Keep insertion order ≈ recency so the sweep below can stop early.
      this.seenInbound.delete(fingerprint);
      this.seenInbound.set(fingerprint, seen);
      return seen.id;
    }
    for (const [key, entry] of this.seenInbound) {
      if (now - entry.lastSeen > this.inboundDedupeWindowMs || this.seenInbound.size > 100_000)
        this.seenInbound.delete(key);
      else break;
    }
    const id = `mo-${fingerprint}-${now.toString(36)}`;
    this.seenInbound.delete(fingerprint);
    this.seenInbound.set(fingerprint, { id, lastSeen: now });
    return id;
  }
}
