import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CHARACTERS_RESERVED_PER_URL, countGraphemes, extractMentions, postLength } from '../../src/core/text.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import type * as idsModule from '../../src/shared/ids.ts';
import { isWellFormedId, newId } from '../../src/shared/ids.ts';

// Pure rules: no store, so these run once rather than per engine.

const urlFree = (text: string) => !text.includes('://');

describe('countGraphemes', () => {
  it.each([
    ['thumbs up with a skin tone', '👍🏽', 1],
    ['family joined with ZWJ', '👨‍👩‍👧‍👦', 1],
    ['rainbow flag (variation selector + ZWJ)', '🏳️‍🌈', 1],
    ['couple with skin tones', '🧑🏻‍❤️‍🧑🏿', 1],
    ['country flag (regional indicators)', '🇰🇪', 1],
    ['keycap', '1️⃣', 1],
    ['e + combining acute', 'e\u0301', 1],
    ['a with two stacked combining marks', 'a\u0308\u0323', 1],
    ['precomposed é', 'é', 1],
    ['Hangul jamo forming one syllable', '\u1100\u1161\u11A8', 1],
    ['CR LF', '\r\n', 1],
    ['CR LF between ASCII letters', 'a\r\nb', 3],
    ['printable ASCII (counted without the segmenter)', 'Bench post number 7 from the field ~', 36],
    ['ASCII then one combining mark', 'cafe\u0301 ok', 7],
    ['astral plane letters', '𝒜𝒷𝒸', 3],
    ['mixed', 'Jambo 👋🏾 café!', 13],
    ['empty', '', 0],
  ])('%s', (_label, text, expected) => {
    expect(countGraphemes(text)).toBe(expected);
  });

  it('property: never negative, zero only for the empty string, at most one per UTF-16 unit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        const n = countGraphemes(text);
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n === 0).toBe(text === '');
        expect(n).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 400 },
    );
  });

  it('property: appending never decreases the count, and adds at most what was appended', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      // Any code points, lone surrogates included (cheaper than fast-check's 'binary' unit to set up).
      fc.string({
        unit: fc.oneof(
          fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
          fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
        ),
        maxLength: 40,
      }),
      // Pieces that combine with their neighbours.
      fc
        .array(
          fc.constantFrom(
            '\u200D',
            '\u0301',
            '🏽',
            '🇰',
            '🇪',
            '👩',
            '\uFE0F',
            'e',
            '\r',
            '\n',
            '\u1100',
            '\u1161',
            '\u0600',
            ' ',
          ),
          { maxLength: 20 },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(anyText, anyText, (text, more) => {
        const before = countGraphemes(text);
        const after = countGraphemes(text + more);
        expect(after).toBeGreaterThanOrEqual(before);
        expect(after).toBeLessThanOrEqual(before + countGraphemes(more));
      }),
      { numRuns: 400 },
    );
  });
});

describe('postLength', () => {
  it('counts every link as 23 characters, whatever its length', () => {
    expect(CHARACTERS_RESERVED_PER_URL).toBe(23);
    expect(postLength('https://example.org')).toBe(23);
    expect(postLength('http://a.co')).toBe(23); // shorter links count 23 too
    expect(postLength(`https://example.org/${'x'.repeat(500)}`)).toBe(23);
    expect(postLength('HTTPS://EXAMPLE.ORG/PATH')).toBe(23);
    expect(postLength('see https://a.example/1 and http://b.example/2')).toBe(4 + 23 + 5 + 23);
    // Sentence punctuation after a link is text, not part of the link.
    expect(postLength('https://example.org.')).toBe(24);
    expect(postLength('(https://example.org/x)')).toBe(25);
    // Not links: other schemes and bare domains are counted as typed.
    expect(postLength('ftp://example.org')).toBe(17);
    expect(postLength('example.org/page')).toBe(16);
  });

  it('counts graphemes outside links', () => {
    expect(postLength('👨‍👩‍👧‍👦 https://example.org/family 🇰🇪')).toBe(1 + 1 + 23 + 1 + 1);
  });

  it('property: text without links is counted exactly as graphemes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        fc.pre(urlFree(text));
        expect(postLength(text)).toBe(countGraphemes(text));
      }),
      { numRuns: 400 },
    );
  });

  it('property: never negative, and never more than the graphemes typed plus the links', () => {
    const pieces = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.constantFrom('https://example.org', 'http://a.b/c', 'https://x.example/a.', ' ', '.', 'https://'),
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')),
        (text) => {
          const n = postLength(text);
          expect(n).toBeGreaterThanOrEqual(0);
          const links = text.match(/https?:\/\//gi)?.length ?? 0;
          expect(n).toBeLessThanOrEqual(countGraphemes(text) + links * CHARACTERS_RESERVED_PER_URL);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: appending a character to link-free text never decreases the length', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
        (text, char) => {
          fc.pre(urlFree(text));
          expect(postLength(text + char)).toBeGreaterThanOrEqual(postLength(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: appending a new word (after a space) never decreases the length, links or not', () => {
    const word = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.constantFrom('https://example.org/x', 'http://', 'https://a.b.'),
    );
    const text = fc.array(word, { maxLength: 8 }).map((w) => w.join(''));
    fc.assert(
      fc.property(text, word, (before, more) => {
        expect(postLength(`${before} ${more}`)).toBeGreaterThanOrEqual(postLength(before));
      }),
      { numRuns: 500 },
    );
  });
});

describe('extractMentions', () => {
  it('finds local and remote handles once each, case-insensitively, and ignores e-mail addresses', () => {
    expect(extractMentions('@alice hi @Bob@Example.ORG and @ALICE, mail me at carol@example.org')).toEqual([
      { username: 'alice', domain: null },
      { username: 'Bob', domain: 'example.org' },
    ]);
    expect(extractMentions('(@dave) @eve: @a_b1')).toEqual([
      { username: 'dave', domain: null },
      { username: 'eve', domain: null },
      { username: 'a_b1', domain: null },
    ]);
    expect(extractMentions('@localuser@localhost:3000').map((m) => m.domain)).toEqual(['localhost:3000']);
    expect(extractMentions('no mentions @ all, nor @-this')).toEqual([]);
  });
});

/**
 * The id generator keeps the last millisecond it used in module state (ids never go back
 * even if the clock does), so tests about real time get a module of their own.
 */
async function freshIds(): Promise<typeof idsModule> {
  vi.resetModules();
  return import('../../src/shared/ids.ts');
}

describe('ids', () => {
  const BASE = Date.UTC(2026, 10, 25, 8, 0, 0);
  const bigintOrder = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

  /** The first adjacent pair out of order (as text or as numbers), or null: one assertion per list keeps big lists fast. */
  const firstDisorder = (list: readonly string[]): string | null => {
    for (let i = 1; i < list.length; i += 1) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (!(a < b) || !(BigInt(a) < BigInt(b))) return `#${i - 1} ${a} !< #${i} ${b}`;
    }
    return null;
  };
  const expectStrictlyIncreasing = (list: readonly string[]) => expect(firstDisorder(list)).toBeNull();

  it('property: strictly increasing as strings and as numbers under a manual clock, even when it stands still or goes back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2000, max: 5000 }), { minLength: 1, maxLength: 200 }),
        fc.nat({ max: 5 }),
        (steps, burst) => {
          const clock = new ManualClock(new Date(BASE));
          const list: string[] = [];
          for (const step of steps) {
            clock.advance(step);
            for (let i = 0; i <= burst; i += 1) list.push(newId(clock.now().getTime()));
          }
          expectStrictlyIncreasing(list);
          expect(list.every((id) => isWellFormedId(id) && id.length === 18)).toBe(true);
          expect([...list].sort()).toEqual([...list].sort(bigintOrder));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('are strictly increasing with real time, many per millisecond', async () => {
    const { newId, timeOfId } = await freshIds();
    const list: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 10_000; i += 1) list.push(newId());
    const end = Date.now();
    expectStrictlyIncreasing(list);
    expect(new Set(list).size).toBe(list.length);
    expect(list.every((id) => isWellFormedId(id) && id.length === 18)).toBe(true);
    // Each id carries (at least) the time it was made; a sequence overflow may borrow the next millisecond.
    expect(timeOfId(list[0]!).getTime()).toBeGreaterThanOrEqual(start);
    expect(timeOfId(list.at(-1)!).getTime()).toBeLessThanOrEqual(end + 1);
  });

  it('stay increasing when one millisecond runs out of sequence numbers', async () => {
    const { newId, timeOfId } = await freshIds();
    const t = Date.now() + 10_000; // a millisecond nobody used yet
    const list = Array.from({ length: 70_000 }, () => newId(t));
    expectStrictlyIncreasing(list);
    expect(timeOfId(list[0]!).getTime()).toBe(t);
    expect(timeOfId(list.at(-1)!).getTime()).toBeGreaterThan(t); // spilled into the next millisecond
    // …and time moving on afterwards still gives larger ids.
    expect(newId(t + 1) > list.at(-1)!).toBe(true);
  });

  it('encode their time: idFloorForTime(t) <= newId(t) < idFloorForTime(t + 1) for a fresh millisecond', async () => {
    const { newId, timeOfId, idFloorForTime } = await freshIds();
    const t = Date.now() + 60_000;
    const id = newId(t);
    expect(timeOfId(id).getTime()).toBe(t);
    expect(bigintOrder(idFloorForTime(t), id)).toBeLessThanOrEqual(0);
    expect(bigintOrder(id, idFloorForTime(t + 1))).toBe(-1);
    // Text order of floors matches numeric order across the supported range (2018–2453: 18 digits).
    for (const year of [2018, 2026, 2100, 2452]) expect(idFloorForTime(Date.UTC(year, 6, 1))).toHaveLength(18);
  });

  it('property: isWellFormedId rejects anything that is not 1 to 20 ASCII digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 25 }), (value) => {
        expect(isWellFormedId(value)).toBe(/^[0-9]{1,20}$/.test(value));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,20}$/), (value) => {
        expect(isWellFormedId(value)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== 'string'),
        (value) => {
          expect(isWellFormedId(value)).toBe(false);
        },
      ),
    );
    for (const junk of [
      '',
      ' 1',
      '1 ',
      '1\n',
      '-1',
      '+1',
      '1e9',
      '0x1f',
      '1.0',
      '١٢٣',
      '１２３',
      '1'.repeat(21),
      '1;drop table posts',
      '12/../3',
    ]) {
      expect(isWellFormedId(junk), JSON.stringify(junk)).toBe(false);
    }
    for (const junk of [null, undefined, 12, 12n, ['1'], { id: '1' }, true]) expect(isWellFormedId(junk)).toBe(false);
  });
});
