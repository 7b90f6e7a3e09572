import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account, PostView } from '../core/model.ts';
import { renderPostHtml } from '../core/post-html.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { requireViewer } from './auth-pages.ts';
import { html, trusted, type SafeHtml } from './html.ts';
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
  return html`${errorBox(error)}${form(
    view,
    `/posts/${p.id}/edit`,
    html`<label for="status">Text</label>
<textarea id="status" name="status" rows="5" required aria-describedby="status-help">${values.text}</textarea>
<small id="status-help" class="note">Up to ${max} characters. Who can see it stays as it was (${p.visibility}). Everyone who boosted it is told it changed.</small>
<label for="spoiler_text">Content warning (optional)</label>
<input id="spoiler_text" name="spoiler_text" value="${values.spoiler}" maxlength="${String(FIELD_LIMITS.spoiler_text)}">
<div class="row"><label><input type="checkbox" name="sensitive" value="true"${values.sensitive ? ' checked' : ''}>Sensitive</label></div>
${item.poll ? html`<p class="note">The poll (${item.poll.poll.options.join(' / ')}) stays as it is; apps can change its options, which starts the vote again.</p>` : ''}
<div class="row"><button>Save</button> <a href="/@${item.author.username}/${p.id}">Cancel</a></div>`,
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
          'Edit post',
          html`<h1>Edit post</h1>${editForm(view, item, {
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
            'Edit post',
            html`<h1>Edit post</h1>${editForm(view, item, { text, spoiler, sensitive }, message)}`,
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
        const label = i === versions.length - 1 ? 'Original' : i === 0 ? 'Current' : 'Edited';
        return html`<li><p class="meta"><strong>${label}</strong> · ${when(view, v.createdAt)}</p>${v.spoilerText ? html`<p><strong>Content warning:</strong> ${v.spoilerText}</p>` : ''}<div class="text">${text}</div>${
          v.pollOptions ? html`<p class="note">Poll: ${v.pollOptions.join(' / ')}</p>` : ''
        }</li>`;
      });
      return sendPage(
        reply,
        layout(
          view,
          `Edits of a post by @${account.username}`,
          html`<h1>Edits of a post by ${name(account)}</h1>
<p><a href="/@${account.username}/${item.post.id}">Back to the post</a></p>
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
          layout(view, 'Poll', html`<h1>Poll</h1>${errorBox(message)}${postCard(view, item)}`),
          httpStatusOf(error),
        );
      }
      const item = await ctx.microblog.postView(me.id, postId);
      return reply.redirect(`/@${item.author.username}/${postId}?notice=voted`, 303);
    });
  };
}
