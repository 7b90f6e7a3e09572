import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

export interface NormalisedPhone {
  /** `+` and digits, e.g. `+254712345678`. */
  e164: string;
  /** ISO 3166-1 alpha-2 of the number's numbering plan (the country policy key). */
  country: string;
}

/**
 * Number types that can take part in an SMS conversation. With the full (`max`) metadata
 * libphonenumber tells the type from the national numbering plan:
 * - `MOBILE`, and `FIXED_LINE_OR_MOBILE` (plans such as the US/Canada where the two cannot
 *   be told apart) are accepted;
 * - `VOIP` is accepted: many VoIP ranges are SMS-capable, and refusing them would lock out
 *   people whose only number is one;
 * - a valid number whose type the metadata cannot name is accepted (it passed the plan's
 *   validity pattern);
 * - everything else is refused: `FIXED_LINE` (landlines do not receive SMS),
 *   `PREMIUM_RATE`, `TOLL_FREE`, `SHARED_COST`, `UAN`, `VOICEMAIL`, `PAGER` and
 *   `PERSONAL_NUMBER` (forwarding services: the classic targets of SMS pumping / toll fraud).
 */
const SMS_CAPABLE: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'VOIP']);

const ALLOWED_CHARACTERS = /^[+0-9 ().\-/]+$/;

function parse(input: string, defaultCountry: CountryCode | undefined) {
  try {
    return parsePhoneNumberFromString(input, defaultCountry) ?? null;
  } catch {
    return null;
  }
}

/**
 * Normalises a phone number to E.164 and tells its country; null for anything that is not
 * a valid, SMS-capable number (junk, impossible or invalid for its plan, non-geographic
 * numbers such as +800 that have no country, and the refused types above).
 *
 * Without `defaultCountry`, a number written in international form without the `+` (as
 * Vonage's `msisdn` and many SMSCs give it, e.g. `254712345678`) or with an `00` prefix is
 * read as international. With `defaultCountry`, national forms (`0712 345 678`) are read in
 * that country's plan.
 */
export function normalisePhone(input: string, defaultCountry?: string): NormalisedPhone | null {
  if (typeof input !== 'string') return null;
  // Parsing with the full metadata costs more than the rest of a text's handling in process, and
  // the same numbers text again and again: answers are kept (frozen), a bounded number of them.
  const key = defaultCountry === undefined ? input : `${defaultCountry}\u0000${input}`;
  const known = normalised.get(key);
  if (known !== undefined) return known;
  const answer = normaliseUncached(input, defaultCountry);
  if (normalised.size >= NORMALISED_KEPT) normalised.clear();
  normalised.set(key, answer ? Object.freeze(answer) : null);
  return answer;
}

const NORMALISED_KEPT = 10_000;
const normalised = new Map<string, NormalisedPhone | null>();

function normaliseUncached(input: string, defaultCountry: string | undefined): NormalisedPhone | null {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > 40 || !ALLOWED_CHARACTERS.test(trimmed)) return null;
  let country: CountryCode | undefined;
  if (defaultCountry !== undefined) {
    if (!/^[A-Za-z]{2}$/.test(defaultCountry)) return null;
    country = defaultCountry.toUpperCase() as CountryCode;
  }

  let candidate = trimmed;
  if (!candidate.startsWith('+') && country === undefined) {
    const digits = candidate.replace(/[^0-9]/g, '');
    if (digits.startsWith('00')) candidate = `+${digits.slice(2)}`;
    else if (!digits.startsWith('0')) candidate = `+${digits}`;
    else return null;
  }

  const parsed = parse(candidate, country);
  if (!parsed || !parsed.isValid() || !parsed.country) return null;
  const type = parsed.getType();
  if (type !== undefined && !SMS_CAPABLE.has(type)) return null;
  return { e164: parsed.number, country: parsed.country };
}

/**
 * The country (ISO 3166-1 alpha-2) whose plan an E.164 number belongs to, or null when the
 * input is not a valid E.164 number. Unlike `normalisePhone` this does not judge the number
 * type: it only answers "which country is this".
 */
export function countryOfE164(e164: string): string | null {
  if (typeof e164 !== 'string' || !/^\+[1-9][0-9]{6,14}$/.test(e164)) return null;
  const parsed = parse(e164, undefined);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.country ?? null;
}
