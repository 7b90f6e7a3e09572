import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { isLocale } from '../i18n/index.ts';
import { LANGUAGE_COOKIE, viewFor } from './layout.ts';
import { currentSession } from './session.ts';

const YEAR_S = 365 * 24 * 3600;

/**
 * `POST /language`: the language switcher at the foot of every page. Kept in a cookie for
 * this browser, and as the account's language when signed in (so SMS, USSD and e-mail
 * follow). Goes back to the page it was sent from (a local path only).
 */
export function languagePages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.post('/language', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const language = form.language;
      const back = typeof form.return === 'string' && /^\/(?![/\\])[^\s]*$/.test(form.return) ? form.return : '/';
      if (!isLocale(language)) {
        // Said in the language the page was in (the account's, the cookie's or the browser's).
        const { t } = await viewFor(ctx, request, reply);
        return reply.status(422).type('text/plain; charset=utf-8').send(t('web.language.unknown'));
      }
      void reply.setCookie(LANGUAGE_COOKIE, language, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.config.publicUrl.startsWith('https:'),
        maxAge: YEAR_S,
      });
      const session = await currentSession(ctx, request);
      if (session) await ctx.sms.languages.setForAccount(session.account.id, language);
      return reply.redirect(back.slice(0, 500), 303);
    });
  };
}
