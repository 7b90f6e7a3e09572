import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage, flowIdOf } from './helpers.ts';
import { solvedSignupFields } from '../helpers/sign-up-puzzle.ts';
import { operatorActor } from '../../src/security/index.ts';

const KE = '+254712345680';
const PASSWORD = 'correct horse battery staple';

/**
 * The rough edges of issue 15 as a browser without JavaScript meets them (plain forms): the
 * phone page's states, times in the reader's zone, the phone simulator's conversation. The
 * same in Chromium, with layout and accessibility, is test/web/accessibility.test.ts.
 */
describe.each(ENGINES)('rough edges, without JavaScript ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    await h.enableCountry('KE');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)(
    'phone page: none, code sent to the number (kept in the field), linked, removal confirmed',
    async () => {
      const me = new FormClient(h.app);
      await me.signUp('imani');
      const none = await me.get('/settings/phone');
      expectGoodPage(none, '/settings/phone');
      expect(none.body).toContain('No number linked');
      expect(none.body).not.toContain('name="code"');

      // A number that is not one: the reason, and what was typed, stay on the page.
      const bad = await me.post('/settings/phone', { number: '+254 12' });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toContain('value="+254 12"');

      expect((await me.post('/settings/phone', { number: KE })).headers.location).toBe(
        '/settings/phone?notice=code_sent#code',
      );
      const sent = await me.get('/settings/phone?notice=code_sent');
      expectGoodPage(sent, '/settings/phone (code sent)');
      expect(sent.body).toContain(`Code sent to ${KE}`);
      expect(sent.body).toContain(`value="${KE}"`);
      expect(sent.body).toContain('name="code"');
      expect(sent.body).not.toContain('No number linked');
      // The state comes from the waiting code, not the notice: the same on a later visit.
      expect((await me.get('/settings/phone')).body).toContain(`Code sent to ${KE}`);

      await h.drain();
      const code = /Your Sparrow code is (\d{6})/.exec((await h.inbox(KE)).map((m) => m.text).join('\n'))?.[1];
      expect((await me.post('/settings/phone/verify', { code: code! })).headers.location).toBe(
        '/settings/phone?notice=phone_linked',
      );
      const linked = await me.get('/settings/phone?notice=phone_linked');
      expect(linked.body).toContain('<h2 id="phone-state">Linked</h2>');
      expect(linked.body).not.toContain('name="code"'); // no context-free code form once linked
      expect(linked.body).toContain('<a class="btn danger" href="/settings/phone/remove">Remove this number…</a>');

      // Removal is a step of its own, saying what it ends.
      const confirm = await me.get('/settings/phone/remove');
      expectGoodPage(confirm, '/settings/phone/remove');
      expect(confirm.body).toContain('sign-in and second-factor codes by SMS stop');
      expect(confirm.body).toContain('<button class="danger">Yes, remove this number</button>');
      expect((await me.post('/settings/phone/remove')).headers.location).toBe('/settings/phone?notice=phone_removed');
      expect((await me.get('/settings/phone')).body).toContain('No number linked');
      expect((await me.get('/settings/phone/remove')).headers.location).toBe('/settings/phone');
    },
  );

  it.skipIf(skip)(
    'times: UTC until chosen (and said), the zone from sign-up, changed in settings, refused when unknown',
    async () => {
      const author = await h.ctx.microblog.createAccount({ username: 'clockwatcher' });
      const post = await h.ctx.microblog.post(author.id, { text: 'Noon somewhere', source: 'web' }); // 2026-11-25 10:00 UTC
      const postPath = `/@clockwatcher/${post.id}`;

      const anonymous = await new FormClient(h.app).get(postPath);
      expect(anonymous.body).toContain(
        '<time datetime="2026-11-25T10:00:00.000Z" title="UTC">2026-11-25 10:00 UTC</time>',
      );

      // Sign-up carries the browser's zone (a script fills the hidden field); here it is sent as the script would.
      const nairobi = new FormClient(h.app);
      // Scripts on: the page's script also solves the sign-up puzzle (issue 11) before the form goes.
      const signupPage = await nairobi.get('/signup');
      const started = await nairobi.post('/signup', {
        email: 'zawadi@example.test',
        ...solvedSignupFields(signupPage.body),
      });
      expect(started.body).toContain('<input type="hidden" name="time_zone" value="" data-browser-time-zone>');
      const code = await nairobi.mailCode('zawadi@example.test');
      await nairobi.post('/signup/finish', {
        flow_id: flowIdOf(started.body),
        email: 'zawadi@example.test',
        code,
        username: 'zawadi',
        password: PASSWORD,
        time_zone: 'Africa/Nairobi',
      });
      expect((await h.ctx.microblog.lookup('zawadi'))?.timeZone).toBe('Africa/Nairobi');
      expect((await nairobi.get(postPath)).body).toContain(
        '<time datetime="2026-11-25T10:00:00.000Z" title="Africa/Nairobi">2026-11-25 13:00 GMT+3</time>',
      );

      // A zone the server does not know (a tampered field) leaves the account on UTC; sign-up still works.
      const odd = new FormClient(h.app);
      const oddPage = await odd.get('/signup');
      const oddStart = await odd.post('/signup', { email: 'odd@example.test', ...solvedSignupFields(oddPage.body) });
      const finished = await odd.post('/signup/finish', {
        flow_id: flowIdOf(oddStart.body),
        email: 'odd@example.test',
        code: await odd.mailCode('odd@example.test'),
        username: 'oddzone',
        password: PASSWORD,
        time_zone: '<script>Mars/Base</script>',
      });
      expect(finished.statusCode).toBe(303);
      expect((await h.ctx.microblog.lookup('oddzone'))?.timeZone).toBeNull();
      const settings = await odd.get('/settings/profile');
      expectGoodPage(settings, '/settings/profile');
      expect(settings.body).toContain('Times are shown in <strong>UTC</strong> (no zone chosen yet, so UTC)');
      expect(settings.body).toContain('data-browser-time-zone'); // the script may offer the browser's zone

      // Settings: any letter case is accepted and stored canonically; a name that is no zone is refused, kept, explained.
      expect((await odd.post('/settings/time-zone', { time_zone: ' europe/berlin ' })).headers.location).toBe(
        '/settings/profile?notice=time_zone_saved#time-zone',
      );
      expect((await h.ctx.microblog.lookup('oddzone'))?.timeZone).toBe('Europe/Berlin');
      expect((await odd.get(postPath)).body).toContain('title="Europe/Berlin">2026-11-25 11:00 CET</time>');
      const refused = await odd.post('/settings/time-zone', { time_zone: 'Europe/Atlantis' });
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain('Time zone must be an IANA name');
      expect(refused.body).toContain('value="Europe/Atlantis"');
      expect((await h.ctx.microblog.lookup('oddzone'))?.timeZone).toBe('Europe/Berlin');
      // Empty means UTC again.
      await odd.post('/settings/time-zone', { time_zone: '' });
      expect((await h.ctx.microblog.lookup('oddzone'))?.timeZone).toBeNull();
      await expect(h.ctx.microblog.setTimeZone(author.id, 'x'.repeat(65))).rejects.toThrow('IANA name');
    },
  );

  it.skipIf(skip)(
    'phone simulator: the conversation both ways, refusals marked, a page that reloads itself',
    async () => {
      const texter = await h.smsUser('texter', '+254712345681', 'KE');
      const number = '+254712345681';
      const visitor = new FormClient(h.app);
      const send = (text: string) => visitor.post('/dev/phone', { number, text, _csrf: null });
      const posted = await send('Hello from the road');
      expect(posted.headers.location).toBe(`/dev/phone?number=${encodeURIComponent(number)}&outcome=posted`);
      await h.ctx.sms.policy.setKillSwitch(true, { actor: operatorActor('test'), reason: 'drill' });
      const refused = await send('Not now');
      expect(refused.headers.location).toContain('outcome=refused_kill_switch');
      await h.ctx.sms.policy.setKillSwitch(false, { actor: operatorActor('test'), reason: 'drill over' });
      await h.drain();

      const page = await visitor.get(`/dev/phone?number=${encodeURIComponent(number)}&outcome=refused_kill_switch`);
      expectGoodPage(page, '/dev/phone');
      // What the phone sent, beside what it received, oldest first.
      const conversation = /<ol class="sms"[^>]*>([\s\S]*?)<\/ol>/.exec(page.body)?.[1] ?? '';
      const order = [
        ...conversation.matchAll(
          /<li class="(from-phone|from-sparrow)[^"]*"[^>]*><span class="sr">[^<]*<\/span>([^<]*)/g,
        ),
      ].map((m) => `${m[1]}: ${m[2]}`);
      expect(order[0]).toMatch(/^from-sparrow: Your Sparrow code is \d{6}/); // linking the number came first
      const hello = order.indexOf('from-phone: Hello from the road');
      const notNow = order.indexOf('from-phone: Not now');
      expect(hello).toBeGreaterThan(0);
      expect(notNow).toBeGreaterThan(hello);
      expect(order.some((line) => line.startsWith('from-sparrow: '))).toBe(true);
      expect(conversation).toMatch(/<li class="from-phone refused"[^>]*>[^]*?Not now[^]*?refused: kill switch/);
      expect(conversation).toMatch(/<li class="from-phone acted"[^>]*>[^]*?Hello from the road[^]*?posted/);
      // A refusal is not shown like a success.
      expect(page.body).toContain('<p class="outcome refused" role="alert">Sparrow: refused: kill switch</p>');
      const ok = await visitor.get(`/dev/phone?number=${encodeURIComponent(number)}&outcome=posted`);
      expect(ok.body).toContain('<p class="outcome acted" role="status">Sparrow: posted</p>');
      // Without script the page reloads itself, and says how to stop it while typing; a link refreshes at once.
      expect(page.body).toContain('<noscript><meta http-equiv="refresh" content="15"></noscript>');
      expect(page.body).toContain('&reload=off">stop while I type</a>');
      const still = await visitor.get(`/dev/phone?number=${encodeURIComponent(number)}&reload=off`);
      expect(still.body).not.toContain('http-equiv="refresh"');
      expect(still.body).toContain('>Refresh</a>');
      expect(texter.username).toBe('texter');
    },
  );

  it.skipIf(skip)('header: "Log out" is a link-styled button, not a filled one', async () => {
    const me = new FormClient(h.app);
    await me.signUp('headerwatch');
    const home = await me.get('/home');
    expect(home.body).toMatch(/<form method="post" action="\/logout" class="inline out link">/);
  });
});
