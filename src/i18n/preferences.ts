import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from './locales.ts';

/** Persistence for language choices. */
export interface LanguageStore {
  accountLanguage(accountId: string): Promise<string | null>;
  setAccountLanguage(accountId: string, language: string | null, now: Date): Promise<void>;
  numberLanguage(e164: string): Promise<string | null>;
  /** Both at once (one look-up): the account's choice (when an account is given) and the number's. */
  languagesOf(e164: string, accountId: string | null): Promise<{ account: string | null; number: string | null }>;
  /** Stores the number's language unless it already has one; true when stored now. */
  learnNumberLanguage(e164: string, language: string, now: Date): Promise<boolean>;
}

/**
 * Which language to speak to whom. An account's own choice (web settings, the API's
 * `source.language`) comes first; for a phone number without one, the language of the
 * first text from it that said clearly which language it is in; then English.
 */
export class LanguagePreferences {
  private readonly store: LanguageStore;
  private readonly clock: Clock;
  constructor(store: LanguageStore, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  /** The account's chosen language, or null when it never chose. */
  async ofAccount(accountId: string): Promise<Locale | null> {
    const stored = await this.store.accountLanguage(accountId);
    return isLocale(stored) ? stored : null;
  }

  async setForAccount(accountId: string, language: string | null): Promise<Locale | null> {
    if (language !== null && !isLocale(language)) {
      throw invalid(`Language must be one of ${LOCALES.join(', ')}`, { field: 'language' });
    }
    await this.store.setAccountLanguage(accountId, language, this.clock.now());
    return language;
  }

  /** The language to answer a phone number in (and its account, when linked). */
  async forNumber(e164: string, accountId: string | null): Promise<Locale> {
    const { account, number } = await this.store.languagesOf(e164, accountId);
    return isLocale(account) ? account : isLocale(number) ? number : DEFAULT_LOCALE;
  }

  /** Remembers the language a number first texted in (later texts do not change it). */
  async learnFromText(e164: string, language: Locale | null): Promise<void> {
    if (language) await this.store.learnNumberLanguage(e164, language, this.clock.now());
  }
}
