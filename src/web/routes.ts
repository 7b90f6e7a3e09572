import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { DomainError } from '../shared/errors.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { errorText } from '../i18n/index.ts';
import { adminPages } from './admin-pages.ts';
import { adminReportPages } from './admin-report-pages.ts';
import { federationAdminPages } from './federation-admin-pages.ts';
import { authPages } from './auth-pages.ts';
import { devMailPages } from './dev-mail.ts';
import { devPhonePages } from './dev-phone.ts';
import { discoveryPages } from './discovery-pages.ts';
import { languagePages } from './language-pages.ts';
import { html } from './html.ts';
import { layout, sendPage, viewFor } from './layout.ts';
import { csrfValid } from './session.ts';
import { privacyPages } from './privacy-pages.ts';
import { securityPages } from './security-pages.ts';
import { settingsPages } from './settings-pages.ts';
import { notMePages } from './not-me-pages.ts';
import { notFoundPage, socialPages } from './social-pages.ts';
import { listPages } from './list-pages.ts';
import { postActionPages } from './post-action-pages.ts';
import { postExtrasPages } from './post-extras-pages.ts';
import { oauthPages } from './oauth-pages.ts';
import { contentSecurityPolicy, securityHeaders } from './security-headers.ts';
import { PASSKEY_SCRIPT, PHONE_SCRIPT, SIGNUP_POW_SCRIPT, SITE_SCRIPT, STYLESHEET } from './static.ts';

/**
 * Forms without the session's CSRF token: the simulator plays an anonymous phone, like a real
 * handset; the e-mailed "this wasn't me" form carries its own signed token instead; the OAuth
 * consent form is for someone not signed in here, and grants only to a registered redirect URI.
 */
const CSRF_EXEMPT = new Set(['/dev/phone', '/dev/phone/ussd', '/sms/not-me', '/oauth/authorize']);

/** Every page and asset of the web UI. */
export function webRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    // Images on the pages come from here, or from the S3 bucket's public URL when configured.
    const s3PublicUrl = ctx.config.media.s3?.publicUrl;
    const policy = contentSecurityPolicy({ imgSrc: s3PublicUrl ? [new URL(s3PublicUrl).origin] : [] });
    app.addHook('onRequest', async (request, reply) => securityHeaders(request, reply, policy));
    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST' || CSRF_EXEMPT.has(request.url.split('?')[0]!)) return;
      if (!(await csrfValid(ctx, request))) {
        const view = await viewFor(ctx, request, reply);
        return sendPage(
          reply,
          layout(
            view,
            view.t('web.error.formExpiredTitle'),
            html`<h1>${view.t('web.error.formExpiredHeading')}</h1>
<p>${view.t('web.error.formExpired')}</p>`,
          ),
          403,
        );
      }
    });
    app.setErrorHandler(async (error, request, reply) => {
      const view = await viewFor(ctx, request, reply).catch(() => null);
      if (error instanceof DomainError && error.kind === 'not_found' && view) return notFoundPage(view, reply);
      const status = httpStatusOf(error);
      if (status >= 500) request.log.error({ err: error }, 'web page failed');
      if (!view) {
        const plain = status >= 500 ? 'Something went wrong on our side. Please try again.' : 'Request failed';
        return reply.status(status).type('text/plain; charset=utf-8').send(plain);
      }
      // A domain failure says what it is in the reader's language; anything else (a body too
      // large, a malformed form) says only that the request could not be handled.
      const message =
        status >= 500
          ? view.t('web.error.ourSide')
          : error instanceof DomainError
            ? errorText(view.locale, error)
            : view.t('web.error.failed');
      const body = html`<h1>${view.t('web.error.heading')}</h1><p>${message}</p><p><a href="/">${view.t('web.nav.home')}</a></p>`;
      return sendPage(reply, layout(view, view.t('web.error.title'), body), status);
    });

    const asset = (type: string, content: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.type(type).header('cache-control', 'public, max-age=3600').send(content);
    app.get('/static/sparrow.css', asset('text/css; charset=utf-8', STYLESHEET));
    app.get('/static/phone.js', asset('text/javascript; charset=utf-8', PHONE_SCRIPT));
    app.get('/static/sparrow.js', asset('text/javascript; charset=utf-8', SITE_SCRIPT));
    app.get('/static/passkey.js', asset('text/javascript; charset=utf-8', PASSKEY_SCRIPT));
    app.get('/static/signup-pow.js', asset('text/javascript; charset=utf-8', SIGNUP_POW_SCRIPT));
    await app.register(authPages(ctx));
    await app.register(oauthPages(ctx));
    await app.register(socialPages(ctx));
    await app.register(listPages(ctx));
    await app.register(postActionPages(ctx));
    await app.register(postExtrasPages(ctx));
    await app.register(discoveryPages(ctx));
    await app.register(settingsPages(ctx));
    await app.register(notMePages(ctx));
    await app.register(securityPages(ctx));
    await app.register(privacyPages(ctx));
    await app.register(adminPages(ctx));
    await app.register(adminReportPages(ctx));
    await app.register(federationAdminPages(ctx));
    await app.register(devPhonePages(ctx));
    await app.register(devMailPages(ctx));
    await app.register(languagePages(ctx));
  };
}
