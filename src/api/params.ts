import type { FastifyRequest } from 'fastify';
import type { Page } from '../core/index.ts';
import { ID_LENGTH, isWellFormedId } from '../shared/ids.ts';
import { HttpError } from './errors.ts';

/**
 * Mastodon clients send parameters as JSON, form fields or query strings, with
 * booleans as `true`/`"true"`/`"1"` and arrays as `key[]`. These readers accept each
 * form and turn anything else into a 422 that names the parameter.
 */
export type Params = Record<string, unknown>;

export function paramsOf(request: FastifyRequest): Params {
  const query = (request.query ?? {}) as Params;
  const body = request.body;
  if (body === undefined || body === null || body === '') return query;
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(422, 'Request body must be an object');
  return { ...query, ...(body as Params) };
}

export function optionalString(params: Params, name: string, maxLength = 10_000): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new HttpError(422, `${name} must be a string`);
  if (value.length > maxLength) throw new HttpError(422, `${name} is too long`);
  return value;
}

export function requiredString(params: Params, name: string, maxLength = 10_000): string {
  const value = optionalString(params, name, maxLength);
  if (value === undefined || value === '') throw new HttpError(422, `${name} is required`);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1 || value === 'on') return true;
  if (value === 'false' || value === '0' || value === 0 || value === 'off') return false;
  throw new HttpError(422, `${name} must be true or false`);
}

function optionalId(params: Params, name: string): string | undefined {
  const value = optionalString(params, name, 40);
  if (value === undefined || value === '') return undefined;
  if (!isWellFormedId(value)) throw new HttpError(422, `${name} is not a valid id`);
  return value;
}

export function pageOf(params: Params, defaultLimit = 20, maxLimit = 40): Page {
  const rawLimit = optionalString(params, 'limit', 10);
  let limit = defaultLimit;
  if (rawLimit !== undefined && rawLimit !== '') {
    if (!/^[0-9]+$/.test(rawLimit)) throw new HttpError(422, 'limit must be a positive number');
    limit = Math.min(Math.max(Number(rawLimit), 1), maxLimit);
  }
  return {
    maxId: cursor(params, 'max_id'),
    sinceId: cursor(params, 'since_id'),
    minId: cursor(params, 'min_id'),
    limit,
  };
}

/**
 * Cursors are compared with stored ids as text, which orders correctly only at equal
 * length: every id Sparrow issues has 18 digits, so shorter cursors are padded with leading
 * zeros and longer ones (beyond any id) become the largest id.
 */
function cursor(params: Params, name: string): string | undefined {
  const value = optionalId(params, name);
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
  const path = request.url.split('?')[0];
  const carry = new URLSearchParams();
  for (const [key, value] of Object.entries(keep))
    if (value !== undefined && value !== null) carry.set(key, String(value));
  const next = new URLSearchParams(carry);
  next.set('max_id', cursors.oldest);
  const prev = new URLSearchParams(carry);
  prev.set('min_id', cursors.newest);
  return `<${baseUrl}${path}?${next}>; rel="next", <${baseUrl}${path}?${prev}>; rel="prev"`;
}

export function cursorsOf<T>(
  items: readonly T[],
  idOf: (item: T) => string,
): { newest: string; oldest: string } | null {
  if (items.length === 0) return null;
  return { newest: idOf(items[0]!), oldest: idOf(items[items.length - 1]!) };
}
