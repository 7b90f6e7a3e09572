export { DEFAULT_LOCALE, type Locale } from './locales.ts';
export { t, type MessageValues } from './messages.ts';
export type { MessageId } from './catalogue-types.ts';
export { detectLanguage } from './detect.ts';
export { LanguagePreferences, type LanguageStore } from './preferences.ts';
