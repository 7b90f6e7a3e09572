import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { Hashtags, type TagView } from '../core/index.ts';
import type { Account } from '../core/model.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
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
const TYPES = [
  ['', 'Everything'],
  ['accounts', 'People'],
  ['statuses', 'Posts'],
  ['hashtags', 'Hashtags'],
] as const;
type SearchTypeParam = (typeof TYPES)[number][0];

const tagPath = (tag: string) => `/tags/${encodeURIComponent(tag)}`;

function usesThisWeek(tag: TagView): string {
  const uses = tag.history.reduce((n, d) => n + d.uses, 0);
  const people = Math.max(0, ...tag.history.map((d) => d.accounts));
  return `${uses} post${uses === 1 ? '' : 's'} this week${people > 0 ? `, by ${people}+ ${people === 1 ? 'person' : 'people'}` : ''}`;
}

function personRow(view: View, account: Account, following: boolean): SafeHtml {
  const me = view.viewer;
  const control =
    me && me.id !== account.id && !following
      ? button(view, `/users/${account.username}/follow`, account.locked ? 'Request to follow' : 'Follow')
      : following
        ? html`<span class="note">Following</span>`
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
      const type: SearchTypeParam = TYPES.some(([t]) => t === typeParam) ? (typeParam as SearchTypeParam) : '';
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
      const body = html`<h1>Search</h1>${notice(request)}
<form method="get" action="/search" role="search" class="row"><label for="q" class="sr">Search for</label>
<input id="q" name="q" type="search" value="${q}" maxlength="${FIELD_LIMITS.q}" placeholder="Name, @handle, #tag or words" required>
<select name="type" aria-label="What to search">${TYPES.map(
        ([value, label]) => html`<option value="${value}"${value === type ? html` selected` : ''}>${label}</option>`,
      )}</select> <button>Search</button></form>
${
  results === null
    ? html`<p class="note">Find people by name or @handle, hashtags, and${viewerId ? '' : ' (signed in)'} posts by their words.</p>`
    : html`${
        type === '' || type === 'accounts'
          ? html`<section aria-label="People"><h2>People</h2>${
              results.accounts.length === 0
                ? html`<p class="note">Nobody found.</p>`
                : html`<ul class="plain">${results.accounts.map((a) => personRow(view, a, following.has(a.id)))}</ul>`
            }</section>`
          : ''
      }${
        type === '' || type === 'hashtags'
          ? html`<section aria-label="Hashtags"><h2>Hashtags</h2>${
              results.hashtags.length === 0
                ? html`<p class="note">No hashtags found.</p>`
                : html`<ul class="plain">${results.hashtags.map(
                    (t) =>
                      html`<li><a href="${tagPath(t.name)}">#${t.name}</a> <span class="note">${usesThisWeek(t)}</span></li>`,
                  )}</ul>`
            }</section>`
          : ''
      }${
        type === '' || type === 'statuses'
          ? html`<section aria-label="Posts"><h2>Posts</h2>${
              viewerId
                ? html`${postList(view, results.statuses, 'No posts found.')}${
                    type === 'statuses'
                      ? olderLink(
                          '/search',
                          results.statuses.map((s) => s.post),
                          PAGE,
                          { q, type },
                        )
                      : ''
                  }`
                : html`<p class="note"><a href="/login?next=${encodeURIComponent(`/search?q=${q}`)}">Log in</a> to search posts.</p>`
            }</section>`
          : ''
      }`
}`;
      return sendPage(reply, layout(view, q ? `Search: ${q}` : 'Search', body));
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
          ? button(view, `${path}/unfollow`, 'Unfollow hashtag')
          : button(view, `${path}/follow`, 'Follow hashtag')
        : html`<a href="/login?next=${encodeURIComponent(path)}">Log in</a> to follow this hashtag.`;
      const body = html`${notice(request)}<h1>#${tag.name}</h1>
<p class="meta">${usesThisWeek(tag)} · ${control}</p>
${tag.following ? html`<p class="note">Public posts with this hashtag appear in your home timeline.</p>` : ''}
<section aria-label="Posts">${postList(view, posts, 'No public posts with this hashtag yet.')}</section>${olderLink(
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
<section aria-label="Posts">${postList(view, posts, 'No public posts with this hashtag.')}</section>${olderLink(
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
