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
          'Dev mailbox',
          html`<h1>Dev mailbox</h1>
<p class="note">Development only: no e-mail leaves this machine; the last messages to each address are kept in memory.</p>
<form class="inline" method="get" action="/dev/mail"><label for="mail-to">Address</label> <input id="mail-to" name="to" type="email" value="${to}" size="24"><button>Open</button></form>
${to ? (messages.length === 0 ? html`<p class="note">No messages to ${to} yet.</p>` : html`<ul class="plain mail">${messages.map((m) => html`<li><p><strong>${m.subject}</strong> <span class="note">${when(view, m.at)}</span></p><blockquote>${m.text}</blockquote></li>`)}</ul>`) : ''}`,
        ),
      );
    });
  };
}
