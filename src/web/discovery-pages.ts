import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { Hashtags, type TagView } from '../core/index.ts';
import type { Account } from '../core/model.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
import { link, rich } from './rich-text.ts';
import {
  button,
  layout,
  maxId,
  name,
  notice,
  olderLink,
  postList,
  queryString,
  sendPage,
  viewFor,
  type View,
} from './layout.ts';
import { notFoundPage } from './social-pages.ts';

const PAGE = 20;
const TYPES = ['', 'accounts', 'statuses', 'hashtags'] as const;
type SearchTypeParam = (typeof TYPES)[number];

const tagPath = (tag: string) => `/tags/${encodeURIComponent(tag)}`;

function usesThisWeek(view: View, tag: TagView): string {
  const uses = tag.history.reduce((n, d) => n + d.uses, 0);
  const people = Math.max(0, ...tag.history.map((d) => d.accounts));
  return view.t('web.tag.uses', { count: uses, people });
}

function personRow(view: View, account: Account, following: boolean): SafeHtml {
  const me = view.viewer;
  const control =
    me && me.id !== account.id && !following
      ? button(
          view,
          `/users/${account.username}/follow`,
          view.t(account.locked ? 'web.search.request' : 'web.search.follow'),
        )
      : following
        ? html`<span class="note">${view.t('web.search.following')}</span>`
        : '';
  return html`<li>${name(account)} ${control}</li>`;
}

/** The search page and hashtag pages: work without JavaScript, one form and plain links. */
export function discoveryPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/search', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const q = queryString(request, 'q', FIELD_LIMITS.q).trim();
      const typeParam = queryString(request, 'type', 20);
      const type: SearchTypeParam = TYPES.some((x) => x === typeParam) ? (typeParam as SearchTypeParam) : '';
      const t = view.t;
      const viewerId = view.viewer?.id ?? null;
      const results = q
        ? await ctx.search.search(viewerId, {
            query: q,
            type: type === '' ? null : type,
            resolve: viewerId !== null,
            following: false,
            accountId: null,
            page: { limit: PAGE, maxId: type === 'statuses' ? maxId(request) : undefined },
            offset: 0,
          })
        : null;
      const following =
        results && viewerId && results.accounts.length > 0
          ? new Set(
              (
                await ctx.microblog.relationships(
                  viewerId,
                  results.accounts.map((a) => a.id),
                )
              )
                .filter((r) => r.following)
                .map((r) => r.id),
            )
          : new Set<string>();
      const body = html`<h1>${t('web.nav.search')}</h1>${notice(request)}
<form method="get" action="/search" role="search" class="row"><label for="q" class="sr">${t('web.search.for')}</label>
<input id="q" name="q" type="search" value="${q}" maxlength="${FIELD_LIMITS.q}" placeholder="${t('web.search.placeholder')}" required>
<select name="type" aria-label="${t('web.search.what')}">${TYPES.map(
        (value) =>
          html`<option value="${value}"${value === type ? html` selected` : ''}>${t('web.search.type', { type: value || 'all' })}</option>`,
      )}</select> <button>${t('web.nav.search')}</button></form>
${
  results === null
    ? html`<p class="note">${t('web.search.help', { signedIn: viewerId !== null })}</p>`
    : html`${
        type === '' || type === 'accounts'
          ? html`<section aria-label="${t('web.search.type', { type: 'accounts' })}"><h2>${t('web.search.type', { type: 'accounts' })}</h2>${
              results.accounts.length === 0
                ? html`<p class="note">${t('web.search.nobody')}</p>`
                : html`<ul class="plain">${results.accounts.map((a) => personRow(view, a, following.has(a.id)))}</ul>`
            }</section>`
          : ''
      }${
        type === '' || type === 'hashtags'
          ? html`<section aria-label="${t('web.search.type', { type: 'hashtags' })}"><h2>${t('web.search.type', { type: 'hashtags' })}</h2>${
              results.hashtags.length === 0
                ? html`<p class="note">${t('web.search.noTags')}</p>`
                : html`<ul class="plain">${results.hashtags.map(
                    (tag) =>
                      html`<li><a href="${tagPath(tag.name)}">#${tag.name}</a> <span class="note">${usesThisWeek(view, tag)}</span></li>`,
                  )}</ul>`
            }</section>`
          : ''
      }${
        type === '' || type === 'statuses'
          ? html`<section aria-label="${t('web.search.type', { type: 'statuses' })}"><h2>${t('web.search.type', { type: 'statuses' })}</h2>${
              viewerId
                ? html`${postList(view, results.statuses, t('web.search.noPosts'))}${
                    type === 'statuses'
                      ? olderLink(
                          view,
                          '/search',
                          results.statuses.map((s) => s.post),
                          PAGE,
                          { q, type },
                        )
                      : ''
                  }`
                : html`<p class="note">${rich(view, 'web.search.logInForPosts', {}, { a: link(`/login?next=${encodeURIComponent(`/search?q=${q}`)}`) })}</p>`
            }</section>`
          : ''
      }`
}`;
      return sendPage(reply, layout(view, q ? t('web.search.title', { q }) : t('web.nav.search'), body));
    });

    app.get('/tags/:name', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const raw = (request.params as { name: string }).name;
      let tagName: string;
      try {
        tagName = Hashtags.nameOf(raw);
      } catch {
        return notFoundPage(view, reply);
      }
      const viewerId = view.viewer?.id ?? null;
      const [tag, posts] = await Promise.all([
        ctx.hashtags.tag(viewerId, tagName),
        ctx.hashtags.timeline(viewerId, { tag: tagName }, { limit: PAGE, maxId: maxId(request) }),
      ]);
      const path = tagPath(tag.name);
      const control = view.viewer
        ? tag.following
          ? button(view, `${path}/unfollow`, view.t('web.tag.unfollow'))
          : button(view, `${path}/follow`, view.t('web.tag.follow'))
        : rich(view, 'web.tag.logIn', {}, { a: link(`/login?next=${encodeURIComponent(path)}`) });
      const body = html`${notice(request)}<h1>#${tag.name}</h1>
<p class="meta">${usesThisWeek(view, tag)} · ${control}</p>
${tag.following ? html`<p class="note">${view.t('web.tag.inHome')}</p>` : ''}
<section aria-label="${view.t('web.search.type', { type: 'statuses' })}">${postList(view, posts, view.t('web.tag.noPostsYet'))}</section>${olderLink(
        view,
        path,
        posts.map((p) => p.post),
        PAGE,
      )}`;
      return sendPage(reply, layout(view, `#${tag.name}`, body));
    });

    // A profile's public posts with one tag: where a featured tag links.
    app.get('/@:username/tagged/:name', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const params = request.params as { username: string; name: string };
      const account = await ctx.microblog.lookup(params.username);
      let tagName: string;
      try {
        tagName = Hashtags.nameOf(params.name);
      } catch {
        return notFoundPage(view, reply);
      }
      if (!account) return notFoundPage(view, reply);
      const posts = await ctx.hashtags.timeline(
        view.viewer?.id ?? null,
        { tag: tagName, authorId: account.id },
        { limit: PAGE, maxId: maxId(request) },
      );
      const path = `/@${account.username}/tagged/${encodeURIComponent(tagName)}`;
      const body = html`<h1>${name(account)} · <a href="${tagPath(tagName)}">#${tagName}</a></h1>
<section aria-label="${view.t('web.search.type', { type: 'statuses' })}">${postList(view, posts, view.t('web.tag.noPosts'))}</section>${olderLink(
        view,
        path,
        posts.map((p) => p.post),
        PAGE,
      )}`;
      return sendPage(reply, layout(view, `@${account.username} #${tagName}`, body));
    });

    for (const action of ['follow', 'unfollow'] as const) {
      app.post(`/tags/:name/${action}`, async (request, reply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const raw = (request.params as { name: string }).name;
        const tag =
          action === 'follow' ? await ctx.hashtags.follow(me.id, raw) : await ctx.hashtags.unfollow(me.id, raw);
        return reply.redirect(`${tagPath(tag.name)}?notice=${action}ed`, 303);
      });
    }
  };
}
