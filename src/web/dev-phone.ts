import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { normalisePhone, type OutboxMessage } from '../sms/index.ts';
import { html } from './html.ts';
import { layout, viewFor } from './layout.ts';

const DEFAULT_NUMBER = '+254712345678';

function inbox(messages: OutboxMessage[]) {
  const shown = [...messages].reverse();
  if (shown.length === 0) return html`<li class="note">No messages yet.</li>`;
  return shown.map(
    (m) =>
      html`<li class="${m.status}">${m.text}<small>${m.createdAt.toISOString().slice(11, 19)} · ${m.status} · ${m.segments} segment(s)</small></li>`,
  );
}

/**
 * The phone simulator (`console` provider only): be any phone number, see what Sparrow
 * texted it, text Sparrow back. Works without JavaScript (forms and redirects); the
 * script only refreshes the inbox while the page is open.
 */
export function devPhonePages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    if (ctx.config.smsProvider !== 'console') return;

    app.get('/dev/phone', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const requested = typeof query.number === 'string' ? query.number : DEFAULT_NUMBER;
      const phone = normalisePhone(requested);
      const outcome = typeof query.outcome === 'string' ? query.outcome.slice(0, 40) : null;
      const messages = phone ? await ctx.sms.outbox.sentTo(phone.e164) : [];
      const body = html`<h1>Phone simulator</h1>
<p class="note">Development only: texts from here reach Sparrow as if sent from this number; nothing leaves the machine.</p>
<form class="inline" method="get" action="/dev/phone"><label>Number <input name="number" value="${phone?.e164 ?? requested}" inputmode="tel" size="16"></label><button>Use</button></form>
${
  phone
    ? html`<div class="phone"><p><strong>${phone.e164}</strong> (${phone.country})</p>
<ul class="sms" data-inbox="${phone.e164}">${inbox(messages)}</ul>
${outcome ? html`<p class="outcome">Sparrow: ${outcome.replace(/_/g, ' ')}</p>` : ''}
<form method="post" action="/dev/phone"><input type="hidden" name="number" value="${phone.e164}">
<label>Text to Sparrow<br><textarea name="text" rows="3" cols="28" maxlength="1600" required></textarea></label><br><button>Send</button></form></div>`
    : html`<p>That is not a valid mobile number. Use the international format, e.g. ${DEFAULT_NUMBER}.</p>`
}`;
      return reply
        .type('text/html; charset=utf-8')
        .send(layout(await viewFor(ctx, request, reply), 'Phone simulator', body, { scripts: ['/static/phone.js'] }));
    });

    app.post('/dev/phone', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const phone = typeof form.number === 'string' ? normalisePhone(form.number) : null;
      const text = typeof form.text === 'string' ? form.text.trim() : '';
      if (!phone || text === '' || text.length > 1600) {
        return reply
          .status(422)
          .type('text/html; charset=utf-8')
          .send(
            layout(
              await viewFor(ctx, request, reply),
              'Phone simulator',
              html`<p>Give a valid number and a text of at most 1,600 characters. <a href="/dev/phone">Back</a></p>`,
            ),
          );
      }
      const result = await ctx.sms.channel.receive('console', {
        providerMessageId: `dev-${randomUUID()}`,
        from: phone.e164,
        to: 'sparrow',
        text,
      });
      return reply.redirect(
        `/dev/phone?number=${encodeURIComponent(phone.e164)}&outcome=${encodeURIComponent(result.outcome ?? 'duplicate')}`,
        303,
      );
    });
  };
}
