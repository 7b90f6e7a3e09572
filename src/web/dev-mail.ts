import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { html } from './html.ts';
import { layout, queryString, sendPage, viewFor, when } from './layout.ts';

/**
 * The development mailbox (`console` SMS provider and no SMTP only, like the phone
 * simulator): what the server "sent" to one address, newest first. Anywhere else this
 * would hand out everyone's codes, so the route does not exist there.
 */
export function devMailPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const mailbox = ctx.devMailbox;
    if (ctx.config.smsProvider !== 'console' || !mailbox) return;

    app.get('/dev/mail', async (request, reply) => {
      const to = queryString(request, 'to', 320).trim();
      const messages = to ? mailbox.messagesTo(to) : [];
      const view = await viewFor(ctx, request, reply);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.dev.mail.title'),
          html`<h1>${view.t('web.dev.mail.title')}</h1>
<p class="note">${view.t('web.dev.mail.intro')}</p>
<form class="inline" method="get" action="/dev/mail"><label for="mail-to">${view.t('web.dev.mail.address')}</label> <input id="mail-to" name="to" type="email" value="${to}" size="24" dir="ltr"><button>${view.t('web.dev.mail.open')}</button></form>
${to ? (messages.length === 0 ? html`<p class="note">${view.t('web.dev.mail.none', { address: to })}</p>` : html`<ul class="plain mail">${messages.map((m) => html`<li><p><strong dir="auto">${m.subject}</strong> <span class="note">${when(view, m.at)}</span></p><blockquote dir="auto">${m.text}</blockquote></li>`)}</ul>`) : ''}`,
        ),
      );
    });
  };
}
