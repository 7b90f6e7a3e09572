import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorActor } from '../../src/security/index.ts';
import { OutboxDispatcher } from '../../src/sms/index.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Outside the repository: look at them with an image viewer. */
const SHOTS = process.env.SPARROW_SCREENSHOTS ?? join(tmpdir(), 'sparrow-language-screenshots');
const PASSWORD = 'correct horse battery staple';

/** The admin console's SMS costs in a real browser at 320 px: Swahili, then Arabic right to left. */
describe.skipIf(!hasChromium)(
  hasChromium ? 'admin SMS costs in Chromium' : `admin SMS costs in Chromium (skipped: ${CHROMIUM} is missing)`,
  () => {
    let server: RunningServer;
    let browser: Browser;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sparrow-admin-lang-'));
      const prices = join(dataDir, 'prices.json');
      writeFileSync(
        prices,
        JSON.stringify({ currency: 'KES', providers: { console: { KE: 0.8, TZ: 1.1, '*': 3.5 } } }),
      );
      server = await startServer('sqlite', {
        SPARROW_SMS_PROVIDER: 'console',
        SPARROW_DATA_DIR: dataDir,
        SPARROW_DATABASE_URL: `sqlite:${join(dataDir, 'sparrow.db')}`,
        SPARROW_SMS_PRICES_FILE: prices,
      });
      await server.ctx.identity.register({
        username: 'msimamizi',
        email: 'msimamizi@example.test',
        password: PASSWORD,
        role: 'admin',
      });
      for (const country of ['KE', 'TZ', 'NG'])
        await server.ctx.sms.policy.setCountry(
          country,
          { posting: true, notifications: true },
          { actor: operatorActor('test'), reason: 'screenshots' },
        );
      await server.ctx.sms.outbox.enqueue([
        { to: '+254712345601', country: 'KE', text: 'Habari za asubuhi', messageClass: 'content', purpose: 'test' },
        { to: '+254712345602', country: 'KE', text: 'x'.repeat(300), messageClass: 'content', purpose: 'test' },
        { to: '+255712345603', country: 'TZ', text: 'Karibu Sparrow', messageClass: 'content', purpose: 'test' },
        { to: '+2348031234567', country: 'NG', text: 'Sannu', messageClass: 'content', purpose: 'test' },
      ]);
      // Hand the texts to the console provider, as the running dispatcher does.
      const ctx = server.ctx;
      const dispatcher = new OutboxDispatcher(ctx.sms.store, ctx.sms.provider, ctx.sms.policy, ctx.clock, {
        owner: 'screenshots',
        throughputPerSecond: 10_000,
      });
      for (let round = 0; round < 20; round += 1) if ((await dispatcher.runOnce()) === 0) break;
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

    it('shows segments and costs per country per day in Swahili and Arabic, nothing wider than 320 px', async () => {
      const context = await browser.newContext({
        viewport: { width: 320, height: 640 },
        baseURL: server.url,
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel('Language').selectOption('sw');
      await page.getByRole('button', { name: 'Change' }).click();
      await page.waitForURL(/\/login/);
      await page.getByLabel('Jina la mtumiaji au barua pepe').fill('msimamizi');
      await page.getByLabel('Nenosiri').fill(PASSWORD);
      await page.getByRole('button', { name: 'Ingia' }).click();
      await page.waitForURL(/\/home/);

      await page.goto('/admin/traffic#costs');
      expect(await page.getAttribute('html', 'lang')).toBe('sw');
      await expect
        .poll(() => page.locator('#costs').innerText())
        .toBe('Sehemu za SMS na gharama inayokadiriwa kwa kila nchi kwa siku');
      const swahiliTable = await page.locator('table').nth(1).innerText();
      expect(swahiliTable).toContain('Gharama inayokadiriwa');
      expect(swahiliTable).toContain('Kenya (KE)');
      expect(swahiliTable).toMatch(/Ksh\s?2\.4000/); // 3 segments at 0.8 KES
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      await page.locator('#costs').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'admin-costs-swahili.png'), fullPage: true });
      // The table scrolls sideways on a narrow screen: its far end holds the costs.
      const costs = page.locator('table').nth(1);
      await costs.evaluate((table) => table.scrollBy({ left: table.scrollWidth }));
      await costs.screenshot({ path: join(SHOTS, 'admin-costs-swahili-table.png') });

      await page.getByLabel('Lugha').selectOption('ar');
      await page.getByRole('button', { name: 'Badilisha' }).click();
      await page.waitForURL(/\/admin\/traffic/);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      await expect.poll(() => page.locator('#costs').innerText()).toBe('الأجزاء والتكلفة التقديرية لكل بلد في كل يوم');
      const arabicTable = await page.locator('table').nth(1).innerText();
      expect(arabicTable).toContain('كينيا (KE)');
      expect(arabicTable).toContain('تنزانيا (TZ)');
      // Right to left: the table's first column (the day) sits at the right.
      const day = await page.locator('table').nth(1).locator('th').first().boundingBox();
      const cost = await page.locator('table').nth(1).locator('th').last().boundingBox();
      expect(day!.x).toBeGreaterThan(cost!.x);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
      await page.screenshot({ path: join(SHOTS, 'admin-costs-arabic.png'), fullPage: true });
      // Right to left the far end is on the left.
      const arabicCosts = page.locator('table').nth(1);
      await arabicCosts.evaluate((table) => table.scrollBy({ left: -table.scrollWidth }));
      await arabicCosts.screenshot({ path: join(SHOTS, 'admin-costs-arabic-table.png') });
      await context.close();
    }, 60_000);
  },
);
