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

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly details?: Record<string, unknown>;
  constructor(kind: DomainErrorKind, message: string, details?: Record<string, unknown>) {
    super(message);
    this.kind = kind;
    this.details = details;
    this.name = 'DomainError';
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', message, details);
export const notFound = (message = 'Record not found') => new DomainError('not_found', message);
export const forbidden = (message = 'This action is not allowed') => new DomainError('forbidden', message);
export const conflict = (message: string) => new DomainError('conflict', message);
