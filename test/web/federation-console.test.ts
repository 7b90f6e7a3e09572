import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/app/http-server.ts';
import type { FastifyInstance } from 'fastify';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

/**
 * The federation console (/admin/federation): queue, per-server delivery state and domain
 * blocks; administrators block, lift and retry through the same use cases as the API and CLI
 * (audited), moderators only look, everyone else is refused; forms need their token.
 */
const PASSWORD = 'correct horse battery staple';

describe.each(ENGINES)('the federation console on $label', ({ name: engine, skip }) => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let admin: FormClient;
  let moderator: FormClient;
  let user: FormClient;

  beforeAll(async () => {
    if (skip) return;
    ctx = await testContext(engine, { SPARROW_FEDERATION: 'on', SPARROW_PUBLIC_URL: 'https://sparrow.example' });
    app = await buildServer(ctx);
    await app.ready();
    for (const [username, role] of [
      ['root', 'admin'],
      ['mod', 'moderator'],
      ['plain', 'user'],
    ] as const)
      await ctx.identity.register({ username, email: `${username}@example.test`, password: PASSWORD, role });
    admin = new FormClient(app);
    moderator = new FormClient(app);
    user = new FormClient(app);
    await admin.logIn('root');
    await moderator.logIn('mod');
    await user.logIn('plain');
    await ctx.federationOperations.delivered('fine.example');
    await ctx.federationOperations.failed('flaky.example', { statusCode: 503 });
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
  });

  it.skipIf(skip)('shows the queue, the servers and the blocks; only staff see it', async () => {
    const page = await admin.get('/admin/federation');
    expectGoodPage(page, '/admin/federation');
    expect(page.body).toContain('Federating as <strong>sparrow.example</strong>');
    expect(page.body).toContain('<h2>Queue</h2>');
    expect(page.body).toMatch(/<td>flaky\.example<\/td><td>Failing<\/td><td>0<\/td><td>1<\/td>/);
    expect(page.body).toContain('<code>HTTP 503</code>');
    expect(page.body).toMatch(/<td>fine\.example<\/td><td>OK<\/td>/);
    expect(page.body).toContain('action="/admin/federation/blocks"');
    expect(page.body).toContain('name="reject_media"');
    // The console's menu leads here.
    expect((await admin.get('/admin/reports')).body).toContain('href="/admin/federation"');

    const modPage = await moderator.get('/admin/federation');
    expectGoodPage(modPage, '/admin/federation');
    expect(modPage.body).toContain('flaky.example');
    expect(modPage.body).not.toContain('action="/admin/federation/blocks"');
    expect(modPage.body).not.toContain('action="/admin/federation/retry"');

    expect((await user.get('/admin/federation')).statusCode).toBe(403);
    const anonymous = await app.inject({ method: 'GET', url: '/admin/federation' });
    expect(anonymous.statusCode).toBe(303);
  });

  it.skipIf(skip)('blocks, lists and lifts a server, audited; moderators and forged forms change nothing', async () => {
    // A moderator may read blocks, not make them; a user not even that; without the token nothing happens.
    const fields = { domain: 'Spam.Example', severity: 'limit', reject_media: 'on', reason: 'spam waves' };
    expect((await moderator.post('/admin/federation/blocks', fields)).statusCode).toBe(403);
    expect((await user.post('/admin/federation/blocks', fields)).statusCode).toBe(403);
    expect((await admin.post('/admin/federation/blocks', { ...fields, _csrf: null })).statusCode).toBe(403);
    expect(await ctx.domainBlocks.list({ actor: operatorActor('t'), reason: 'check' })).toHaveLength(0);

    // Bad input is refused with the form kept.
    const noReason = await admin.post('/admin/federation/blocks', { ...fields, reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('value="Spam.Example"');
    const badDomain = await admin.post('/admin/federation/blocks', { ...fields, domain: 'not a domain/<x>' });
    expect(badDomain.statusCode).toBe(422);
    expect(badDomain.body).toContain('Domain must be a host name');
    expect(badDomain.body).not.toContain('<x>');
    const badSeverity = await admin.post('/admin/federation/blocks', { ...fields, severity: 'obliterate' });
    expect(badSeverity.statusCode).toBe(422);

    const blocked = await admin.post('/admin/federation/blocks', fields);
    expect(blocked.statusCode).toBe(303);
    expect(blocked.headers.location).toBe('/admin/federation?notice=domain_blocked');
    const [block] = await ctx.domainBlocks.list({ actor: operatorActor('t'), reason: 'check' });
    expect(block).toMatchObject({ domain: 'spam.example', severity: 'limit', rejectMedia: true, reason: 'spam waves' });
    const shown = await admin.get('/admin/federation?notice=domain_blocked');
    expect(shown.body).toContain('Server blocked (audited).');
    expect(shown.body).toMatch(
      /<td>spam\.example<\/td><td>Limit · media rejected<\/td><td dir="auto">spam waves<\/td>/,
    );
    // The same block through the admin API's view of it.
    expect((await moderator.get('/admin/federation')).body).toContain('spam.example');

    expect(
      (await moderator.post('/admin/federation/blocks/lift', { domain: 'spam.example', reason: 'x' })).statusCode,
    ).toBe(403);
    const lifted = await admin.post('/admin/federation/blocks/lift', {
      domain: 'spam.example',
      reason: 'they cleaned up',
    });
    expect(lifted.statusCode).toBe(303);
    expect(await ctx.domainBlocks.list({ actor: operatorActor('t'), reason: 'check' })).toHaveLength(0);
    const again = await admin.post('/admin/federation/blocks/lift', { domain: 'spam.example', reason: 'twice' });
    expect(again.statusCode).toBe(404);

    const audit = await ctx.audit.recent(operatorActor('t'), 10);
    expect(audit.map((e) => [e.action, e.subject, e.reason])).toEqual(
      expect.arrayContaining([
        ['federation.domain_block', 'spam.example', 'spam waves'],
        ['federation.domain_unblock', 'spam.example', 'they cleaned up'],
      ]),
    );
    expect((await admin.get('/admin/audit')).body).toContain('blocked the server');
  });

  it.skipIf(skip)('retries one server or all, administrators only, audited', async () => {
    expect((await moderator.post('/admin/federation/retry', { domain: 'flaky.example' })).statusCode).toBe(403);
    const one = await admin.post('/admin/federation/retry', { domain: 'flaky.example' });
    expect(one.statusCode).toBe(303);
    expect(one.headers.location).toBe('/admin/federation?notice=deliveries_retried');
    expect((await admin.post('/admin/federation/retry', {})).statusCode).toBe(303);
    const entries = await ctx.audit.recent(operatorActor('t'), 10, 'federation.retry');
    expect(entries.map((e) => e.subject)).toEqual(['*', 'flaky.example']);
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('the federation console in Chromium (320 px, no script needed)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer('sqlite', { SPARROW_FEDERATION: 'on' });
    await server.ctx.identity.register({
      username: 'root',
      email: 'root@example.test',
      password: PASSWORD,
      role: 'admin',
    });
    await server.ctx.federationOperations.failed('flaky.example', { statusCode: 500 });
  }, 60_000);
  afterAll(async () => server?.close());

  it('an administrator blocks a server and lifts the block from the console', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await (
        await browser.newContext({ viewport: { width: 320, height: 640 }, javaScriptEnabled: false })
      ).newPage();
      await page.goto(`${server.url}/login`);
      await page.fill('input[name="login"]', 'root');
      await page.fill('input[name="password"]', PASSWORD);
      await page.click('form[action="/login"] button');
      await page.goto(`${server.url}/admin`);
      await page.click('nav.sub a[href="/admin/federation"]');
      expect(await page.locator('h1').innerText()).toBe('Federation');
      expect(await page.locator('table').first().innerText()).toContain('flaky.example');
      await page.fill('form[action="/admin/federation/blocks"] input[name="domain"]', 'bad.example');
      await page.check('form[action="/admin/federation/blocks"] input[value="limit"]');
      await page.fill('form[action="/admin/federation/blocks"] input[name="reason"]', 'harassment campaign');
      await page.click('form[action="/admin/federation/blocks"] button');
      expect(await page.locator('p.notice').innerText()).toBe('Server blocked (audited).');
      expect(await page.locator('main').innerText()).toContain('harassment campaign');
      const lift = page.locator('form[action="/admin/federation/blocks/lift"]');
      await lift.locator('input[name="reason"]').fill('resolved');
      await lift.locator('button').click();
      expect(await page.locator('p.notice').innerText()).toBe('Block lifted (audited).');
      expect(await page.locator('main').innerText()).toContain('No server is blocked.');
      // Nothing sticks out of a 320 px screen but the tables, which scroll on their own.
      const overflow = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(320);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
