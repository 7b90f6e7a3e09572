import { escapeHtml } from '../core/post-html.ts';

/**
 * Server-rendered HTML, escaped by default: every interpolated value is escaped unless it
 * is itself the result of `html` (or explicitly `trusted`), so markup injection needs a
 * deliberate act in the code, not a forgotten call.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** For markup produced by code that escapes on its own (e.g. the post renderer). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  scripts?: string[];
  /** Extra elements for the head (the phone simulator's refresh without script). */
  head?: SafeHtml;
  /** The page's language (BCP 47) and writing direction. */
  lang?: string;
  dir?: 'ltr' | 'rtl';
}

/** The page shell: small, readable at 320 px, no external fonts or frameworks. */
export function page({ title, body, scripts = [], head, lang = 'en', dir = 'ltr' }: PageOptions): string {
  return html`<!doctype html>
<html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/static/sparrow.css">${head ?? ''}</head>
<body>${body}${scripts.map((src) => html`<script src="${src}" defer></script>`)}</body></html>`.value;
}
