import { IntlMessageFormat } from 'intl-messageformat';
import type { MessageId, Messages } from './catalogue-types.ts';
import { DEFAULT_LOCALE, type Locale } from './locales.ts';
import { ar } from './locales/ar.ts';
import { en } from './locales/en.ts';
import { fr } from './locales/fr.ts';
import { ha } from './locales/ha.ts';
import { pt } from './locales/pt.ts';
import { sw } from './locales/sw.ts';

const CATALOGUES: Record<Locale, Messages> = { en, fr, sw, pt, ha, ar };

/**
 * Letters outside the GSM-7 alphabet that have a GSM-7 base letter, folded for SMS and USSD
 * so French, Portuguese and Hausa replies stay 160 characters a segment instead of 70
 * (`é`, `à`, `ü`… are GSM-7 and stay). Only catalogue text is folded, never what people wrote.
 */
const GSM_FOLD: Record<string, string> = {
  â: 'a',
  ê: 'e',
  î: 'i',
  ô: 'o',
  û: 'u',
  ë: 'e',
  ï: 'i',
  ç: 'c',
  œ: 'oe',
  ã: 'a',
  õ: 'o',
  á: 'a',
  í: 'i',
  ó: 'o',
  ú: 'u',
  Â: 'A',
  Ê: 'E',
  Î: 'I',
  Ô: 'O',
  Û: 'U',
  Á: 'A',
  Í: 'I',
  Ó: 'O',
  Ú: 'U',
  Ã: 'A',
  Õ: 'O',
  È: 'E',
  ɓ: 'b',
  ɗ: 'd',
  ƙ: 'k',
  ƴ: 'y',
  Ɓ: 'B',
  Ɗ: 'D',
  Ƙ: 'K',
  Ƴ: 'Y',
  '’': "'",
  '‘': "'",
  '–': '-',
  '—': '-',
};
const FOLDABLE = new RegExp(`[${Object.keys(GSM_FOLD).join('')}]`, 'g');

/** Where a message is shown: on a page or in an e-mail (as written), or on a phone screen (folded). */
export type Medium = 'text' | 'phone';

const cache = new Map<string, IntlMessageFormat>();

function formatter(locale: Locale, id: MessageId, medium: Medium): IntlMessageFormat {
  const key = `${locale}\u0000${medium}\u0000${id}`;
  let found = cache.get(key);
  if (!found) {
    const source = CATALOGUES[locale][id];
    const pattern = medium === 'phone' && locale !== 'ar' ? source.replace(FOLDABLE, (c) => GSM_FOLD[c] ?? c) : source;
    found = new IntlMessageFormat(pattern, locale);
    cache.set(key, found);
  }
  return found;
}

export type MessageValues = Record<string, string | number | boolean>;

/** One message in one language, its placeholders filled. */
export function t(locale: Locale, id: MessageId, values: MessageValues = {}, medium: Medium = 'text'): string {
  const prepared: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(values)) {
    prepared[name] = typeof value === 'boolean' ? (value ? 'yes' : 'no') : value;
  }
  const out = formatter(locale, id, medium).format(prepared);
  return typeof out === 'string' ? out : String(out);
}

/** A translator bound to one language and medium. */
export type Translate = (id: MessageId, values?: MessageValues) => string;

export function translator(locale: Locale = DEFAULT_LOCALE, medium: Medium = 'text'): Translate {
  return (id, values) => t(locale, id, values, medium);
}

/** Every message id (the tests walk them all). */
export function messageIds(): MessageId[] {
  return Object.keys(en) as MessageId[];
}

/**
 * One message whose values or tags are not plain text (a link inside a sentence, `<a>…</a>`
 * in the catalogue): the formatted parts in order, strings and whatever the tag functions
 * and object values are. Pages escape the strings and keep their own markup.
 */
export function formatParts<T extends object>(
  locale: Locale,
  id: MessageId,
  values: Record<string, string | number | boolean | T | ((chunks: (string | T)[]) => T)>,
): (string | T)[] {
  const prepared: Record<string, string | number | T | ((chunks: (string | T)[]) => T)> = {};
  for (const [name, value] of Object.entries(values)) {
    prepared[name] = typeof value === 'boolean' ? (value ? 'yes' : 'no') : value;
  }
  const out = formatter(locale, id, 'text').format<T>(prepared);
  return Array.isArray(out) ? out : [out];
}
