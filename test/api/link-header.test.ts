import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { linkHeader, type Params } from '../../src/api/params.ts';

/** The Link header as written with URLSearchParams for every part (how it was built before the plain shortcut). */
function reference(baseUrl: string, url: string, cursors: { newest: string; oldest: string }, keep: Params): string {
  const path = url.split('?')[0];
  const carry = new URLSearchParams();
  for (const [key, value] of Object.entries(keep)) {
    if (Array.isArray(value)) for (const item of value) carry.append(`${key}[]`, String(item));
    else if (value !== undefined && value !== null) carry.set(key, String(value));
  }
  const next = new URLSearchParams(carry);
  next.set('max_id', cursors.oldest);
  const prev = new URLSearchParams(carry);
  prev.set('min_id', cursors.newest);
  return `<${baseUrl}${path}?${next}>; rel="next", <${baseUrl}${path}?${prev}>; rel="prev"`;
}

const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 100 }),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
);
const key = fc.oneof(
  fc.constantFrom('limit', 'local', 'only_media', 'max_id', 'min_id', 'types', 'q'),
  fc.string({ maxLength: 5 }),
);
const id = fc.oneof(fc.stringMatching(/^[0-9a-z]{1,20}$/), fc.string({ maxLength: 8 }));

describe('Link header', () => {
  it('is what URLSearchParams writes, for any carried parameters and cursors', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 4 }),
        id,
        id,
        fc.constantFrom('/api/v1/timelines/home', '/api/v1/timelines/home?limit=20&max_id=5', '/api/v1/lists/1'),
        (keep, newest, oldest, url) => {
          const request = { url } as FastifyRequest;
          expect(linkHeader('https://example.test', request, { newest, oldest }, keep)).toBe(
            reference('https://example.test', url, { newest, oldest }, keep),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is left out for an empty page', () => {
    expect(linkHeader('https://example.test', { url: '/x' } as FastifyRequest, null, { limit: 20 })).toBeNull();
  });
});
