import type { FastifyRequest } from 'fastify';
import { POLL_LIMITS, type PollInput } from '../core/index.ts';
import { html, type SafeHtml } from './html.ts';
import { field } from './layout.ts';

const DURATIONS: [number, string][] = [
  [300, '5 minutes'],
  [1800, '30 minutes'],
  [3600, '1 hour'],
  [6 * 3600, '6 hours'],
  [24 * 3600, '1 day'],
  [3 * 24 * 3600, '3 days'],
  [7 * 24 * 3600, '7 days'],
];

/** The compose form's optional poll: folded away, works without JavaScript. */
export function pollComposer(): SafeHtml {
  const options = Array.from({ length: POLL_LIMITS.maxOptions }, (_, i) => i + 1);
  return html`<details class="poll-compose"><summary>Add a poll</summary>${options.map(
    (n) =>
      html`<label for="poll_option_${String(n)}">Option ${String(n)}</label> <input id="poll_option_${String(n)}" name="poll_option_${String(n)}" maxlength="${String(POLL_LIMITS.maxCharactersPerOption)}">`,
  )}
<label for="poll_expires_in">Poll lasts</label> <select id="poll_expires_in" name="poll_expires_in">${DURATIONS.map(
    ([seconds, label]) =>
      html`<option value="${String(seconds)}"${seconds === 24 * 3600 ? ' selected' : ''}>${label}</option>`,
  )}</select>
<label><input type="checkbox" name="poll_multiple" value="true">Allow several choices</label></details>`;
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
