import type { FastifyRequest } from 'fastify';
import { POLL_LIMITS, type PollInput } from '../core/index.ts';
import { html, type SafeHtml } from './html.ts';
import type { Translate } from '../i18n/index.ts';
import { field } from './layout.ts';

/** How long a poll may last, in seconds; each is said with a unit of its own (`web.poll.duration`). */
const DURATIONS: [number, { amount: number; unit: 'minute' | 'hour' | 'day' }][] = [
  [300, { amount: 5, unit: 'minute' }],
  [1800, { amount: 30, unit: 'minute' }],
  [3600, { amount: 1, unit: 'hour' }],
  [6 * 3600, { amount: 6, unit: 'hour' }],
  [24 * 3600, { amount: 1, unit: 'day' }],
  [3 * 24 * 3600, { amount: 3, unit: 'day' }],
  [7 * 24 * 3600, { amount: 7, unit: 'day' }],
];

/** The compose form's optional poll: folded away, works without JavaScript. */
export function pollComposer(t: Translate): SafeHtml {
  const options = Array.from({ length: POLL_LIMITS.maxOptions }, (_, i) => i + 1);
  return html`<details class="poll-compose"><summary>${t('web.poll.add')}</summary>${options.map(
    (n) =>
      html`<label for="poll_option_${String(n)}">${t('web.poll.option', { n })}</label> <input id="poll_option_${String(n)}" name="poll_option_${String(n)}" maxlength="${String(POLL_LIMITS.maxCharactersPerOption)}">`,
  )}
<label for="poll_expires_in">${t('web.poll.lasts')}</label> <select id="poll_expires_in" name="poll_expires_in">${DURATIONS.map(
    ([seconds, { amount, unit }]) =>
      html`<option value="${String(seconds)}"${seconds === 24 * 3600 ? ' selected' : ''}>${t('web.poll.duration', { count: amount, unit })}</option>`,
  )}</select>
<label><input type="checkbox" name="poll_multiple" value="true">${t('web.poll.multiple')}</label></details>`;
}

/** The poll a compose form asks for: null when no option was filled in (the domain checks the rest). */
export function pollFromForm(request: FastifyRequest): PollInput | null {
  const options: string[] = [];
  for (let n = 1; n <= POLL_LIMITS.maxOptions; n += 1) {
    const value = field(request, `poll_option_${n}`, 200).trim();
    if (value) options.push(value);
  }
  if (options.length === 0) return null;
  const seconds = Number(field(request, 'poll_expires_in', 20));
  return {
    options,
    expiresInSeconds: Number.isInteger(seconds) && seconds > 0 ? seconds : 24 * 3600,
    multiple: field(request, 'poll_multiple', 10) === 'true',
  };
}
