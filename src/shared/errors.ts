/**
 * Domain failures that callers are expected to handle. Each kind maps to one HTTP status
 * at the API edge and to one reply at the SMS edge; domain code never picks a status code.
 */
export type DomainErrorKind =
  | 'invalid' // the request itself is wrong (too long, missing field, bad format)
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'rate_limited'
  | 'unauthorized';

/** What a coded failure's message is filled with (counts, names), for its translations. */
export type ErrorValues = Readonly<Record<string, string | number>>;

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly details?: Record<string, unknown>;
  /**
   * The failure's id in the message catalogues (`error.<messageCode>` in src/i18n/locales/errors/),
   * so pages and texts show it in the person's language; `message` stays the English one
   * the API answers with. Failures without a code are shown in English everywhere.
   */
  messageCode?: string;
  messageValues?: ErrorValues;
  constructor(kind: DomainErrorKind, message: string, details?: Record<string, unknown>) {
    super(message);
    this.kind = kind;
    this.details = details;
    this.name = 'DomainError';
  }

  /** Names this failure for the catalogues: `invalid('…').coded('post.blank')`. */
  coded(code: string, values: ErrorValues = {}): this {
    this.messageCode = code;
    this.messageValues = values;
    return this;
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', message, details);
export const notFound = (message?: string) =>
  message === undefined
    ? new DomainError('not_found', 'Record not found').coded('not_found')
    : new DomainError('not_found', message);
export const forbidden = (message?: string) =>
  message === undefined
    ? new DomainError('forbidden', 'This action is not allowed').coded('forbidden')
    : new DomainError('forbidden', message);
export const conflict = (message: string) => new DomainError('conflict', message);
