import type { Locale } from '../i18n/index.ts';

export type KeywordKind =
  | 'stop'
  | 'start'
  | 'help'
  | 'undo'
  | 'dm'
  | 'reply'
  | 'follow'
  | 'unfollow'
  | 'get'
  | 'whois'
  | 'on'
  | 'off';

/**
 * Command words per language, upper case. English words work for everyone; the others are
 * accepted as well as English. They follow the same rules as English (docs/sms.md): words
 * that stand alone (help, stop, start, undo) act only when they are the whole text; words
 * that take a username act only with an `@name`, or a name after the word typed in
 * capitals (Arabic has no capitals, so it always needs the `@`). Direct messages keep `D`
 * and `DM` only: a local "MP @x" is an ordinary opening in too many texts. REPLY takes a
 * username and a text, like `D`: "Reply soon please" stays a post.
 */
const KEYWORDS: Record<Locale, Partial<Record<KeywordKind, readonly string[]>>> = {
  en: {
    stop: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'],
    start: ['START', 'UNSTOP'],
    help: ['HELP', 'INFO'],
    undo: ['UNDO'],
    dm: ['D', 'DM'],
    reply: ['REPLY'],
    follow: ['FOLLOW'],
    unfollow: ['UNFOLLOW', 'LEAVE'],
    get: ['GET'],
    whois: ['WHOIS'],
    on: ['ON'],
    off: ['OFF'],
  },
  fr: {
    stop: ['ARRET', 'ARRÊT'],
    start: ['REPRENDRE'],
    help: ['AIDE'],
    undo: ['EFFACER'],
    reply: ['REPONDRE', 'RÉPONDRE'],
    follow: ['SUIVRE'],
    unfollow: ['DESABONNER', 'DÉSABONNER'],
    get: ['VOIR'],
    whois: ['QUI'],
    on: ['ACTIVER'],
    off: ['DESACTIVER', 'DÉSACTIVER'],
  },
  sw: {
    stop: ['SIMAMA'],
    start: ['ANZA'],
    help: ['MSAADA'],
    undo: ['FUTA'],
    reply: ['JIBU'],
    follow: ['FUATA'],
    unfollow: ['ACHA'],
    get: ['PATA'],
    whois: ['NANI'],
    on: ['WASHA'],
    off: ['ZIMA'],
  },
  pt: {
    stop: ['PARAR'],
    start: ['RETOMAR'],
    help: ['AJUDA'],
    undo: ['DESFAZER'],
    reply: ['RESPONDER'],
    follow: ['SEGUIR'],
    unfollow: ['DEIXAR'],
    get: ['VER'],
    whois: ['QUEM'],
    on: ['LIGAR'],
    off: ['DESLIGAR'],
  },
  ha: {
    stop: ['TSAYA'],
    start: ['FARA'],
    help: ['TAIMAKO'],
    undo: ['SHAFE'],
    reply: ['AMSA'],
    follow: ['BI'],
    unfollow: ['DAINA'],
    get: ['SAMU'],
    whois: ['WANE'],
    on: ['KUNNA'],
    off: ['KASHE'],
  },
  ar: {
    stop: ['توقف'],
    start: ['ابدأ'],
    help: ['مساعدة'],
    undo: ['تراجع'],
    reply: ['رد'],
    follow: ['تابع'],
    unfollow: ['إلغاء', 'الغاء'],
    get: ['اعرض'],
    whois: ['تعريف'],
    on: ['تشغيل'],
    off: ['إيقاف', 'ايقاف'],
  },
};

const INDEX = new Map<string, { kind: KeywordKind; locale: Locale }>();
for (const [locale, kinds] of Object.entries(KEYWORDS) as [Locale, Partial<Record<KeywordKind, readonly string[]>>][]) {
  for (const [kind, words] of Object.entries(kinds) as [KeywordKind, readonly string[]][]) {
    for (const word of words) if (!INDEX.has(word)) INDEX.set(word, { kind, locale });
  }
}

/** The command a (first) word names, in which language; null for an ordinary word. */
export function keyword(word: string): { kind: KeywordKind; locale: Locale } | null {
  return INDEX.get(word.toUpperCase()) ?? null;
}
