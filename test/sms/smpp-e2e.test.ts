import type { PDU } from 'smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';
import { FakeSmsc, waitFor } from './providers/fake-smsc.ts';
import { operatorActor } from '../../src/security/index.ts';

const KE = '+254712345678';

const textOf = (pdu: PDU) => {
  const value = pdu['short_message'] ?? pdu['message_payload'];
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'message' in value) return String((value as { message: unknown }).message);
  return String(value);
};

/** The whole SMS channel over an SMPP bind: a real SMSC process, Sparrow as the ESME. */
describe.each(ENGINES)('SMPP end to end on $label', ({ name, skip }) => {
  let smsc: FakeSmsc;
  let ctx: TestContext;
  let background: { stop(): Promise<void> };
  let sequence = 0;

  beforeAll(async () => {
    if (skip) return;
    smsc = await new FakeSmsc('sparrow', 's3cret').listen();
    ctx = await testContext(name, {
      SPARROW_SMS_PROVIDER: 'smpp',
      SPARROW_SMPP_URL: smsc.url(),
      SPARROW_SMPP_SOURCE_ADDR: 'Sparrow',
    });
    background = await ctx.startBackgroundWork({ inProcessWithWeb: false });
    await waitFor(() => smsc.isBound, 'bind');
  });
  afterAll(async () => {
    await background?.stop();
    await ctx?.dispose();
    await smsc?.close();
  });

  const deliver = (from: string, text: string) => {
    sequence += 1;
    return smsc.deliver({
      source_addr: from.replace('+', ''),
      source_addr_ton: 1,
      source_addr_npi: 1,
      destination_addr: 'Sparrow',
      short_message: `${text}`,
    });
  };
  const submitsTo = (number: string) =>
    smsc.submits.filter((p) => String(p.destination_addr).replace(/^\+?/, '+') === number).map(textOf);

  it.skipIf(skip)("posts from deliver_sm, follows, and sends the followed account's post by submit_sm", async () => {
    const amina = await ctx.microblog.createAccount({ username: 'amina' });
    const bob = await ctx.microblog.createAccount({ username: 'bob' });
    await ctx.sms.store.bindPhone({ accountId: amina.id, e164: KE, country: 'KE', verifiedAt: new Date() });
    await ctx.sms.settings.update(amina.id, { posting: true });
    await ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'test setup' },
    );

    const resp = await deliver(KE, 'Posted over SMPP');
    expect(resp.command_status).toBe(0);
    const [latest] = await ctx.microblog.accountTimeline(null, amina.id, { limit: 1 });
    expect(latest?.post).toMatchObject({ text: 'Posted over SMPP', source: 'sms' });

    await deliver(KE, 'FOLLOW @bob');
    await waitFor(() => submitsTo(KE).some((t) => t.startsWith('You follow @bob')), 'follow reply', 10_000);

    await ctx.microblog.post(bob.id, { text: 'Matatu strike tomorrow', source: 'web' });
    await waitFor(() => submitsTo(KE).includes('@bob: Matatu strike tomorrow'), 'notification', 10_000);
    // The SMSC has the message; the dispatcher records the submit_sm_resp right after.
    let message;
    for (let i = 0; i < 100; i += 1) {
      message = (await ctx.sms.store.messagesTo(KE, 5)).find((m) => m.text === '@bob: Matatu strike tomorrow');
      if (message?.status === 'sent') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(message).toMatchObject({ status: 'sent', provider: 'smpp' });
    expect(sequence).toBe(2);
  });
});
