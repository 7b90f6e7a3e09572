import { escapeHtml } from '../core/post-html.ts';
import { formatParts, type Locale, type MessageId, type MessageValues, type Translate } from '../i18n/index.ts';
import { SafeHtml, trusted } from './html.ts';

/** A private-use character that never occurs in a catalogue, marking where markup goes. */
const MARK = '\uE000';
const MARKED = new RegExp(`${MARK}(\\d+)${MARK}`);

/**
 * A whole translated sentence whose placeholders may be markup (a link, `<strong>`, `<time>`):
 * the sentence is formatted as one message (never joined from fragments), its text escaped,
 * and the markup put back where the translation placed each placeholder.
 */
export function richText(
  t: Translate,
  id: MessageId,
  values: Readonly<Record<string, SafeHtml | string | number | boolean>>,
): SafeHtml {
  const markup: SafeHtml[] = [];
  const plain: MessageValues = {};
  for (const [key, value] of Object.entries(values)) {
    if (value instanceof SafeHtml) {
      plain[key] = `${MARK}${markup.length}${MARK}`;
      markup.push(value);
    } else plain[key] = value;
  }
  const parts = t(id, plain).split(MARKED);
  return new SafeHtml(
    parts.map((part, i) => (i % 2 === 1 ? (markup[Number(part)]?.value ?? '') : escapeHtml(part))).join(''),
  );
}

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
