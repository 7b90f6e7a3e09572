export {
  DEFAULT_LOCALE,
  LOCALES,
  LANGUAGE_NAMES,
  isLocale,
  direction,
  fromAcceptLanguage,
  type Locale,
} from './locales.ts';
export { t, translator, messageIds, formatParts, type MessageValues, type Translate } from './messages.ts';
export type { MessageId } from './catalogue-types.ts';
export { detectLanguage } from './detect.ts';
export { LanguagePreferences, type LanguageStore } from './preferences.ts';
export { errorText } from './domain-errors.ts';
