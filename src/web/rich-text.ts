import { escapeHtml } from '../core/post-html.ts';
import { formatParts, type Locale, type MessageId } from '../i18n/index.ts';
import { type SafeHtml, trusted } from './html.ts';

type Wrap = (inner: SafeHtml) => SafeHtml;

/**
 * A catalogue message with markup inside the sentence: links and emphasis are tags in the
 * message (`Already have an account? <login>Log in</login>.`) and code here says what each tag
 * becomes, so translators move the link with the words. Every string (the message's own text
 * and the values) is escaped; only `SafeHtml` values and the tag functions add markup.
 */
export function rich(
  view: { locale: Locale },
  id: MessageId,
  values: Record<string, string | number | boolean | SafeHtml> = {},
  tags: Record<string, Wrap> = {},
): SafeHtml {
  const render = (parts: (string | SafeHtml)[]) =>
    parts.map((p) => (typeof p === 'string' ? escapeHtml(p) : p.value)).join('');
  const wrapped: Record<string, (chunks: (string | SafeHtml)[]) => SafeHtml> = {};
  for (const [name, wrap] of Object.entries(tags)) wrapped[name] = (chunks) => wrap(trusted(render(chunks)));
  return trusted(render(formatParts<SafeHtml>(view.locale, id, { ...values, ...wrapped })));
}

/** The usual tag: a link to `href`. */
export function link(href: string): Wrap {
  return (inner) => trusted(`<a href="${escapeHtml(href)}">${inner.value}</a>`);
}

/** `<strong>` around the words. */
export const strong: Wrap = (inner) => trusted(`<strong>${inner.value}</strong>`);
