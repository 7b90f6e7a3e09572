import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { smsHarness, type SmsHarness, type SmsUser } from '../sms/helpers.ts';
import { until } from '../helpers/until.ts';

/**
 * By text across the fediverse (issue 13): a person on a feature phone on server B follows
 * an account of server A with `FOLLOW @user@domain`, asks for its posts by text, and gets
 * A's owner's SMS post as an SMS, under B's country policy and segment rules.
 */
async function federatedHarness(engine: 'sqlite' | 'postgres'): Promise<SmsHarness & { url: string }> {
  const port = await freePort();
  // A host name, not an IP literal: `@user@host` in a texted message must read as a mention.
  const url = `http://localhost:${port}`;
  const harness = await smsHarness(engine, {
    PORT: String(port),
    SPARROW_PUBLIC_URL: url,
    SPARROW_FEDERATION: 'on',
    SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  });
  await harness.app.listen({ host: 'localhost', port });
  return Object.assign(harness, { url });
}

describe.each(ENGINES)('SMS across two federating servers on $label', ({ name, skip }) => {
  let a: SmsHarness & { url: string };
  let b: SmsHarness & { url: string };
  const stop = new AbortController();
  let bob: SmsUser;
  let alice: SmsUser;
  let alicePostId: string;
  const alicePhone = '+254711000001';
  const bobPhone = '+254722000002';

  beforeAll(async () => {
    if (skip) return;
    a = await federatedHarness(name);
    b = await federatedHarness(name);
    void a.ctx.federation!.startQueue(stop.signal);
    void b.ctx.federation!.startQueue(stop.signal);
    alice = await a.smsUser('alice', alicePhone, 'KE');
    bob = await b.smsUser('bob', bobPhone, 'KE');
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await a?.close();
    await b?.close();
  });

  it.skipIf(skip)(
    'FOLLOW @user@domain, WHOIS, ON, and a text post from A arriving by SMS on B',
    async () => {
      const aliceHandle = `alice@${new URL(a.url).host}`;
      await b.text(bobPhone, `FOLLOW @${aliceHandle}`);
      const aliceOnB = await b.ctx.microblog.resolve(aliceHandle);
      expect(aliceOnB?.domain).toBe(new URL(a.url).host);
      await until(
        'the Accept from A',
        async () => (await b.ctx.microblog.relationship(bob.id, aliceOnB!.id)).following,
      );

      await b.text(bobPhone, `WHOIS @${aliceHandle}`);
      expect((await b.inbox(bobPhone)).at(-1)?.text).toMatch(/^@alice/);

      await b.text(bobPhone, `ON @${aliceHandle}`);
      expect((await b.inbox(bobPhone)).at(-1)?.text).toContain('will come by text');

      // Alice texts a post to her own server; it federates to B and reaches Bob's phone.
      const before = (await b.inbox(bobPhone)).length;
      const sent = await a.text(alicePhone, 'Rain at last in Kitui, the river is running');
      expect(sent.post_id).not.toBeNull();
      alicePostId = sent.post_id!;
      await until('the SMS on B', async () => {
        await b.drain();
        return (await b.inbox(bobPhone)).length > before;
      });
      const received = (await b.inbox(bobPhone)).slice(before).map((m) => m.text);
      expect(received.some((text) => text.includes('Rain at last in Kitui'))).toBe(true);
      // Nothing about alice's phone crossed to B.
      const aliceAsSeenOnB = await b.ctx.microblog.account(aliceOnB!.id);
      expect(JSON.stringify(aliceAsSeenOnB)).not.toContain('254711');
    },
    90_000,
  );

  it.skipIf(skip)(
    'REPLY @user@domain by text on B threads under the post on A and notifies its author there',
    async () => {
      const aliceHandle = `alice@${new URL(a.url).host}`;
      await b.text(bobPhone, `REPLY @${aliceHandle} So glad for Kitui`);
      expect((await b.inbox(bobPhone)).at(-1)?.text).toBe(`Replied to @${aliceHandle}.`);

      // On A, the reply sits under alice's post, and alice has a mention notification for it.
      let replyId = '';
      await until('the reply on A', async () => {
        const res = await a.app.inject({ url: `/api/v1/statuses/${alicePostId}/context`, headers: alice.auth });
        const context = res.json() as { descendants: { id: string; in_reply_to_id: string; content: string }[] };
        const reply = context.descendants.find((s) => s.content.includes('So glad for Kitui'));
        replyId = reply?.id ?? '';
        return reply?.in_reply_to_id === alicePostId;
      });
      const notifications = (
        await a.app.inject({ url: '/api/v1/notifications?types[]=mention', headers: alice.auth })
      ).json() as { type: string; status: { id: string; in_reply_to_id: string }; account: { acct: string } }[];
      const mention = notifications.find((n) => n.status.id === replyId);
      expect(mention?.status.in_reply_to_id).toBe(alicePostId);
      expect(mention?.account.acct).toBe(`bob@${new URL(b.url).host}`);
    },
    90_000,
  );

  it.skipIf(skip)(
    'D @user@domain by text on B reaches that account on A as a direct message, not a bare @name',
    async () => {
      const aliceHandle = `alice@${new URL(a.url).host}`;
      const sent = await b.text(bobPhone, `D @${aliceHandle} Are the roads open to Kitui?`);
      expect((await b.inbox(bobPhone)).at(-1)?.text).toContain(`@${aliceHandle}`);
      // On B the post names the full handle, so it is addressed to alice on A and to no one else.
      const onB = await b.app.inject({ url: `/api/v1/statuses/${sent.post_id}`, headers: bob.auth });
      const local = onB.json() as { visibility: string; mentions: { acct: string }[] };
      expect(local.visibility).toBe('direct');
      expect(local.mentions.map((m) => m.acct)).toEqual([aliceHandle]);
      // On A alice has it as a private mention from bob.
      await until('the direct message on A', async () => {
        const res = await a.app.inject({ url: '/api/v1/notifications?types[]=mention', headers: alice.auth });
        const notes = res.json() as { status: { content: string; visibility: string } }[];
        return notes.some((n) => n.status.content.includes('Are the roads open') && n.status.visibility === 'direct');
      });
    },
    90_000,
  );
});
