import type { FastifyRequest } from 'fastify';
import { FIELD_LIMITS, type LimitedField } from '../shared/field-limits.ts';
import { ID_PATTERN as WELL_FORMED_ID } from '../shared/ids.ts';

/**
 * Request validation by schema at the API's edge, on Fastify's own Ajv (configured in
 * src/app/http-server.ts with `coerceTypes: false`; each schema is compiled once per route).
 *
 * Mastodon clients send the same parameters as JSON, form fields, multipart or query strings:
 * booleans as `true`, `"true"`, `"1"` or `"on"`, arrays as `key[]`, numbers as text. So each route
 * declares ONE schema for its parameters; reading them merges query and body (the body wins),
 * applies the few form coercions the schema asks for (flags to booleans, single values to
 * one-item lists, numbers to text), validates the result and answers 422 naming the field
 * (`describeValidation`). Validation runs where the handler reads its input, after the token
 * and scope checks, so an unauthenticated request still gets 401 first. String caps come from
 * the one table of field limits (src/shared/field-limits.ts); the sign-in proof methods from the
 * security domain.
 *
 * This is the one way API routes read their input (src/api/params.ts keeps only paging, path
 * ids and Link headers). A route declares its schema once, beside its handler:
 *
 *   const unlockInput = input({ password: text('password'), reason: text('reason') }, ['reason']);
 *   app.post('/api/v1/…', { schema: { response: { 200: schema } } }, async (request) => {
 *     const user = requireUser(request, 'write:…');
 *     const { password, reason } = unlockInput.read(request); // reason: string, password?: string
 *   });
 *
 * Unknown fields are ignored (clients send extras), except where `{ closed: true }` refuses
 * them: settings, where a misspelt switch would look accepted and change nothing. Staff reasons
 * are only bounded here; the permission policy requires and trims them (checkedReason).
 */

type Property = (
  | { type: 'string'; maxLength: number; enum?: readonly string[]; pattern?: string }
  | { type: 'boolean' }
  | { type: 'array'; items: { type: 'string'; maxLength: number; pattern?: string }; maxItems: number }
  | { type: 'object' }
  | { type: 'integer'; minimum: number; maximum: number }
) & { nullable?: true };

type Properties = Record<string, Property>;

type ValueOf<P extends Property> = P extends { nullable: true } ? PlainValueOf<P> | null : PlainValueOf<P>;

type PlainValueOf<P extends Property> = P extends { type: 'string'; enum: readonly (infer E)[] }
  ? E
  : P extends { type: 'string' }
    ? string
    : P extends { type: 'boolean' }
      ? boolean
      : P extends { type: 'array' }
        ? string[]
        : P extends { type: 'integer' }
          ? number
          : Record<string, unknown>;

type Input<P extends Properties, R extends keyof P> = { [K in R]: ValueOf<P[K]> } & {
  [K in Exclude<keyof P, R>]?: ValueOf<P[K]>;
};

/** Ids as Sparrow issues them (digits only). */
const ID_PATTERN = WELL_FORMED_ID.source;

/** A text field, capped by its entry in the field limits table. */
export const text = (field: LimitedField) => ({ type: 'string', maxLength: FIELD_LIMITS[field] }) as const;
/** A text field that must be one of a fixed list (answers "x must be one of a, b, c"). */
export const oneOf = <const T extends readonly string[]>(values: T) =>
  ({ type: 'string', maxLength: Math.max(...values.map((v) => v.length)), enum: values }) as const;
export const flag = { type: 'boolean' } as const;
export const id = { type: 'string', maxLength: FIELD_LIMITS.id, pattern: ID_PATTERN } as const;
const DIGITS = '^[0-9]+$';
/** Mastodon's paging parameters (newest first, cursors are ids); read them with `pageOf`. */
export const paging = {
  limit: { type: 'string', maxLength: FIELD_LIMITS.limit, pattern: DIGITS },
  max_id: id,
  since_id: id,
  min_id: id,
} as const;
/** A list of texts, sent as a JSON array, repeated `key[]` form fields, or one value. */
export const list = (field: LimitedField, maxItems: number) =>
  ({ type: 'array', items: { type: 'string', maxLength: FIELD_LIMITS[field] }, maxItems }) as const;
/** A whole number; form and query spellings ("12") are read as numbers. */
export const count = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const;
/** A JSON object (a WebAuthn assertion, say): JSON bodies only. */
export const object = { type: 'object' } as const;
/**
 * A field where an explicit JSON `null` means something ("remove my PIN", "back to the
 * instance default"); absent and `null` stay distinct. Form fields cannot say null.
 */
export const orNull = <const P extends Property>(property: P) => ({ ...property, nullable: true }) as const;

const TRUE = new Set<unknown>([true, 'true', '1', 1, 'on']);
const FALSE = new Set<unknown>([false, 'false', '0', 0, 'off']);

function mergedParams(request: FastifyRequest): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body === undefined || body === null || body === '') return { ...query };
  if (typeof body !== 'object' || Array.isArray(body)) throw unprocessable('Request body must be an object');
  return { ...query, ...(body as Record<string, unknown>) };
}

/** The form-field spellings Mastodon clients use, turned into the JSON types the schema declares. */
function coerce(params: Record<string, unknown>, properties: Properties): Record<string, unknown> {
  for (const [name, property] of Object.entries(properties)) {
    let value = params[name];
    if (property.type === 'array' && value === undefined) value = params[`${name}[]`];
    delete params[`${name}[]`];
    if (value === null && property.nullable) continue;
    if (value === undefined || value === null) {
      delete params[name];
      continue;
    }
    if (property.type === 'boolean') {
      if (value === '') delete params[name];
      else params[name] = TRUE.has(value) ? true : FALSE.has(value) ? false : value;
    } else if (property.type === 'string') {
      if (value === '' && 'pattern' in property) delete params[name];
      else params[name] = typeof value === 'number' ? String(value) : value;
    } else if (property.type === 'integer') {
      params[name] = typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value) ? Number(value) : value;
    } else if (property.type === 'array') {
      params[name] = (Array.isArray(value) ? value : [value]).map((item) =>
        typeof item === 'number' ? String(item) : item,
      );
    }
  }
  return params;
}

export interface RouteInput<P extends Properties, R extends keyof P> {
  /** The JSON schema the parameters are checked against (for documentation and tests). */
  readonly schema: Readonly<Record<string, unknown>>;
  /** The route's parameters from query and body, coerced and validated, typed from the schema. */
  read(request: FastifyRequest): Input<P, R>;
}

export interface InputOptions {
  /**
   * Refuse fields the schema does not name (422 "x is not a known field") instead of ignoring
   * them. For settings, where a misspelt switch would otherwise look accepted and change nothing.
   */
  readonly closed?: boolean;
}

export function input<const P extends Properties, const R extends keyof P & string = never>(
  properties: P,
  required: readonly R[] = [],
  options: InputOptions = {},
): RouteInput<P, R> {
  const shaped = Object.fromEntries(
    Object.entries(properties).map(([name, { nullable, ...property }]) => {
      // A required text must also be non-empty: an empty form field is a missing one.
      const shape: Record<string, unknown> =
        property.type === 'string' && (required as readonly string[]).includes(name)
          ? { ...property, minLength: 1 }
          : { ...property };
      if (nullable) shape.type = [property.type, 'null'];
      return [name, shape];
    }),
  );
  const schema = {
    type: 'object',
    properties: shaped,
    required: [...required],
    ...(options.closed ? { additionalProperties: false } : {}),
  };
  return {
    schema,
    read(request) {
      const params = coerce(mergedParams(request), properties);
      const validate = request.compileValidationSchema(schema, 'body');
      if (!validate(params))
        throw unprocessable(describeValidation((validate.errors ?? []) as unknown as ValidationIssue[]));
      return params as Input<P, R>;
    },
  };
}

function unprocessable(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 422 });
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** One sentence naming the field, in the words the hand-written checks always used. */
export function describeValidation(issues: readonly ValidationIssue[]): string {
  const issue = issues[0];
  if (!issue) return 'Validation failed';
  const field = issue.instancePath.split('/')[1] ?? String(issue.params.missingProperty ?? 'parameter');
  const inList = issue.instancePath.split('/').length > 2;
  switch (issue.keyword) {
    case 'required':
      return `${String(issue.params.missingProperty)} is required`;
    case 'minLength':
      return `${field} is required`;
    case 'maxLength':
      return `${field} is too long (at most ${String(issue.params.limit)} characters)`;
    case 'minimum':
      return `${field} must be at least ${String(issue.params.limit)}`;
    case 'maximum':
      return `${field} must be at most ${String(issue.params.limit)}`;
    case 'maxItems':
      return `${field} has too many items (at most ${String(issue.params.limit)})`;
    case 'enum':
      return `${field} must be one of ${(issue.params.allowedValues as string[]).join(', ')}`;
    case 'pattern':
      if (issue.params.pattern === ID_PATTERN) return `${field} is not a valid id`;
      if (issue.params.pattern === DIGITS) return `${field} must be a positive number`;
      return `${field} is not valid`;
    case 'additionalProperties':
      return `${String(issue.params.additionalProperty).slice(0, 40)} is not a known field`;
    case 'type': {
      if (inList) return `${field} must be a list of strings`;
      // A nullable field's expected type arrives as "boolean,null".
      const [expected, orNull] = String(issue.params.type).split(',');
      const either = orNull ? ' (or null)' : '';
      if (expected === 'boolean') return `${field} must be true or false${either}`;
      if (expected === 'array') return `${field} must be a list${either}`;
      if (expected === 'object') return `${field} must be an object${either}`;
      if (expected === 'integer') return `${field} must be a number${either}`;
      return `${field} must be a ${expected}${either}`;
    }
    default:
      return `${field} ${issue.message ?? 'is not valid'}`;
  }
}
