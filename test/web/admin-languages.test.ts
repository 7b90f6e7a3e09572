import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

const KE = '+254712345681';
const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://client.example/callback';

/**
 * The admin console, the OAuth pages, the phone simulator and the failures the domain
 * reports, in the reader's language (French, Swahili, Arabic right to left), on both engines.
 */
describe.each(ENGINES)(
  'admin, OAuth, simulator and domain errors in six languages ($label)',
  ({ name: engine, skip }) => {
    let h: SmsHarness;
    let dir: string;
    let admin: FormClient;
    let moderator: FormClient;
    let clientId: string;

    /** Switches a signed-in client's language with the footer form (it sets the account's choice). */
    const speak = async (client: FormClient, language: string) => {
      await client.get('/home');
      expect((await client.post('/language', { language, return: '/home' })).statusCode).toBe(303);
    };

    beforeAll(async () => {
      if (skip) return;
      dir = mkdtempSync(join(tmpdir(), 'sparrow-admin-lang-'));
      const prices = join(dir, 'prices.json');
      writeFileSync(prices, JSON.stringify({ currency: 'USD', providers: { console: { KE: 0.01, '*': 0.05 } } }));
      h = await smsHarness(engine, { SPARROW_SMS_PRICES_FILE: prices });
      for (const [username, role] of [
        ['chef', 'admin'],
        ['garde', 'moderator'],
      ] as const)
        await h.ctx.identity.register({ username, email: `${username}@example.test`, password: PASSWORD, role });
      admin = new FormClient(h.app);
      await admin.logIn('chef');
      moderator = new FormClient(h.app);
      await moderator.logIn('garde');
      await h.enableCountry('KE');
      await h.ctx.sms.outbox.enqueue([
        { to: KE, country: 'KE', text: 'x'.repeat(200), messageClass: 'content', purpose: 'test' },
      ]);
      await h.drain();
      const registered = await h.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        payload: { client_name: 'Soko App', redirect_uris: REDIRECT, scopes: 'read write read:statuses' },
      });
      clientId = registered.json().client_id;
    });
    afterAll(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.skipIf(skip)(
      'shows the SMS costs page in French, Swahili and Arabic, numbers and days the reader’s way',
      async () => {
        const today = h.clock.now().toISOString().slice(0, 10);
        const day = (locale: string) =>
          new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
            new Date(`${today}T00:00:00Z`),
          );
        const money = (locale: string) =>
          new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 4 }).format(0.02);
        const cases = [
          ['fr', 'ltr', 'Segments et coût estimé par pays et par jour', 'Coût estimé', 'Trafic SMS', 'Kenya'],
          [
            'sw',
            'ltr',
            'Sehemu za SMS na gharama inayokadiriwa kwa kila nchi kwa siku',
            'Gharama inayokadiriwa',
            'Trafiki ya SMS',
            'Kenya',
          ],
          ['ar', 'rtl', 'الأجزاء والتكلفة التقديرية لكل بلد في كل يوم', 'التكلفة التقديرية', 'حركة الرسائل', 'كينيا'],
        ] as const;
        for (const [locale, dir, heading, column, nav, kenya] of cases) {
          await speak(admin, locale);
          const page = await admin.get('/admin/traffic');
          expectGoodPage(page, `/admin/traffic in ${locale}`);
          expect(page.body).toContain(`<html lang="${locale}" dir="${dir}">`);
          expect(page.body).toContain(`<h2 id="costs">${heading}</h2>`);
          expect(page.body).toContain(`<th scope="col">${column}</th>`);
          expect(page.body).toContain(`>${nav}</a>`);
          // The 200-character text is two segments at 0.01 USD: written with Intl in the reader's language.
          expect(page.body).toContain(
            `<tr><td data-day="${today}">${day(locale)}</td><th scope="row">${kenya} (KE)</th><td>console</td><td>1</td><td>2</td><td class="money">${money(locale)}</td></tr>`,
          );
          expect(page.body).not.toContain('Estimated cost');
          expect(page.body).not.toContain('Delivery by provider');
        }
        expect(money('fr')).toMatch(/^0,0200/);
      },
    );

    it.skipIf(skip)(
      'translates every console page, audit sentences with their links, and plurals in Arabic',
      async () => {
        await speak(admin, 'fr');
        const confirm = await admin.post('/admin/sms/kill-switch', { enabled: 'on', reason: 'Test de panne' });
        expect(confirm.body).toContain('Activer la coupure d’urgence ?');
        expect(confirm.body).toContain('Oui, l’activer');
        const on = await admin.post('/admin/sms/kill-switch', {
          enabled: 'on',
          reason: 'Test de panne',
          confirm: 'yes',
        });
        expect(on.headers.location).toBe('/admin/sms?notice=kill_on');
        const policy = await admin.get('/admin/sms?notice=kill_on');
        expect(policy.body).toContain('Coupure d’urgence ACTIVE : aucun SMS de contenu n’est envoyé ni traité.');
        expect(policy.body).toContain('Coupure d’urgence : ACTIVE — aucun SMS de contenu');
        expect(policy.body).toMatch(
          /Dernier changement <time [^>]+>[^<]+<\/time> par <a href="\/admin\/users\?q=chef">@chef<\/a> : « Test de panne »/,
        );
        await admin.post('/admin/sms/kill-switch', { enabled: 'off', reason: 'Fin du test', confirm: 'yes' });
        const audit = await admin.get('/admin/audit');
        expectGoodPage(audit, '/admin/audit in French');
        expect(audit.body).toMatch(
          /<strong><a href="\/admin\/users\?q=chef">@chef<\/a><\/strong> a activé la coupure d’urgence des SMS/,
        );
        expect(audit.body).toContain('Motif : « Test de panne »');

        for (const [url, text] of [
          ['/admin/users?q=garde', 'Rôle : modérateur'],
          ['/admin/signups', 'Personne n’attend.'],
          ['/admin/reports', 'Aucun signalement ouvert.'],
          ['/admin/alerts', 'Pompage de SMS : afflux et codes jamais utilisés'],
        ] as const) {
          const page = await admin.get(url);
          expectGoodPage(page, `${url} in French`);
          expect(page.body).toContain(text);
        }

        await speak(admin, 'sw');
        const users = await admin.get('/admin/users?q=garde');
        expect(users.body).toContain('Jukumu: msimamizi wa maudhui');
        expect(users.body).toContain('Simamisha @garde');
        expect((await admin.get('/admin/sms')).body).toContain('Swichi ya dharura: imezimwa');

        await speak(admin, 'ar');
        const arabic = await admin.get('/admin/audit');
        expect(arabic.body).toContain('<html lang="ar" dir="rtl">');
        // Three entries (kill switch on, off, and the policy the harness set): Arabic's "few" form.
        const entries = (arabic.body.match(/<li><p>/g) ?? []).length;
        expect(entries).toBe(3);
        expect(arabic.body).toContain('آخر 3 إجراءات للطاقم والمشغّلين، الأحدث أولاً.');
        expect(arabic.body).toMatch(
          /فعّل <strong><a href="\/admin\/users\?q=chef">@chef<\/a><\/strong> مفتاح الإيقاف الطارئ للرسائل/,
        );
        const user = await admin.get('/admin/users?q=garde');
        expect(user.body).toContain('الدور: مشرف');
        expect(user.body).toContain('لا منشورات');
      },
    );

    it.skipIf(skip)(
      'shows a refusal on a web form in the reader’s language, with the status of the one table',
      async () => {
        await speak(admin, 'fr');
        // An empty reason: the domain refuses (invalid), the form page says why in French.
        const empty = await admin.post('/admin/sms/kill-switch', { enabled: 'on', reason: '' });
        expect(empty.statusCode).toBe(422);
        expect(empty.body).toContain(
          '<p class="error" role="alert">Un motif est obligatoire pour le journal d’audit</p>',
        );
        await speak(admin, 'sw');
        const swahili = await admin.post('/admin/sms/kill-switch', { enabled: 'on', reason: '' });
        expect(swahili.body).toContain('Sababu inahitajika kwa kumbukumbu ya ukaguzi');

        // A moderator may not set country policy: the permission policy's refusal, in Arabic, as a 403 page.
        await speak(moderator, 'ar');
        const refused = await moderator.post('/admin/sms/policy', { country: 'UG', posting: 'on', reason: 'x' });
        expect(refused.statusCode).toBe(403);
        expect(refused.body).toContain('هذا الإجراء للمديرين فقط');
        expect(refused.body).toContain('<h1>ممنوع</h1>');

        // The Mastodon API keeps English errors whatever the browser asks for (apps match on them).
        const app = await h.user('apiuser');
        const api = await h.app.inject({
          method: 'POST',
          url: '/api/v1/statuses',
          headers: { ...app.auth, 'accept-language': 'fr' },
          payload: { status: '   ' },
        });
        expect(api.statusCode).toBe(422);
        expect(api.json().error).toBe('Text can’t be blank');
      },
    );

    it.skipIf(skip)('answers a French texter’s refused command in French, and a Swahili one in Swahili', async () => {
      const amadou = await h.smsUser('amadou', '+254712345682', 'KE');
      await h.ctx.sms.languages.setForAccount(amadou.id, 'fr');
      await h.text('+254712345682', 'FOLLOW @amadou');
      // Folded for the phone (ê → e), the domain's refusal in the texter's language.
      expect((await h.inbox('+254712345682')).at(-1)?.text).toBe(
        'Non publié : Vous ne pouvez pas vous suivre vous-meme',
      );

      const neema = await h.smsUser('neema', '+254712345683', 'KE');
      await h.ctx.sms.languages.setForAccount(neema.id, 'sw');
      await h.text('+254712345683', 'FOLLOW @neema');
      expect((await h.inbox('+254712345683')).at(-1)?.text).toMatch(/Huwezi kujifuata mwenyewe$/);
    });

    it.skipIf(skip)('shows the OAuth consent page with scopes in French, Swahili and Arabic', async () => {
      const query = new URLSearchParams({
        client_id: clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'read read:statuses',
      });
      const get = (language: string, q: URLSearchParams = query) =>
        h.app.inject({ url: `/oauth/authorize?${q}`, headers: { 'accept-language': language } });
      const fr = await get('fr-FR,fr;q=0.9');
      expectGoodPage(fr, '/oauth/authorize in French');
      expect(fr.body).toContain('<h1>Connectez-vous pour autoriser Soko App</h1>');
      expect(fr.body).toContain('<strong dir="auto">Soko App</strong> demande à :');
      expect(fr.body).toContain('<li>lire vos messages, fils, notifications et les détails de votre compte</li>');
      expect(fr.body).toContain('<li>Lire : messages</li>');
      expect(fr.body).toContain('>Se connecter et autoriser</button>');
      const sw = await get('sw');
      expect(sw.body).toContain('Ingia ili kuidhinisha Soko App');
      expect(sw.body).toContain('<li>Kusoma: machapisho</li>');
      const ar = await get('ar');
      expect(ar.body).toContain('<html lang="ar" dir="rtl">');
      expect(ar.body).toContain('سجّل الدخول لتفويض Soko App');
      expect(ar.body).toContain('<li>قراءة: المنشورات</li>');

      // A wrong password, and an app this server does not know, in the reader's language.
      const wrong = await h.app.inject({
        method: 'POST',
        url: '/oauth/authorize',
        headers: { 'accept-language': 'fr', 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${query}&login=chef&password=nope&decision=approve`,
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toContain('E-mail, nom d’utilisateur ou mot de passe incorrect.');
      const unknown = new URLSearchParams(query);
      unknown.set('client_id', 'nobody');
      const failed = await get('sw', unknown);
      expect(failed.statusCode).toBe(400);
      expect(failed.body).toContain('<h1>Idhini imeshindwa</h1>');
      expect(failed.body).toContain('Programu hii haijasajiliwa kwenye seva hii (client_id haijulikani).');
      expect(failed.body).toContain('<code>invalid_client</code>');
    });

    it.skipIf(skip)(
      'runs the phone simulator, its USSD mode and the dev mailbox in French, Swahili and Arabic',
      async () => {
        const visitor = new FormClient(h.app);
        for (const [language, title, send, ussd, dir] of [
          ['fr', 'Simulateur de téléphone', 'Envoyer', 'Composer *384*123#', 'ltr'],
          ['sw', 'Kiigaji cha simu', 'Tuma', 'Piga *384*123#', 'ltr'],
          ['ar', 'محاكي الهاتف', 'إرسال', 'اطلب *384*123#', 'rtl'],
        ] as const) {
          await visitor.get('/dev/phone');
          await visitor.post('/language', { language, return: '/dev/phone' });
          const phone = await visitor.get(`/dev/phone?number=${encodeURIComponent(KE)}`);
          expectGoodPage(phone, `/dev/phone in ${language}`);
          expect(phone.body).toContain(`<html lang="${language}" dir="${dir}">`);
          expect(phone.body).toContain(`<h1>${title}</h1>`);
          expect(phone.body).toContain(`>${send}</button>`);
          const dial = await visitor.get(`/dev/phone/ussd?number=${encodeURIComponent(KE)}`);
          expect(dial.body).toContain(`<button>${ussd}</button>`);
        }
        // The 200-character text to KE shows its two segments, in Arabic's dual.
        const arabic = await visitor.get(`/dev/phone?number=${encodeURIComponent(KE)}`);
        expect(arabic.body).toContain('جزآن');
        await visitor.post('/language', { language: 'sw', return: '/dev/mail' });
        const mail = await visitor.get('/dev/mail?to=nobody%40example.test');
        expect(mail.body).toContain('Bado hakuna ujumbe kwa nobody@example.test.');
      },
    );
  },
);
