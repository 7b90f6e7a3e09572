import { DomainError, type DomainErrorKind } from '../shared/errors.ts';

/**
 * The one mapping from domain failures to HTTP statuses, for the API and the web pages alike:
 * the API answers `{"error": …}` and the web its error page or form, with the same status.
 *
 * `conflict` (already taken, already released, already linked) answers 422, not 409: Mastodon
 * answers 422 for these (a taken username, a duplicate record), its clients show the 422's
 * `error` text to the person, and Sparrow's API has always answered 422 here. Browsers show
 * the page whatever the status, so the web follows the API rather than the other way round.
 */
const HTTP_STATUS_OF: Readonly<Record<DomainErrorKind, number>> = {
  invalid: 422,
  not_found: 404,
  forbidden: 403,
  conflict: 422,
  rate_limited: 429,
  unauthorized: 401,
};

/** The status for a domain failure; anything else is the server's fault unless it says otherwise. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof DomainError) return HTTP_STATUS_OF[error.kind];
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
