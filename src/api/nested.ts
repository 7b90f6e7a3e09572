import type { FastifyRequest } from 'fastify';

/**
 * The parameters of routes whose Mastodon spelling is nested (`subscription[keys][auth]`,
 * `fields_attributes[0][name]`, `data[alerts][mention]`): JSON bodies arrive nested already,
 * form and query fields are flat and are nested here. Values stay as sent (strings from
 * forms); each route checks the fields it reads.
 */
export function nestedParams(request: FastifyRequest): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  const flat: Record<string, unknown> = { ...query };
  if (body !== undefined && body !== null && body !== '') {
    if (typeof body !== 'object' || Array.isArray(body))
      throw Object.assign(new Error('Request body must be an object'), { statusCode: 422 });
    Object.assign(flat, body);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])+)$/.exec(key);
    if (!match) {
      out[key] = value;
      continue;
    }
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (path.length > 5 || path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    let node = out;
    for (let i = 0; i < path.length - 1; i += 1) {
      const part = path[i]!;
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const last = path.at(-1)!;
    // `key[]` is a list; a repeated field arrives as an array already.
    if (last === '') {
      const parent = path.slice(0, -1);
      let holder: Record<string, unknown> = out;
      for (const part of parent.slice(0, -1)) holder = holder[part] as Record<string, unknown>;
      holder[parent.at(-1)!] = Array.isArray(value) ? value : [value];
    } else node[last] = value;
  }
  return out;
}

/** A nested object at `key`, or an empty one. */
export function objectAt(params: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = params[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const TRUE = new Set<unknown>([true, 'true', '1', 1, 'on']);
const FALSE = new Set<unknown>([false, 'false', '0', 0, 'off', '']);

/** A flag in any spelling clients send; undefined when absent, 422 naming the field when not a flag. */
export function flagAt(params: Record<string, unknown>, key: string, name = key): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw Object.assign(new Error(`${name} must be true or false`), { statusCode: 422 });
}

/** A text of at most `max` characters; undefined when absent, 422 naming the field otherwise. */
export function textAt(params: Record<string, unknown>, key: string, max: number, name = key): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw Object.assign(new Error(`${name} must be a string`), { statusCode: 422 });
  if (value.length > max)
    throw Object.assign(new Error(`${name} is too long (at most ${max} characters)`), { statusCode: 422 });
  return value;
}
