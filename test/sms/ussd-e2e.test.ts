import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { operatorActor } from '../../src/security/index.ts';
import { fitsUssdScreen } from '../../src/sms/ussd.ts';

const SECRET = 'ussd-secret-0123456789';
const AMINA = '+254712345001';
const SWAPPED = '+254712345002';
const ZAINAB = '+254712345003';

describe.each(ENGINES)("USSD through Africa's Talking on $label", ({ name, skip }) => {
  let server: RunningServer;
  const swapped = new Set<string>([SWAPPED]);
  let session = 0;

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(
      name,
      {
        SPARROW_SMS_PROVIDER: 'africastalking',
        SPARROW_AFRICASTALKING_USERNAME: 'sparrow',
        SPARROW_AFRICASTALKING_API_KEY: 'key',
        // Nothing is sent in these tests (USSD answers on screen); the API is never reached.
        SPARROW_AFRICASTALKING_API_BASE_URL: 'http://127.0.0.1:9',
        SPARROW_AFRICASTALKING_CALLBACK_SECRET: SECRET,
      },
      { simSwapChecker: { check: async (n) => (swapped.has(n) ? 'swapped' : 'not_swapped') } },
    );
    const { ctx } = server;
    const link = async (username: string, e164: string) => {
      const account = await ctx.microblog.createAccount({ username });
      await ctx.sms.store.bindPhone({ accountId: account.id, e164, country: 'KE', verifiedAt: new Date() });
      await ctx.sms.settings.update(account.id, { posting: true, notifications: true });
      return account;
    };
    const amina = await link('amina', AMINA);
    await link('swapped', SWAPPED);
    const zainab = await link('zainab', ZAINAB);
    await ctx.sms.languages.setForAccount(zainab.id, 'ar');
    await ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('t'), reason: 'test' },
    );
    const bob = await ctx.microblog.createAccount({ username: 'bob' });
    await ctx.microblog.createAccount({ username: 'carol' });
    await ctx.microblog.follow(amina.id, bob.id);
    await ctx.microblog.follow(zainab.id, bob.id);
    await ctx.microblog.follow(bob.id, amina.id);
    for (let i = 1; i <= 8; i++) {
      await ctx.microblog.post(bob.id, {
        text: `Market report ${i}: maize prices steady, beans up a little, tomatoes cheaper after the rains this week.`,
        source: 'web',
      });
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  /** One USSD request exactly as Africa's Talking sends it. */
  const dial = async (phoneNumber: string, text: string, options: { sessionId?: string; secret?: string } = {}) => {
    const response = await fetch(`${server.url}/webhooks/ussd/africastalking/${options.secret ?? SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        sessionId: options.sessionId ?? `ATUid_${++session}`,
        serviceCode: '*384*123#',
        phoneNumber,
        networkCode: '63902',
        text,
      }).toString(),
    });
    const body = await response.text();
    if (response.status === 200) {
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(body).toMatch(/^(CON|END) /);
      // Every screen fits a USSD page.
      expect(fitsUssdScreen(body.slice(4))).toBe(true);
    }
    return { status: response.status, body };
  };

  it.skipIf(skip)('shows the menu, pages through the latest posts of people followed, and posts', async () => {
    const { ctx } = server;
    const menu = await dial(AMINA, '');
    expect(menu.body).toBe('CON Sparrow\n1 Latest posts\n2 Post\n3 Reply\n4 Follow\n5 Notifications\n6 Texts on/off');
    const first = await dial(AMINA, '1');
    expect(first.body).toMatch(/^CON @bob: Market report 8/);
    expect(first.body).toContain('98 More');
    expect(first.body.length).toBeLessThanOrEqual(182 + 4);
    const second = await dial(AMINA, '1*98');
    expect(second.body).toMatch(/^CON @bob: Market report [1-7]/);
    expect(second.body).not.toContain('Market report 8');
    expect((await dial(AMINA, '1*98*0')).body).toBe(menu.body);

    const sessionId = 'ATUid_post';
    expect((await dial(AMINA, '2', { sessionId })).body).toBe('CON Write your post:');
    expect((await dial(AMINA, '2*Maize is cheaper in Kisumu today', { sessionId })).body).toBe('END Posted.');
    const amina = (await ctx.microblog.lookup('amina'))!;
    const [latest] = await ctx.microblog.accountTimeline(null, amina.id, { limit: 1 });
    expect(latest?.post).toMatchObject({ text: 'Maize is cheaper in Kisumu today', source: 'sms' });
    // The gateway retrying the step (or anyone replaying it) does not post twice.
    expect((await dial(AMINA, '2*Maize is cheaper in Kisumu today', { sessionId })).body).toBe('END Done.');
    expect((await ctx.microblog.account(amina.id)).statusesCount).toBe(1);
  });

  it.skipIf(skip)(
    'replies, follows by handle, reads notifications and turns texts off through the same commands',
    async () => {
      const { ctx } = server;
      const amina = (await ctx.microblog.lookup('amina'))!;
      const pick = await dial(AMINA, '3');
      expect(pick.body).toMatch(/^CON Reply to which post\?\n1 @bob: Market report 8/);
      expect((await dial(AMINA, '3*1')).body).toBe('CON Write your reply:');
      expect((await dial(AMINA, '3*1*Thanks Bob*see you there')).body).toBe('END Reply posted.');
      const [reply] = await ctx.microblog.accountTimeline(null, amina.id, { limit: 1 });
      expect(reply?.post.text).toBe('Thanks Bob*see you there');
      expect(reply?.inReplyTo).not.toBeNull();

      expect((await dial(AMINA, '4')).body).toMatch(/^CON Follow whom\?/);
      expect((await dial(AMINA, '4*@carol')).body).toBe(
        'END You follow @carol. Their posts will come by text. OFF @carol to stop.',
      );
      expect((await dial(AMINA, '4*@nobody_here')).body).toBe('END No account @nobody_here.');

      const notifications = await dial(AMINA, '5');
      expect(notifications.body).toMatch(/^CON @bob followed you/);

      expect((await dial(AMINA, '6')).body).toBe('CON Texts are ON.\n1 Turn off\n0 Back');
      expect((await dial(AMINA, '6*1')).body).toBe('END Texts OFF. Reply ON to resume.');
      expect((await ctx.sms.store.settings(amina.id)).notifications).toBe(false);
      expect((await dial(AMINA, '6')).body).toBe('CON Texts are OFF.\n1 Turn on\n0 Back');
      expect((await dial(AMINA, '7')).body).toBe('CON Not a choice on this menu.\n0 Back');
    },
  );

  it.skipIf(skip)('passes the same trust gate as SMS: PIN, SIM swap, country policy, unknown numbers', async () => {
    const { ctx } = server;
    // Unknown number: the same answer as by SMS, nothing about accounts.
    expect((await dial('+254799999999', '')).body).toMatch(/^END This number is not linked to a Sparrow account/);
    // A swapped SIM reads nothing and posts nothing.
    expect((await dial(SWAPPED, '1')).body).toMatch(/^END Held for you to release/);
    const swappedAccount = (await ctx.microblog.lookup('swapped'))!;
    // The swap locked SMS posting until the owner unlocks it with their password.
    expect((await dial(SWAPPED, '2*posted from a stolen SIM')).body).toMatch(/^END Posting by text is locked/);
    expect((await ctx.microblog.account(swappedAccount.id)).statusesCount).toBe(0);

    // A posting PIN is asked first, checked on every step, and never ends up in the post.
    const amina = (await ctx.microblog.lookup('amina'))!;
    await ctx.sms.owner.setPin(amina.id, '4071');
    expect((await dial(AMINA, '')).body).toBe('CON Enter your posting PIN:');
    expect((await dial(AMINA, '9999')).body).toBe('END Wrong posting PIN. Not posted.');
    expect((await dial(AMINA, '4071')).body).toMatch(/^CON Sparrow\n1 Latest posts/);
    expect((await dial(AMINA, '4071*2*With my PIN')).body).toBe('END Posted.');
    const [latest] = await ctx.microblog.accountTimeline(null, amina.id, { limit: 1 });
    expect(latest?.post.text).toBe('With my PIN');
    // The PIN is kept nowhere: not in the post, not in the inbound log, not in its replay key.
    const { createHash } = await import('node:crypto');
    const logged = await ctx.store.db
      .selectFrom('sms_inbound')
      .select(['text', 'provider_message_id'])
      .where('provider', '=', 'africastalking-ussd')
      .execute();
    const withPin = createHash('sha256').update('4071*2*With my PIN').digest('hex').slice(0, 32);
    expect(logged.some((r) => r.text.includes('4071') || r.provider_message_id.endsWith(withPin))).toBe(false);
    expect(logged.some((r) => r.text === 'With my PIN')).toBe(true);
    await ctx.sms.owner.setPin(amina.id, null);

    // The country policy and the kill switch apply as to texts.
    await ctx.sms.policy.setCountry(
      'KE',
      { posting: false, notifications: true },
      { actor: operatorActor('t'), reason: 'pause' },
    );
    try {
      expect((await dial(AMINA, '1')).body).toMatch(/^END Posting by text is not available in your country/);
    } finally {
      await ctx.sms.policy.setCountry(
        'KE',
        { posting: true, notifications: true },
        { actor: operatorActor('t'), reason: 'on' },
      );
    }
  });

  it.skipIf(skip)('speaks the account language, right to left in Arabic, within 80 UCS-2 characters', async () => {
    const menu = await dial(ZAINAB, '');
    expect(menu.body).toBe('CON سبارو\n1 آخر المنشورات\n2 انشر\n3 رُد\n4 تابع\n5 الإشعارات\n6 الرسائل');
    const latest = await dial(ZAINAB, '1');
    expect(latest.body.length - 4).toBeLessThanOrEqual(80);
    expect(latest.body).toContain('98 المزيد');
  });

  it.skipIf(skip)('refuses forged USSD requests with 403', async () => {
    expect((await dial(AMINA, '2*forged post', { secret: 'not-the-secret-at-all' })).status).toBe(403);
    const amina = (await server.ctx.microblog.lookup('amina'))!;
    const [latest] = await server.ctx.microblog.accountTimeline(null, amina.id, { limit: 1 });
    expect(latest?.post.text).not.toBe('forged post');
  });
});
