import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage, flowIdOf } from './helpers.ts';
import { solvedSignupFields } from '../helpers/sign-up-puzzle.ts';
import { operatorActor } from '../../src/security/index.ts';

const KE = '+254712345670';
describe.each(ENGINES)('web pages ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let alice: FormClient;
  let bob: FormClient;
  let admin: FormClient;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    alice = new FormClient(h.app);
    bob = new FormClient(h.app);
    admin = new FormClient(h.app);
    await alice.signUp('alice');
    await bob.signUp('bob');
    await h.ctx.identity.register({
      username: 'root',
      email: 'root@example.test',
      password: 'correct horse battery staple',
      role: 'admin',
    });
    await admin.logIn('root');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('signs up and logs in with plain forms, with secure cookies', async () => {
    const anon = new FormClient(h.app);
    const page = await anon.get('/signup');
    expectGoodPage(page, '/signup');
    // The page's script solves the sign-up puzzle (see browser.test.ts); this form client does the same.
    const first = await anon.post('/signup', { email: 'carol@example.test', ...solvedSignupFields(page.body) });
    expectGoodPage(first, 'sign-up code page');
    expect(first.body).toContain('carol@example.test');
    expect(first.body).toContain('/dev/mail?to=carol%40example.test');
    const code = await anon.mailCode('carol@example.test');
    const flowId = flowIdOf(first.body);
    const wrongCode = await anon.post('/signup/finish', {
      flow_id: flowId,
      email: 'carol@example.test',
      code: code === '000000' ? '111111' : '000000',
      username: 'carol',
      password: 'correct horse battery staple',
    });
    expect(wrongCode.statusCode).toBe(422);
    expect(wrongCode.body).toContain('not right');
    const res = await anon.post('/signup/finish', {
      flow_id: flowId,
      email: 'carol@example.test',
      code,
      username: 'carol',
      display_name: 'Carol',
      password: 'correct horse battery staple',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/home?notice=welcome');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/sparrow_session=[^;]+;.*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Secure/); // the public URL is https
    expect((await anon.get(res.headers.location as string)).body).toContain('Welcome to Sparrow!');
    expect((await h.ctx.microblog.lookup('carol'))?.displayName).toBe('Carol');

    await anon.post('/logout');
    expect((await anon.get('/home')).statusCode).toBe(303);
    const wrong = await anon.logIn('carol', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('do not match');
    const right = await anon.logIn('carol');
    expect(right.statusCode).toBe(303);
    expect((await anon.get('/home')).statusCode).toBe(200);
  });

  it.skipIf(skip)('keeps signed-out visitors out and never redirects off-site after login', async () => {
    const anon = new FormClient(h.app);
    const res = await anon.get('/settings/sms');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fsettings%2Fsms');
    await anon.get('/login');
    const evil = await anon.post('/login', {
      login: 'bob',
      password: 'correct horse battery staple',
      next: '//evil.example/x',
    });
    expect(evil.headers.location).toBe('/home');
  });

  it.skipIf(skip)('posts, replies, follows, shows profiles, notifications and direct messages', async () => {
    expect((await alice.post('/posts', { status: 'Hello from the web', visibility: 'public' })).headers.location).toBe(
      '/home?notice=posted',
    );
    const [first] = await h.ctx.microblog.accountTimeline(null, (await h.ctx.microblog.lookup('alice'))!.id, {
      limit: 1,
    });
    expect(first?.post).toMatchObject({ text: 'Hello from the web', source: 'web' });
    expect((await bob.post('/users/alice/follow')).statusCode).toBe(303);
    const home = await bob.get('/home');
    expect(home.body).toContain('Hello from the web');
    expect(home.body).toContain('via web');
    const reply = await bob.post('/posts', {
      status: '@alice hi back',
      in_reply_to_id: first!.post.id,
      visibility: 'public',
    });
    expect(reply.headers.location).toMatch(/^\/@bob\/\d+\?notice=posted$/);
    const thread = await alice.get(`/@alice/${first!.post.id}`);
    expectGoodPage(thread, 'post page');
    expect(thread.body).toContain('hi back');
    const notifications = await alice.get('/notifications');
    expect(notifications.body).toContain('followed you');
    expect(notifications.body).toContain('mentioned you');
    expect((await alice.post('/messages', { to: 'bob', text: 'Secret plans' })).headers.location).toBe(
      '/messages/bob?notice=sent',
    );
    expect((await bob.get('/messages')).body).toContain('Secret plans');
    const conversation = await bob.get('/messages/alice');
    expect(conversation.body).toContain('Secret plans');
    expect(
      (await h.ctx.microblog.directMessages((await h.ctx.microblog.lookup('bob'))!.id, { limit: 5 }))[0]?.post
        .visibility,
    ).toBe('direct');
    // Someone else's DM never shows on a profile.
    expect((await new FormClient(h.app).get('/@alice')).body).not.toContain('Secret plans');
    const tooLong = await alice.post('/posts', { status: 'x'.repeat(h.ctx.config.maxPostLength + 1) });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.body).toContain('too long');
  });

  it.skipIf(skip)(
    'links a phone, turns SMS posting on, sets a PIN, reviews events, all from the settings pages',
    async () => {
      await h.enableCountry('KE');
      expect((await alice.post('/settings/phone', { number: KE })).headers.location).toBe(
        '/settings/phone?notice=code_sent#code',
      );
      await h.drain();
      const code = /code is (\d{6})/.exec((await h.ctx.sms.store.messagesTo(KE, 1))[0]?.text ?? '')?.[1];
      expect(code).toBeDefined();
      expect((await alice.post('/settings/phone/verify', { code: '000000' })).statusCode).toBe(422);
      expect((await alice.post('/settings/phone/verify', { code: code! })).headers.location).toBe(
        '/settings/phone?notice=phone_linked',
      );
      expect((await alice.get('/settings/phone')).body).toContain('+254•••••••70');
      await alice.post('/settings/sms', { posting: 'on', notifications: 'on' });
      expect(await h.ctx.sms.settings.get((await h.ctx.microblog.lookup('alice'))!.id)).toMatchObject({
        posting: true,
        notifications: true,
      });
      expect((await alice.post('/settings/sms/pin', { pin: '1234' })).statusCode).toBe(422);
      expect((await alice.post('/settings/sms/pin', { pin: '4071' })).headers.location).toBe(
        '/settings/sms?notice=pin_set',
      );
      await h.text(KE, '4071 Texted from a feature phone');
      expect((await bob.get('/home')).body).toContain('Texted from a feature phone');
      expect((await alice.get('/@alice')).body).toContain('via SMS');
      // The SMS post is a security event: a banner on the home page until the owner looks at it.
      expect((await alice.get('/home')).body).toMatch(/new security events?<\/strong>/);
      expect((await alice.get('/settings/events')).body).toContain('A post was made by SMS');
      expect((await alice.get('/home')).body).not.toContain('new security event');
      // SMS notifications per followed account.
      await bob.post('/settings/sms/follows/alice', { on: 'on' });
      expect(
        await h.ctx.sms.store.isSubscribed(
          (await h.ctx.microblog.lookup('bob'))!.id,
          (await h.ctx.microblog.lookup('alice'))!.id,
        ),
      ).toBe(true);
      const follows = await bob.get('/settings/sms/follows');
      expect(follows.body).toContain('By SMS now: @alice.');
      expect(follows.body).toContain('Stop texts');
      // "This wasn't me" removes the SMS post and locks posting; the password unlocks it.
      expect((await alice.post('/settings/sms/not-me')).headers.location).toBe('/settings/sms?notice=not_me');
      expect((await bob.get('/home')).body).not.toContain('Texted from a feature phone');
      expect((await alice.get('/settings/sms')).body).toContain('SMS posting is locked');
      const refused = await alice.post('/settings/sms/unlock', { password: 'wrong password here' });
      // A wrong password is the domain's `forbidden`: 403 here as on the API (it was 422 before one table).
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('needs your password');
      expect(
        (await alice.post('/settings/sms/unlock', { password: 'correct horse battery staple' })).headers.location,
      ).toBe('/settings/sms?notice=unlocked');
      await alice.post('/settings/sms/pin/clear');
      expect((await h.ctx.sms.owner.state((await h.ctx.microblog.lookup('alice'))!.id)).pinHash).toBeNull();
    },
  );

  it.skipIf(skip)('every main page is small, has the CSP and works without scripts', async () => {
    const aliceId = (await h.ctx.microblog.lookup('alice'))!.id;
    const [post] = await h.ctx.microblog.accountTimeline(null, aliceId, { limit: 1 });
    const anon = new FormClient(h.app);
    for (const url of [
      '/',
      '/login',
      '/login/sms',
      '/signup',
      '/password_reset',
      '/@alice',
      `/@alice/${post!.post.id}`,
    ])
      expectGoodPage(await anon.get(url), url);
    const userPages = [
      '/home',
      '/notifications',
      '/messages',
      '/messages/bob',
      '/settings/profile',
      '/settings/phone',
      '/settings/sms',
      '/settings/sms/follows',
      '/settings/sms/holds',
      '/settings/events',
      '/settings/security',
      '/settings/privacy',
    ];
    const weights: Record<string, number> = {};
    for (const url of userPages) {
      const res = await alice.get(url);
      expectGoodPage(res, url);
      weights[url] = Buffer.byteLength(res.body);
    }
    for (const url of ['/admin/sms', '/admin/sms?q=ke', '/admin/traffic', '/admin/audit', '/admin/users?q=alice']) {
      const res = await admin.get(url);
      expectGoodPage(res, url);
      weights[url] = Buffer.byteLength(res.body);
    }
    expectGoodPage(await anon.get('/dev/phone'), '/dev/phone');
    expectGoodPage(await anon.get('/dev/mail?to=alice%40example.test'), '/dev/mail');
    const css = await anon.get('/static/sparrow.css');
    expect(Buffer.byteLength(css.body)).toBeLessThan(8 * 1024);
    console.info('page weights (bytes):', JSON.stringify(weights));
  });

  it.skipIf(skip)('refuses every form without this browser’s CSRF token', async () => {
    const before = (await h.ctx.microblog.lookup('alice'))!.statusesCount;
    for (const [url, fields] of [
      ['/posts', { status: 'forged' }],
      ['/settings/sms', { posting: 'on' }],
      ['/settings/profile', { display_name: 'pwned' }],
      ['/settings/sms/not-me', {}],
      ['/messages', { to: 'bob', text: 'forged' }],
      ['/login', { login: 'alice', password: 'x' }],
    ] as const) {
      expect((await alice.post(url, { ...fields, _csrf: null })).statusCode, url).toBe(403);
      expect((await alice.post(url, { ...fields, _csrf: 'A'.repeat(43) })).statusCode, url).toBe(403);
      // Another session's token does not work either.
      expect((await alice.post(url, { ...fields, _csrf: bob.csrf })).statusCode, url).toBe(403);
    }
    expect((await h.ctx.microblog.lookup('alice'))!.statusesCount).toBe(before);
    expect((await h.ctx.microblog.lookup('alice'))!.displayName).not.toBe('pwned');
  });

  it.skipIf(skip)('escapes everything people type', async () => {
    const evil = '<img src=x onerror=alert(1)>"\'';
    await alice.post('/settings/profile', { display_name: 'A<b>x</b>', note: evil });
    await alice.post('/posts', { status: `<script>alert(1)</script> ${evil}` });
    await alice.post('/messages', { to: 'bob', text: '<script>dm()</script>' });
    for (const [client, url] of [
      [alice, '/@alice'],
      [bob, '/home'],
      [alice, '/settings/profile'],
      [bob, '/messages'],
      [bob, '/messages/alice'],
    ] as const) {
      const body = (await client.get(url)).body;
      expect(body, url).not.toContain('<script>');
      expect(body, url).not.toContain('<img src=x');
      expect(body, url).not.toContain('<b>x</b>');
    }
    expect((await bob.get('/home')).body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const admin404 = await admin.get(`/admin/users?q=${encodeURIComponent('<b>zz</b>')}`);
    expect(admin404.body).not.toContain('<b>zz</b>');
  });

  it.skipIf(skip)(
    'admin console: 403 for users; policy search, kill switch with confirmation, audit, traffic',
    async () => {
      expect((await alice.get('/admin/sms')).statusCode).toBe(403);
      expect(
        (await alice.post('/admin/sms/kill-switch', { enabled: 'on', reason: 'x', confirm: 'yes' })).statusCode,
      ).toBe(403);
      const search = await admin.get('/admin/sms?q=tanz');
      expect(search.body).toContain('Tanzania');
      expect(
        (await admin.post('/admin/sms/policy', { country: 'TZ', posting: 'on', reason: 'launch', q: 'tanz' })).headers
          .location,
      ).toBe('/admin/sms?q=tanz&notice=policy_saved');
      expect(
        (await h.ctx.sms.policy.status(operatorActor('test'))).countries.find((p) => p.country === 'TZ'),
      ).toMatchObject({
        posting: true,
        notifications: false,
      });

      expect((await admin.post('/admin/sms/kill-switch', { enabled: 'on', reason: '' })).statusCode).toBe(422);
      const confirm = await admin.post('/admin/sms/kill-switch', { enabled: 'on', reason: 'pumping attack' });
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain('Yes, turn it on');
      expect((await h.ctx.sms.store.killSwitch()).enabled).toBe(false);
      expect(
        (await admin.post('/admin/sms/kill-switch', { enabled: 'on', reason: 'pumping attack', confirm: 'yes' }))
          .headers.location,
      ).toBe('/admin/sms?notice=kill_on');
      expect(await h.ctx.sms.store.killSwitch()).toMatchObject({ enabled: true, reason: 'pumping attack' });
      const audit = await admin.get('/admin/audit');
      expect(audit.body).toContain('sms.kill_switch.on');
      expect(audit.body).toContain('pumping attack');
      await admin.post('/admin/sms/kill-switch', { enabled: 'off', reason: 'over', confirm: 'yes' });

      await h.text(KE, 'traffic sample');
      const traffic = await admin.get('/admin/traffic');
      expect(traffic.body).toContain('<svg');
      expect(traffic.body).toContain('Inbound texts per minute');
      expect(traffic.body).toMatch(/<th scope="row">console<\/th>/);

      const users = await admin.get('/admin/users?q=alice');
      expect(users.body).toContain('Reset SMS lock');
      expect((await admin.post('/admin/users/alice/reset-sms', { reason: '' })).statusCode).toBe(422);
      expect(
        (await admin.post('/admin/users/alice/reset-sms', { reason: 'owner called support' })).headers.location,
      ).toBe('/admin/users?q=alice&notice=sms_reset');
    },
  );

  it.skipIf(skip)(
    'admin console: suspends and restores an account (audited), and lists fraud and enumeration alerts',
    async () => {
      const dave = new FormClient(h.app);
      await dave.signUp('dave');
      expect((await dave.get('/home')).statusCode).toBe(200);
      expect((await dave.post('/admin/users/alice/suspend', { reason: 'x' })).statusCode).toBe(403);
      expect((await admin.post('/admin/users/dave/suspend', { reason: '' })).statusCode).toBe(422);
      expect((await admin.post('/admin/users/dave/suspend', { reason: 'spam wave' })).headers.location).toBe(
        '/admin/users?q=dave&notice=suspended',
      );
      // Signed out everywhere, profile gone.
      expect((await dave.get('/home')).headers.location).toMatch(/^\/login/);
      expect((await alice.get('/@dave')).statusCode).toBe(404);
      const page = await admin.get('/admin/users?q=dave');
      expectGoodPage(page, '/admin/users?q=dave');
      expect(page.body).toContain('suspended');
      expect(page.body).toContain('Lift the suspension');
      const audit = await admin.get('/admin/audit');
      expect(audit.body).toContain('account.suspend');
      expect(audit.body).toContain('spam wave');
      // Who, what and why in words, with the subject by name; the raw record folded away.
      expect(audit.body).toMatch(
        /<strong><a href="\/admin\/users\?q=\w+">@\w+<\/a><\/strong> suspended <a href="\/admin\/users\?q=dave">@dave<\/a>/,
      );
      expect(audit.body).toContain('Why: “spam wave”');
      expect(audit.body).toMatch(/<details><summary>Details<\/summary>/);
      expect(audit.body).not.toMatch(/account \d{18}/);
      expect((await admin.post('/admin/users/dave/unsuspend', { reason: 'appeal accepted' })).headers.location).toBe(
        '/admin/users?q=dave&notice=unsuspended',
      );
      expect((await alice.get('/@dave')).statusCode).toBe(200);

      const alerts = await admin.get('/admin/alerts');
      expectGoodPage(alerts, '/admin/alerts');
      expect(alerts.body).toContain('SMS pumping');
      expect(alerts.body).toContain('fake-account networks');
      expect((await alice.get('/admin/alerts')).statusCode).toBe(403);
    },
  );
});
