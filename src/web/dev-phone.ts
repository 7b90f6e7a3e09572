import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { normalisePhone, type OutboxMessage, type ReceivedText, type UssdAnswer } from '../sms/index.ts';
import { html, type SafeHtml } from './html.ts';
import { layout, viewFor, when, type View } from './layout.ts';

const DEFAULT_NUMBER = '+254712345678';
/** The service code the simulator dials (any code reaches the same menu). */
const USSD_CODE = '*384*123#';
/** Seconds between reloads of the page when no script keeps the conversation fresh. */
const RELOAD_SECONDS = 15;

/** What Sparrow did with a text: acted on it, held it for the owner, or refused it. */
function outcomeKind(outcome: string): 'acted' | 'held' | 'refused' | 'pending' {
  if (outcome === 'received') return 'pending';
  if (outcome === 'held') return 'held';
  if (['posted', 'command', 'opted_out', 'opted_in', 'help', 'duplicate'].includes(outcome)) return 'acted';
  return 'refused';
}

/** The phone's conversation with Sparrow, oldest first: what it received and what it sent. */
function conversation(view: View, received: readonly OutboxMessage[], sent: readonly ReceivedText[]): SafeHtml {
  const entries = [
    ...received.map((m) => ({ at: m.createdAt, id: m.id, item: { kind: 'received' as const, message: m } })),
    ...sent.map((t) => ({ at: t.receivedAt, id: t.id, item: { kind: 'sent' as const, text: t } })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id));
  const t = view.t;
  if (entries.length === 0) return html`<li class="note">${t('web.dev.phone.none')}</li>`;
  return html`${entries.map(({ item }) => {
    if (item.kind === 'received') {
      const m = item.message;
      return html`<li class="from-sparrow ${m.status}" dir="auto"><span class="sr">${t('web.dev.phone.sparrowWrote')} </span>${m.text}<small>${when(view, m.createdAt, { date: false })} · ${t('web.dev.phone.status', { status: m.status })} · ${t('web.dev.phone.segments', { count: m.segments })}</small></li>`;
    }
    const text = item.text;
    const kind = outcomeKind(text.outcome);
    const said = t('web.sms.outcome', { outcome: kind === 'pending' ? 'received' : text.outcome });
    return html`<li class="from-phone ${kind}" dir="auto"><span class="sr">${t('web.dev.phone.youWrote')} </span>${text.text}<small>${when(view, text.receivedAt, { date: false })} · ${kind === 'refused' ? html`<strong>${said}</strong>` : said}</small></li>`;
  })}`;
}

/**
 * The phone simulator (`console` provider only): be any phone number, see the conversation
 * with Sparrow (what it texted this number and what this number texted it), text Sparrow
 * back. Works without JavaScript (forms, redirects, and the page reloads itself); the script
 * only refreshes the conversation in place while the page is open.
 */
export function devPhonePages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    if (ctx.config.smsProvider !== 'console') return;

    app.get('/dev/phone', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const requested = typeof query.number === 'string' ? query.number : DEFAULT_NUMBER;
      const phone = normalisePhone(requested);
      const outcome = typeof query.outcome === 'string' ? query.outcome.slice(0, 40) : null;
      const reloading = query.reload !== 'off';
      const view = await viewFor(ctx, request, reply);
      const [received, sent] = phone
        ? await Promise.all([ctx.sms.outbox.sentTo(phone.e164), ctx.sms.channel.textsFrom(phone.e164)])
        : [[], []];
      const here = phone ? `/dev/phone?number=${encodeURIComponent(phone.e164)}` : '/dev/phone';
      const kind = outcome ? outcomeKind(outcome) : null;
      const t = view.t;
      const body = html`<h1>${t('web.dev.phone.title')}</h1>
<p class="note">${t('web.dev.phone.intro')}</p>
<form class="inline" method="get" action="/dev/phone"><label>${t('web.dev.phone.number')} <input name="number" value="${phone?.e164 ?? requested}" inputmode="tel" size="16" dir="ltr"></label><button>${t('web.dev.phone.use')}</button></form>
${
  phone
    ? html`<div class="phone"><p><strong dir="ltr">${phone.e164}</strong> (${phone.country})</p>
<ol class="sms" data-inbox="${phone.e164}" tabindex="0" aria-label="${t('web.dev.phone.conversation')}">${conversation(view, received, sent)}</ol>
${
  outcome && kind
    ? html`<p class="outcome ${kind}" role="${kind === 'refused' ? 'alert' : 'status'}">${t('web.dev.phone.sparrowSays', { outcome: t('web.sms.outcome', { outcome }) })}</p>`
    : ''
}
<form method="post" action="/dev/phone"><input type="hidden" name="number" value="${phone.e164}">
<label>${t('web.dev.phone.textTo')}<br><textarea name="text" rows="3" cols="28" maxlength="1600" required dir="auto"></textarea></label><br><button>${t('web.dev.phone.send')}</button></form>
<p class="note"><a href="/dev/phone/ussd?number=${encodeURIComponent(phone.e164)}">${t('web.dev.phone.ussdLink', { code: USSD_CODE })}</a></p>
<p class="note"><a href="${here}${reloading ? '' : '&reload=off'}">${t('web.dev.phone.refresh')}</a><noscript> · ${
        reloading
          ? html`${t('web.dev.phone.reloads', { seconds: RELOAD_SECONDS })} · <a href="${here}&reload=off">${t('web.dev.phone.stop')}</a>`
          : html`<a href="${here}">${t('web.dev.phone.reloadEvery', { seconds: RELOAD_SECONDS })}</a>`
      }</noscript></p></div>`
    : html`<p>${t('web.dev.phone.invalid', { example: DEFAULT_NUMBER })}</p>`
}`;
      return reply.type('text/html; charset=utf-8').send(
        layout(view, t('web.dev.phone.title'), body, {
          scripts: ['/static/phone.js'],
          // Without script the page reloads itself to show new texts (a meta refresh needs no CSP exception).
          ...(phone && reloading
            ? { head: html`<noscript><meta http-equiv="refresh" content="${RELOAD_SECONDS}"></noscript>` }
            : {}),
        }),
      );
    });

    /** USSD mode: dial the service code and walk the menu, one screen per request, as on a feature phone. */
    const ussdPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      number: string,
      screen: { session: string; text: string; answer: UssdAnswer } | null,
    ) => {
      const view = await viewFor(ctx, request, reply);
      const t = view.t;
      const dialForm = html`<form method="post" action="/dev/phone/ussd"><input type="hidden" name="number" value="${number}"><input type="hidden" name="dial" value="1"><button>${t('web.dev.ussd.dial', { code: USSD_CODE })}</button></form>`;
      const body = html`<h1>${t('web.dev.ussd.heading')}</h1>
<p class="note">${t('web.dev.ussd.intro', { number, code: USSD_CODE })} <a href="/dev/phone?number=${encodeURIComponent(number)}">${t('web.dev.ussd.back')}</a></p>
${
  screen
    ? html`<div class="phone"><pre class="ussd" role="status" dir="auto">${screen.answer.text}</pre>
${
  screen.answer.end
    ? html`<p class="note">${t('web.dev.ussd.ended')}</p>${dialForm}`
    : html`<form method="post" action="/dev/phone/ussd"><input type="hidden" name="number" value="${number}"><input type="hidden" name="session" value="${screen.session}"><input type="hidden" name="text" value="${screen.text}"><label>${t('web.dev.ussd.reply')}<br><input name="input" maxlength="160" autocomplete="off" autofocus dir="auto"></label> <button>${t('web.dev.phone.send')}</button></form>
<p class="note"><a href="/dev/phone/ussd?number=${encodeURIComponent(number)}">${t('web.dev.ussd.cancel')}</a></p>`
}</div>`
    : dialForm
}`;
      return reply.type('text/html; charset=utf-8').send(layout(view, t('web.dev.ussd.title'), body));
    };

    app.get('/dev/phone/ussd', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const phone = normalisePhone(typeof query.number === 'string' ? query.number : DEFAULT_NUMBER);
      return ussdPage(request, reply, phone?.e164 ?? DEFAULT_NUMBER, null);
    });

    app.post('/dev/phone/ussd', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const phone = typeof form.number === 'string' ? normalisePhone(form.number) : null;
      if (!phone) return reply.redirect('/dev/phone/ussd', 303);
      const dialling = form.dial === '1' || typeof form.session !== 'string' || form.session === '';
      const session = dialling ? `dev-${randomUUID()}` : String(form.session).slice(0, 100);
      const previous = dialling || typeof form.text !== 'string' ? '' : form.text.slice(0, 1000);
      const input = typeof form.input === 'string' ? form.input.trim().slice(0, 160) : '';
      const text = dialling ? '' : previous === '' ? input : `${previous}*${input}`;
      const answer = await ctx.sms.ussd.answer({
        sessionId: session,
        serviceCode: USSD_CODE,
        phoneNumber: phone.e164,
        networkCode: null,
        text,
      });
      return ussdPage(request, reply, phone.e164, { session, text, answer });
    });

    app.post('/dev/phone', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const phone = typeof form.number === 'string' ? normalisePhone(form.number) : null;
      const text = typeof form.text === 'string' ? form.text.trim() : '';
      if (!phone || text === '' || text.length > 1600) {
        const view = await viewFor(ctx, request, reply);
        return reply
          .status(422)
          .type('text/html; charset=utf-8')
          .send(
            layout(
              view,
              view.t('web.dev.phone.title'),
              html`<p>${view.t('web.dev.phone.badInput', { max: 1600 })} <a href="/dev/phone">${view.t('web.dev.back')}</a></p>`,
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
