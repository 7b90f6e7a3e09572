import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from './helpers.ts';
import { operatorActor } from '../../src/security/index.ts';

const KE_1 = '+254712345678';
const KE_2 = '+254722123456';
const KE_3 = '+254733123456';
const NG_1 = '+2348031234567';
const STRANGER = '+254711999888';

describe.each(ENGINES)('SMS channel on $label', ({ name, skip }) => {
  let h: SmsHarness;
  let alice: SmsUser;
  let bob: SmsUser;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
    alice = await h.smsUser('alice', KE_1, 'KE');
    bob = await h.user('bob');
  });
  afterAll(async () => h?.close());

  const statuses = async (user: SmsUser) =>
    (await h.app.inject({ url: `/api/v1/accounts/${user.id}/statuses`, headers: user.auth })).json() as {
      id: string;
      content: string;
      visibility: string;
    }[];
  const lastText = async (number: string) => (await h.inbox(number)).at(-1)?.text ?? null;

  it.skipIf(skip)('posts a text from a linked number, recorded as an SMS post', async () => {
    const result = await h.text(KE_1, 'Hello from a feature phone');
    expect(result.outcome).toBe('posted');
    const post = await h.ctx.microblog.visiblePost(null, result.post_id!);
    expect(post).toMatchObject({ accountId: alice.id, text: 'Hello from a feature phone', source: 'sms' });
    const api = await h.app.inject({ url: `/api/v1/statuses/${post.id}` });
    expect(api.json().application).toMatchObject({ name: 'SMS' });
  });

  it.skipIf(skip)('acts once on a message the provider delivers several times', async () => {
    const before = (await statuses(alice)).length;
    const message = { providerMessageId: 'SM-dup-1', from: KE_1, to: 'sparrow', text: 'Only once please' };
    const results = await Promise.all([1, 2, 3].map(() => h.ctx.sms.channel.receive('console', message)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect((await statuses(alice)).length).toBe(before + 1);
  });

  it.skipIf(skip)("FOLLOW follows and sends the followed account's next post by SMS", async () => {
    await h.text(KE_1, 'FOLLOW @bob');
    expect(await lastText(KE_1)).toBe('You follow @bob. Their posts will come by text. OFF @bob to stop.');
    expect(await h.ctx.microblog.isFollowing(alice.id, bob.id)).toBe(true);

    const posted = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'Rain expected in Kisumu today' },
    });
    expect(posted.statusCode).toBe(200);
    await h.drain();
    expect(await lastText(KE_1)).toBe('@bob: Rain expected in Kisumu today');

    // Private (followers-only) posts go to followers too; direct messages to others do not.
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'followers only', visibility: 'private' },
    });
    await h.drain();
    expect(await lastText(KE_1)).toBe('@bob: followers only');
  });

  it.skipIf(skip)('cuts long notifications to the segment budget with a link to the post', async () => {
    // Cyrillic needs UCS-2: 67 units per segment, so 270 characters exceed 3 segments.
    const long = 'дождь '.repeat(45).trim();
    const posted = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: long },
    });
    await h.drain();
    const received = (await h.inbox(KE_1)).at(-1)!;
    expect(received.text.startsWith('@bob: дождь дождь')).toBe(true);
    expect(received.text.endsWith(`… https://sparrow.example/@bob/${posted.json().id}`)).toBe(true);
    expect(received).toMatchObject({ encoding: 'UCS-2', segments: 3 });

    // A GSM-7 post of 280 characters fits in 2 segments and arrives whole.
    const gsm = 'word '.repeat(56).trim();
    await h.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: bob.auth, payload: { status: gsm } });
    await h.drain();
    expect((await h.inbox(KE_1)).at(-1)).toMatchObject({ text: `@bob: ${gsm}`, encoding: 'GSM-7', segments: 2 });
  });

  it.skipIf(skip)('OFF @user, ON @user, OFF and ON control what arrives', async () => {
    const count = async () => (await h.inbox(KE_1)).length;
    await h.text(KE_1, 'OFF @bob');
    expect(await lastText(KE_1)).toBe("No more texts of @bob's posts.");
    let before = await count();
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'not by SMS' },
    });
    await h.drain();
    expect(await count()).toBe(before);

    await h.text(KE_1, 'ON @bob');
    expect(await lastText(KE_1)).toBe('Posts from @bob will come by text.');
    await h.text(KE_1, 'off');
    expect(await lastText(KE_1)).toBe('Texts OFF. Reply ON to resume.');
    before = await count();
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'still quiet' },
    });
    await h.drain();
    expect(await count()).toBe(before);
    await h.text(KE_1, 'ON');
    await h.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: bob.auth, payload: { status: 'back on' } });
    await h.drain();
    expect(await lastText(KE_1)).toBe('@bob: back on');
  });

  it.skipIf(skip)('answers GET, WHOIS, D, UNDO, HELP and malformed commands', async () => {
    await h.ctx.microblog.updateProfile(bob.id, { displayName: 'Bob O', note: 'Weather nerd' });
    await h.text(KE_1, 'GET @bob');
    expect(await lastText(KE_1)).toBe('@bob: back on');
    await h.text(KE_1, 'whois @bob');
    expect(await lastText(KE_1)).toMatch(/^@bob \(Bob O\): Weather nerd \d+ posts, 1 follower, 0 following\.$/);

    const dm = await h.text(KE_1, 'D @bob see you at 6');
    expect(dm.outcome).toBe('posted');
    expect(await lastText(KE_1)).toBe('Sent to @bob.');
    const direct = await h.app.inject({ url: `/api/v1/statuses/${dm.post_id}`, headers: bob.auth });
    expect(direct.json()).toMatchObject({ visibility: 'direct' });
    expect((await h.app.inject({ url: `/api/v1/statuses/${dm.post_id}` })).statusCode).toBe(404);

    const posted = await h.text(KE_1, 'a post I regret');
    await h.text(KE_1, 'UNDO');
    expect(await lastText(KE_1)).toBe('Deleted your last post by text.');
    await expect(h.ctx.microblog.visiblePost(alice.id, posted.post_id!)).rejects.toThrow();

    await h.text(KE_1, 'HELP');
    expect(await lastText(KE_1)).toMatch(/^Sparrow: text to post\. FOLLOW @user/);
    expect((await h.inbox(KE_1)).at(-1)!.segments).toBe(1);

    await h.text(KE_1, 'FOLLOW');
    expect(await lastText(KE_1)).toBe('Try: FOLLOW @user');
    await h.text(KE_1, 'GET @nobody_here');
    expect(await lastText(KE_1)).toBe('No account @nobody_here.');
    // Ordinary words that start like commands are posts.
    expect((await h.text(KE_1, 'On my way home')).outcome).toBe('posted');
    expect((await h.text(KE_1, 'Get well soon Ann')).outcome).toBe('posted');
  });

  it.skipIf(skip)('refuses posts over the limit with a reply and writes nothing', async () => {
    const before = (await statuses(alice)).length;
    const result = await h.text(KE_1, 'x'.repeat(281));
    expect(result.outcome).toBe('rejected');
    expect(await lastText(KE_1)).toBe('Not posted: 281 characters, the limit is 280. Shorten it and text again.');
    expect((await statuses(alice)).length).toBe(before);
  });

  it.skipIf(skip)('UNFOLLOW / LEAVE unfollow and stop the texts', async () => {
    await h.text(KE_1, 'LEAVE @bob');
    expect(await lastText(KE_1)).toBe('You no longer follow @bob.');
    expect(await h.ctx.microblog.isFollowing(alice.id, bob.id)).toBe(false);
    expect(await h.ctx.sms.store.isSubscribed(alice.id, bob.id)).toBe(false);
  });

  it.skipIf(skip)('answers an unknown number at most once a day, the same whatever it sends', async () => {
    const first = await h.text(STRANGER, 'WHOIS @alice');
    expect(first.outcome).toBe('unknown_number');
    const reply = await lastText(STRANGER);
    expect(reply).toBe(
      'This number is not linked to a Sparrow account. Link it in settings at https://sparrow.example. HELP for help, STOP to quit.',
    );
    await h.text(STRANGER, 'FOLLOW @alice');
    await h.text(STRANGER, 'hello?');
    expect(await h.inbox(STRANGER)).toHaveLength(1);
    h.clock.advance(24 * 3600_000 + 1000);
    await h.text(STRANGER, 'GET @nobody');
    const texts = (await h.inbox(STRANGER)).map((m) => m.text);
    expect(texts).toEqual([reply, reply]);
  });

  it.skipIf(skip)('STOP silences every kind of SMS to any number except one confirmation; START resumes', async () => {
    const carol = await h.smsUser('carol', KE_2, 'KE');
    await h.text(KE_2, 'FOLLOW @bob');
    const before = (await h.inbox(KE_2)).length;
    await h.text(KE_2, 'stop');
    expect(await lastText(KE_2)).toBe('You will get no more texts from Sparrow. Reply START to resume.');
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'nobody should text this to carol' },
    });
    // Not even a security code goes to a number that said STOP.
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/phone',
      headers: carol.auth,
      payload: { number: KE_2 },
    });
    await h.drain();
    expect((await h.inbox(KE_2)).length).toBe(before + 1);
    // Notifications are not even queued for a stopped number; a queued code is suppressed at send time.
    const recent = await h.ctx.sms.store.messagesTo(KE_2, 10);
    expect(recent.filter((m) => m.status === 'suppressed').map((m) => m.purpose)).toEqual(['phone_verification']);
    expect(recent.some((m) => m.text.includes('nobody should text this'))).toBe(false);

    await h.text(KE_2, 'START');
    expect(await lastText(KE_2)).toBe('Texts from Sparrow resumed. Reply HELP for commands, STOP to quit.');
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'welcome back' },
    });
    await h.drain();
    expect(await lastText(KE_2)).toBe('@bob: welcome back');

    // STOP works for numbers never linked, too.
    await h.text(STRANGER, 'UNSUBSCRIBE');
    expect(await lastText(STRANGER)).toBe('You will get no more texts from Sparrow. Reply START to resume.');
    expect(await h.ctx.sms.store.isOptedOut(STRANGER)).toBe(true);
  });

  it.skipIf(skip)('refuses posting when the owner has not turned it on, replying once a day', async () => {
    const dave = await h.user('dave');
    await h.linkPhone(dave, KE_3);
    const before = (await h.inbox(KE_3)).length;
    expect((await h.text(KE_3, 'can I post?')).outcome).toBe('refused_settings');
    expect((await h.text(KE_3, 'FOLLOW @bob')).outcome).toBe('refused_settings');
    const texts = (await h.inbox(KE_3)).slice(before).map((m) => m.text);
    expect(texts).toEqual([
      'Posting by text is off for your account. Turn it on in settings at https://sparrow.example',
    ]);
    expect(await h.ctx.microblog.isFollowing(dave.id, bob.id)).toBe(false);
  });

  it.skipIf(skip)("applies the country policy by the sender's number", async () => {
    const eve = await h.user('eve');
    await h.linkPhone(eve, NG_1); // security SMS go out whatever the content policy says
    await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: eve.auth,
      payload: { posting: true },
    });
    const refused = await h.text(NG_1, 'Hello from Lagos');
    expect(refused.outcome).toBe('refused_policy');
    expect(await lastText(NG_1)).toBe('Posting by text is not available in your country. Use https://sparrow.example');
    await h.enableCountry('NG', { posting: true, notifications: false });
    h.clock.advance(3000); // policy caches are at most 2 s old
    expect((await h.text(NG_1, 'Hello from Lagos')).outcome).toBe('posted');
    // Notifications stay off for NG: FOLLOW works, but posts do not arrive by SMS.
    await h.text(NG_1, 'FOLLOW @bob');
    const before = (await h.inbox(NG_1)).length;
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: bob.auth,
      payload: { status: 'not to Nigeria by SMS' },
    });
    await h.drain();
    expect((await h.inbox(NG_1)).length).toBe(before);
  });

  it.skipIf(skip)(
    'kill switch stops content SMS on this instance within its refresh time, never security codes',
    async () => {
      await h.text(KE_1, 'FOLLOW @bob');
      // Already queued content is held back at send time too.
      await h.ctx.sms.outbox.enqueue([
        {
          to: KE_1,
          country: 'KE',
          text: 'queued before the switch',
          messageClass: 'content',
          purpose: 'post_notification',
        },
      ]);
      await h.ctx.sms.policy.setKillSwitch(true, { actor: operatorActor('test'), reason: 'SMS pumping attack' });
      const posted = await h.text(KE_1, 'should not post');
      expect(posted.outcome).toBe('refused_kill_switch');
      expect(await lastText(KE_1)).toBe('Texting Sparrow is paused right now. Use https://sparrow.example');
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: bob.auth,
        payload: { status: 'not during the kill switch' },
      });
      // Verification codes still go out.
      const frank = await h.user('frank');
      await h.linkPhone(frank, '+254701234567');
      await h.drain();
      const recent = await h.ctx.sms.store.messagesTo(KE_1, 10);
      expect(recent.find((m) => m.text === 'queued before the switch')).toMatchObject({
        status: 'suppressed',
        lastError: 'kill switch is on',
      });
      expect(recent.some((m) => m.text.includes('not during'))).toBe(false);
      await h.ctx.sms.policy.setKillSwitch(false, { actor: operatorActor('test'), reason: 'over' });
      const audit = await h.ctx.audit.recent(operatorActor('test'), 10);
      expect(audit.slice(0, 2).map((a) => [a.action, a.actor, a.reason])).toEqual([
        ['sms.kill_switch.off', 'cli:test', 'over'],
        ['sms.kill_switch.on', 'cli:test', 'SMS pumping attack'],
      ]);
    },
  );
});
