import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface NormalisedPhone {
  e164: string;
  /** ISO 3166-1 alpha-2 of the number's numbering plan. */
  country: string;
}

// Numbers that cannot hold a personal SMS conversation, or that bill the sender.
const NOT_PERSONAL = new Set(['PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER']);

/**
 * Normalises to E.164 with full metadata, so a number is valid for its country's plan,
 * not just the right length. Numbers without a country (non-geographic +800 ...) and
 * types that are not personal lines are refused. Returns null for anything unusable.
 */
export function normalisePhone(input: string, defaultCountry?: string): NormalisedPhone | null {
  if (typeof input !== 'string') return null;
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > 40 || !/^[+0-9 ().\-/]+$/.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode | undefined);
  if (!parsed || !parsed.isValid() || !parsed.country) return null;
  const type = parsed.getType();
  if (type && NOT_PERSONAL.has(type)) return null;
  return { e164: parsed.number, country: parsed.country };
}

export function countryOfE164(e164: string): string | null {
  return normalisePhone(e164)?.country ?? null;
}
