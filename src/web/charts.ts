import type { Locale, Translate } from '../i18n/index.ts';
import { html, type SafeHtml } from './html.ts';

export interface Series {
  label: string;
  /** One value per slot, oldest first. */
  values: number[];
}

const PALETTE = ['#1b5fb3', '#c2410c', '#15803d', '#7e22ce', '#be123c', '#0e7490'];

/**
 * A line chart as inline SVG: no script, no external file, readable at 320 px (it scales
 * to the width). Colours are attributes, not styles, so the strict CSP needs no exception.
 * The numbers are also given as text for screen readers and text browsers.
 */
export function lineChart(
  /** The reader's language: labels from the catalogue, numbers written its way. */
  view: { t: Translate; locale: Locale },
  id: string,
  title: string,
  slots: string[],
  series: Series[],
  /** How a slot's time is written on the axis (the reader's zone, saying which). */
  timeLabel: (slot: string) => string,
): SafeHtml {
  const width = 600;
  const height = 200;
  const pad = { left: 40, right: 8, top: 10, bottom: 26 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) =>
    pad.left + (slots.length <= 1 ? 0 : (i * (width - pad.left - pad.right)) / (slots.length - 1));
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const numbers = new Intl.NumberFormat(view.locale);
  const total = series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
  const lines = series.map(
    (s, n) =>
      html`<polyline fill="none" stroke="${PALETTE[n % PALETTE.length]!}" stroke-width="2" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
  );
  const ticks = [0, Math.ceil(max / 2), max].map(
    (v) =>
      html`<text x="${pad.left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="16" fill="#5a6675">${numbers.format(v)}</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e2e8f0"/>`,
  );
  const labels =
    slots.length > 0
      ? html`<text x="${x(0)}" y="${height - 6}" font-size="16" fill="#5a6675">${timeLabel(slots[0]!)}</text><text x="${x(slots.length - 1)}" y="${height - 6}" font-size="16" text-anchor="end" fill="#5a6675">${timeLabel(slots.at(-1)!)}</text>`
      : '';
  return html`<figure class="chart"><figcaption id="${id}-title">${title} <span class="note">(${view.t('web.chart.total', { count: total })})</span></figcaption>
<svg viewBox="0 0 ${width} ${height}" width="100%" direction="ltr" role="img" aria-labelledby="${id}-title"><title>${title}</title>${ticks}${lines}${labels}</svg>
${series.length ? html`<ul class="legend">${series.map((s, n) => html`<li><span class="swatch" data-colour="${n % PALETTE.length}">■</span> ${s.label}: ${numbers.format(s.values.reduce((a, b) => a + b, 0))}</li>`)}</ul>` : html`<p class="note">${view.t('web.chart.none')}</p>`}</figure>`;
}

/** The last `count` UTC minutes up to `now`, as `YYYY-MM-DDTHH:MM`. */
export function minuteSlots(now: Date, count: number): string[] {
  const end = Math.floor(now.getTime() / 60_000) * 60_000;
  return Array.from({ length: count }, (_, i) => new Date(end - (count - 1 - i) * 60_000).toISOString().slice(0, 16));
}
