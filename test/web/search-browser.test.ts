import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery staple';

/** Search and hashtag pages in Chromium at 320 px, with JavaScript off, under the strict CSP. */
describe.skipIf(!hasChromium)(
  hasChromium ? 'search and hashtag pages in Chromium' : 'search and hashtag pages in Chromium (skipped: no chromium)',
  () => {
    let server: RunningServer;
    let browser: Browser;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      server = await startServer('sqlite');
      await server.ctx.identity.register({ username: 'finder', email: 'finder@example.test', password: PASSWORD });
      const wren = await server.ctx.microblog.createAccount({ username: 'wren', displayName: 'Jenny Wren' });
      await server.ctx.microblog.post(wren.id, {
        text: 'Dawn chorus in the hedge #BirdSong, a very long line of words to wrap at narrow widths',
        source: 'web',
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    const fitsWidth = async (page: Page) =>
      expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(320);

    it('searches by name, follows from the result, and opens and follows a hashtag, without JavaScript', async () => {
      const context = await browser.newContext({
        viewport: { width: 320, height: 640 },
        baseURL: server.url,
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await page.goto('/login');
      await page.getByLabel('Username or e-mail').fill('finder');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/home/);
      await page.getByRole('link', { name: 'Search' }).click();
      await page.getByLabel('Search for').fill('jenny');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\/search\?q=jenny/);
      await fitsWidth(page);
      await page.getByRole('button', { name: 'Follow' }).click();
      await page.waitForURL(/\/@wren/);
      expect(await page.locator('main').innerText()).toContain('Followed.');

      await page.getByRole('link', { name: '#BirdSong' }).first().click();
      await page.waitForURL(/\/tags\/BirdSong/);
      await fitsWidth(page);
      expect(await page.locator('h1').innerText()).toBe('#BirdSong');
      await page.getByRole('button', { name: 'Follow hashtag' }).click();
      await page.waitForURL(/\/tags\/BirdSong\?notice=followed/);
      expect(await page.getByRole('button', { name: 'Unfollow hashtag' }).count()).toBe(1);
      expect(cspViolations).toEqual([]);
      await context.close();
    }, 60_000);
  },
);
