import { IntlMessageFormat } from 'intl-messageformat';
import { SegmentedMessage } from 'sms-segments-calculator';
import { describe, expect, it } from 'vitest';
import { LOCALES, messageIds, t, detectLanguage, direction, fromAcceptLanguage } from '../../src/i18n/index.ts';
import { ar } from '../../src/i18n/locales/ar.ts';
import { en } from '../../src/i18n/locales/en.ts';
import { fr } from '../../src/i18n/locales/fr.ts';
import { ha } from '../../src/i18n/locales/ha.ts';
import { pt } from '../../src/i18n/locales/pt.ts';
import { sw } from '../../src/i18n/locales/sw.ts';
import { parseSmsCommand } from '../../src/sms/commands.ts';
import { fitsUssdScreen } from '../../src/sms/ussd.ts';

const CATALOGUES = { en, fr, sw, pt, ha, ar };

/** Values of ordinary length for every placeholder the catalogues use. */
const SAMPLE = {
  web: 'https://sparrow.example',
  username: 'amina_wanjiru',
  length: 312,
  max: 280,
  why: 'the post is empty',
  usage: 'FOLLOW @user',
  code: '123456',
  name: ' (Amina W)',
  bio: ' Farmer',
  posts: 11,
  followers: 2,
  following: 5,
  kind: 'follow_request',
  instance: 'Sparrow Kenya',
};

describe('message catalogues', () => {
  it('every language has every message, each valid ICU MessageFormat with the same placeholders as English', () => {
    // The arguments a message reads, from its parsed form (plural and select branches included).
    const placeholders = (message: string): string[] => {
      const names = new Set<string>();
      const walk = (elements: unknown[]) => {
        for (const element of elements as {
          type: number;
          value?: unknown;
          options?: Record<string, { value: unknown[] }>;
        }[]) {
          if (element.type >= 1 && element.type <= 6 && typeof element.value === 'string') names.add(element.value);
          for (const option of Object.values(element.options ?? {})) walk(option.value);
        }
      };
      walk(new IntlMessageFormat(message, 'en').getAst() as unknown[]);
      return [...names].sort();
    };
    for (const [locale, catalogue] of Object.entries(CATALOGUES)) {
      expect(Object.keys(catalogue).sort(), locale).toEqual(Object.keys(en).sort());
      for (const id of messageIds()) {
        expect(() => new IntlMessageFormat(catalogue[id], locale), `${locale} ${id}`).not.toThrow();
        // A translation may drop a detail, but never invents a placeholder nobody fills.
        for (const name of placeholders(catalogue[id])) {
          expect(placeholders(en[id]), `${locale} ${id} uses {${name}}`).toContain(name);
        }
      }
    }
  });

  // Each SMS reply is checked in each language with both answers of every choice in it.
  const variants = (id: string) =>
    id.includes('followed') || id.includes('followRequested') || id === 'ussd.textsState'
      ? [
          { textsOn: true, on: true },
          { textsOn: false, on: false },
        ]
      : [{ textsOn: true, on: true }];

  it.each(LOCALES.filter((l) => l !== 'ar'))(
    'SMS replies in %s are GSM-7 (after folding) and fit one segment',
    (locale) => {
      for (const id of messageIds().filter((m) => m.startsWith('sms.'))) {
        for (const extra of variants(id)) {
          const text = t(locale, id, { ...SAMPLE, ...extra }, 'phone');
          const message = new SegmentedMessage(text);
          expect(message.encodingName, `${locale} ${id}: ${text}`).toBe('GSM-7');
          expect(message.segmentsCount, `${locale} ${id}: ${text}`).toBe(1);
        }
      }
    },
  );

  it('SMS replies in Arabic are UCS-2 (no GSM-7 alphabet for Arabic) and fit two segments, most one', () => {
    const two: string[] = [];
    for (const id of messageIds().filter((m) => m.startsWith('sms.'))) {
      for (const extra of variants(id)) {
        const text = t('ar', id, { ...SAMPLE, ...extra }, 'phone');
        const message = new SegmentedMessage(text);
        expect(message.encodingName, id).toBe('UCS-2');
        expect(message.segmentsCount, `${id}: ${text}`).toBeLessThanOrEqual(2);
        if (message.segmentsCount === 2) two.push(id);
      }
    }
    expect(two.sort()).toEqual(['sms.help', 'sms.notLinked']);
  });

  it.each(LOCALES)(
    'USSD screens in %s fit one page (182 GSM-7 or 80 UCS-2 characters) with their Back line',
    (locale) => {
      for (const id of messageIds().filter((m) => m.startsWith('ussd.'))) {
        for (const extra of variants(id)) {
          const text = `${t(locale, id, { ...SAMPLE, ...extra }, 'phone')}\n${t(locale, 'ussd.back', {}, 'phone')}`;
          expect(fitsUssdScreen(text), `${locale} ${id}: ${text}`).toBe(true);
        }
      }
    },
  );

  it('plurals follow each language: one/other in English and French, six forms in Arabic', () => {
    const whois = (locale: 'en' | 'fr' | 'ar', posts: number) =>
      t(locale, 'sms.whois', { ...SAMPLE, bio: '', name: '', posts, followers: 1 });
    expect(whois('en', 1)).toBe('@amina_wanjiru: 1 post, 1 follower, 5 following.');
    expect(whois('en', 2)).toContain('2 posts');
    expect(whois('fr', 1)).toContain('1 post, 1 abonné');
    expect(whois('fr', 0)).toContain('0 post,'); // French counts 0 as singular
    expect(whois('ar', 0)).toContain('لا منشورات');
    expect(whois('ar', 1)).toContain('منشور واحد');
    expect(whois('ar', 2)).toContain('منشوران');
    expect(whois('ar', 3)).toContain('3 منشورات');
    expect(whois('ar', 11)).toContain('11 منشوراً');
    expect(whois('ar', 100)).toContain('100 منشور،');
  });

  it('folds only for phones: pages keep every accent', () => {
    expect(t('pt', 'sms.noSuchUser', { username: 'x' })).toBe('Não existe a conta @x.');
    expect(t('pt', 'sms.noSuchUser', { username: 'x' }, 'phone')).toBe('Nao existe a conta @x.');
    expect(t('fr', 'sms.stopped', {}, 'phone')).toContain('Répondez'); // é is GSM-7 and stays
    expect(t('ha', 'ussd.more', {}, 'phone')).toBe('98 Kari');
  });

  it('knows the writing direction and reads Accept-Language', () => {
    expect(direction('ar')).toBe('rtl');
    expect(direction('sw')).toBe('ltr');
    expect(fromAcceptLanguage('de-DE,sw-KE;q=0.9,en;q=0.8')).toBe('sw');
    expect(fromAcceptLanguage('en;q=0.1, fr;q=0.5')).toBe('fr');
    expect(fromAcceptLanguage('de, nl')).toBeNull();
    expect(fromAcceptLanguage('ar;q=0')).toBeNull();
  });
});

describe('command words in each language', () => {
  it.each([
    ['SUIVRE @bob', { kind: 'follow', username: 'bob' }],
    ['suivre @bob', { kind: 'follow', username: 'bob' }],
    ['AIDE', { kind: 'help' }],
    ['ARRÊT', { kind: 'stop' }],
    ['FUATA @bob', { kind: 'follow', username: 'bob' }],
    ['FUATA bob', { kind: 'follow', username: 'bob' }],
    ['Msaada', { kind: 'help' }],
    ['SIMAMA', { kind: 'stop' }],
    ['ZIMA', { kind: 'notifications', on: false, username: null }],
    ['SEGUIR @bob', { kind: 'follow', username: 'bob' }],
    ['Ajuda', { kind: 'help' }],
    ['DESLIGAR @bob', { kind: 'notifications', on: false, username: 'bob' }],
    ['BI @bob', { kind: 'follow', username: 'bob' }],
    ['TAIMAKO', { kind: 'help' }],
    ['تابع @bob', { kind: 'follow', username: 'bob' }],
    ['RÉPONDRE @bob merci', { kind: 'replyTo', username: 'bob', text: 'merci' }],
    ['JIBU bob asante', { kind: 'replyTo', username: 'bob', text: 'asante' }],
    ['Responder @bob obrigado', { kind: 'replyTo', username: 'bob', text: 'obrigado' }],
    ['Amsa @bob na gode', { kind: 'replyTo', username: 'bob', text: 'na gode' }],
    ['رد @bob شكرا', { kind: 'replyTo', username: 'bob', text: 'شكرا' }],
    ['مساعدة', { kind: 'help' }],
    ['توقف', { kind: 'stop' }],
  ])('%s is a command', (text, expected) => {
    expect(parseSmsCommand(text)).toEqual(expected);
  });

  // Ordinary sentences that start with a command word: each must stay a post.
  it.each([
    'Suivre le guide jusqu’au marché',
    'Aide ta mère ce soir',
    'Qui vient demain ?',
    'Voir Naples et mourir',
    'Effacer le tableau avant midi',
    'Activer la pompe à 6h',
    'Fuata njia hii hadi sokoni',
    'Msaada wako ni muhimu sana',
    'Acha mchezo bwana',
    'Nani anakuja kesho?',
    'Pata chai kwanza',
    'Futa meza tafadhali',
    'Zima taa ukitoka',
    'Washa redio saa mbili',
    'Seguir em frente sempre',
    'Ajuda a tua mãe hoje',
    'Ver para crer',
    'Quem vem amanhã?',
    'Deixar o carro na garagem',
    'Ligar o forno às 7',
    'Bi hanya zuwa kasuwa',
    'Tsaya a nan kadan',
    'Samu lafiya',
    'Kunna rediyo',
    'Kashe wuta idan ka fita',
    'Fara aiki gobe',
    'تابع الأخبار اليوم',
    'مساعدة الجيران واجب',
    'توقف المطر أخيرا',
    'تعريف الحرية صعب',
    'Répondre à tous, c’est poli',
    'Repondre vite svp',
    'Jibu langu ni ndiyo',
    'Jibu ANZA kuendelea',
    'Responder depois do almoço',
    'Amsa ta gaskiya ce',
    'Amsa FARA don komawa',
    'رد الجميل واجب',
    'Reply soon please',
    'Reply to @bob when you can',
    'ON my way home',
    'Stop by the market later',
  ])('"%s" is a post', (text) => {
    expect(parseSmsCommand(text)).toEqual({ kind: 'post', text });
  });
});

describe('telling the language of a text', () => {
  it.each([
    ['Bonjour, je suis au marché avec les enfants', 'fr'],
    ['Habari za leo? Mimi niko sokoni na watoto', 'sw'],
    ['Olá, hoje não vou ao mercado com a minha mãe', 'pt'],
    ['Sannu, ina zuwa kasuwa yau da yamma', 'ha'],
    ['مرحبا، أنا في السوق اليوم', 'ar'],
    ['Hello, the market is busy and I will be late', 'en'],
  ] as const)('%s → %s', (text, locale) => {
    expect(detectLanguage(text)).toBe(locale);
  });

  it('says nothing when a text is too short or mixed to tell', () => {
    expect(detectLanguage('ok')).toBeNull();
    expect(detectLanguage('4071')).toBeNull();
    expect(detectLanguage('Habari')).toBeNull();
  });
});
