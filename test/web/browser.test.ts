import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as OTPAuth from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { buildServer } from '../../src/app/http-server.ts';
import { testContext } from '../helpers/context.ts';
import { freePort, startServer, type RunningServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';

/** playwright-core has no assertion library: wait (up to 5 s) until a locator shows the text. */
async function hasText(locator: Locator, text: string, exact = false): Promise<void> {
  let last = '';
  for (let i = 0; i < 50; i += 1) {
    last = await locator
      .first()
      .innerText({ timeout: 5_000 })
      .catch(() => '');
    if (exact ? last.trim() === text : last.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(last).toBe(text);
}
const hasChromium = existsSync(CHROMIUM);
const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');
const NUMBER = '+254712345699';
const PASSWORD = 'correct horse battery staple';

/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against a real
 * server: console SMS provider, SQLite in a temporary directory, the outbox dispatcher
 * running as under `sparrow serve`. Phone-sized viewport (320 px).
 */
describe.skipIf(!hasChromium)(
  hasChromium ? 'web UI in Chromium' : `web UI in Chromium (skipped: ${CHROMIUM} is missing; apt-get install chromium)`,
  () => {
    let server: RunningServer;
    let work: { stop(): Promise<void> };
    let browser: Browser;
    let dataDir: string;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sparrow-web-'));
      server = await startServer('sqlite', {
        SPARROW_SMS_PROVIDER: 'console',
        SPARROW_DATA_DIR: dataDir,
        SPARROW_DATABASE_URL: `sqlite:${join(dataDir, 'sparrow.db')}`,
      });
      work = await server.ctx.startBackgroundWork({ inProcessWithWeb: true });
      await server.ctx.identity.register({
        username: 'root',
        email: 'root@example.test',
        password: PASSWORD,
        role: 'admin',
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      mkdirSync(SHOTS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await work?.stop();
      await server?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    async function newPage(context: BrowserContext): Promise<Page> {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      return page;
    }

    async function shot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    }

    async function waitForText(page: Page, url: string, pattern: RegExp, count = 1): Promise<string[]> {
      for (let i = 0; i < 50; i += 1) {
        await page.goto(url);
        const matches = [...(await page.locator('.sms').innerText()).matchAll(new RegExp(pattern, 'g'))].map(
          (m) => m[1] ?? m[0],
        );
        if (matches.length >= count) return matches;
        await page.waitForTimeout(200);
      }
      throw new Error(`${pattern} did not arrive at ${url}`);
    }

    async function waitForMail(page: Page, url: string, pattern: RegExp): Promise<string[]> {
      for (let i = 0; i < 50; i += 1) {
        await page.goto(url);
        const matches = [...(await page.locator('main').innerText()).matchAll(new RegExp(pattern, 'g'))].map(
          (m) => m[1] ?? m[0],
        );
        if (matches.length > 0) return matches;
        await page.waitForTimeout(200);
      }
      throw new Error(`${pattern} did not arrive at ${url}`);
    }

    it('signs up, links a phone through the simulator, posts by SMS; the kill switch refuses posts but not codes', async () => {
      const user = await browser.newContext({ viewport: { width: 320, height: 640 }, baseURL: server.url });
      const staff = await browser.newContext({ viewport: { width: 320, height: 640 }, baseURL: server.url });
      const me = await newPage(user);
      const phone = await newPage(user);
      const admin = await newPage(staff);
      const simulator = `/dev/phone?number=${encodeURIComponent(NUMBER)}`;

      // The operator enables Kenya (posting and notifications) in the admin console.
      await admin.goto('/login');
      await admin.getByLabel('Username or e-mail').fill('root');
      await admin.getByLabel('Password').fill(PASSWORD);
      await admin.getByRole('button', { name: 'Log in' }).click();
      await admin.goto('/admin/sms?q=kenya');
      const kenya = admin.locator('tr', { hasText: 'Kenya' });
      await kenya.getByLabel('posting').check();
      await kenya.getByLabel('notifications').check();
      await kenya.getByLabel('Reason').fill('pilot launch');
      await kenya.getByRole('button', { name: 'Save' }).click();
      await hasText(admin.locator('.notice'), 'Country policy saved.', true);
      await shot(admin, 'admin-sms-policy');

      // Sign up: e-mail first, the code from the dev mailbox, then username and password.
      await me.goto('/');
      await shot(me, 'welcome');
      await me.getByRole('link', { name: 'Create an account' }).click();
      await me.getByLabel('E-mail').fill('wanjiru@example.test');
      // The sign-up puzzle runs in the page's own script (CSP script-src 'self') before the form goes.
      await hasText(me.locator('#pow-status'), 'Sign-up check done.', true);
      await me.getByRole('button', { name: 'Send me a code' }).click();
      await hasText(me.locator('h1'), 'Check your e-mail', true);
      expect(await me.getByLabel('Why do you want to join?').count()).toBe(0); // solved: no approval needed
      await shot(me, 'signup-code');
      const mailbox = await newPage(user);
      const [signupCode] = await waitForMail(mailbox, '/dev/mail?to=wanjiru%40example.test', /sign-up code: (\d{6})/);
      await shot(mailbox, 'dev-mailbox');
      await me.getByLabel('Code from the e-mail').fill(signupCode!);
      await me.getByLabel('Username').fill('wanjiru');
      await me.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await me.getByRole('button', { name: 'Create account' }).click();
      await hasText(me.locator('h1'), 'Home', true);
      await me.getByLabel('What’s happening?').fill('First post, from the web');
      await me.getByRole('button', { name: 'Post', exact: true }).click();
      await hasText(me.locator('.post').first(), 'First post, from the web');
      expect(await me.locator('.counter').count()).toBe(1); // the optional script ran (CSP allows 'self')

      // Link the phone: request the code on the settings page, read it on the simulated phone.
      await me.goto('/settings/phone');
      await me.getByLabel('Mobile number').fill(NUMBER);
      await me.getByRole('button', { name: 'Send code' }).click();
      await hasText(me.locator('.notice'), 'a code is on its way');
      const [code] = await waitForText(phone, simulator, /Your Sparrow code is (\d{6})/);
      await shot(phone, 'phone-simulator-code');
      await me.getByLabel('Code from the text message').fill(code!);
      await me.getByRole('button', { name: 'Verify' }).click();
      await hasText(me.locator('.notice'), 'Phone number linked.', true);
      await shot(me, 'settings-phone');

      // Turn SMS posting on.
      await me.goto('/settings/sms');
      await me.getByLabel('Let me post by text message').check();
      await me.getByRole('button', { name: 'Save' }).click();
      await me.waitForLoadState();
      expect(await me.getByLabel('Let me post by text message').isChecked()).toBe(true);
      await shot(me, 'settings-sms');

      // Text a post from the simulator; it shows on the web.
      await phone.goto(simulator);
      await phone.getByLabel('Text to Sparrow').fill('Hello from my feature phone');
      await phone.getByRole('button', { name: 'Send' }).click();
      await hasText(phone.locator('.outcome'), 'Sparrow: posted', true);
      await shot(phone, 'phone-simulator-posted');
      await me.goto('/home');
      await hasText(me.locator('.post').first(), 'Hello from my feature phone');
      await hasText(me.locator('.post').first(), 'via SMS');
      await shot(me, 'home');
      await me.goto('/@wanjiru');
      await hasText(me.locator('main'), 'Hello from my feature phone');
      await shot(me, 'profile');
      await me.goto('/settings/events');
      await hasText(me.locator('main'), 'A post was made by SMS');
      await shot(me, 'security-events');

      // The operator flips the kill switch (reason, then a confirmation step).
      await admin.goto('/admin/sms');
      await admin.getByLabel('Reason (required, goes to the audit log)').fill('SMS pumping suspected');
      await admin.getByRole('button', { name: 'Turn kill switch on…' }).click();
      await hasText(admin.locator('h1'), 'Turn the kill switch on?', true);
      await shot(admin, 'admin-kill-switch-confirm');
      await admin.getByRole('button', { name: 'Yes, turn it on' }).click();
      await hasText(admin.locator('.notice'), 'Kill switch is ON');
      await shot(admin, 'admin-kill-switch-on');
      await admin.goto('/admin/audit');
      await hasText(admin.locator('main'), 'SMS pumping suspected');
      await admin.goto('/admin/traffic');
      await admin.locator('svg').first().waitFor();
      await shot(admin, 'admin-traffic');

      // Posting by SMS is refused now…
      await phone.goto(simulator);
      await phone.getByLabel('Text to Sparrow').fill('This must not be posted');
      await phone.getByRole('button', { name: 'Send' }).click();
      await hasText(phone.locator('.outcome'), 'Sparrow: refused: kill switch', true);
      await shot(phone, 'phone-simulator-refused');
      await me.goto('/@wanjiru');
      expect(await me.locator('main').innerText()).not.toContain('This must not be posted');

      // …while a phone verification code (a security message) still arrives.
      await me.goto('/settings/phone');
      await me.getByLabel('Use another number').fill(NUMBER);
      await me.getByRole('button', { name: 'Send code' }).click();
      const codes = await waitForText(phone, simulator, /Your Sparrow code is (\d{6})/, 2);
      expect(codes).toHaveLength(2);

      // …and so does a sign-in code: someone signing in by SMS code in another browser.
      const visitor = await browser.newContext({ viewport: { width: 320, height: 640 }, baseURL: server.url });
      const login = await newPage(visitor);
      await login.goto('/login/sms');
      await login.getByLabel('Mobile number').fill(NUMBER);
      await login.getByRole('button', { name: 'Text me a code' }).click();
      const [signInCode] = await waitForText(phone, simulator, /(\d{6}) is your Sparrow sign-in code/);
      await login.getByLabel('Code from the text message').fill(signInCode!);
      await login.getByRole('button', { name: 'Sign in' }).click();
      await login.waitForURL(/\/home/);
      await shot(login, 'signed-in-by-sms-code-during-kill-switch');
      await visitor.close();

      // Every page stayed inside the strict CSP.
      expect(cspViolations).toEqual([]);
      await user.close();
      await staff.close();
    }, 120_000);
    it('signs up with JavaScript off: the account waits, an administrator approves it in the console, then it signs in', async () => {
      const noScript = await browser.newContext({
        viewport: { width: 320, height: 640 },
        baseURL: server.url,
        javaScriptEnabled: false,
      });
      const staff = await browser.newContext({ viewport: { width: 320, height: 640 }, baseURL: server.url });
      const me = await newPage(noScript);
      await me.goto('/signup');
      await hasText(me.locator('main'), 'Scripts are off in this browser');
      await me.getByLabel('E-mail').fill('akinyi@example.test');
      await me.getByRole('button', { name: 'Send me a code' }).click();
      await hasText(me.locator('h1'), 'Check your e-mail', true);
      const mailbox = await newPage(noScript);
      const [code] = await waitForMail(mailbox, '/dev/mail?to=akinyi%40example.test', /sign-up code: (\d{6})/);
      await me.getByLabel('Code from the e-mail').fill(code!);
      await me.getByLabel('Username').fill('akinyi');
      await me.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await me.getByLabel('Why do you want to join?').fill('My browser has scripts off');
      await me.getByRole('button', { name: 'Create account' }).click();
      await hasText(me.locator('main'), 'waits for a moderator');
      await shot(me, 'signup-waiting-for-approval');

      const admin = await newPage(staff);
      await admin.goto('/login');
      await admin.getByLabel('Username or e-mail').fill('root');
      await admin.getByLabel('Password').fill(PASSWORD);
      await admin.getByRole('button', { name: 'Log in' }).click();
      await admin.goto('/admin/signups');
      const row = admin.locator('li.card', { hasText: '@akinyi' });
      await hasText(row, 'My browser has scripts off');
      await shot(admin, 'admin-signups');
      await row.getByLabel('Reason').first().fill('a real person, scripts off');
      await row.getByRole('button', { name: 'Approve' }).click();
      await hasText(admin.locator('.notice'), 'Account approved');

      await me.goto('/login');
      await me.getByLabel('Username or e-mail').fill('akinyi');
      await me.getByLabel('Password').fill(PASSWORD);
      await me.getByRole('button', { name: 'Log in' }).click();
      await hasText(me.locator('h1'), 'Home', true);
      await noScript.close();
      await staff.close();
    });

    it('sets up an authenticator app on the security page, then signs in with password and TOTP', async () => {
      await server.ctx.identity.register({ username: 'kamau', email: 'kamau@example.test', password: PASSWORD });
      const context = await browser.newContext({ viewport: { width: 320, height: 640 }, baseURL: server.url });
      const page = await newPage(context);
      const logIn = async () => {
        await page.goto('/login');
        await page.getByLabel('Username or e-mail').fill('kamau');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Log in' }).click();
      };
      await logIn();
      await hasText(page.locator('h1'), 'Home', true);

      await page.goto('/settings/security');
      await hasText(page.locator('main'), 'SMS is the weakest factor');
      await shot(page, 'settings-security');
      const app = page.locator('section#authenticator');
      await app.getByLabel('Your password').fill(PASSWORD);
      await app.getByRole('button', { name: 'Set up authenticator app' }).click();
      await hasText(page.locator('#totp-setup h2'), 'Set up your authenticator app', true);
      const secret = (await page.locator('code.secret').innerText()).replace(/\s+/g, '');
      await shot(page, 'settings-security-totp-setup');
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
      await page.getByLabel('Code shown by the app').fill(totp.generate());
      await page.getByRole('button', { name: 'Turn on authenticator app' }).click();
      await hasText(page.locator('#recovery-codes'), 'Save these now');
      expect(await page.locator('#recovery-codes li').count()).toBe(10);
      await shot(page, 'settings-security-recovery-codes');

      await page.getByRole('button', { name: 'Log out' }).click();
      await hasText(page.locator('h1'), 'Sparrow', true);
      await logIn();
      await hasText(page.locator('h1'), 'Confirm it’s you', true);
      expect(await page.locator('[data-passkey-nojs]').count()).toBe(0); // no passkey registered: not offered
      await shot(page, 'sign-in-second-step');
      // The setup code's time step is spent; the next one is accepted (one step of drift is allowed).
      await page.getByLabel('Code from your authenticator app').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
      await page
        .locator('form', { has: page.getByLabel('Code from your authenticator app') })
        .getByRole('button', { name: 'Verify' })
        .click();
      await hasText(page.locator('h1'), 'Home', true);
      await shot(page, 'signed-in-with-totp');

      expect(cspViolations).toEqual([]);
      await context.close();
    }, 60_000);
    it('adds a passkey (Chromium virtual authenticator) and signs in with it as the second step', async () => {
      // WebAuthn refuses IP addresses as relying-party ids, so this server is reached as localhost.
      const port = await freePort();
      const url = `http://localhost:${port}`;
      const dir = mkdtempSync(join(tmpdir(), 'sparrow-passkey-'));
      const ctx = await testContext('sqlite', {
        PORT: String(port),
        SPARROW_PUBLIC_URL: url,
        SPARROW_SMS_PROVIDER: 'console',
        SPARROW_DATA_DIR: dir,
        SPARROW_DATABASE_URL: `sqlite:${join(dir, 'sparrow.db')}`,
      });
      const app = await buildServer(ctx);
      await app.listen({ host: '127.0.0.1', port });
      const context = await browser.newContext({ viewport: { width: 320, height: 640 }, baseURL: url });
      try {
        await ctx.identity.register({ username: 'achieng', email: 'achieng@example.test', password: PASSWORD });
        const page = await newPage(context);
        const cdp = await context.newCDPSession(page);
        await cdp.send('WebAuthn.enable');
        await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: {
            protocol: 'ctap2',
            transport: 'internal',
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        });
        const logIn = async () => {
          await page.goto('/login');
          await page.getByLabel('Username or e-mail').fill('achieng');
          await page.getByLabel('Password').fill(PASSWORD);
          await page.getByRole('button', { name: 'Log in' }).click();
        };
        await logIn();
        await hasText(page.locator('h1'), 'Home', true);

        await page.goto('/settings/security');
        const passkeys = page.locator('section#passkeys');
        expect(await passkeys.locator('[data-passkey-nojs]').isVisible()).toBe(false); // the script ran
        await passkeys.getByLabel('Name for this passkey').fill('Test laptop');
        await passkeys.getByLabel('Your password').fill(PASSWORD);
        await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
        await hasText(page.locator('.notice'), 'Passkey added.', true);
        await hasText(passkeys, 'Test laptop');
        await shot(page, 'settings-security-passkey');

        await page.getByRole('button', { name: 'Log out' }).click();
        await hasText(page.locator('h1'), 'Sparrow', true);
        await logIn();
        await hasText(page.locator('h1'), 'Confirm it’s you', true);
        await shot(page, 'sign-in-second-step-passkey');
        await page.getByRole('button', { name: 'Use a passkey' }).click();
        await hasText(page.locator('h1'), 'Home', true);
        const [key] = (await ctx.factors.summary((await ctx.microblog.lookup('achieng'))!.id)).passkeys;
        expect(key?.lastUsedAt).not.toBeNull();
        expect(cspViolations).toEqual([]);
      } finally {
        await context.close();
        await app.close();
        await ctx.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  },
);
