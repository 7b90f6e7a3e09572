import sanitizeHtml from 'sanitize-html';

/**
 * The HTML of other servers' posts and bios, reduced to what Mastodon itself keeps: text,
 * paragraphs and line breaks, links (http/https only, opened safely), mentions and hashtags
 * as links, and a few inline styles as plain elements. No scripts, styles, images, iframes,
 * forms or event handlers can pass; unknown elements keep their text.
 */
export function sanitizeRemoteHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [
      'p',
      'br',
      'a',
      'span',
      'del',
      'pre',
      'code',
      'em',
      'strong',
      'b',
      'i',
      'u',
      'ul',
      'ol',
      'li',
      'blockquote',
    ],
    allowedAttributes: { a: ['href', 'rel', 'class', 'target'], span: ['class'] },
    allowedClasses: {
      a: ['mention', 'hashtag', 'u-url', 'h-card'],
      span: ['invisible', 'ellipsis', 'h-card'],
    },
    allowedSchemes: ['http', 'https'],
    allowProtocolRelative: false,
    transformTags: {
      a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer', target: '_blank' }),
    },
  });
}

/** Plain text of (remote) HTML: paragraphs become blank lines, line breaks newlines, entities decoded. */
export function htmlToText(html: string): string {
  const withBreaks = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<\/(p|li|blockquote|pre)>/gi, '\n');
  const text = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} });
  return decodeEntities(text)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos|nbsp|#39);/gi, (entity, code: string) => {
    const lower = code.toLowerCase();
    if (lower.startsWith('#x')) return safeChar(Number.parseInt(lower.slice(2), 16), entity);
    if (lower.startsWith('#')) return safeChar(Number.parseInt(lower.slice(1), 10), entity);
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }[lower] ?? entity;
  });
}

function safeChar(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}
