import { escapeHtml } from '../core/post-html.ts';
import type { MessageId, MessageValues, Translate } from '../i18n/index.ts';
import { SafeHtml } from './html.ts';

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
