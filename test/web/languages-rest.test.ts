import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/app/http-server.ts';
import { KyselyAuthStore } from '../../src/store/auth-store.ts';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';
const CHROMIUM = '/usr/bin/chromium';

/** What the federation console must say in each language once a server is blocked. */
const FEDERATION = {
  fr: {
    dir: 'ltr',
    says: [
      '<h1>Fédération</h1>',
      'Fédération active sous le nom <strong>sparrow.example</strong>.',
      '<h2>File d’attente</h2>',
      '<th scope="col">Échecs d’affilée</th>',
      '<td>flaky.example</td><td>En échec</td>',
      'aria-label="Envois par serveur (défile horizontalement sur les écrans étroits)"',
      '<td>spam.example</td><td>Limiter · médias refusés</td>',
      '<h3>Bloquer un serveur</h3>',
      '<button>Réessayer maintenant</button>',
      'Serveur bloqué (journalisé).',
    ],
    badDomain: 'Le domaine doit être un nom d’hôte comme example.social',
  },
  sw: {
    dir: 'ltr',
    says: [
      '<h1>Shirikisho</h1>',
      '<h2>Foleni</h2>',
      '<th scope="col">Makosa mfululizo</th>',
      '<td>flaky.example</td><td>Inashindwa</td>',
      '<td>spam.example</td><td>Weka mipaka · picha na video zinakataliwa</td>',
      '<h3>Zuia seva</h3>',
      'Seva imezuiwa (imerekodiwa).',
    ],
    badDomain: 'Kikoa lazima kiwe jina la seva kama example.social',
  },
  ar: {
    dir: 'rtl',
    says: [
      '<h2>قائمة الانتظار</h2>',
      '<th scope="col">إخفاقات متتالية</th>',
      '<td>flaky.example</td><td>يُخفق</td>',
      '<td>spam.example</td><td>تقييد · الوسائط مرفوضة</td>',
      '<h3>حظر خادم</h3>',
      '<button>احظر</button>',
      'حُظر الخادم (مسجّل).',
    ],
    badDomain: 'يجب أن يكون النطاق اسم خادم مثل example.social',
  },
} as const;

const ENGLISH = ['Due now', 'Failures in a row', 'Block a server', 'Retry now', 'media rejected', 'Severity'];

/**
 * What the two branches that converted the pages left: the federation console, coded domain
 * failures on account and social forms, the page scripts' words and POST /language's refusal,
 * in French, Swahili and Arabic, on both engines.
 */
describe.each(ENGINES)('the rest of the pages in the reader’s language ($label)', ({ name: engine, skip }) => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let admin: FormClient;
  let user: FormClient;

  const speak = async (client: FormClient, language: string) => {
    await client.get('/home');
    expect((await client.post('/language', { language, return: '/home' })).statusCode).toBe(303);
  };

  beforeAll(async () => {
    if (skip) return;
    ctx = await testContext(engine, { SPARROW_FEDERATION: 'on', SPARROW_PUBLIC_URL: 'https://sparrow.example' });
    app = await buildServer(ctx);
    await app.ready();
    for (const [username, role] of [
      ['chef', 'admin'],
      ['amina', 'user'],
    ] as const)
      await ctx.identity.register({ username, email: `${username}@example.test`, password: PASSWORD, role });
    admin = new FormClient(app);
    await admin.logIn('chef');
    user = new FormClient(app);
    await user.logIn('amina');
    await ctx.federationOperations.failed('flaky.example', { statusCode: 503 });
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.dispose();
  });

  it.skipIf(skip)('shows the federation console in French, Swahili and Arabic', async () => {
    const fields = { domain: 'spam.example', severity: 'limit', reject_media: 'on', reason: 'spam' };
    for (const locale of ['fr', 'sw', 'ar'] as const) {
      const want = FEDERATION[locale];
      await speak(admin, locale);
      // A refused block says why in the reader's language (a coded domain failure).
      const bad = await admin.post('/admin/federation/blocks', { ...fields, domain: 'not a domain' });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toContain(want.badDomain);
      const blocked = await admin.post('/admin/federation/blocks', fields);
      expect(blocked.statusCode).toBe(303);
      const page = await admin.get(blocked.headers.location as string);
      expectGoodPage(page, `/admin/federation in ${locale}`);
      expect(page.body).toContain(`<html lang="${locale}" dir="${want.dir}">`);
      for (const text of want.says) expect(page.body, locale).toContain(text);
      const main = page.body.slice(page.body.indexOf('<main'), page.body.indexOf('</main>'));
      for (const text of ENGLISH) expect(main, `${locale}: ${text}`).not.toContain(text);
      // Lifted again, so the next language blocks it afresh.
      expect(
        (await admin.post('/admin/federation/blocks/lift', { domain: 'spam.example', reason: 'ok' })).statusCode,
      ).toBe(303);
    }
  });

  it.skipIf(skip)('describes SMS pumping alerts in the reader’s language, Kenya by its name', async () => {
    const alerts = new KyselyAuthStore(ctx.store.db);
    const now = ctx.clock.now();
    await alerts.addAlert({
      id: '900000000000000001',
      kind: 'sms_flood',
      scope: 'country:KE',
      details: { requests: 40, window_seconds: 600, limit: 30, throttled_until: now.toISOString() },
      createdAt: now,
      acknowledgedAt: null,
    });
    await alerts.addAlert({
      id: '900000000000000002',
      kind: 'low_completion_rate',
      scope: 'prefix:+2547123',
      details: { completed: 1, issued: 30, window_minutes: 3 },
      createdAt: now,
      acknowledgedAt: null,
    });
    await speak(admin, 'fr');
    const fr = await admin.get('/admin/alerts');
    expect(fr.body).toMatch(
      /Afflux de demandes de code vers Kenya : 40 en 600 s \(limite 30\) ; codes vers de nouveaux numéros à cette destination bloqués jusqu’à <time /,
    );
    expect(fr.body).toContain(
      'Codes vers tranche de numéros +2547123… pour la plupart inutilisés : 1 utilisés sur 30 en 3 min',
    );
    expect(fr.body).not.toContain('Flood of code requests');
    await speak(admin, 'ar');
    const ar = await admin.get('/admin/alerts');
    expect(ar.body).toContain('سيل من طلبات الرموز نحو كينيا');
    // Three minutes take Arabic's "few" form.
    expect(ar.body).toContain(`خلال ${new Intl.NumberFormat('ar').format(3)} دقائق`);
    expect(ar.body).not.toContain('mostly unused');
  });

  it.skipIf(skip)('shows coded failures of the settings and social forms in French', async () => {
    await speak(user, 'fr');
    const pin = await user.post('/settings/sms/pin', { pin: '12' });
    expect(pin.statusCode).toBe(422);
    expect(pin.body).toContain('Le code PIN doit compter de 4 à 8 chiffres');
    expect(pin.body).not.toContain('The PIN must be 4 to 8 digits');
    const blank = await user.post('/posts', { status: '   ' });
    expect(blank.statusCode).toBe(422);
    expect(blank.body).toContain('Le texte ne peut pas être vide');
    expect(blank.body).not.toContain('Text can’t be blank');
    // The language switcher's refusal, in the language the page was in.
    const unknown = await user.post('/language', { language: 'xx', return: '/home' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toBe('Langue inconnue');
  });

  it.skipIf(skip)('gives the character counter its words in every plural form of the page’s language', async () => {
    await speak(user, 'sw');
    const sw = await user.get('/home');
    expect(sw.body).toContain('data-left-one="Imebaki herufi #"');
    expect(sw.body).toContain('data-left-other="Zimebaki herufi #"');
    expect(sw.body).not.toContain('characters left');
    await speak(user, 'ar');
    const ar = await user.get('/home');
    // Arabic: all six forms; "one" and "two" write no number.
    for (const form of [
      'data-left-zero="لم يبق أي حرف"',
      'data-left-one="بقي حرف واحد"',
      'data-left-two="بقي حرفان"',
      'data-left-few="بقيت # أحرف"',
      'data-left-many="بقي # حرفًا"',
      'data-left-other="بقي # حرف"',
    ])
      expect(ar.body).toContain(form);
    await speak(user, 'en');
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the page scripts speak the page’s language in Chromium', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer('sqlite');
    await server.ctx.identity.register({ username: 'juma', email: 'juma@example.test', password: PASSWORD });
  }, 60_000);
  afterAll(async () => server?.close());

  it('counts the characters left in Swahili as one types', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await (await browser.newContext({ viewport: { width: 320, height: 640 } })).newPage();
      await page.goto(`${server.url}/login`);
      await page.fill('input[name="login"]', 'juma');
      await page.fill('input[name="password"]', PASSWORD);
      await page.click('form[action="/login"] button');
      await page.selectOption('#language-choice', 'sw');
      await page.click('form[action="/language"] button');
      await page.goto(`${server.url}/home`);
      const max = Number(await page.locator('#status').getAttribute('data-max'));
      await page.fill('#status', 'Habari');
      await page.locator('#status').dispatchEvent('input');
      expect(await page.locator('.counter').first().innerText()).toBe(`Zimebaki herufi ${String(max - 6)}`);
      await page.fill('#status', 'x'.repeat(max - 1));
      await page.locator('#status').dispatchEvent('input');
      expect(await page.locator('.counter').first().innerText()).toBe('Imebaki herufi 1');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
