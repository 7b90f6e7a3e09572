/**
 * Cross-origin access as Mastodon grants it: web clients served from any origin (Phanpy,
 * Elk, a page on another port) call the token-authenticated API, the OAuth token and revoke
 * endpoints and the discovery documents. Any origin, never credentials: these endpoints
 * read a bearer token, not cookies, so a grant lets a page use only a token it already holds.
 * The cookie-authenticated web pages (`/`, `/settings`, `/admin`, `/oauth/authorize` …)
 * get no grant at all, so no other origin can read them with the visitor's session.
 */

const EXACT_PATHS = new Set(['/oauth/token', '/oauth/revoke']);
const PATH_PREFIXES = ['/api/', '/.well-known/', '/nodeinfo/'];

/** The path of a request URL, without its query string. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function corsApplies(url: string): boolean {
  const path = pathOf(url);
  return EXACT_PATHS.has(path) || PATH_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** Headers a browser may read from a cross-origin answer beyond the simple ones. */
const EXPOSED_HEADERS = 'Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Retry-After';
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** Headers allowed when the preflight names none (the browser then sends none beyond the simple ones). */
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, Accept';
const PREFLIGHT_MAX_AGE_SECONDS = '86400';

/** On every answer of a granted path. */
export const CORS_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED_HEADERS,
};

/**
 * The answer to a preflight. Like Mastodon (rack-cors with `headers: :any`) any request
 * header is allowed: without credentials a header grants nothing a page could not already do.
 */
export function preflightHeaders(requestedHeaders: string | undefined): Record<string, string> {
  const requested = requestedHeaders?.trim();
  return {
    ...CORS_RESPONSE_HEADERS,
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': requested ? requested : DEFAULT_ALLOWED_HEADERS,
    'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
    vary: 'Access-Control-Request-Headers',
  };
}
