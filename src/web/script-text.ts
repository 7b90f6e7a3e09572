import type { MessageId } from '../i18n/index.ts';
import { html, type SafeHtml } from './html.ts';
import type { View } from './layout.ts';

/**
 * Words for the page scripts (src/web/static.ts), which carry no catalogue: the page renders
 * them from the catalogue into `data-*` attributes on the element the script works on.
 */
export function scriptText(view: Pick<View, 't'>, texts: Record<string, MessageId>): SafeHtml {
  return html`${Object.entries(texts).map(([name, id]) => html` data-${name}="${view.t(id)}"`)}`;
}

const categorySamples = new Map<string, [Intl.LDMLPluralRule, number][]>();

/** A small number in each plural category the language uses (Arabic: 0, 1, 2, 3, 11, 100). */
function samples(locale: string): [Intl.LDMLPluralRule, number][] {
  let found = categorySamples.get(locale);
  if (!found) {
    const rules = new Intl.PluralRules(locale);
    const seen = new Map<Intl.LDMLPluralRule, number>();
    for (let n = 0; n <= 1000; n++) {
      const category = rules.select(n);
      if (!seen.has(category)) seen.set(category, n);
    }
    found = [...seen];
    categorySamples.set(locale, found);
  }
  return found;
}

/**
 * A count message in every plural form the language uses, for a script to pick from with
 * `Intl.PluralRules`: ` data-<name>-<category>="…#…"`, `#` standing where the number goes
 * (a form that writes no number, like Arabic's "بقي حرف واحد", has none).
 */
export function scriptCount(view: Pick<View, 't' | 'locale'>, name: string, id: MessageId): SafeHtml {
  const digits = new Intl.NumberFormat(view.locale);
  return html`${samples(view.locale).map(([category, n]) => {
    const text = view.t(id, { count: n }).replace(digits.format(n), '#');
    return html` data-${name}-${category}="${text}"`;
  })}`;
}
