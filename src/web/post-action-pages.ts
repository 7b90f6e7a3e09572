import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { PostView } from '../core/index.ts';
import { DomainError } from '../shared/errors.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
import { button, layout, maxId, notice, postList, sendPage, userMessage, viewFor, type View } from './layout.ts';

const PAGE = 20;

/** What each button does, through the same microblog use cases the API calls. */
const ACTIONS = {
  like: (ctx: AppContext, me: string, id: string) => ctx.microblog.favourite(me, id),
  unlike: (ctx: AppContext, me: string, id: string) => ctx.microblog.unfavourite(me, id),
  boost: (ctx: AppContext, me: string, id: string) => ctx.microblog.reblog(me, id, 'web'),
  unboost: (ctx: AppContext, me: string, id: string) => ctx.microblog.unreblog(me, id),
  bookmark: (ctx: AppContext, me: string, id: string) => ctx.microblog.bookmark(me, id),
  unbookmark: (ctx: AppContext, me: string, id: string) => ctx.microblog.unbookmark(me, id),
} as const;

/**
 * Like, boost and bookmark a post from its page, as plain forms (no JavaScript), and read one's
 * bookmarks at /bookmarks. Only on the post's own page, so timelines stay light.
 */
export function postActions(view: View, item: PostView): SafeHtml {
  const id = item.post.id;
  const boostable = item.post.visibility === 'public' || item.post.visibility === 'unlisted';
  const t = view.t;
  return html`<p class="row actions">${button(view, `/posts/${id}/${item.favourited ? 'unlike' : 'like'}`, t(item.favourited ? 'web.actions.unlike' : 'web.actions.like'))} ${
    boostable || item.reblogged
      ? button(
          view,
          `/posts/${id}/${item.reblogged ? 'unboost' : 'boost'}`,
          t(item.reblogged ? 'web.actions.unboost' : 'web.actions.boost'),
        )
      : ''
  } ${button(view, `/posts/${id}/${item.bookmarked ? 'unbookmark' : 'bookmark'}`, t(item.bookmarked ? 'web.actions.unbookmark' : 'web.actions.bookmark'))} <a href="/bookmarks">${t('web.actions.yourBookmarks')}</a></p>`;
}

export function postActionPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    for (const [name, act] of Object.entries(ACTIONS)) {
      app.post(`/posts/:id/${name}`, async (request, reply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const id = (request.params as { id: string }).id;
        // The error handler answers with the "not found" page in the reader's language.
        if (!/^\d{1,30}$/.test(id)) throw new DomainError('not_found', 'Record not found').coded('not_found');
        let outcome: string;
        try {
          await act(ctx, me.id, id);
          outcome = name.endsWith('e') ? `${name}d` : `${name}ed`;
        } catch (error) {
          // A post one may not see, or may not boost: said on the page, nothing changed.
          userMessage(error); // only rethrows what is not a domain failure: the notice says it
          outcome = 'not_allowed';
        }
        const found = await ctx.microblog.postAndAuthor(id);
        const target = found ? `/@${found.author.username}/${found.post.id}` : '/home';
        return reply.redirect(`${target}?notice=${outcome}`, 303);
      });
    }

    app.get('/bookmarks', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const view = await viewFor(ctx, request, reply);
      const rows = await ctx.microblog.bookmarks(me.id, { limit: PAGE, maxId: maxId(request) });
      const older =
        rows.length === PAGE
          ? html`<p><a href="/bookmarks?max_id=${rows.at(-1)!.cursor}" rel="next">${view.t('web.older')}</a></p>`
          : html``;
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.bookmarks.title'),
          html`${notice(request)}<h1>${view.t('web.bookmarks.title')}</h1><p class="note">${view.t('web.bookmarks.private')}</p>
${postList(
  view,
  rows.map((r) => r.view),
  view.t('web.bookmarks.empty'),
)}${older}`,
        ),
      );
    });
  };
}
