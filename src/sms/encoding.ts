import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * SMS character encoding and segment arithmetic (SPEC 3.3 "GSM-7 / UCS-2 encoding with
 * correct segment counting").
 *
 * Segmentation is done by `sms-segments-calculator` (Twilio's segment calculator), which
 * works grapheme by grapheme: a GSM-7 extension character (`{ } [ ] ~ \ | ^ €` and form
 * feed) is an escape plus a septet, counts 2 and is never split across segments; in UCS-2
 * a character outside the Basic Multilingual Plane (most emoji) is a surrogate pair, counts
 * 2 units and is never split either (nor is any other grapheme cluster, which is a little
 * more conservative than the handset minimum but never undercounts).
 *
 * Limits: one GSM-7 segment carries 160 septets, one UCS-2 segment 70 UTF-16 units; once a
 * message needs more than one segment each part loses 6 octets to the concatenation
 * header, leaving 153 septets / 67 units.
 */

type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** Segments the message is sent as (1 for an empty text, which still costs one SMS). */
  segments: number;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 units (UCS-2, surrogate pairs count 2). */
  unitsUsed: number;
  /** Units one segment holds at this message's size: 160/153 (GSM-7) or 70/67 (UCS-2). */
  unitsPerSegment: number;
  /** User-perceived characters (grapheme clusters). */
  characters: number;
}

/** One segment as it goes on the wire: its text and the code units that encode it. */
interface SmsSegment {
  text: string;
  /** GSM-7: unpacked septet values (escape 0x1B included); UCS-2: UTF-16 code units. */
  codeUnits: number[];
}

export interface SmsEncoded {
  encoding: SmsEncoding;
  segments: SmsSegment[];
}

interface EncodedCharLike {
  raw?: string;
  codeUnits?: number[];
}

function segment(text: string): SegmentedMessage {
  if (typeof text !== 'string') throw new TypeError('SMS text must be a string');
  return new SegmentedMessage(text);
}

function unitsPer(encoding: SmsEncoding, segments: number): number {
  if (encoding === 'GSM-7') return segments > 1 ? 153 : 160;
  return segments > 1 ? 67 : 70;
}

export function analyseSms(text: string): SmsAnalysis {
  const message = segment(text);
  const encoding = message.encodingName;
  const bitsPerUnit = encoding === 'GSM-7' ? 7 : 16;
  const segments = message.segmentsCount;
  return {
    encoding,
    segments,
    unitsUsed: Math.round(message.messageSize / bitsPerUnit),
    unitsPerSegment: unitsPer(encoding, segments),
    characters: message.graphemes.length,
  };
}

/**
 * Splits a text into the segments it is sent as, with the code units of each, so that an
 * adapter that builds its own PDUs (SMPP with UDH concatenation) splits exactly where the
 * segment count says and never inside an escape sequence or a surrogate pair.
 */
export function encodeSms(text: string): SmsEncoded {
  const message = segment(text);
  const segments: SmsSegment[] = [];
  for (const seg of message.segments as unknown as EncodedCharLike[][]) {
    let partText = '';
    const codeUnits: number[] = [];
    for (const ch of seg) {
      // The header placeholders have no `raw`; only characters carry text.
      if (typeof ch.raw !== 'string' || !Array.isArray(ch.codeUnits)) continue;
      partText += ch.raw;
      codeUnits.push(...ch.codeUnits);
    }
    segments.push({ text: partText, codeUnits });
  }
  return { encoding: message.encodingName, segments };
}

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function graphemesOf(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

export interface FitOptions {
  /** The most segments the result may take (an integer ≥ 1). */
  maxSegments: number;
  /** Appended after the ellipsis, separated by a space, when the text had to be cut. */
  link?: string;
  /**
   * The truncation mark. By default `…` when the text is UCS-2 anyway, and `...` when it is
   * GSM-7: `…` is not in the GSM-7 alphabet and would turn the whole message into UCS-2,
   * shrinking a segment from 153 to 67 characters.
   */
  ellipsis?: string;
}

function fits(text: string, maxSegments: number): boolean {
  return analyseSms(text).segments <= maxSegments;
}

/**
 * Returns `text` unchanged when it fits in `maxSegments`; otherwise the longest prefix (cut
 * on a grapheme boundary, preferably at a word break) followed by an ellipsis and, if
 * given, ` <link>`, such that the whole still fits. If even the link cannot fit, it is
 * dropped; the result always fits.
 */
export function fitSms(text: string, options: FitOptions): string {
  const { maxSegments } = options;
  if (!Number.isInteger(maxSegments) || maxSegments < 1) {
    throw new RangeError(`maxSegments must be an integer of at least 1 (got ${String(maxSegments)})`);
  }
  if (fits(text, maxSegments)) return text;

  const graphemes = graphemesOf(text);
  const attempt = (link: string | undefined): string | null => {
    const build = (count: number): string => {
      const kept = graphemes.slice(0, count).join('').trimEnd();
      const mark = options.ellipsis ?? (analyseSms(kept).encoding === 'GSM-7' ? '...' : '…');
      return kept + mark + (link ? ` ${link}` : '');
    };
    // Longest prefix that fits: the segment count only grows with the prefix, so bisect.
    let lo = 0;
    let hi = graphemes.length;
    if (!fits(build(0), maxSegments)) return null;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(build(mid), maxSegments)) lo = mid;
      else hi = mid - 1;
    }
    // Prefer a word break close to the cut over cutting a word in half.
    let cut = lo;
    for (let i = lo; i > 0 && lo - i < 20; i--) {
      if (/^\s$/u.test(graphemes[i - 1] ?? '') && graphemes.slice(0, i).join('').trim() !== '') {
        cut = i;
        break;
      }
    }
    const result = build(cut);
    return fits(result, maxSegments) ? result : build(lo);
  };

  const withLink = options.link ? attempt(options.link) : null;
  if (withLink !== null) return withLink;
  const withoutLink = attempt(undefined);
  if (withoutLink !== null) return withoutLink;
  // Only reachable with a custom ellipsis longer than a segment: plain truncation.
  let count = graphemes.length;
  while (count > 0 && !fits(graphemes.slice(0, count).join(''), maxSegments)) count--;
  return graphemes.slice(0, count).join('');
}
