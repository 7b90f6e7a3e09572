import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { REPLIES_POLICIES, type Account, type List } from '../core/index.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { invalid } from '../shared/errors.ts';
import { requireViewer } from './auth-pages.ts';
import { html, type SafeHtml } from './html.ts';
import {
  button,
  errorBox,
  field,
  form,
  layout,
  maxId,
  name,
  notice,
  olderLink,
  postList,
  sendPage,
  userMessage,
  viewFor,
  type View,
} from './layout.ts';
import { notFoundPage } from './social-pages.ts';

const PAGE = 20;
/** People you follow offered for adding, at most this many per page (keeps the page small). */
const SUGGESTIONS = 20;

function listFields(view: View, list: List | null): SafeHtml {
  const policy = list?.repliesPolicy ?? 'list';
  const t = view.t;
  return html`<p><label for="title">${t('web.lists.name')}</label><br><input id="title" name="title" required maxlength="100" value="${list?.title ?? ''}"></p>
<p><label for="replies_policy">${t('web.lists.showReplies')}</label><br><select id="replies_policy" name="replies_policy">${REPLIES_POLICIES.map(
    (p) =>
      html`<option value="${p}"${p === policy ? html` selected` : ''}>${t('web.lists.policy', { policy: p })}</option>`,
  )}</select></p>
<p><label><input type="checkbox" name="exclusive" value="1"${list?.exclusive ? html` checked` : ''}> ${t('web.lists.exclusive')}</label></p>`;
}

/** A list id from the path, or null for anything that cannot be one. */
function listId(request: FastifyRequest): string | null {
  const id = (request.params as { id?: string }).id;
  return typeof id === 'string' && /^\d{1,20}$/.test(id) ? id : null;
}

/**
 * Lists on the web: make them, rename them, add and remove people you follow, read each
 * list's timeline. Everything goes through the same domain service as the API (src/core/lists.ts).
 */
export function listPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    async function indexPage(view: View, request: FastifyRequest, me: Account, error?: string) {
      const lists = await ctx.lists.lists(me.id);
      const t = view.t;
      return layout(
        view,
        t('web.nav.lists'),
        html`<h1>${t('web.nav.lists')}</h1>${notice(request)}
${
  lists.length === 0
    ? html`<p class="note">${t('web.lists.none')}</p>`
    : html`<ul class="plain">${lists.map(
        (l) =>
          html`<li><a href="/lists/${l.id}"><strong>${l.title}</strong></a>${l.exclusive ? html` <span class="note">· ${t('web.lists.onlyHere')}</span>` : ''}</li>`,
      )}</ul>`
}
<h2>${t('web.lists.new')}</h2>${errorBox(error)}${form(view, '/lists', html`${listFields(view, null)}<p><button>${t('web.lists.create')}</button></p>`)}`,
      );
    }

    async function listPage(view: View, request: FastifyRequest, me: Account, list: List, error?: string) {
      const [items, memberRows, followingRows] = await Promise.all([
        ctx.lists.timeline(me.id, list.id, { limit: PAGE, maxId: maxId(request) }),
        ctx.lists.members(me.id, list.id, null),
        ctx.microblog.following(me.id, { limit: 200 }),
      ]);
      const memberIds = new Set(memberRows.map((r) => r.accountId));
      const candidates = followingRows.map((r) => r.accountId).filter((id) => !memberIds.has(id));
      const accounts = await ctx.microblog.accounts([...memberIds, ...candidates.slice(0, SUGGESTIONS)]);
      const members = [...memberIds].flatMap((id) => accounts.get(id) ?? []);
      const suggestions = candidates.slice(0, SUGGESTIONS).flatMap((id) => {
        const a = accounts.get(id);
        return a && !a.suspended ? [a] : [];
      });
      const t = view.t;
      return layout(
        view,
        list.title,
        html`<h1>${list.title}</h1>${notice(request)}${errorBox(error)}
<section aria-label="${t('web.lists.timeline')}">${postList(view, items, t('web.lists.empty'))}</section>
${olderLink(
  view,
  `/lists/${list.id}`,
  items.map((i) => i.post),
  PAGE,
)}
<details id="people"${members.length === 0 ? html` open` : ''}><summary>${t('web.lists.people', { count: members.length })}</summary>
${
  members.length === 0
    ? html`<p class="note">${t('web.lists.nobody')}</p>`
    : html`<ul class="plain">${members.map(
        (a) =>
          html`<li class="row">${name(a)} ${button(view, `/lists/${list.id}/members/${a.id}/remove`, t('web.security.remove'))}</li>`,
      )}</ul>`
}
<h2>${t('web.lists.addSomeone')}</h2>
${form(view, `/lists/${list.id}/members`, html`<p><label for="username">${t('web.signup.username')}</label><br><input id="username" name="username" required maxlength="60" autocomplete="off"> <button>${t('web.lists.add')}</button></p>`)}
${
  suggestions.length > 0
    ? html`<ul class="plain">${suggestions.map(
        (a) =>
          html`<li class="row">${name(a)} ${button(view, `/lists/${list.id}/members`, t('web.lists.add'), html`<input type="hidden" name="username" value="${a.username}">`)}</li>`,
      )}</ul>`
    : ''
}</details>
<details id="settings"><summary>${t('web.lists.change')}</summary>
${form(view, `/lists/${list.id}`, html`${listFields(view, list)}<p><button>${t('web.settings.save')}</button></p>`)}
${button(view, `/lists/${list.id}/delete`, t('web.lists.delete'))}</details>
<p><a href="/lists">${t('web.lists.all')}</a></p>`,
      );
    }

    /** The signed-in owner's list from the path, or a 404 page already sent. */
    async function ownList(request: FastifyRequest, reply: FastifyReply, me: Account): Promise<List | null> {
      const id = listId(request);
      const list = id ? await ctx.lists.get(me.id, id).catch(() => null) : null;
      if (!list) await notFoundPage(await viewFor(ctx, request, reply), reply);
      return list;
    }

    const listInput = (request: FastifyRequest) => ({
      title: field(request, 'title'),
      repliesPolicy: field(request, 'replies_policy') || 'list',
      exclusive: field(request, 'exclusive', 10) === '1',
    });

    app.get('/lists', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      return sendPage(reply, await indexPage(await viewFor(ctx, request, reply), request, me));
    });

    app.post('/lists', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      try {
        const list = await ctx.lists.create(me.id, listInput(request));
        return reply.redirect(`/lists/${list.id}?notice=list_created`, 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        return sendPage(reply, await indexPage(view, request, me, userMessage(error, view)), httpStatusOf(error));
      }
    });

    app.get('/lists/:id', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const list = await ownList(request, reply, me);
      if (!list) return reply;
      return sendPage(reply, await listPage(await viewFor(ctx, request, reply), request, me, list));
    });

    app.post('/lists/:id', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const list = await ownList(request, reply, me);
      if (!list) return reply;
      try {
        await ctx.lists.update(me.id, list.id, listInput(request));
        return reply.redirect(`/lists/${list.id}?notice=list_saved`, 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        return sendPage(reply, await listPage(view, request, me, list, userMessage(error, view)), httpStatusOf(error));
      }
    });

    app.post('/lists/:id/delete', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const list = await ownList(request, reply, me);
      if (!list) return reply;
      await ctx.lists.remove(me.id, list.id);
      return reply.redirect('/lists?notice=list_deleted', 303);
    });

    app.post('/lists/:id/members', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const list = await ownList(request, reply, me);
      if (!list) return reply;
      const username = field(request, 'username', 60).trim();
      try {
        const account = username ? await ctx.microblog.lookup(username) : null;
        if (!account)
          throw invalid('There is no account with that username.', { field: 'username' }).coded('list.no_such_account');
        await ctx.lists.addMembers(me.id, list.id, [account.id]);
        return reply.redirect(`/lists/${list.id}?notice=member_added#people`, 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        return sendPage(reply, await listPage(view, request, me, list, userMessage(error, view)), httpStatusOf(error));
      }
    });

    app.post('/lists/:id/members/:accountId/remove', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const list = await ownList(request, reply, me);
      if (!list) return reply;
      const accountId = (request.params as { accountId: string }).accountId;
      if (!/^\d{1,20}$/.test(accountId)) return notFoundPage(await viewFor(ctx, request, reply), reply);
      await ctx.lists.removeMembers(me.id, list.id, [accountId]);
      return reply.redirect(`/lists/${list.id}?notice=member_removed#people`, 303);
    });
  };
}
