import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseSms, encodeSms, fitSms } from '../../src/sms/encoding.ts';

const hasLoneSurrogate = (s: string): boolean =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

// Text generators that hit the interesting corners: GSM-7 basic, GSM-7 extension, BMP, astral.
const gsmBasic = fc.constantFrom(...'abcXYZ019 .,!?@£$¥èéÄÖÑÜ§¿\n'.split(''));
const gsmExtension = fc.constantFrom('{', '}', '[', ']', '~', '\\', '|', '^', '€');
const bmp = fc.constantFrom('é', 'ñ', 'П', 'ж', 'ع', 'क', '中', '…', '’');
const astral = fc.constantFrom('😀', '🎉', '👍🏽', '👨‍👩‍👧', '𝄞', '🇰🇪');
const smsChar = fc.oneof(
  { weight: 6, arbitrary: gsmBasic },
  { weight: 2, arbitrary: gsmExtension },
  { weight: 1, arbitrary: bmp },
  { weight: 1, arbitrary: astral },
);
const smsText = (maxLength: number) => fc.array(smsChar, { minLength: 1, maxLength }).map((chars) => chars.join(''));

describe('analyseSms', () => {
  it('counts a plain GSM-7 text: 160 septets in one segment, 153 per part after that', () => {
    expect(analyseSms('a'.repeat(160))).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      unitsUsed: 160,
      unitsPerSegment: 160,
      characters: 160,
    });
    expect(analyseSms('a'.repeat(161))).toMatchObject({
      encoding: 'GSM-7',
      segments: 2,
      unitsUsed: 161,
      unitsPerSegment: 153,
    });
    expect(analyseSms('a'.repeat(306)).segments).toBe(2);
    expect(analyseSms('a'.repeat(307)).segments).toBe(3);
  });

  it('counts GSM-7 extension characters twice', () => {
    expect(analyseSms('{'.repeat(80))).toMatchObject({
      encoding: 'GSM-7',
      segments: 1,
      unitsUsed: 160,
      characters: 80,
    });
    expect(analyseSms('{'.repeat(81))).toMatchObject({ segments: 2, unitsUsed: 162 });
    expect(analyseSms('€5 [ok]')).toMatchObject({ encoding: 'GSM-7', unitsUsed: 10, characters: 7 });
  });

  it('never splits an extension character across segments', () => {
    const text = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
    const { segments } = encodeSms(text);
    expect(segments.map((s) => s.text)).toEqual(['a'.repeat(152), `€${'b'.repeat(10)}`]);
    expect(segments[1]?.codeUnits.slice(0, 2)).toEqual([0x1b, 0x65]);
    expect(analyseSms(text).segments).toBe(2);
  });

  it('switches to UCS-2 for characters outside GSM-7, counting surrogate pairs as 2 units', () => {
    expect(analyseSms('Habari 😀')).toMatchObject({ encoding: 'UCS-2', unitsUsed: 9, characters: 8 });
    expect(analyseSms('😀'.repeat(35))).toMatchObject({
      encoding: 'UCS-2',
      segments: 1,
      unitsUsed: 70,
      unitsPerSegment: 70,
    });
    expect(analyseSms('😀'.repeat(36))).toMatchObject({ segments: 2, unitsUsed: 72, unitsPerSegment: 67 });
    expect(analyseSms('ж'.repeat(70)).segments).toBe(1);
    expect(analyseSms('ж'.repeat(71)).segments).toBe(2);
  });

  it('never splits a surrogate pair across segments', () => {
    const text = `${'ж'.repeat(66)}😀${'ж'.repeat(5)}`;
    for (const s of encodeSms(text).segments) expect(hasLoneSurrogate(s.text)).toBe(false);
    expect(encodeSms(text).segments[0]?.text).toBe('ж'.repeat(66));
  });

  it('property: segments are never 0 for non-empty text, and agree with the units', () => {
    fc.assert(
      fc.property(smsText(400), (text) => {
        const a = analyseSms(text);
        expect(a.segments).toBeGreaterThanOrEqual(1);
        expect(a.segments).toBeGreaterThanOrEqual(Math.ceil(a.unitsUsed / a.unitsPerSegment));
        if (a.unitsUsed <= (a.encoding === 'GSM-7' ? 160 : 70)) expect(a.segments).toBe(1);
      }),
    );
  });

  it('property: encodeSms parts reassemble the text, never split a surrogate pair and fit a segment', () => {
    fc.assert(
      fc.property(smsText(400), (text) => {
        const encoded = encodeSms(text);
        expect(encoded.segments.map((s) => s.text).join('')).toBe(text);
        expect(encoded.segments.length).toBe(analyseSms(text).segments);
        const limit =
          encoded.segments.length === 1
            ? encoded.encoding === 'GSM-7'
              ? 160
              : 70
            : encoded.encoding === 'GSM-7'
              ? 153
              : 67;
        for (const s of encoded.segments) {
          expect(hasLoneSurrogate(s.text)).toBe(false);
          // A single grapheme longer than a whole segment is the only thing that may overflow.
          if ([...new Intl.Segmenter().segment(s.text)].length > 1)
            expect(s.codeUnits.length).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });
});

describe('fitSms', () => {
  const link = 'https://sparrow.example/@amani/113456789012345678';

  it('returns text that fits unchanged', () => {
    expect(fitSms('Habari!', { maxSegments: 1 })).toBe('Habari!');
    expect(fitSms('a'.repeat(306), { maxSegments: 2, link })).toBe('a'.repeat(306));
  });

  it('truncates a long GSM-7 post with an ellipsis that keeps it GSM-7, and appends the link', () => {
    const post = 'The quick brown fox jumps over the lazy dog. '.repeat(10);
    const fitted = fitSms(post, { maxSegments: 1, link });
    expect(fitted.endsWith(`... ${link}`)).toBe(true);
    expect(post.startsWith(fitted.slice(0, fitted.indexOf('...')))).toBe(true);
    expect(analyseSms(fitted)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    // Cut at a word break, not inside a word.
    expect(fitted.slice(0, fitted.indexOf('...'))).toMatch(/(^|\s)\S+$/);
  });

  it('uses … when the text is UCS-2 anyway', () => {
    const fitted = fitSms('Привет мир, как дела? '.repeat(10), { maxSegments: 1, link });
    expect(fitted).toContain(`… ${link}`);
    expect(analyseSms(fitted).segments).toBe(1);
  });

  it('honours a custom ellipsis', () => {
    expect(fitSms('a'.repeat(200), { maxSegments: 1, ellipsis: '…' })).toBe(`${'a'.repeat(69)}…`);
  });

  it('drops a link that cannot fit rather than exceed the budget', () => {
    const fitted = fitSms('b'.repeat(400), { maxSegments: 1, link: `https://x.example/${'p'.repeat(200)}` });
    expect(fitted).toBe(`${'b'.repeat(157)}...`);
  });

  it('rejects a bad segment budget', () => {
    expect(() => fitSms('x', { maxSegments: 0 })).toThrow(RangeError);
    expect(() => fitSms('x', { maxSegments: 1.5 })).toThrow(RangeError);
  });

  it('property: the result always fits, is a prefix of the text (plus marks) and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(
        smsText(600),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.constantFrom(link, 'https://s.example/p/1'), { nil: undefined }),
        (text, maxSegments, maybeLink) => {
          const fitted = fitSms(text, { maxSegments, link: maybeLink });
          expect(analyseSms(fitted).segments).toBeLessThanOrEqual(maxSegments);
          expect(hasLoneSurrogate(fitted)).toBe(false);
          if (analyseSms(text).segments <= maxSegments) {
            expect(fitted).toBe(text);
          } else {
            const body = fitted.replace(
              new RegExp(`(\\.\\.\\.|…)( ${(maybeLink ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')})?$`),
              '',
            );
            expect(text.startsWith(body)).toBe(true);
            // The cut is on a grapheme boundary of the original text.
            const boundaries = new Set([...new Intl.Segmenter().segment(text)].map((s) => s.index));
            expect(
              boundaries.has(body.length) ||
                body.length === text.trimEnd().length ||
                /\s$/.test(text.slice(0, body.length + 1)),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
