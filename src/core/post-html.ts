import { normaliseHashtag } from './text.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values: the one escaping of the API and the web. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const LINKABLE =
  /(\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’])|((?<![\p{L}\p{N}_/@.])@([A-Za-z0-9_]{1,30})(?:@[A-Za-z0-9.-]+(?::\d+)?)?)|((?<![\p{L}\p{N}_=/)&#])#[\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}_\u00B7\u30FB\u200C]*)/giu;

export interface MentionLink {
  username: string;
  url: string;
}

/**
 * Renders post text as the small HTML subset Mastodon clients expect: paragraphs, line
 * breaks, links, mention links and hashtag links (to `{tagBaseUrl}/tags/{name}`, the hashtag
 * page; the same tokenizer as `extractHashtags`, so what is linked is what is indexed).
 * Everything else is escaped, so no markup a poster types (or texts) can reach a reader's screen.
 */
export function renderPostHtml(text: string, mentions: readonly MentionLink[], tagBaseUrl = ''): string {
  const byName = new Map(mentions.map((m) => [m.username.toLowerCase(), m]));
  const linkify = (paragraph: string): string => {
    let out = '';
    let last = 0;
    for (const match of paragraph.matchAll(LINKABLE)) {
      const index = match.index ?? 0;
      out += escapeHtml(paragraph.slice(last, index));
      const [whole, url, , username, hashtag] = match;
      if (hashtag) {
        const name = normaliseHashtag(hashtag);
        const written = name
          ? hashtag.slice(0, 1 + hashtag.slice(1).replace(/[\u00B7\u30FB\u200C]+$/u, '').length)
          : '';
        out += name
          ? `<a href="${escapeHtml(`${tagBaseUrl}/tags/${encodeURIComponent(name)}`)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(written.slice(1))}</span></a>${escapeHtml(hashtag.slice(written.length))}`
          : escapeHtml(whole);
      } else if (url) {
        out += `<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer" target="_blank">${escapeHtml(url)}</a>`;
      } else {
        const mention = username ? byName.get(username.toLowerCase()) : undefined;
        out += mention
          ? `<span class="h-card"><a href="${escapeHtml(mention.url)}" class="u-url mention">@<span>${escapeHtml(mention.username)}</span></a></span>`
          : escapeHtml(whole);
      }
      last = index + whole.length;
    }
    return out + escapeHtml(paragraph.slice(last));
  };
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.split('\n').map(linkify).join('<br />')}</p>`)
    .join('');
}

export function renderNoteHtml(note: string): string {
  return note.trim() === '' ? '' : renderPostHtml(note, []);
}
