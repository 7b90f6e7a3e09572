import type { DecodedMessage, PDU } from 'smpp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderConfigError } from '../../../src/sms/providers/shared.ts';
import {
  SmppBindError,
  SmppProvider,
  type SmppEvent,
  type SmppProviderOptions,
} from '../../../src/sms/providers/smpp.ts';
import type { DeliveryReceipt, InboundSms, ProviderSink } from '../../../src/sms/providers/types.ts';
import { FakeSmsc, waitFor } from './fake-smsc.ts';

class RecordingSink implements ProviderSink {
  readonly inbounds: InboundSms[] = [];
  readonly receipts: DeliveryReceipt[] = [];
  failNext = 0;
  async inbound(message: InboundSms): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('store down');
    }
    this.inbounds.push(message);
  }
  async receipt(receipt: DeliveryReceipt): Promise<void> {
    this.receipts.push(receipt);
  }
}

const text = (pdu: PDU, field: 'short_message' | 'message_payload' = 'short_message') =>
  (pdu[field] as DecodedMessage).message;

let smsc: FakeSmsc;
let sink: RecordingSink;
let events: SmppEvent[];
const providers: SmppProvider[] = [];

function provider(extra: Partial<SmppProviderOptions> = {}): SmppProvider {
  const p = new SmppProvider({
    url: extra.url ?? smsc.url(),
    sourceAddr: '+254700000000',
    enquireLinkIntervalMs: 5000,
    responseTimeoutMs: 1000,
    reconnectInitialDelayMs: 20,
    reconnectMaxDelayMs: 100,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  providers.push(p);
  return p;
}

async function started(extra: Partial<SmppProviderOptions> = {}): Promise<SmppProvider> {
  const p = provider(extra);
  await p.start(sink);
  expect(p.isBound).toBe(true);
  return p;
}

beforeEach(async () => {
  smsc = await new FakeSmsc().listen();
  sink = new RecordingSink();
  events = [];
});

afterEach(async () => {
  for (const p of providers.splice(0)) await p.stop();
  await smsc.close();
});

describe('SmppProvider options', () => {
  it('refuses bad options with clear messages', () => {
    expect(() => new SmppProvider(undefined as never)).toThrow(ProviderConfigError);
    expect(() => new SmppProvider({ url: 'http://x:1', sourceAddr: 'S' })).toThrow(/smpp:\/\//);
    expect(() => new SmppProvider({ url: 'smpp://host:2775', sourceAddr: 'S' })).toThrow(/system_id/);
    expect(() => new SmppProvider({ url: 'not a url', sourceAddr: 'S' })).toThrow(/url/);
    expect(() => new SmppProvider({ url: 'smpp://a:waytoolongpassword@host', sourceAddr: 'S' })).toThrow(/password/);
    expect(() => new SmppProvider({ url: 'smpp://a:b@host', sourceAddr: '' })).toThrow(/sourceAddr/);
    expect(() => new SmppProvider({ url: 'smpp://a:b@host', sourceAddr: 'ThisIsTooLongForAlpha' })).toThrow(
      /sourceAddr/,
    );
    expect(() => new SmppProvider({ url: 'smpp://a:b@host', sourceAddr: 'S', throughputPerSecond: 0 })).toThrow(
      /throughputPerSecond/,
    );
    expect(() => new SmppProvider({ url: 'smpp://a:b@host', sourceAddr: 'S', longMessages: 'sar' as never })).toThrow(
      /longMessages/,
    );
    expect(
      () =>
        new SmppProvider({
          url: 'smpp://a:b@host',
          sourceAddr: 'S',
          reconnectInitialDelayMs: 10,
          reconnectMaxDelayMs: 5,
        }),
    ).toThrow(/reconnectMaxDelayMs/);
  });
});

describe('SmppProvider bind', () => {
  it('binds as a transceiver with the credentials from the URL', async () => {
    await started();
    expect(smsc.binds).toEqual([{ systemId: 'sparrow', password: 'secret', ok: true }]);
    expect(events).toContainEqual({ type: 'bound' });
  });

  it('a wrong password is refused: start rejects and the provider does not keep hammering', async () => {
    const p = provider({ url: smsc.url('wrong') });
    await expect(p.start(sink)).rejects.toThrow(SmppBindError);
    await expect(p.start(sink).catch((e: Error) => e.message)).resolves.toMatch(/ESME_RINVPASWD/);
    expect(p.isBound).toBe(false);
    const attempts = smsc.binds.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(smsc.binds.length).toBe(attempts);
    expect(await p.send({ id: '1', to: '+254712345678', text: 'x' })).toMatchObject({ ok: false, retryable: true });
  });

  it('keeps trying in the background when the SMSC is unreachable at start, and binds when it comes up', async () => {
    const port = smsc.port;
    await smsc.close();
    const p = provider({ url: `smpp://sparrow:secret@127.0.0.1:${port}` });
    await p.start(sink); // resolves: first attempt failed, retrying
    expect(p.isBound).toBe(false);
    await waitFor(() => events.filter((e) => e.type === 'reconnecting').length >= 2, 'two reconnect attempts');
    const delays = events.flatMap((e) => (e.type === 'reconnecting' ? [e.delayMs] : []));
    expect(delays.slice(0, 4)).toEqual([20, 40, 80, 100].slice(0, Math.min(4, delays.length)));
    smsc = await new FakeSmsc().listen(port);
    await waitFor(() => p.isBound, 'bind after the SMSC came up');
  });
});

describe('SmppProvider send', () => {
  it('submits GSM-7 text as data_coding 0 with a delivery receipt requested and returns the message id', async () => {
    const p = await started();
    const result = await p.send({ id: '1', to: '+254712345678', text: 'Habari @amani {ok} €5' });
    expect(result).toEqual({ ok: true, providerMessageId: 'msg-1' });
    const pdu = smsc.submits[0]!;
    expect(pdu).toMatchObject({
      source_addr: '254700000000',
      source_addr_ton: 1,
      source_addr_npi: 1,
      destination_addr: '254712345678',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: 1,
      data_coding: 0,
      esm_class: 0,
    });
    expect(text(pdu)).toBe('Habari @amani {ok} €5');
  });

  it('submits other text as UCS-2 (data_coding 8)', async () => {
    const p = await started();
    expect(await p.send({ id: '1', to: '+254712345678', text: 'Привет 😀' })).toEqual({
      ok: true,
      providerMessageId: 'msg-1',
    });
    expect(smsc.submits[0]).toMatchObject({ data_coding: 8 });
    expect(text(smsc.submits[0]!)).toBe('Привет 😀');
  });

  it('sends from an alphanumeric sender with TON 5', async () => {
    const p = await started({ sourceAddr: 'Sparrow' });
    await p.send({ id: '1', to: '+254712345678', text: 'hi' });
    expect(smsc.submits[0]).toMatchObject({ source_addr: 'Sparrow', source_addr_ton: 5, source_addr_npi: 0 });
  });

  it('splits long text into UDH-concatenated parts and folds their receipts into one', async () => {
    const p = await started();
    const long = `${'a'.repeat(152)}€${'b'.repeat(200)}`;
    const result = await p.send({ id: '1', to: '+254712345678', text: long });
    expect(result).toEqual({ ok: true, providerMessageId: 'msg-1' });
    expect(smsc.submits).toHaveLength(3);
    const parts = smsc.submits.map((pdu) => pdu.short_message as DecodedMessage);
    const ref = parts[0]!.udh![0]![2];
    parts.forEach((part, i) => {
      expect((smsc.submits[i]!.esm_class as number) & 0x40).toBe(0x40);
      expect([...part.udh![0]!]).toEqual([0x00, 0x03, ref, 3, i + 1]);
    });
    expect(parts.map((part) => part.message).join('')).toBe(long);
    expect(parts[0]!.message).toBe('a'.repeat(152)); // the € does not straddle parts

    const receipt = (id: string, stat: string, err = '000') =>
      smsc.deliver({
        source_addr: '254712345678',
        source_addr_ton: 1,
        destination_addr: '254700000000',
        esm_class: 0x04,
        short_message: `id:${id} sub:001 dlvrd:001 submit date:2601151200 done date:2601151201 stat:${stat} err:${err} text:`,
      });
    await receipt('msg-2', 'DELIVRD');
    await receipt('msg-1', 'DELIVRD');
    expect(sink.receipts).toEqual([]);
    await receipt('msg-3', 'DELIVRD');
    expect(sink.receipts).toEqual([{ providerMessageId: 'msg-1', status: 'delivered', errorCode: null }]);

    await p.send({ id: '2', to: '+254712345678', text: 'c'.repeat(200) });
    await receipt('msg-5', 'UNDELIV', '001');
    await receipt('msg-4', 'DELIVRD');
    expect(sink.receipts.at(-1)).toEqual({ providerMessageId: 'msg-4', status: 'undelivered', errorCode: '001' });
    expect(sink.receipts).toHaveLength(2);
  });

  it('can send long text in one submit_sm with message_payload instead', async () => {
    const p = await started({ longMessages: 'payload' });
    const long = 'Привет '.repeat(30);
    expect(await p.send({ id: '1', to: '+254712345678', text: long })).toEqual({
      ok: true,
      providerMessageId: 'msg-1',
    });
    expect(smsc.submits).toHaveLength(1);
    expect(smsc.submits[0]).toMatchObject({ data_coding: 8 });
    expect(text(smsc.submits[0]!, 'message_payload')).toBe(long);
  });

  it('maps submit_sm errors: throttling is retryable, an invalid destination is not', async () => {
    const p = await started();
    smsc.onSubmit = () => ({ command_status: 0x58 });
    expect(await p.send({ id: '1', to: '+254712345678', text: 'x' })).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('ESME_RTHROTTLED'),
    });
    smsc.onSubmit = () => ({ command_status: 0x0b });
    expect(await p.send({ id: '1', to: '+254712345678', text: 'x' })).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('ESME_RINVDSTADR'),
    });
  });

  it('a missing submit_sm_resp times out as retryable', async () => {
    const p = await started({ responseTimeoutMs: 100 });
    smsc.onSubmit = () => null;
    expect(await p.send({ id: '1', to: '+254712345678', text: 'x' })).toMatchObject({ ok: false, retryable: true });
  });

  it('caps throughput per second', async () => {
    const p = await started({ throughputPerSecond: 20 });
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => p.send({ id: String(i), to: '+254712345678', text: `m${i}` })),
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(smsc.submits).toHaveLength(5);
  });
});

describe('SmppProvider deliver_sm', () => {
  const mo = (textValue: string, extra: Record<string, unknown> = {}) => ({
    source_addr: '254712345678',
    source_addr_ton: 1,
    source_addr_npi: 1,
    destination_addr: '254700000000',
    dest_addr_ton: 1,
    esm_class: 0,
    short_message: textValue,
    ...extra,
  });

  it('delivers an inbound message to the sink and answers deliver_sm_resp after it', async () => {
    await started();
    const resp = await smsc.deliver(mo('FOLLOW @amani'));
    expect(resp.command_status).toBe(0);
    expect(sink.inbounds).toEqual([
      {
        providerMessageId: expect.stringMatching(/^mo-[0-9a-f]{32}-/),
        from: '+254712345678',
        to: '+254700000000',
        text: 'FOLLOW @amani',
      },
    ]);
  });

  it('gives a redelivery the same id; other content a different id', async () => {
    await started();
    await smsc.deliver(mo('ON'));
    await smsc.deliver(mo('ON'));
    await smsc.deliver(mo('OFF'));
    const [a, b, c] = sink.inbounds;
    expect(a!.providerMessageId).toBe(b!.providerMessageId);
    expect(c!.providerMessageId).not.toBe(a!.providerMessageId);
  });

  it('the same text after the dedupe window is a new message', async () => {
    let now = Date.UTC(2026, 0, 1);
    await started({ inboundDedupeWindowMs: 60_000, now: () => now });
    await smsc.deliver(mo('ON'));
    now += 61_000;
    await smsc.deliver(mo('ON'));
    expect(sink.inbounds[0]!.providerMessageId).not.toBe(sink.inbounds[1]!.providerMessageId);
  });

  it('asks for redelivery when the sink fails, and the redelivery keeps the id', async () => {
    await started();
    sink.failNext = 1;
    expect((await smsc.deliver(mo('UNDO'))).command_status).toBe(0x64);
    expect((await smsc.deliver(mo('UNDO'))).command_status).toBe(0);
    expect(sink.inbounds).toHaveLength(1);
  });

  it('decodes UCS-2 inbound text', async () => {
    await started();
    await smsc.deliver(mo('Привет 😀'));
    expect(sink.inbounds[0]?.text).toBe('Привет 😀');
  });

  it('reassembles a concatenated inbound message (UDH), acknowledging each part', async () => {
    await started();
    const part = (n: number, t: string) =>
      smsc.deliver(
        mo('', { esm_class: 0x40, short_message: { udh: Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, n]), message: t } }),
      );
    expect((await part(2, 'two ')).command_status).toBe(0);
    expect((await part(1, 'one ')).command_status).toBe(0);
    expect(sink.inbounds).toEqual([]);
    await part(3, 'three');
    expect(sink.inbounds.map((m) => m.text)).toEqual(['one two three']);
  });

  it('turns delivery receipts into receipts: text form and TLV form', async () => {
    await started();
    await smsc.deliver(
      mo('id:abc123 sub:001 dlvrd:001 submit date:2601151200 done date:2601151201 stat:DELIVRD err:000 text:hello', {
        esm_class: 0x04,
      }),
    );
    await smsc.deliver(
      mo('', {
        esm_class: 0x04,
        receipted_message_id: 'def456',
        message_state: 5,
        network_error_code: Buffer.from([0x03, 0x00, 0x0b]),
      }),
    );
    await smsc.deliver(mo('id:zzz stat:EXPIRED err:0fe', { esm_class: 0x04 }));
    await smsc.deliver(mo('id:yyy stat:UNKNOWN err:000', { esm_class: 0x04 }));
    expect(sink.receipts).toEqual([
      { providerMessageId: 'abc123', status: 'delivered', errorCode: null },
      { providerMessageId: 'def456', status: 'undelivered', errorCode: '3:11' },
      { providerMessageId: 'zzz', status: 'undelivered', errorCode: '0fe' },
    ]);
    expect(sink.inbounds).toEqual([]);
  });
});

describe('SmppProvider link', () => {
  it('sends enquire_link periodically', async () => {
    await started({ enquireLinkIntervalMs: 30 });
    await waitFor(() => smsc.enquireLinks >= 3, 'three enquire_links');
  });

  it('rebinds after the SMSC drops the connection, and sends again', async () => {
    const p = await started();
    expect((await p.send({ id: '1', to: '+254712345678', text: 'before' })).ok).toBe(true);
    smsc.dropAll();
    await waitFor(() => !p.isBound, 'the drop to be noticed');
    expect(await p.send({ id: '2', to: '+254712345678', text: 'while down' })).toMatchObject({
      ok: false,
      retryable: true,
    });
    await waitFor(() => p.isBound, 'the rebind');
    expect(smsc.binds.filter((b) => b.ok)).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['bound', 'disconnected', 'reconnecting']));
    expect(await p.send({ id: '3', to: '+254712345678', text: 'after' })).toEqual({
      ok: true,
      providerMessageId: 'msg-2',
    });
    expect(text(smsc.submits[1]!)).toBe('after');
  });

  it('treats an unanswered enquire_link as a dead link and rebinds', async () => {
    const p = await started({ enquireLinkIntervalMs: 30, responseTimeoutMs: 80 });
    smsc.ignoreEnquireLink = true;
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the dead link to be dropped');
    smsc.ignoreEnquireLink = false;
    await waitFor(() => p.isBound && smsc.binds.filter((b) => b.ok).length >= 2, 'the rebind');
  });

  it('stop() unbinds cleanly and does not reconnect', async () => {
    const p = await started();
    await p.stop();
    expect(smsc.unbinds).toBe(1);
    expect(p.isBound).toBe(false);
    await waitFor(() => !smsc.isBound, 'the SMSC to see the session end');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smsc.binds).toHaveLength(1);
    expect(await p.send({ id: '1', to: '+254712345678', text: 'x' })).toMatchObject({ ok: false, retryable: true });
  });
});
