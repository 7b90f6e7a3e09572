import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/sms/providers/twilio.ts';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from '../api/helpers.ts';

/**
 * What every inbound text reads — the number's binding, the owner's gate settings (posting on,
 * PIN, lock), whether anyone follows the author by SMS — is kept in the entity cache's memos
 * (src/store/sms-store.ts). Each test here first lets a text fill those memos, then changes the
 * state the way the owner, the SIM-swap step or a re-binding does, and sends the next text
 * through the signed webhook: the decision must be the one the changed state gives, never the
 * kept one.
 */
const TOKEN = 'gate-memos-auth-token';
const PUBLIC_URL = 'https://sparrow.example';
const SID = `AC${'0'.repeat(32)}`;
let messageNumber = 0;

function signedWebhook(from: string, body: string) {
  const params = {
    MessageSid: `SM-gate-memo-${++messageNumber}`,
    AccountSid: SID,
    From: from,
    To: '+15005550006',
    Body: body,
  };
  const map = new Map(Object.entries(params).map(([k, v]) => [k, [v]]));
  return {
    method: 'POST' as const,
    url: '/webhooks/sms/twilio',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/sms/twilio`, map),
    },
    payload: new URLSearchParams(params).toString(),
    sid: params.MessageSid,
  };
}

describe.each(ENGINES)('inbound texts decide on fresh gate state on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let numberSeq = 0;

  /** An account with a verified number and SMS posting on. */
  async function texter(username: string): Promise<{ id: string; e164: string }> {
    const account = await h.ctx.microblog.createAccount({ username });
    const e164 = `+2547123${String(40000 + ++numberSeq).slice(-5)}`;
    await h.ctx.sms.store.bindPhone({ accountId: account.id, e164, country: 'KE', verifiedAt: new Date() });
    await h.ctx.sms.settings.update(account.id, { posting: true });
    return { id: account.id, e164 };
  }

  /** Sends a text through the signed webhook; what the server recorded of it. */
  async function text(from: string, body: string) {
    const { sid, ...request } = signedWebhook(from, body);
    const response = await h.app.inject(request);
    expect(response.statusCode).toBeLessThan(300);
    return h.ctx.store.db
      .selectFrom('sms_inbound')
      .select(['outcome', 'account_id', 'post_id'])
      .where('provider_message_id', '=', sid)
      .executeTakeFirstOrThrow();
  }

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name, {
      SPARROW_PUBLIC_URL: PUBLIC_URL,
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: SID,
      SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
      SPARROW_TWILIO_FROM: '+15005550006',
      SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
      SPARROW_SMS_POSTS_PER_MINUTE: '1000',
      SPARROW_SMS_POSTS_PER_DAY: '100000',
    });
    await h.ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'gate memo test' },
    );
  }, 60_000);
  afterAll(async () => h?.close());

  it.skipIf(skip)('a number re-bound to another account posts as the new owner from the next text', async () => {
    const ana = await texter('memo_ana');
    const ben = await texter('memo_ben');
    expect(await text(ana.e164, 'first from the old owner')).toMatchObject({ outcome: 'posted', account_id: ana.id });
    expect(await text(ana.e164, 'second from the old owner')).toMatchObject({ outcome: 'posted', account_id: ana.id });

    // Ana lets the number go; Ben (who moves to it) verifies it.
    await h.ctx.sms.store.unbindPhone(ana.id);
    await h.ctx.sms.store.unbindPhone(ben.id);
    expect(await text(ana.e164, 'nobody owns this number now')).toMatchObject({
      outcome: 'unknown_number',
      account_id: null,
      post_id: null,
    });
    await h.ctx.sms.store.bindPhone({ accountId: ben.id, e164: ana.e164, country: 'KE', verifiedAt: new Date() });
    expect(await text(ana.e164, 'now from the new owner')).toMatchObject({ outcome: 'posted', account_id: ben.id });
  });

  it.skipIf(skip)(
    'a SIM-swap freeze refuses the very next text, and the unlock lets the one after through',
    async () => {
      const cy = await texter('memo_cy');
      expect(await text(cy.e164, 'all fine')).toMatchObject({ outcome: 'posted' });
      expect(await text(cy.e164, 'still fine')).toMatchObject({ outcome: 'posted' });

      // What the SIM-swap step does on a "swapped" answer.
      await h.ctx.sms.store.lockPosting(cy.id, 'sim_swap', new Date());
      expect(await text(cy.e164, 'the attacker writes')).toMatchObject({ outcome: 'refused_locked', post_id: null });
      expect(await text(cy.e164, 'and again')).toMatchObject({ outcome: 'refused_locked', post_id: null });

      // The owner clears it with a non-SMS factor (what `owner.unlock` writes once the factor checked out).
      await h.ctx.sms.store.unlockPosting(cy.id, new Date());
      expect(await text(cy.e164, 'back to normal')).toMatchObject({ outcome: 'posted', account_id: cy.id });
    },
  );

  it.skipIf(skip)('"this wasn\'t me" locks SMS posting for the next text', async () => {
    const di = await texter('memo_di');
    expect(await text(di.e164, 'a post the owner did not write')).toMatchObject({ outcome: 'posted' });
    await h.ctx.sms.owner.notMe(di.id);
    expect(await text(di.e164, 'another one')).toMatchObject({ outcome: 'refused_locked', post_id: null });
  });

  it.skipIf(skip)('turning SMS posting off, or setting a PIN, applies to the next text', async () => {
    const ed = await texter('memo_ed');
    expect(await text(ed.e164, 'posting is on')).toMatchObject({ outcome: 'posted' });
    await h.ctx.sms.settings.update(ed.id, { posting: false });
    expect(await text(ed.e164, 'posting is off')).toMatchObject({ outcome: 'refused_settings', post_id: null });
    await h.ctx.sms.settings.update(ed.id, { posting: true });
    expect(await text(ed.e164, 'posting is on again')).toMatchObject({ outcome: 'posted' });

    await h.ctx.sms.owner.setPin(ed.id, '4719');
    expect(await text(ed.e164, 'no PIN given')).toMatchObject({ outcome: 'refused_pin', post_id: null });
    expect(await text(ed.e164, '4719 with the PIN')).toMatchObject({ outcome: 'posted' });
  });

  it.skipIf(skip)('a removed SMS subscription gets no notification job for the next post, a new one does', async () => {
    const fay = await texter('memo_fay');
    const reader = await h.ctx.microblog.createAccount({ username: 'memo_reader' });
    await h.ctx.microblog.follow(reader.id, fay.id);
    const jobsFor = async (postId: string | null) =>
      (await h.ctx.store.db.selectFrom('sms_fanout_jobs').select('id').where('post_id', '=', postId!).execute()).length;

    // Nobody follows Fay by SMS yet: no job (and "nobody" is what gets kept).
    const first = await text(fay.e164, 'nobody gets this by SMS');
    expect(await jobsFor(first.post_id)).toBe(0);
    const second = await text(fay.e164, 'still nobody');
    expect(await jobsFor(second.post_id)).toBe(0);

    await h.ctx.sms.subscriptions.subscribe(reader.id, await h.ctx.microblog.account(fay.id));
    const third = await text(fay.e164, 'the reader gets this one');
    expect(await jobsFor(third.post_id)).toBe(1);
    const fourth = await text(fay.e164, 'and this one');
    expect(await jobsFor(fourth.post_id)).toBe(1);

    await h.ctx.sms.subscriptions.unsubscribe(reader.id, fay.id);
    const fifth = await text(fay.e164, 'the reader asked to stop');
    expect(await jobsFor(fifth.post_id)).toBe(0);
  });
});
