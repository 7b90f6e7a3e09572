import type { DomainError } from '../shared/errors.ts';
import type { MessageId } from './catalogue-types.ts';
import type { Locale } from './locales.ts';
import { en } from './locales/en.ts';
import { t, type Medium } from './messages.ts';

/**
 * The one home of how a domain failure reads to a person: a coded failure (`messageCode`) is
 * the catalogue's `error.<code>` in their language, filled with the failure's values; one
 * without a code keeps its English message. Pages and SMS replies call this; the Mastodon API
 * answers the English `message` (apps match on it and show it as it is).
 */
export function errorText(locale: Locale, error: DomainError, medium: Medium = 'text'): string {
  const id = error.messageCode === undefined ? undefined : `error.${error.messageCode}`;
  if (id === undefined || !Object.hasOwn(en, id)) return error.message;
  return t(locale, id as MessageId, error.messageValues ?? {}, medium);
}
