import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, PostView } from '../core/model.ts';
import { renderPostHtml } from '../core/post-html.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { requireViewer } from './auth-pages.ts';
import { html, trusted, type SafeHtml } from './html.ts';
import { rich, strong } from './rich-text.ts';
import {
  errorBox,
  field,
  form,
  layout,
  name,
  postCard,
  sendPage,
  userMessage,
  viewFor,
  when,
  type View,
} from './layout.ts';
import { notFoundPage } from './social-pages.ts';

/**
 * The web's side of edits and polls: an edit form for one's own posts, the history of an
 * edited post, and voting in a poll with a plain form. All work without JavaScript; every
 * action goes through the same domain use cases as the API.
 */

function editForm(
  view: View,
  item: PostView,
  values: { text: string; spoiler: string; sensitive: boolean },
  error?: string,
) {
  const max = view.ctx.config.maxPostLength;
  const p = item.post;
  const t = view.t;
  return html`${errorBox(error)}${form(
    view,
    `/posts/${p.id}/edit`,
    html`<label for="status">${t('web.edit.text')}</label>
<textarea id="status" name="status" rows="5" required aria-describedby="status-help">${values.text}</textarea>
<small id="status-help" class="note">${t('web.edit.help', { max, visibility: p.visibility })}</small>
<label for="spoiler_text">${t('web.edit.spoiler')}</label>
<input id="spoiler_text" name="spoiler_text" value="${values.spoiler}" maxlength="${String(FIELD_LIMITS.spoiler_text)}">
<div class="row"><label><input type="checkbox" name="sensitive" value="true"${values.sensitive ? ' checked' : ''}>${t('web.edit.sensitive')}</label></div>
${item.poll ? html`<p class="note">${t('web.edit.poll', { options: item.poll.poll.options.join(' / ') })}</p>` : ''}
<div class="row"><button>${t('web.settings.save')}</button> <a href="/@${item.author.username}/${p.id}">${t('web.edit.cancel')}</a></div>`,
  )}`;
}

async function ownPost(ctx: AppContext, me: Account, id: string): Promise<PostView | null> {
  if (!/^\d{1,30}$/.test(id)) return null;
  const item = await ctx.microblog.postView(me.id, id).catch(() => null);
  return item && item.post.accountId === me.id && !item.reblog ? item : null;
}

function choicesOf(request: FastifyRequest): number[] {
  const raw = ((request.body ?? {}) as Record<string, unknown>).choices;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.slice(0, 10).map((v) => (typeof v === 'string' && /^[0-9]{1,3}$/.test(v) ? Number(v) : -1));
}

export function postExtrasPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/@:username/:id/edit', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const view = await viewFor(ctx, request, reply);
      const item = await ownPost(ctx, me, (request.params as { id: string }).id);
      if (!item) return notFoundPage(view, reply);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.edit.title'),
          html`<h1>${view.t('web.edit.title')}</h1>${editForm(view, item, {
            text: item.post.text,
            spoiler: item.post.spoilerText,
            sensitive: item.post.sensitive,
          })}`,
        ),
      );
    });

    app.post('/posts/:id/edit', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const id = (request.params as { id: string }).id;
      const text = field(request, 'status');
      const spoiler = field(request, 'spoiler_text');
      const sensitive = field(request, 'sensitive') === 'true';
      const item = await ownPost(ctx, me, id);
      if (!item) return notFoundPage(await viewFor(ctx, request, reply), reply);
      try {
        await ctx.microblog.edit(me.id, id, { text, spoilerText: spoiler, sensitive, poll: 'keep' });
        return reply.redirect(`/@${me.username}/${id}?notice=edited`, 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        const message = userMessage(error, view);
        return sendPage(
          reply,
          layout(
            view,
            view.t('web.edit.title'),
            html`<h1>${view.t('web.edit.title')}</h1>${editForm(view, item, { text, spoiler, sensitive }, message)}`,
          ),
          httpStatusOf(error),
        );
      }
    });

    app.get('/@:username/:id/history', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const params = request.params as { username: string; id: string };
      const account = await ctx.microblog.lookup(params.username);
      if (!account || !/^\d{1,30}$/.test(params.id)) return notFoundPage(view, reply);
      const viewerId = view.viewer?.id ?? null;
      const item = await ctx.microblog.postView(viewerId, params.id).catch(() => null);
      if (!item || item.post.accountId !== account.id || item.reblog) return notFoundPage(view, reply);
      const { versions } = await ctx.microblog.editHistory(viewerId, params.id);
      const mentions = item.mentions.map((a) => ({ username: a.username, url: `/@${a.username}` }));
      const entries: SafeHtml[] = [...versions].reverse().map((v, i) => {
        const text = trusted(renderPostHtml(v.text, mentions));
        const version = i === versions.length - 1 ? 'original' : i === 0 ? 'current' : 'edited';
        return html`<li><p class="meta"><strong>${view.t('web.history.version', { version })}</strong> · ${when(view, v.createdAt)}</p>${v.spoilerText ? html`<p>${rich(view, 'web.history.spoiler', { spoiler: v.spoilerText }, { b: strong })}</p>` : ''}<div class="text" dir="auto">${text}</div>${
          v.pollOptions
            ? html`<p class="note">${view.t('web.history.poll', { options: v.pollOptions.join(' / ') })}</p>`
            : ''
        }</li>`;
      });
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.history.title', { username: account.username }),
          html`<h1>${rich(view, 'web.history.heading', { name: name(account) })}</h1>
<p><a href="/@${account.username}/${item.post.id}">${view.t('web.history.back')}</a></p>
<ol class="plain" reversed>${entries}</ol>`,
        ),
      );
    });

    app.post('/polls/:id/vote', async (request, reply: FastifyReply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const id = (request.params as { id: string }).id;
      const view = await viewFor(ctx, request, reply);
      if (!/^\d{1,30}$/.test(id)) return notFoundPage(view, reply);
      let postId: string;
      try {
        postId = (await ctx.polls.vote(me.id, id, choicesOf(request))).poll.postId;
      } catch (error) {
        const message = userMessage(error, view);
        const poll = await ctx.polls.poll(me.id, id);
        const item = await ctx.microblog.postView(me.id, poll.poll.postId);
        return sendPage(
          reply,
          layout(
            view,
            view.t('web.poll.title'),
            html`<h1>${view.t('web.poll.title')}</h1>${errorBox(message)}${postCard(view, item)}`,
          ),
          httpStatusOf(error),
        );
      }
      const item = await ctx.microblog.postView(me.id, postId);
      return reply.redirect(`/@${item.author.username}/${postId}?notice=voted`, 303);
    });
  };
}
