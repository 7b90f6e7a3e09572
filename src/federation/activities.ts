import type { Context, InboxListenerSetters } from '@fedify/fedify';
import {
  Article,
  Block,
  EmojiReact,
  Image,
  Move,
  Note,
  PUBLIC_COLLECTION,
  Page,
  PropertyValue,
  Question,
  Undo,
  Update,
  isActor,
  type Activity,
  type Actor,
  type Object as APObject,
} from '@fedify/fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import type { Logger } from 'pino';
import type { Microblog } from '../core/microblog.ts';
import type { Account, Post, ProfileField } from '../core/model.ts';
import type { Clock } from '../shared/clock.ts';
import type { FederationStore, RemoteFollower } from './ports.ts';
import { htmlToText, sanitizeRemoteHtml } from './remote-html.ts';

/** How long a remote account's copy is trusted before an activity from it refreshes it. */
const ACTOR_REFRESH_MS = 24 * 3600_000;

/** What a remote post can be made from: a Note, a poll (Question), or an Article/Page shown as a link. */
export type PostObject = Note | Question | Article | Page;

export function isPostObject(object: unknown): object is PostObject {
  return object instanceof Note || object instanceof Question || object instanceof Article || object instanceof Page;
}

/** The parts of the Federator these activities use (kept there: actors, addressing, delivery). */
export interface FederatorTools {
  microblog: Microblog;
  store: FederationStore;
  clock: Clock;
  logger: Logger;
  context(): Context<void>;
  noteOf(ctx: Context<void>, author: Account, post: Post): Promise<Note>;
  deliverToFollowersAndMentions(ctx: Context<void>, author: Account, post: Post, activity: Activity): Promise<void>;
  sendTo(ctx: Context<void>, sender: Account, recipients: readonly Account[], activity: Activity): Promise<void>;
  remoteFollowers(accountId: string): Promise<RemoteFollower[]>;
  rememberActor(actor: Actor): Promise<Account | null>;
  localAccountOfUri(ctx: Context<void>, uri: URL | null): Promise<Account | null>;
  postNamed(ctx: Context<void>, id: URL | null): Promise<Post | null>;
  mentionIdsOf(ctx: Context<void>, object: PostObject): Promise<string[]>;
  /** The actor document of a local account, as its actor path serves it. */
  personOf(ctx: Context<void>, account: Account): Promise<Actor>;
}

/**
 * The HTML a remote object is shown with, sanitised: a Note its content; a poll its question,
 * its options as text and a link to vote where it lives; an Article or Page its title and link.
 */
export async function postHtmlOf(ctx: Context<void>, object: PostObject): Promise<string> {
  const link = object.url instanceof URL ? object.url.href : (object.id?.href ?? '');
  const anchor = link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : '';
  if (object instanceof Question) {
    const options: string[] = [];
    const loaders = { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true };
    for await (const option of object.getExclusiveOptions(loaders)) options.push(optionName(option));
    for await (const option of object.getInclusiveOptions(loaders)) options.push(optionName(option));
    const list = options.filter((o) => o !== '').map((o) => `☐ ${escapeHtml(o)}`);
    return sanitizeRemoteHtml(
      `${object.content?.toString() ?? ''}${list.length > 0 ? `<p>${list.join('<br>')}</p>` : ''}${anchor}`,
    );
  }
  if (object instanceof Article || object instanceof Page) {
    const name = htmlToText(object.name?.toString() ?? '');
    return sanitizeRemoteHtml(`${name ? `<p>${escapeHtml(name)}</p>` : ''}${anchor}`);
  }
  return sanitizeRemoteHtml(object.content?.toString() ?? '');
}

function optionName(option: APObject): string {
  return htmlToText(option.name?.toString() ?? '').slice(0, 200);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The actor's profile fields (`PropertyValue` attachments) as plain text, as many as a profile holds. */
export async function fieldsOf(actor: Actor): Promise<ProfileField[]> {
  const fields: ProfileField[] = [];
  for await (const attachment of actor.getAttachments({ suppressError: true })) {
    if (!(attachment instanceof PropertyValue)) continue;
    const name = htmlToText(attachment.name?.toString() ?? '').slice(0, 255);
    const value = htmlToText(attachment.value?.toString() ?? '').slice(0, 255);
    if (name !== '') fields.push({ name, value });
    if (fields.length === 4) break;
  }
  return fields;
}

/** The profile images and fields a local actor document carries besides its name and bio. */
export function profileExtras(account: Account, mediaBaseUrl: string | undefined) {
  const image = (key: string | null | undefined) =>
    key && mediaBaseUrl ? new Image({ url: new URL(`${mediaBaseUrl}/${key}`) }) : null;
  return {
    icon: image(account.avatar),
    image: image(account.header),
    attachments: account.fields.map((field) => new PropertyValue({ name: field.name, value: field.value })),
  };
}

/**
 * Edits, profile updates, account deletion and moves, blocks, emoji reactions: the activities
 * beyond follows, posts, likes and boosts, both ways. Each becomes a call on the microblog's
 * use cases; what is checked here is only who may say what (the signature was verified by
 * Fedify before any of this runs).
 */
export class FederatedActivities {
  private readonly tools: FederatorTools;
  constructor(tools: FederatorTools) {
    this.tools = tools;
  }

  /**
   * The account behind an activity's actor: the copy kept here while it is fresh (less than a
   * day old), otherwise fetched again and refreshed. An actor's own `Update` refreshes it at once.
   */
  async senderOf(ctx: Context<void>, activity: Activity): Promise<Account | null> {
    if (!activity.actorId) return null;
    const known = await this.tools.microblog.accountByUri(activity.actorId.href);
    if (known) {
      const fetchedAt = await this.tools.store.endpointsFetchedAt(known.id);
      if (fetchedAt && this.tools.clock.now().getTime() - fetchedAt.getTime() < ACTOR_REFRESH_MS) return known;
    }
    const actor = await activity.getActor(ctx).catch(() => null);
    // A server that does not answer now leaves the copy as it was.
    if (!actor) return known;
    if (!isActor(actor) || actor.id?.href !== activity.actorId.href) return null;
    return this.tools.rememberActor(actor);
  }

  registerInbox(listeners: InboxListenerSetters<void>): void {
    listeners
      .on(Update, (ctx, update) => this.receiveUpdate(ctx, update))
      .on(Block, async (ctx, block) => {
        const sender = await this.senderOf(ctx, block);
        const target = await this.tools.localAccountOfUri(ctx, block.objectId);
        if (sender && target) await this.tools.microblog.block(sender.id, target.id);
      })
      .on(EmojiReact, async (ctx, react) => {
        // Shown as a favourite: Sparrow has one kind of reaction.
        const sender = await this.senderOf(ctx, react);
        const post = sender ? await this.tools.postNamed(ctx, react.objectId) : null;
        if (sender && post) await this.tools.microblog.favourite(sender.id, post.id).catch(() => {});
      })
      .on(Move, (ctx, move) => this.receiveMove(ctx, move));
  }

  /** An `Undo` of a Block or an emoji reaction; false when the object is neither. */
  async undo(ctx: Context<void>, undoer: Account, object: unknown): Promise<boolean> {
    if (object instanceof Block) {
      if (object.actorId?.href !== undoer.uri) return true;
      const target = await this.tools.localAccountOfUri(ctx, object.objectId);
      if (target) await this.tools.microblog.unblock(undoer.id, target.id).catch(() => {});
      return true;
    }
    if (object instanceof EmojiReact) {
      if (object.actorId?.href !== undoer.uri) return true;
      const post = await this.tools.postNamed(ctx, object.objectId);
      if (post) await this.tools.microblog.unfavourite(undoer.id, post.id).catch(() => {});
      return true;
    }
    return false;
  }

  /** A `Delete` whose object is its own actor: the account is gone there, so it goes here. */
  async actorDeleted(actorId: URL): Promise<void> {
    const account = await this.tools.microblog.accountByUri(actorId.href);
    if (account) await this.tools.microblog.removeRemoteAccount(account.id);
  }

  private async receiveUpdate(ctx: Context<void>, update: Update): Promise<void> {
    if (!update.actorId || !update.objectId) return;
    // Embedded objects are read as sent; who may change what is checked below against the signer.
    const object = await update
      .getObject({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, crossOrigin: 'trust' })
      .catch(() => null);
    if (object && isActor(object)) {
      // An actor updates itself only.
      if (object.id?.href !== update.actorId.href) return this.refused('an actor update by another actor', update);
      await this.tools.rememberActor(object);
      return;
    }
    if (!isPostObject(object) || !object.id) return;
    // A post is changed only by its author, and only a post of the author's own server.
    if (object.attributionId?.href !== update.actorId.href)
      return this.refused('an edit of a post attributed to someone else', update);
    if (object.id.origin !== update.actorId.origin) return this.refused('an edit of a post of another server', update);
    const author = await this.senderOf(ctx, update);
    if (!author) return;
    const html = await postHtmlOf(ctx, object);
    const edited = await this.tools.microblog.receiveRemoteEdit(author.id, {
      uri: object.id.href,
      html,
      text: htmlToText(html),
      spoilerText: object instanceof Note ? htmlToText(object.summary?.toString() ?? '') : '',
      sensitive: object instanceof Note ? (object.sensitive ?? false) : false,
      language: null,
      mentionIds: await this.tools.mentionIdsOf(ctx, object),
      editedAt: object.updated ? new Date(object.updated.epochMilliseconds) : this.tools.clock.now(),
    });
    if (!edited) this.refused('an edit of a post that is not its sender’s', update);
  }

  private async receiveMove(ctx: Context<void>, move: Move): Promise<void> {
    if (!move.actorId || !move.objectId || !move.targetId) return;
    // An account moves itself only.
    if (move.objectId.href !== move.actorId.href) return this.refused('a move of another account', move);
    const old = await this.tools.microblog.accountByUri(move.actorId.href);
    if (!old) return;
    // The target is read from its own server, never from the activity, and must name the old account.
    const target = await ctx.lookupObject(move.targetId).catch(() => null);
    if (!target || !isActor(target) || target.id?.href !== move.targetId.href) return;
    if (!target.aliasIds.some((alias) => alias.href === move.actorId!.href))
      return this.refused('a move to an account that does not name the old one', move);
    const moved = await this.tools.rememberActor(target);
    if (moved) await this.tools.microblog.remoteAccountMoved(old.id, moved.id);
  }

  private refused(what: string, activity: Activity): void {
    this.tools.logger.info(
      { activity: activity.id?.href, actor: activity.actorId?.href },
      `ActivityPub: refused ${what}`,
    );
  }

  /** Local edits, profile changes and blocks that other servers must hear of. */
  listenToTheDomain(): void {
    const { microblog } = this.tools;
    const report = (what: string) => (error: unknown) =>
      this.tools.logger.warn({ err: error }, `ActivityPub: could not send ${what}`);

    microblog.onEdited(async (post) => {
      if (post.reblogOfId !== null || post.uri !== null) return;
      const author = (await microblog.accounts([post.accountId])).get(post.accountId);
      if (!author || author.domain !== null) return;
      const ctx = this.tools.context();
      const note = await this.tools.noteOf(ctx, author, post);
      const at = post.editedAt ?? this.tools.clock.now();
      const update = new Update({
        id: new URL(`${note.id!.href}#updates/${at.getTime()}`),
        actor: ctx.getActorUri(author.username),
        object: note,
        tos: note.toIds,
        ccs: note.ccIds,
        updated: Temporal.Instant.fromEpochMilliseconds(at.getTime()),
      });
      await this.tools.deliverToFollowersAndMentions(ctx, author, post, update).catch(report('an edit'));
    });

    microblog.onProfileUpdated(async (account) => {
      if (account.domain !== null) return;
      const ctx = this.tools.context();
      const actor = await this.tools.personOf(ctx, account);
      const followers = await this.tools.remoteFollowers(account.id);
      if (followers.length === 0) return;
      const update = new Update({
        id: new URL(`${ctx.getActorUri(account.username).href}#updates/${this.tools.clock.now().getTime()}`),
        actor: ctx.getActorUri(account.username),
        object: actor,
        tos: [PUBLIC_COLLECTION],
        ccs: [ctx.getFollowersUri(account.username)],
      });
      await ctx
        .sendActivity(
          { identifier: account.username },
          followers.map((f) => ({
            id: new URL(f.uri),
            inboxId: new URL(f.inbox),
            endpoints: { sharedInbox: f.sharedInbox ? new URL(f.sharedInbox) : null },
          })),
          update,
          { preferSharedInbox: true },
        )
        .catch(report('a profile update'));
    });

    microblog.onBlocked(async ({ accountId, targetId, added }) => {
      const accounts = await microblog.accounts([accountId, targetId]);
      const blocker = accounts.get(accountId);
      const target = accounts.get(targetId);
      if (!blocker || !target || blocker.domain !== null || target.domain === null || !target.uri) return;
      const ctx = this.tools.context();
      const block = new Block({
        id: new URL(`${ctx.getActorUri(blocker.username).href}#blocks/${target.id}/${Date.now()}`),
        actor: ctx.getActorUri(blocker.username),
        object: new URL(target.uri),
      });
      const activity = added
        ? block
        : new Undo({ id: new URL(`${block.id!.href}/undo/${Date.now()}`), actor: block.actorId, object: block });
      await this.tools.sendTo(ctx, blocker, [target], activity).catch(report('a block'));
    });
  }
}
