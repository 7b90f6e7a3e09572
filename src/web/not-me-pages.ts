import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { html } from './html.ts';
import { field, layout, queryString, sendPage, viewFor } from './layout.ts';

const PURPOSE = 'sms_not_me';

/**
 * The one-step "this wasn't me" from the e-mail about an SMS post: the signed link is the
 * proof (no sign-in, which the owner may not manage from where they read mail). It can only
 * protect: remove SMS posts since the last confirmed one and lock SMS posting.
 */
export function notMePages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const invalid = async (request: FastifyRequest, reply: FastifyReply) =>
      sendPage(
        reply,
        layout(
          await viewFor(ctx, request, reply),
          'Link expired',
          html`<h1>This link has expired</h1>
<p>It is more than 7 days old or not complete. Sign in and use <a href="/settings/sms">Settings → SMS posting</a>: “This wasn’t me” is there too.</p>`,
        ),
        400,
      );

    app.get('/sms/not-me', async (request, reply) => {
      const token = queryString(request, 't', 200);
      if (!(await ctx.links.verify(PURPOSE, token))) return invalid(request, reply);
      // A GET never acts (mail scanners open links); one button does.
      return sendPage(
        reply,
        layout(
          await viewFor(ctx, request, reply),
          'This wasn’t me',
          html`<h1>A post by SMS that was not you?</h1>
<p>This removes every post made by SMS on your account since the last one you confirmed, discards texts waiting for you, and locks SMS posting until you unlock it with your password.</p>
<form method="post" action="/sms/not-me"><input type="hidden" name="t" value="${token}"><p><button class="danger">Remove them and lock SMS posting</button></p></form>`,
        ),
      );
    });

    app.post('/sms/not-me', async (request, reply) => {
      const accountId = await ctx.links.verify(PURPOSE, field(request, 't', FIELD_LIMITS.token));
      if (!accountId) return invalid(request, reply);
      const { removed } = await ctx.sms.owner.notMe(accountId);
      return sendPage(
        reply,
        layout(
          await viewFor(ctx, request, reply),
          'Done',
          html`<h1>Done</h1>
<p>${removed.length === 1 ? '1 post made by SMS was removed' : `${removed.length} posts made by SMS were removed`} and SMS posting is locked. Change your password if you think someone knows it, and check your phone with your carrier.</p>
<p><a href="/login">Sign in</a> to review your account.</p>`,
        ),
      );
    });
  };
}
