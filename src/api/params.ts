import type { FastifyRequest } from 'fastify';
import type { Page } from '../core/index.ts';
import { ID_LENGTH, isWellFormedId } from '../shared/ids.ts';
import { HttpError } from './errors.ts';

/** Query parameters carried into a `Link` header. */
export type Params = Record<string, unknown>;

/** Mastodon's paging parameters as the `paging` schema (src/api/input.ts) has validated them. */
interface PagingInput {
  limit?: string;
  max_id?: string;
  since_id?: string;
  min_id?: string;
}

export function pageOf(params: PagingInput, defaultLimit = 20, maxLimit = 40): Page {
  const limit = params.limit === undefined ? defaultLimit : Math.min(Math.max(Number(params.limit), 1), maxLimit);
  return {
    maxId: cursor(params.max_id),
    sinceId: cursor(params.since_id),
    minId: cursor(params.min_id),
    limit,
  };
}

/**
 * Cursors are compared with stored ids as text, which orders correctly only at equal
 * length: every id Sparrow issues has 18 digits, so shorter cursors are padded with leading
 * zeros and longer ones (beyond any id) become the largest id.
 */
function cursor(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const digits = value.replace(/^0+(?=\d)/, '');
  if (digits.length > ID_LENGTH) return '9'.repeat(ID_LENGTH);
  return digits.padStart(ID_LENGTH, '0');
}

/** Route ids that are not ours cannot exist: answer 404 rather than querying. */
export function pathId(request: FastifyRequest, name = 'id'): string {
  const value = (request.params as Record<string, string>)[name];
  if (!isWellFormedId(value)) throw new HttpError(404, 'Record not found');
  return value;
}

/**
 * RFC 8288 `Link` header for a newest-first page: `next` continues to older items,
 * `prev` asks for newer ones. Omitted when the page is empty.
 */
export function linkHeader(
  baseUrl: string,
  request: FastifyRequest,
  cursors: { newest: string; oldest: string } | null,
  keep: Params = {},
): string | null {
  if (!cursors) return null;
  const url = request.url;
  const question = url.indexOf('?');
  const path = question < 0 ? url : url.slice(0, question);
  const carried = plainQuery(keep);
  // The cursors are ids (letters and digits, which form encoding leaves as they are), appended
  // after what is carried; anything else goes through URLSearchParams as it always did.
  if (carried !== null && PLAIN.test(cursors.oldest) && PLAIN.test(cursors.newest)) {
    return `<${baseUrl}${path}?${carried}max_id=${cursors.oldest}>; rel="next", <${baseUrl}${path}?${carried}min_id=${cursors.newest}>; rel="prev"`;
  }
  const carry = new URLSearchParams();
  for (const key in keep) {
    const value = keep[key];
    if (Array.isArray(value)) for (const item of value) carry.append(`${key}[]`, String(item));
    else if (value !== undefined && value !== null) carry.set(key, String(value));
  }
  const next = new URLSearchParams(carry);
  next.set('max_id', cursors.oldest);
  const prev = new URLSearchParams(carry);
  prev.set('min_id', cursors.newest);
  return `<${baseUrl}${path}?${next}>; rel="next", <${baseUrl}${path}?${prev}>; rel="prev"`;
}

const PLAIN = /^[A-Za-z0-9]+$/;
const PLAIN_KEY = /^[a-z_]+$/;

/**
 * `keep` as `key=value&…` when URLSearchParams would write it the same way (plain keys other
 * than the cursors', whole numbers, booleans, plain strings): the query carried into both links.
 * null for anything else (lists, text that needs encoding).
 */
function plainQuery(keep: Params): string | null {
  let query = '';
  for (const key in keep) {
    const value = keep[key];
    if (value === undefined || value === null) continue;
    if (!PLAIN_KEY.test(key) || key === 'max_id' || key === 'min_id') return null;
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0))
      query += `${key}=${value}&`;
    else if (typeof value === 'string' && PLAIN.test(value)) query += `${key}=${value}&`;
    else return null;
  }
  return query;
}

export function cursorsOf<T>(
  items: readonly T[],
  idOf: (item: T) => string,
): { newest: string; oldest: string } | null {
  if (items.length === 0) return null;
  return { newest: idOf(items[0]!), oldest: idOf(items[items.length - 1]!) };
}
