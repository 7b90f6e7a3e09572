/**
 * Post text rules, shared by every channel (web, API, SMS) so a post that fits on one
 * fits on all of them.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Links count as this many characters whatever their length, as in Mastodon. */
export const CHARACTERS_RESERVED_PER_URL = 23;

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’]/giu;

/** Usernames: ASCII letters, digits and underscore, as Mastodon allows for local accounts. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_]{1,30}$/;

// `@name` or `@name@domain`, not preceded by a word character (so e-mail addresses are not mentions).
const MENTION_PATTERN =
  /(?<![\p{L}\p{N}_/@.])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?|localhost(?::\d+)?))?/gu;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Characters as a person counts them: grapheme clusters, so 👍🏽 or é is one character. */
export function countGraphemes(text: string): number {
  // Printable ASCII is one character per code unit (no combining marks, no CR LF pairs): no segmenter needed.
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let count = 0;
  for (const _ of segmenter.segment(text)) count += 1;
  return count;
}

export function postLength(text: string): number {
  let urlChars = 0;
  const withoutUrls = text.replace(URL_PATTERN, () => {
    urlChars += CHARACTERS_RESERVED_PER_URL;
    return '';
  });
  return countGraphemes(withoutUrls) + urlChars;
}

export interface MentionToken {
  username: string;
  domain: string | null;
}

export function extractMentions(text: string): MentionToken[] {
  const seen = new Set<string>();
  const mentions: MentionToken[] = [];
  for (const match of text.matchAll(MENTION_PATTERN)) {
    const username = match[1]!;
    const domain = match[2]?.toLowerCase() ?? null;
    const key = `${username.toLowerCase()}@${domain ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    mentions.push({ username, domain });
  }
  return mentions;
}

/**
 * Whether a text already mentions an account: `@user` for an account of this server,
 * `@user@domain` for one of another server (a bare `@user` there names a local account).
 */
export function mentionsAccount(text: string, account: { username: string; domain: string | null }): boolean {
  const domain = account.domain?.toLowerCase() ?? null;
  return extractMentions(text).some(
    (m) => m.username.toLowerCase() === account.username.toLowerCase() && m.domain === domain,
  );
}

/** Longest hashtag name kept (longer runs are not tags), as in Mastodon. */
const MAX_HASHTAG_LENGTH = 100;

// Mastodon's rule: `#` not preceded by a letter, digit, `=`, `/`, `)`, `&` or `#` (so URL
// fragments, query strings and HTML entities are not tags), then Unicode letters, marks,
// digits and underscores (plus the middle dot, katakana middle dot and zero-width non-joiner
// inside a name), with at least one letter: `#2024` is not a tag, `#COP29` is.
const HASHTAG_PATTERN = /(?<![\p{L}\p{N}_=/)&#])#([\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}_\u00B7\u30FB\u200C]*)/gu;
const HASHTAG_NAME = /^[\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}_\u00B7\u30FB\u200C]*$/u;
const TRAILING_SEPARATORS = /[\u00B7\u30FB\u200C]+$/u;

/** The identity of a tag: `#Cats`, `#cats` and `#ｃａｔｓ` are one tag. */
export function hashtagKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/** A tag name as a person or a URL gives it (without `#`), or null when it cannot be a tag. */
export function normaliseHashtag(raw: string): string | null {
  const name = raw.replace(/^#/, '').normalize('NFC').replace(TRAILING_SEPARATORS, '');
  if (name.length === 0 || name.length > MAX_HASHTAG_LENGTH) return null;
  if (!HASHTAG_NAME.test(name) || !/\p{L}/u.test(name)) return null;
  return name;
}

/** A hashtag found in text: where it starts (the `#`), how long it is, and the name as written. */
interface HashtagToken {
  index: number;
  length: number;
  name: string;
}

/** Hashtags in a piece of text outside links, in order of appearance (repeats included). */
function hashtagTokens(text: string): HashtagToken[] {
  const tokens: HashtagToken[] = [];
  // Fragments and paths of links are not tags: blank the links out first (same offsets).
  const withoutUrls = text.replace(URL_PATTERN, (url) => ' '.repeat(url.length));
  for (const match of withoutUrls.matchAll(HASHTAG_PATTERN)) {
    const name = normaliseHashtag(match[1]!);
    if (!name) continue;
    tokens.push({ index: match.index ?? 0, length: 1 + match[1]!.replace(TRAILING_SEPARATORS, '').length, name });
  }
  return tokens;
}

/** The distinct hashtags of a post (first spelling of each), at most `max`. */
export function extractHashtags(text: string, max = 30): string[] {
  const seen = new Map<string, string>();
  for (const token of hashtagTokens(text)) {
    const key = hashtagKey(token.name);
    if (!seen.has(key)) seen.set(key, token.name);
    if (seen.size >= max) break;
  }
  return [...seen.values()];
}

/** Links (http and https) in a text, as written. */
export function extractUrls(text: string): string[] {
  return [...text.matchAll(URL_PATTERN)].map((m) => m[0]);
}
