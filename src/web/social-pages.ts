import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { postActions } from './post-action-pages.ts';
import type { AppContext } from '../app/context.ts';
import type { MessageId } from '../i18n/index.ts';
import { FIELD_LIMITS } from '../shared/field-limits.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Account, NotificationView, PostView, Relationship, Visibility } from '../core/model.ts';
import { link, rich } from './rich-text.ts';
import { html, type SafeHtml } from './html.ts';
import { avatarImage, headerImage, imageInputs } from './media-html.ts';
import { uploadedFile } from '../http/multipart.ts';
import { requireViewer } from './auth-pages.ts';
import { pollComposer, pollFromForm } from './poll-form.ts';
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
  postCard,
  postList,
  sendPage,
  userMessage,
  viewFor,
  when,
  type View,
} from './layout.ts';
import { scriptCount } from './script-text.ts';

const PAGE = 20;
const VISIBILITY_LABELS: [Visibility, MessageId][] = [
  ['public', 'web.visibility.public'],
  ['unlisted', 'web.visibility.unlisted'],
  ['private', 'web.visibility.private'],
  ['direct', 'web.visibility.direct'],
];

function compose(view: View, options: { replyTo?: PostView; text?: string; error?: string } = {}): SafeHtml {
  const max = view.ctx.config.maxPostLength;
  const reply = options.replyTo;
  const start = options.text ?? (reply && reply.author.id !== view.viewer?.id ? `@${reply.author.username} ` : '');
  return html`<section id="${reply ? 'reply' : 'compose'}" class="compose">${errorBox(options.error)}${form(
    view,
    '/posts',
    html`${reply ? html`<input type="hidden" name="in_reply_to_id" value="${reply.post.id}">` : ''}
<label for="status">${view.t(reply ? 'web.compose.yourReply' : 'web.compose.whatsHappening')}</label>
<textarea id="status" name="status" rows="3" data-max="${max}"${scriptCount(view, 'left', 'web.script.charactersLeft')} aria-describedby="status-help">${start}</textarea>
<small id="status-help" class="note">${view.t('web.compose.help', { max })}</small>
${imageInputs(view.t)}
<div class="row"><label for="visibility">${view.t('web.compose.audience')}</label> <select id="visibility" name="visibility">${VISIBILITY_LABELS.map(
      ([value, label]) =>
        html`<option value="${value}"${(reply?.post.visibility ?? 'public') === value ? html` selected` : ''}>${view.t(label)}</option>`,
    )}</select>
<button>${view.t(reply ? 'web.compose.reply' : 'web.compose.post')}</button></div>${reply ? '' : pollComposer(view.t)}`,
    { multipart: true },
  )}</section>`;
}

function participants(item: PostView, me: string): Account[] {
  const all = [item.author, ...item.mentions].filter((a) => a.id !== me);
  return [...new Map(all.map((a) => [a.id, a])).values()].sort((a, b) => a.username.localeCompare(b.username));
}

function notificationItem(view: View, n: NotificationView): SafeHtml {
  const answer =
    n.notification.type === 'follow_request'
      ? html` <a href="/follow_requests">${view.t('web.social.reviewRequests')}</a>`
      : '';
  return html`<li class="notification"><p class="meta">${rich(view, 'web.social.notification', { name: name(n.from), kind: n.notification.type })} · ${when(view, n.notification.createdAt)}${answer}</p>${n.post ? postCard(view, n.post) : ''}</li>`;
}

/** Follow, unfollow, or (for a locked account) request and withdraw the request. */
function followControl(view: View, account: Account, relationship: Relationship | null): SafeHtml {
  const t = view.t;
  if (relationship?.following) return button(view, `/users/${account.username}/unfollow`, t('web.social.unfollow'));
  if (relationship?.requested)
    return html`<span class="note">${t('web.social.requested')}</span> ${button(view, `/users/${account.username}/unfollow`, t('web.social.cancelRequest'))}`;
  return button(
    view,
    `/users/${account.username}/follow`,
    t(account.locked ? 'web.search.request' : 'web.search.follow'),
  );
}

function profileHeader(view: View, account: Account, relationship: Relationship | null): SafeHtml {
  const me = view.viewer;
  const urls = view.ctx.config;
  return html`<section class="profile">${headerImage(urls, account)}<h1>${avatarImage(urls, account)} ${account.displayName || account.username} <span class="acct">@${account.username}</span></h1>
${account.note ? html`<p class="bio">${account.note}</p>` : ''}
${account.fields.length ? html`<dl class="details">${account.fields.map((f) => html`<dt>${f.name}</dt><dd>${/^https:\/\/[^\s<>"]+$/.test(f.value) ? html`<a href="${f.value}" rel="nofollow noopener me">${f.value}</a>` : f.value}</dd>`)}</dl>` : ''}
<p class="meta">${view.t('web.social.counts', { posts: account.statusesCount, following: account.followingCount, followers: account.followersCount })}${account.role !== 'user' ? ` · ${view.t('web.social.role', { role: account.role })}` : ''}${account.locked ? ` · ${view.t('web.social.approves')}` : ''}</p>
${
  me && me.id !== account.id
    ? html`<div class="row">${followControl(view, account, relationship)} <a class="btn" href="/messages/${account.username}">${view.t('web.social.message')}</a></div>${
        relationship?.requestedBy
          ? html`<p class="note">${view.t('web.social.askedYou', { username: account.username })} <a href="/follow_requests">${view.t('web.social.reviewRequests')}</a></p>`
          : ''
      }`
    : ''
}
${me?.id === account.id ? html`<p><a href="/settings/profile">${view.t('web.social.editProfile')}</a></p>` : ''}</section>`;
}

function backTo(request: FastifyRequest, fallback: string): string {
  const value = ((request.body ?? {}) as Record<string, unknown>).back;
  return typeof value === 'string' && /^\/(?![/\\])[\w\-./@]*$/.test(value) ? value : fallback;
}

export function socialPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    async function homePage(
      request: FastifyRequest,
      view: View,
      me: Account,
      composeOptions: Parameters<typeof compose>[1] = {},
    ) {
      const { posts, items } = await ctx.privacy.homeTimeline(me.id, { limit: PAGE, maxId: maxId(request) });
      const timeline =
        items.length === 0
          ? postList(view, [], view.t('web.home.empty'))
          : html`${items.map((item) => postCard(view, item.view, { promoted: item.promoted }))}`;
      const unread = await ctx.notices.unread(me.id);
      const alert =
        unread > 0
          ? html`<p class="notice warn" role="alert"><strong>${view.t('web.home.securityEvents', { count: unread })}</strong> ${view.t('web.home.onYourAccount')} <a href="/settings/events">${view.t('web.home.review', { count: unread })}</a>.</p>`
          : html``;
      return layout(
        view,
        view.t('web.home.title'),
        html`<h1>${view.t('web.home.title')}</h1>${alert}${notice(request)}${compose(view, composeOptions)}
<section aria-label="${view.t('web.social.timeline')}">${timeline}</section>
${olderLink(
  view,
  '/home',
  posts.map((i) => i.post),
  PAGE,
)}`,
      );
    }

    app.get('/home', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      return sendPage(reply, await homePage(request, await viewFor(ctx, request, reply), me));
    });

    app.post('/posts', { config: { uploads: true } }, async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const text = field(request, 'status');
      const image = uploadedFile(request, 'image');
      const imageDescription = field(request, 'image_description', FIELD_LIMITS.description);
      const inReplyToId = field(request, 'in_reply_to_id', FIELD_LIMITS.id) || null;
      const visibilityInput = field(request, 'visibility');
      const visibility = VISIBILITY_LABELS.some(([v]) => v === visibilityInput)
        ? (visibilityInput as Visibility)
        : 'public';
      try {
        const poll = pollFromForm(request);
        // The image is processed first; if the post is then refused, housekeeping removes it.
        const mediaIds = image
          ? [(await ctx.media.upload(me.id, { data: image.data, description: imageDescription }, 'wait')).id]
          : [];
        const post = await ctx.microblog.post(me.id, { text, source: 'web', visibility, inReplyToId, poll, mediaIds });
        if (inReplyToId) return reply.redirect(`/@${me.username}/${post.id}?notice=posted`, 303);
        return reply.redirect('/home?notice=posted', 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        const message = userMessage(error, view);
        return sendPage(reply, await homePage(request, view, me, { text, error: message }), httpStatusOf(error));
      }
    });

    app.post('/posts/:id/delete', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      await ctx.microblog.deletePost(me.id, (request.params as { id: string }).id);
      return reply.redirect(`/@${me.username}?notice=deleted`, 303);
    });

    app.get('/@:username', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const account = await ctx.microblog.lookup((request.params as { username: string }).username);
      if (!account) return notFoundPage(view, reply);
      const items = await ctx.microblog.accountTimeline(view.viewer?.id ?? null, account.id, {
        limit: PAGE,
        maxId: maxId(request),
      });
      const relationship =
        view.viewer && view.viewer.id !== account.id
          ? await ctx.microblog.relationship(view.viewer.id, account.id)
          : null;
      return sendPage(
        reply,
        layout(
          view,
          `${account.displayName || account.username} (@${account.username})`,
          html`${notice(request)}${profileHeader(view, account, relationship)}
<section aria-label="${view.t('web.search.type', { type: 'statuses' })}">${postList(view, items, view.t('web.social.noPosts'))}</section>${olderLink(
            view,
            `/@${account.username}`,
            items.map((i) => i.post),
            PAGE,
          )}`,
        ),
      );
    });

    app.get('/@:username/:id', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      const params = request.params as { username: string; id: string };
      const account = await ctx.microblog.lookup(params.username);
      if (!account || !/^\d{1,30}$/.test(params.id)) return notFoundPage(view, reply);
      const viewerId = view.viewer?.id ?? null;
      const item = await ctx.microblog.postView(viewerId, params.id).catch(() => null);
      if (!item || item.post.accountId !== account.id) return notFoundPage(view, reply);
      const { ancestors, descendants } = await ctx.microblog.context(viewerId, params.id);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.social.postBy', { username: account.username }),
          html`${notice(request)}
${ancestors.length ? html`<section aria-label="${view.t('web.social.earlier')}" class="thread">${ancestors.map((a) => postCard(view, a))}</section>` : ''}
<section aria-label="${view.t('web.social.post')}" class="focus">${postCard(view, item, { link: false })}${view.viewer ? postActions(view, item) : ''}</section>
${view.viewer ? compose(view, { replyTo: item }) : html`<p class="note">${rich(view, 'web.social.logInToReply', {}, { a: link(`/login?next=${encodeURIComponent(request.url)}`) })}</p>`}
<section aria-label="${view.t('web.social.replies')}" class="thread"><h2>${view.t('web.social.replies')}</h2>${postList(view, descendants, view.t('web.social.noReplies'))}</section>`,
        ),
      );
    });

    for (const action of ['follow', 'unfollow'] as const) {
      app.post(`/users/:username/${action}`, async (request, reply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const target = await ctx.microblog.lookup((request.params as { username: string }).username);
        if (!target) return notFoundPage(await viewFor(ctx, request, reply), reply);
        const before = action === 'unfollow' ? await ctx.microblog.relationship(me.id, target.id) : null;
        const after =
          action === 'follow'
            ? await ctx.microblog.follow(me.id, target.id)
            : await ctx.microblog.unfollow(me.id, target.id);
        const outcome = after.requested
          ? 'requested'
          : before?.requested && !before.following
            ? 'request_withdrawn'
            : `${action}ed`;
        return reply.redirect(`${backTo(request, `/@${target.username}`)}?notice=${outcome}`, 303);
      });
    }

    // ── Follow requests: a locked account says who may follow it ──
    app.get('/follow_requests', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const view = await viewFor(ctx, request, reply);
      const rows = await ctx.microblog.followRequests(me.id, { limit: PAGE, maxId: maxId(request) });
      const accounts = await ctx.microblog.accounts(rows.map((r) => r.accountId));
      const waiting = rows.flatMap((r) => {
        const account = accounts.get(r.accountId);
        return account && !account.suspended ? [account] : [];
      });
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.social.followRequests'),
          html`<h1>${view.t('web.social.followRequests')}</h1>${notice(request)}
<p class="note">${rich(view, 'web.social.requestsHelp', { locked: me.locked }, { a: link('/settings/profile') })}</p>
${
  waiting.length === 0
    ? html`<p class="note">${view.t('web.social.nobodyWaiting')}</p>`
    : html`<ul class="plain">${waiting.map(
        (account) =>
          html`<li class="row">${name(account)} ${button(view, `/follow_requests/${account.id}/authorize`, view.t('web.social.accept'))} ${button(view, `/follow_requests/${account.id}/reject`, view.t('web.social.reject'))}</li>`,
      )}</ul>`
}
${olderLink(
  view,
  '/follow_requests',
  rows.map((r) => ({ id: r.cursor })),
  PAGE,
)}`,
        ),
      );
    });

    for (const answer of ['authorize', 'reject'] as const) {
      app.post(`/follow_requests/:id/${answer}`, async (request, reply) => {
        const me = await requireViewer(ctx, request, reply);
        if (!me) return reply;
        const requesterId = (request.params as { id: string }).id;
        if (!/^\d{1,20}$/.test(requesterId)) return notFoundPage(await viewFor(ctx, request, reply), reply);
        if (answer === 'authorize') await ctx.microblog.authorizeFollowRequest(me.id, requesterId);
        else await ctx.microblog.rejectFollowRequest(me.id, requesterId);
        return reply.redirect(
          `/follow_requests?notice=${answer === 'authorize' ? 'request_accepted' : 'request_rejected'}`,
          303,
        );
      });
    }

    app.get('/notifications', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const view = await viewFor(ctx, request, reply);
      const items = await ctx.microblog.notifications(me.id, { limit: PAGE, maxId: maxId(request) });
      const waiting = await ctx.microblog.followRequestCount(me.id);
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.notifications.title'),
          html`<h1>${view.t('web.notifications.title')}</h1>
${waiting > 0 ? html`<p class="notice" role="status"><a href="/follow_requests">${view.t('web.notifications.waiting', { count: waiting })}</a></p>` : ''}
${items.length === 0 ? html`<p class="note">${view.t('web.notifications.empty')}</p>` : html`<ul class="plain">${items.map((n) => notificationItem(view, n))}</ul>`}
${olderLink(
  view,
  '/notifications',
  items.map((n) => n.notification),
  PAGE,
)}`,
        ),
      );
    });

    app.get('/messages', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const view = await viewFor(ctx, request, reply);
      // Conversations as the API keeps them (src/core/conversations.ts): one per set of people, newest first.
      const list = await ctx.conversations.list(me.id, { limit: 40, maxId: maxId(request) });
      return sendPage(
        reply,
        layout(
          view,
          view.t('web.nav.messages'),
          html`<h1>${view.t('web.social.directMessages')}</h1>${notice(request)}
${form(
  view,
  '/messages',
  html`<p><label for="to">${view.t('web.social.to')}</label><br><input id="to" name="to" required maxlength="60" autocomplete="off"></p>
<p><label for="dm-text">${view.t('web.social.message')}</label><br><textarea id="dm-text" name="text" rows="2" required data-max="${ctx.config.maxPostLength}"${scriptCount(view, 'left', 'web.script.charactersLeft')}></textarea></p><p><button>${view.t('web.social.send')}</button></p>`,
)}
<h2>${view.t('web.social.conversations')}</h2>
${
  list.length === 0
    ? html`<p class="note">${view.t('web.social.noMessages')}</p>`
    : html`<ul class="plain conversations">${list.map((c) => {
        const single = c.accounts.length === 1 ? c.accounts[0]! : null;
        const title = c.accounts.length
          ? new Intl.ListFormat(view.locale, { type: 'unit' }).format(c.accounts.map((a) => `@${a.username}`))
          : view.t('web.social.notesToSelf');
        const last = c.lastPost;
        const href = single
          ? `/messages/${single.username}`
          : last
            ? `/@${last.author.username}/${last.post.id}`
            : null;
        return html`<li>${href ? html`<a href="${href}"><strong>${title}</strong></a>` : html`<strong>${title}</strong>`}${c.unread ? html` · <strong>${view.t('web.social.new')}</strong>` : ''}${last ? html` · ${when(view, last.post.createdAt)}<br><span class="note">${last.author.id === me.id ? view.t('web.social.you', { text: last.post.text.slice(0, 120) }) : last.post.text.slice(0, 120)}</span>` : ''}</li>`;
      })}</ul>`
}
${olderLink(
  view,
  '/messages',
  list.map((c) => ({ id: c.cursor })),
  40,
)}`,
        ),
      );
    });

    async function conversationPage(
      request: FastifyRequest,
      view: View,
      me: Account,
      other: Account,
      error?: string,
      text = '',
    ) {
      const items = (await ctx.microblog.directMessages(me.id, { limit: 200 }))
        .filter((item) => {
          const people = participants(item, me.id);
          return people.length === 1 && people[0]!.id === other.id;
        })
        .reverse();
      return layout(
        view,
        view.t('web.social.messagesWith', { username: other.username }),
        html`<h1>${rich(view, 'web.social.messagesWithHeading', { name: name(other) })}</h1>${notice(request)}
<section aria-label="${view.t('web.social.conversation')}">${postList(view, items, view.t('web.social.noMessages'))}</section>${errorBox(error)}
${form(view, '/messages', html`<input type="hidden" name="to" value="${other.username}"><p><label for="dm-text">${view.t('web.social.messageTo', { username: other.username })}</label><br><textarea id="dm-text" name="text" rows="2" required data-max="${ctx.config.maxPostLength}"${scriptCount(view, 'left', 'web.script.charactersLeft')}>${text}</textarea></p><p><button>${view.t('web.social.send')}</button></p>`)}
<p><a href="/messages">${view.t('web.social.allConversations')}</a></p>`,
      );
    }

    app.get('/messages/:username', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const view = await viewFor(ctx, request, reply);
      const other = await ctx.microblog.lookup((request.params as { username: string }).username);
      if (!other) return notFoundPage(view, reply);
      // Reading the conversation with one person marks it read, as opening it in an app does.
      for (const c of await ctx.conversations.list(me.id, { limit: 40 }))
        if (c.unread && c.accounts.length === 1 && c.accounts[0]!.id === other.id)
          await ctx.conversations.markRead(me.id, c.id);
      return sendPage(reply, await conversationPage(request, view, me, other));
    });

    app.post('/messages', async (request, reply) => {
      const me = await requireViewer(ctx, request, reply);
      if (!me) return reply;
      const to = field(request, 'to', 60).trim().replace(/^@/, '');
      const text = field(request, 'text', FIELD_LIMITS.status).trim();
      const other = to ? await ctx.microblog.lookup(to) : null;
      const view = await viewFor(ctx, request, reply);
      if (!other) {
        return sendPage(
          reply,
          layout(
            view,
            view.t('web.nav.messages'),
            html`<h1>${view.t('web.social.directMessages')}</h1>${errorBox(view.t('web.social.noSuchAccount'))}<p><a href="/messages">${view.t('web.social.back')}</a></p>`,
          ),
          422,
        );
      }
      try {
        // A direct message is a post with direct visibility that mentions its recipient.
        await ctx.microblog.post(me.id, { text: `@${other.username} ${text}`, source: 'web', visibility: 'direct' });
        return reply.redirect(`/messages/${other.username}?notice=sent`, 303);
      } catch (error) {
        return sendPage(
          reply,
          await conversationPage(request, view, me, other, userMessage(error, view), text),
          httpStatusOf(error),
        );
      }
    });
  };
}

export function notFoundPage(view: View, reply: FastifyReply) {
  return sendPage(
    reply,
    layout(
      view,
      view.t('web.social.notFound'),
      html`<h1>${view.t('web.social.notFound')}</h1><p>${view.t('web.social.notFoundHelp')}</p><p><a href="/">${view.t('web.nav.home')}</a></p>`,
    ),
    404,
  );
}
