import type { Locale } from './locales.ts';

/**
 * Very common short words of each language (function words and greetings), for telling the
 * language of a text message. Words shared between languages are left out.
 */
const MARKERS: Record<Exclude<Locale, 'ar'>, readonly string[]> = {
  en: [
    'the',
    'and',
    'is',
    'are',
    'you',
    'i',
    'my',
    'to',
    'of',
    'it',
    'this',
    'that',
    'with',
    'hello',
    'thanks',
    'was',
    'will',
    'have',
  ],
  fr: [
    'le',
    'la',
    'les',
    'et',
    'est',
    'je',
    'tu',
    'vous',
    'nous',
    'un',
    'une',
    'des',
    'du',
    'pour',
    'avec',
    'bonjour',
    'merci',
    'pas',
    'dans',
    'sur',
    'suis',
    "c'est",
    'il',
    'elle',
    'au',
    'aux',
    'mon',
    'ma',
  ],
  sw: [
    'na',
    'ya',
    'wa',
    'kwa',
    'ni',
    'za',
    'la',
    'habari',
    'asante',
    'sana',
    'leo',
    'hii',
    'huu',
    'yangu',
    'wewe',
    'mimi',
    'katika',
    'kwenye',
    'jambo',
    'karibu',
    'nzuri',
    'sasa',
    'kesho',
    'lakini',
  ],
  pt: [
    'o',
    'os',
    'as',
    'que',
    'não',
    'nao',
    'é',
    'um',
    'uma',
    'com',
    'para',
    'obrigado',
    'obrigada',
    'olá',
    'ola',
    'eu',
    'você',
    'voce',
    'muito',
    'hoje',
    'do',
    'da',
    'dos',
    'das',
    'no',
    'na',
    'bom',
    'dia',
  ],
  ha: [
    'da',
    'ne',
    'ce',
    'na',
    'ina',
    'yana',
    'tana',
    'sannu',
    'gode',
    'yau',
    'gobe',
    'kuma',
    'amma',
    'wannan',
    'shi',
    'ita',
    'mun',
    'kai',
    'ke',
    'ba',
    'zuwa',
    'lafiya',
    'ranar',
    'ka',
  ],
};

const ARABIC_LETTER = /[\u0600-\u06FF]/g;
const LETTER = /\p{L}/gu;

/**
 * The language a text is most likely written in, or null when it is too short or unclear
 * to say: Arabic script decides for Arabic; otherwise at least two marker words, and
 * clearly more of one language's markers than any other's.
 */
export function detectLanguage(text: string): Locale | null {
  const letters = text.match(LETTER)?.length ?? 0;
  const arabic = text.match(ARABIC_LETTER)?.length ?? 0;
  if (letters > 0 && arabic / letters > 0.5) return 'ar';
  const words = text
    .toLowerCase()
    .split(/[^\p{L}']+/u)
    .filter(Boolean);
  let best: Locale | null = null;
  let bestScore = 0;
  let second = 0;
  for (const [locale, markers] of Object.entries(MARKERS) as [Locale, readonly string[]][]) {
    const score = words.filter((w) => markers.includes(w)).length;
    if (score > bestScore) {
      second = bestScore;
      bestScore = score;
      best = locale;
    } else if (score > second) second = score;
  }
  return bestScore >= 2 && bestScore > second ? best : null;
}
