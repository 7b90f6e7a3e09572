import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { html } from './html.ts';
import { link, rich } from './rich-text.ts';
import { field, layout, queryString, sendPage, viewFor } from './layout.ts';

const PURPOSE = 'sms_not_me';

/**
 * The one-step "this wasn't me" from the e-mail about an SMS post: the signed link is the
 * proof (no sign-in, which the owner may not manage from where they read mail). It can only
 * protect: remove SMS posts since the last confirmed one and lock SMS posting.
 */
export function notMePages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const invalid = async (request: FastifyRequest, reply: FastifyReply) => {
      const view = await viewFor(ctx, request, reply);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.notMe.expiredTitle'),
          html`<h1>${view.t('web.notMe.expiredHeading')}</h1>
<p>${rich(view, 'web.notMe.expired', {}, { a: link('/settings/sms') })}</p>`,
        ),
        400,
      );
    };

    app.get('/sms/not-me', async (request, reply) => {
      const token = queryString(request, 't', 200);
      if (!(await ctx.links.verify(PURPOSE, token))) return invalid(request, reply);
      // A GET never acts (mail scanners open links); one button does.
      const view = await viewFor(ctx, request, reply);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.sms.notMe'),
          html`<h1>${view.t('web.notMe.heading')}</h1>
<p>${view.t('web.notMe.explain')}</p>
<form method="post" action="/sms/not-me"><input type="hidden" name="t" value="${token}"><p><button class="danger">${view.t('web.notMe.button')}</button></p></form>`,
        ),
      );
    });

    app.post('/sms/not-me', async (request, reply) => {
      const accountId = await ctx.links.verify(PURPOSE, field(request, 't', FIELD_LIMITS.token));
      if (!accountId) return invalid(request, reply);
      const { removed } = await ctx.sms.owner.notMe(accountId);
      const view = await viewFor(ctx, request, reply);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.notMe.done'),
          html`<h1>${view.t('web.notMe.done')}</h1>
<p>${view.t('web.notMe.removed', { count: removed.length })}</p>
<p>${rich(view, 'web.notMe.review', {}, { a: link('/login') })}</p>`,
        ),
      );
    });
  };
}
