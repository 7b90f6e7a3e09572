import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';
import { parsePriceTable } from '../../src/sms/prices.ts';

const KE = '+254712345671';
const UG = '+256712345672';

describe.each(ENGINES)('web languages and SMS costs ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let dir: string;
  let admin: FormClient;

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'sparrow-prices-'));
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ currency: 'USD', providers: { console: { KE: 0.01, '*': 0.05 } } }));
    h = await smsHarness(engine, { SPARROW_SMS_PRICES_FILE: prices });
    await h.ctx.identity.register({
      username: 'root',
      email: 'root@example.test',
      password: 'correct horse battery staple',
      role: 'admin',
    });
    admin = new FormClient(h.app);
    await admin.logIn('root');
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)(
    'follows the browser’s language, then the switcher (a plain form), right to left for Arabic',
    async () => {
      const swahili = await h.app.inject({ url: '/login', headers: { 'accept-language': 'sw-KE,sw;q=0.9,en;q=0.5' } });
      expect(swahili.body).toContain('<html lang="sw" dir="ltr">');
      expect(swahili.body).toContain('>Jisajili</a>');

      const visitor = new FormClient(h.app);
      const page = await visitor.get('/login');
      expectGoodPage(page, '/login');
      expect(page.body).toContain('<html lang="en" dir="ltr">');
      expect(page.body).toContain('<option value="ar" lang="ar">العربية</option>');
      const switched = await visitor.post('/language', { language: 'ar', return: '/login' });
      expect(switched.statusCode).toBe(303);
      expect(switched.headers.location).toBe('/login');
      const arabic = await visitor.get('/login');
      expectGoodPage(arabic, '/login in Arabic');
      expect(arabic.body).toContain('<html lang="ar" dir="rtl">');
      expect(arabic.body).toContain('>إنشاء حساب</a>');
      expect(arabic.body).toContain('<option value="ar" lang="ar" selected>');

      // Only our languages, only back to a page of ours.
      expect((await visitor.post('/language', { language: 'xx', return: '/' })).statusCode).toBe(422);
      const offsite = await visitor.post('/language', { language: 'fr', return: '//evil.example/' });
      expect(offsite.headers.location).toBe('/');
      // And a form from another site (no token) changes nothing.
      const forged = await visitor.post('/language', { _csrf: null, language: 'pt', return: '/' });
      expect(forged.statusCode).toBe(403);
    },
  );

  it.skipIf(skip)(
    'keeps a signed-in person’s choice on the account: pages, SMS replies and the API follow',
    async () => {
      // Not signed in: the browser keeps the choice, no account changes.
      const visitor = new FormClient(h.app);
      await visitor.get('/login');
      await visitor.post('/language', { language: 'sw', return: '/' });

      const neema = new FormClient(h.app);
      await neema.signUp('neema');
      const account = (await h.ctx.microblog.lookup('neema'))!;
      expect(await h.ctx.sms.languages.ofAccount(account.id)).toBeNull();
      await neema.get('/home');
      expect((await neema.post('/language', { language: 'sw', return: '/home' })).headers.location).toBe('/home');
      expect(await h.ctx.sms.languages.ofAccount(account.id)).toBe('sw');
      const home = await neema.get('/home');
      expect(home.body).toContain('<html lang="sw" dir="ltr">');
      expect(home.body).toContain('>Mipangilio</a>');

      // SMS replies and the API follow the account's choice.
      const me = await h.smsUser('baraka', KE, 'KE');
      await h.ctx.sms.languages.setForAccount(me.id, 'sw');
      await h.text(KE, 'FOLLOW @neema');
      expect((await h.inbox(KE)).at(-1)?.text).toMatch(/^Unamfuata @neema\./);
      const credentials = await h.app.inject({ url: '/api/v1/accounts/verify_credentials', headers: me.auth });
      expect(credentials.json().source.language).toBe('sw');
    },
  );

  it.skipIf(skip)('shows segments and estimated cost per country per day in the admin console', async () => {
    await h.enableCountry('UG');
    await h.ctx.sms.outbox.enqueue([
      { to: KE, country: 'KE', text: 'short', messageClass: 'content', purpose: 'test' },
      { to: KE, country: 'KE', text: 'x'.repeat(200), messageClass: 'content', purpose: 'test' },
      { to: UG, country: 'UG', text: 'habari', messageClass: 'content', purpose: 'test' },
    ]);
    await h.drain();
    const page = await admin.get('/admin/traffic');
    expectGoodPage(page, '/admin/traffic');
    const today = h.clock.now().toISOString().slice(0, 10);
    const row = (country: string) =>
      new RegExp(
        `<tr><td data-day="${today}">[^<]+</td><th scope="row">[^<]*\\(${country}\\)</th><td>console</td><td>(\\d+)</td><td>(\\d+)</td><td class="money">([^<]+)</td></tr>`,
      ).exec(page.body);
    const kenya = row('KE');
    expect(
      kenya,
      page.body.slice(page.body.indexOf('id="costs"'), page.body.indexOf('id="costs"') + 1500),
    ).not.toBeNull();
    const [, messages, segments, cost] = kenya!;
    // Each kind of message counts: the code and replies sent while linking, plus the two above (1 + 2 segments).
    expect(Number(segments)).toBeGreaterThanOrEqual(Number(messages) + 1);
    // Costs in the table's currency, written the reader's way (Intl): $0.0300 in English.
    expect(cost).toBe(`$${(Number(segments) * 0.01).toFixed(4)}`);
    const uganda = row('UG');
    expect(uganda?.[3]).toBe(`$${(Number(uganda?.[2]) * 0.05).toFixed(4)}`);
  });

  it('reads price tables and says what is wrong with a bad one', () => {
    const table = parsePriceTable(
      JSON.stringify({ currency: 'KES', providers: { africastalking: { KE: 0.8, '*': 3 }, '*': { UG: 2.5 } } }),
    );
    expect(table.perSegment('africastalking', 'KE')).toBe(0.8);
    expect(table.perSegment('africastalking', 'TZ')).toBe(3);
    expect(table.perSegment('twilio', 'UG')).toBe(2.5);
    expect(table.perSegment('twilio', 'NG')).toBeNull();
    expect(() => parsePriceTable('{')).toThrow(/not valid JSON/);
    expect(() => parsePriceTable('{"currency":"dollars","providers":{}}')).toThrow(/currency/);
    expect(() => parsePriceTable('{"currency":"USD","providers":{"x":{"Kenya":1}}}')).toThrow(/providers\.x\.Kenya/);
    expect(() => parsePriceTable('{"currency":"USD","providers":{"x":{"KE":-1}}}')).toThrow(/zero or more/);
  });
});
