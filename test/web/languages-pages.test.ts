import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveredMail } from '../../src/mail/dev-mailbox.ts';
import { ENGINES } from '../helpers/context.ts';
import { solvedSignupFields } from '../helpers/sign-up-puzzle.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage, flowIdOf } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';

/** What each page must say in each language, and what it must no longer say in English. */
const EXPECTED = {
  fr: {
    dir: 'ltr',
    signup: [
      'Créez votre compte',
      'M’envoyer un code',
      'Vous avez déjà un compte ? <a href="/login">Connectez-vous</a>.',
    ],
    profile: ['Approuver les abonnés un par un', 'Fuseau horaire', 'Enregistré.'],
    security: ['Changer le mot de passe', 'Codes de récupération', 'Déconnecter partout ailleurs'],
    privacy: ['À quoi peut-il servir ?', 'Connexion et sécurité', 'Permettre de me trouver grâce à lui'],
    sms: ['PIN de publication', 'Ce n’était pas moi', '<a href="/settings/phone">associez d’abord un numéro</a>'],
    profilePage: ['Modifier le profil', 'Aucun post pour l’instant.'],
  },
  sw: {
    dir: 'ltr',
    signup: ['Fungua akaunti yako', 'Nitumie msimbo', 'Tayari una akaunti? <a href="/login">Ingia</a>.'],
    profile: ['Idhinisha wafuasi mwenyewe', 'Saa za eneo', 'Imehifadhiwa.'],
    security: ['Badilisha nenosiri', 'Misimbo ya kurejesha', 'Toka kila mahali pengine'],
    privacy: ['Hii inaweza kutumika kwa nini?', 'Kuingia na usalama', 'Watu wanipate kwa hii'],
    sms: ['PIN ya kuchapisha', 'Haikuwa mimi', '<a href="/settings/phone">unganisha nambari</a>'],
    profilePage: ['Hariri wasifu', 'Bado hakuna machapisho.'],
  },
  ar: {
    dir: 'rtl',
    signup: ['أنشئ حسابك', 'أرسل لي رمزاً', 'لديك حساب؟ <a href="/login">ادخل</a>.'],
    profile: ['وافق على المتابعين يدوياً', 'المنطقة الزمنية', 'حُفظ.'],
    security: ['غيّر كلمة المرور', 'رموز الاسترداد', 'سجّل الخروج من كل مكان آخر'],
    privacy: ['فيمَ يمكن استعماله؟', 'الدخول والأمان', 'دع الناس يجدونني به'],
    sms: ['رمز النشر', 'لم يكن هذا أنا', '<a href="/settings/phone">اربط رقماً</a>'],
    profilePage: ['عدّل الملف الشخصي', 'لا منشورات بعد.'],
  },
} as const;

const ENGLISH_LEFT_OVER = [
  'Create your account',
  'Approve followers by hand',
  'Change password',
  'What may this be used for?',
  'Posting PIN',
  'Sign-in &amp; 2FA',
  'Saved.',
];

describe.each(ENGINES)('account pages and e-mails in each language ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Mail to an address, newest first, once at least `count` arrived (sends run after the answer). */
  async function mailTo(address: string, count = 1): Promise<DeliveredMail[]> {
    for (let i = 0; i < 200; i += 1) {
      const box = h.ctx.devMailbox!.messagesTo(address);
      if (box.length >= count) return box;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no mail to ${address}`);
  }

  it.skipIf(skip).each(['fr', 'sw', 'ar'] as const)(
    'a visitor who chose %s signs up in it: the page, and the code e-mail',
    async (locale) => {
      const want = EXPECTED[locale];
      const visitor = new FormClient(h.app);
      await visitor.get('/login');
      await visitor.post('/language', { language: locale, return: '/signup' });
      const page = await visitor.get('/signup');
      expectGoodPage(page, `/signup in ${locale}`);
      expect(page.body).toContain(`<html lang="${locale}" dir="${want.dir}">`);
      for (const text of want.signup) expect(page.body).toContain(text);
      for (const text of ENGLISH_LEFT_OVER) expect(page.body).not.toContain(text);

      const email = `signup-${locale}@example.test`;
      const sent = await visitor.post('/signup', { email, ...solvedSignupFields(page.body) });
      expect(sent.statusCode).toBe(200);
      expect(sent.body).toContain(`<html lang="${locale}" dir="${want.dir}">`);
      const [mail] = await mailTo(email);
      const code = /(\d{6})/.exec(mail!.subject)![1]!;
      const subjects = { fr: 'Code d’inscription', sw: 'Msimbo wa usajili', ar: 'رمز التسجيل' };
      expect(mail!.subject).toContain(subjects[locale]);
      expect(mail!.text).toContain(code);
      const done = await visitor.post('/signup/finish', {
        flow_id: flowIdOf(sent.body),
        email,
        code,
        username: `new_${locale}`,
        password: PASSWORD,
      });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/home?notice=welcome');
      const welcome = { fr: 'Bienvenue sur Sparrow !', sw: 'Karibu Sparrow!', ar: 'أهلاً بك في سبارو!' };
      expect((await visitor.get('/home?notice=welcome')).body).toContain(welcome[locale]);
    },
    60_000,
  );

  it.skipIf(skip).each(['fr', 'sw', 'ar'] as const)(
    'an account in %s reads its settings, security and privacy pages, and the notices, in it',
    async (locale) => {
      const want = EXPECTED[locale];
      const person = new FormClient(h.app);
      await person.signUp(`settings_${locale}`);
      const account = (await h.ctx.microblog.lookup(`settings_${locale}`))!;
      await h.ctx.sms.languages.setForAccount(account.id, locale);

      const pages: [string, readonly string[]][] = [
        ['/settings/profile?notice=saved', want.profile],
        ['/settings/security', want.security],
        ['/settings/privacy', want.privacy],
        ['/settings/sms', want.sms],
        [`/@settings_${locale}`, want.profilePage],
      ];
      for (const [url, texts] of pages) {
        const page = await person.get(url);
        expectGoodPage(page, `${url} in ${locale}`);
        expect(page.body, url).toContain(`<html lang="${locale}" dir="${want.dir}">`);
        for (const text of texts) expect(page.body, `${url} in ${locale}`).toContain(text);
        for (const text of ENGLISH_LEFT_OVER) expect(page.body, `${url} in ${locale}`).not.toContain(text);
      }
    },
    60_000,
  );

  it.skipIf(skip)(
    'security e-mails go out in the account’s language, whatever page asked',
    async () => {
      const amina = new FormClient(h.app);
      await amina.signUp('amina_ar');
      const account = (await h.ctx.microblog.lookup('amina_ar'))!;
      await h.ctx.sms.languages.setForAccount(account.id, 'ar');
      const email = 'amina_ar@example.test';
      const before = h.ctx.devMailbox!.messagesTo(email).length;

      // The password changes on an Arabic page: the alert is in Arabic.
      await amina.get('/settings/security');
      const changed = await amina.post('/settings/security/password', {
        current_password: PASSWORD,
        new_password: 'another horse battery staple',
      });
      expect(changed.statusCode).toBe(303);
      expect((await amina.get(changed.headers.location as string)).body).toContain(
        'تغيّرت كلمة المرور. سُجّل الخروج من كل الجلسات الأخرى.',
      );
      const [alert] = await mailTo(email, before + 1);
      expect(alert!.subject).toContain('تغيّرت إعدادات التحقق بخطوتين');
      // A left-to-right mark keeps the @ on the left of the Latin name in right-to-left text.
      expect(alert!.text).toContain('تغيّرت حماية دخول \u200e@amina_ar: تغيّرت كلمة المرور.');
      expect(alert!.text).toContain('لا نطلب أبداً');

      // A reset asked from an English page still writes to the owner in Arabic.
      const stranger = new FormClient(h.app);
      await stranger.get('/password_reset');
      const asked = await stranger.post('/password_reset', { target: email });
      expect(asked.body).toContain('<html lang="en" dir="ltr">');
      const [reset] = await mailTo(email, before + 2);
      expect(reset!.subject).toContain('رمز إعادة تعيين كلمة المرور');
      expect(reset!.text).toContain('تنتهي صلاحيته بعد 10 دقائق');
    },
    60_000,
  );

  it.skipIf(skip)(
    'Arabic counts take their six forms on the pages',
    async () => {
      const layla = new FormClient(h.app);
      await layla.signUp('layla_ar');
      const account = (await h.ctx.microblog.lookup('layla_ar'))!;
      await h.ctx.sms.languages.setForAccount(account.id, 'ar');
      const page = await layla.get('/settings/security');
      // No recovery codes yet: the zero form, not "0 codes".
      expect(page.body).toContain('لم يبق أي رمز استرداد غير مستعمل.');
      const { t } = await import('../../src/i18n/index.ts');
      const left = (count: number) => t('ar', 'web.security.recoveryLeft', { count });
      expect(left(1)).toContain('بقي رمز استرداد واحد');
      expect(left(2)).toContain('بقي رمزا استرداد');
      expect(left(3)).toContain('بقيت 3 رموز');
      expect(left(11)).toContain('بقي 11 رمزاً');
      expect(left(100)).toContain('بقي 100 رمز استرداد');
    },
    60_000,
  );
});
