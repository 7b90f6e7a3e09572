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

/** Characters as a person counts them: grapheme clusters, so 👍🏽 or é is one character. */
export function countGraphemes(text: string): number {
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
