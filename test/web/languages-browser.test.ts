import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Outside the repository: look at them with an image viewer. */
const SHOTS = process.env.SPARROW_SCREENSHOTS ?? join(tmpdir(), 'sparrow-language-screenshots');
const PASSWORD = 'correct horse battery staple';

/** The language switcher in a real browser: Swahili, then Arabic right to left, at 320 px. */
describe.skipIf(!hasChromium)(
  hasChromium ? 'web UI languages in Chromium' : `web UI languages in Chromium (skipped: ${CHROMIUM} is missing)`,
  () => {
    let server: RunningServer;
    let browser: Browser;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sparrow-lang-'));
      server = await startServer('sqlite', {
        SPARROW_SMS_PROVIDER: 'console',
        SPARROW_DATA_DIR: dataDir,
        SPARROW_DATABASE_URL: `sqlite:${join(dataDir, 'sparrow.db')}`,
      });
      const amina = await server.ctx.identity.register({
        username: 'amina',
        email: 'amina@example.test',
        password: PASSWORD,
      });
      const bob = await server.ctx.microblog.createAccount({ username: 'bob' });
      await server.ctx.microblog.follow(amina.id, bob.id);
      await server.ctx.microblog.post(bob.id, { text: 'Soko linafunguliwa saa moja asubuhi.', source: 'web' });
      await server.ctx.microblog.post(bob.id, { text: 'السوق يفتح في السابعة صباحاً', source: 'web' });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      mkdirSync(SHOTS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('switches a signed-in page to Swahili and to Arabic (right to left) without script', async () => {
      const context = await browser.newContext({
        viewport: { width: 320, height: 640 },
        baseURL: server.url,
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      // A visitor switches the sign-in page to Swahili, and signs in with it.
      await page.goto('/login');
      await page.getByLabel('Language').selectOption('sw');
      await page.getByRole('button', { name: 'Change' }).click();
      await page.waitForURL(/\/login/);
      expect(await page.getAttribute('html', 'lang')).toBe('sw');
      await page.screenshot({ path: join(SHOTS, 'login-swahili.png'), fullPage: true });
      await page.getByLabel('Jina la mtumiaji au barua pepe').fill('amina');
      await page.getByLabel('Nenosiri').fill(PASSWORD);
      await page.getByRole('button', { name: 'Ingia' }).click();
      await page.waitForURL(/\/home/);
      expect(await page.getAttribute('html', 'lang')).toBe('sw');
      await expect.poll(() => page.locator('h1').innerText()).toBe('Nyumbani');
      await expect.poll(() => page.locator('nav').innerText()).toContain('Mipangilio');
      await page.screenshot({ path: join(SHOTS, 'home-swahili.png'), fullPage: true });

      await page.getByLabel('Lugha').selectOption('ar');
      await page.getByRole('button', { name: 'Badilisha' }).click();
      await page.waitForURL(/\/home/);
      expect(await page.getAttribute('html', 'lang')).toBe('ar');
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      expect(await page.evaluate('getComputedStyle(document.body).direction')).toBe('rtl');
      // Right to left: the first navigation link sits at the right edge of the 320 px screen.
      const first = await page.locator('nav a').first().boundingBox();
      expect(first!.x + first!.width).toBeGreaterThan(320 / 2);
      await expect.poll(() => page.locator('nav').innerText()).toContain('الإعدادات');
      // Nothing wider than the screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      await page.screenshot({ path: join(SHOTS, 'home-arabic.png'), fullPage: true });

      // The account keeps the choice: another browser signed in as the same person reads Arabic too.
      const amina = (await server.ctx.microblog.lookup('amina'))!;
      expect(await server.ctx.sms.languages.ofAccount(amina.id)).toBe('ar');
      await context.close();
    }, 60_000);

    it('shows the settings pages in Swahili and in Arabic, mirrored, at 320 px', async () => {
      const amina = (await server.ctx.microblog.lookup('amina'))!;
      await server.ctx.sms.languages.setForAccount(amina.id, 'sw');
      const context = await browser.newContext({
        viewport: { width: 320, height: 640 },
        baseURL: server.url,
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel('Username or e-mail').fill('amina');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/home/);

      await page.goto('/settings/profile');
      expect(await page.getAttribute('html', 'lang')).toBe('sw');
      await expect.poll(() => page.locator('h1').innerText()).toBe('Wasifu');
      await expect.poll(() => page.locator('main').innerText()).toContain('Idhinisha wafuasi mwenyewe');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      await page.screenshot({ path: join(SHOTS, 'settings-swahili.png'), fullPage: true });

      // The switcher at the foot of the settings page, in Swahili, turns it to Arabic.
      await page.getByLabel('Lugha').selectOption('ar');
      await page.getByRole('button', { name: 'Badilisha' }).click();
      await page.waitForURL(/\/settings\/profile/);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      await expect.poll(() => page.locator('h1').innerText()).toBe('الملف الشخصي');
      // Mirrored: the settings menu starts at the right edge, labels and fields align right.
      const first = await page.locator('nav.sub a').first().boundingBox();
      expect(first!.x + first!.width).toBeGreaterThan(320 / 2);
      const label = await page.locator('label[for="display_name"]').boundingBox();
      const field = await page.locator('#display_name').boundingBox();
      expect(label!.x + label!.width).toBeGreaterThan(field!.x + field!.width - 2);
      // A Latin @name inside Arabic text keeps its @ on the left (the catalogue marks it left to right).
      const at = await page.evaluate(`(() => {
        const text = document.querySelector('main a[href="/@amina"]').firstChild;
        const x = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1); return r.getBoundingClientRect().x; };
        const i = text.data.indexOf('@');
        return { at: x(i), a: x(i + 1) };
      })()`);
      expect((at as { at: number; a: number }).at).toBeLessThan((at as { at: number; a: number }).a);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      await page.screenshot({ path: join(SHOTS, 'settings-arabic.png'), fullPage: true });

      await page.goto('/settings/security');
      await expect.poll(() => page.locator('h1').innerText()).toBe('الدخول والتحقق بخطوتين');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      await page.screenshot({ path: join(SHOTS, 'security-arabic.png'), fullPage: true });
      await context.close();
    }, 60_000);
  },
);
