import type { AppContext } from '../app/context.ts';
import type { StreamEvent } from '../app/event-bus.ts';
import type { FilterContext, Post } from '../core/index.ts';
import { extractHashtags, hashtagKey, normaliseHashtag } from '../core/text.ts';
import { scopeAllows, type TokenInfo } from '../security/index.ts';
import { isWellFormedId } from '../shared/ids.ts';
import { HttpError } from './errors.ts';
import { renderNotification, renderStatus } from './mastodon/entities.ts';
import { renderConversation } from './mastodon/reading.ts';

/**
 * The streams Sparrow serves, named as Mastodon names them (the WebSocket `stream` field and
 * the SSE paths). `user:notification` hears only the notifications of the user stream;
 * `public:local` is `public`, as every account here is local.
 */
const STREAM_NAMES = ['user', 'user:notification', 'public', 'public:local', 'direct'] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

export function isStreamName(value: unknown): value is StreamName {
  return typeof value === 'string' && (STREAM_NAMES as readonly string[]).includes(value);
}

/**
 * What one connection listens to: a named stream, one list (`list:<id>`, its owner only), or
 * one hashtag (`hashtag:<tag>` for `hashtag`, `hashtag-local:<tag>` for `hashtag:local`; the
 * tag as the client spelled it, matched case-insensitively).
 */
export type StreamKey = StreamName | `list:${string}` | `hashtag:${string}` | `hashtag-local:${string}`;

export const listStream = (listId: string): StreamKey => `list:${listId}`;

/** The key of the hashtag stream `name` (`hashtag` or `hashtag:local`) with `tag`, or null when `tag` is not a hashtag. */
export function hashtagStream(name: 'hashtag' | 'hashtag:local', tag: unknown): StreamKey | null {
  const normalised = typeof tag === 'string' ? normaliseHashtag(tag) : null;
  if (!normalised) return null;
  return name === 'hashtag' ? `hashtag:${normalised}` : `hashtag-local:${normalised}`;
}

/** The tag of a hashtag stream's key, or null for any other stream. */
function hashtagOf(key: StreamKey): string | null {
  if (key.startsWith('hashtag:')) return key.slice('hashtag:'.length);
  if (key.startsWith('hashtag-local:')) return key.slice('hashtag-local:'.length);
  return null;
}

/**
 * What makes two keys the same subscription: a hashtag's case does not (subscribing to `Birds`
 * then unsubscribing from `birds` ends it).
 */
export function streamIdentity(key: StreamKey): string {
  const tag = hashtagOf(key);
  return tag === null ? key : `${key.slice(0, key.length - tag.length)}${hashtagKey(tag)}`;
}

/**
 * The `stream` field of a WebSocket frame, as Mastodon writes it: `["user"]`, `["list", "<id>"]`,
 * `["hashtag", "<tag>"]`, `["hashtag:local", "<tag>"]` (the tag as subscribed to).
 */
export function streamArray(key: StreamKey): string[] {
  if (key.startsWith('list:')) return ['list', key.slice(5)];
  const tag = hashtagOf(key);
  if (tag !== null) return [key.startsWith('hashtag-local:') ? 'hashtag:local' : 'hashtag', tag];
  return [key];
}

type StreamEventName = 'update' | 'status.update' | 'delete' | 'notification' | 'conversation';

/**
 * Who may open which stream: the one rule both transports (SSE and WebSocket) apply.
 * Returns the refusal, or null when the stream may be opened with this token (or none).
 */
export function streamRefusal(stream: StreamKey, token: TokenInfo | null): HttpError | null {
  if (stream === 'public' || stream === 'public:local' || hashtagOf(stream) !== null) {
    if (token && !scopeAllows(token.scopes, 'read:statuses'))
      return new HttpError(403, 'This action is outside the authorized scopes (needs read:statuses)');
    return null;
  }
  if (!token?.accountId) return new HttpError(401, 'This method requires an authenticated user');
  const scope = stream === 'user:notification' ? 'read:notifications' : 'read:statuses';
  if (!scopeAllows(token.scopes, scope))
    return new HttpError(403, `This action is outside the authorized scopes (needs ${scope})`);
  return null;
}

/**
 * Who may open a list's stream: its owner, with a token that may read lists. Someone else's
 * list is answered as one that does not exist.
 */
export async function listStreamRefusal(
  ctx: AppContext,
  listId: unknown,
  token: TokenInfo | null,
): Promise<HttpError | null> {
  if (!token?.accountId) return new HttpError(401, 'This method requires an authenticated user');
  if (!scopeAllows(token.scopes, 'read:lists'))
    return new HttpError(403, 'This action is outside the authorized scopes (needs read:lists)');
  if (typeof listId !== 'string' || !isWellFormedId(listId)) return new HttpError(404, 'Record not found');
  try {
    await ctx.lists.get(token.accountId, listId);
    return null;
  } catch {
    return new HttpError(404, 'Record not found');
  }
}

/** One open connection (an SSE response or a WebSocket), listening to one or more streams. */
export interface StreamSubscriber {
  readonly viewerId: string | null;
  /** Whether the token may read notifications (`read:notifications`): the user streams carry them only then. */
  readonly notifications: boolean;
  streams(): Iterable<StreamKey>;
  send(stream: StreamKey, event: StreamEventName, payload: string): void;
}

/** Whether `stream` carries notifications, deletions or posts at all. */
const carriesNotifications = (stream: StreamKey) => stream === 'user' || stream === 'user:notification';
const carriesPosts = (stream: StreamKey) => stream !== 'user:notification';

/** The filter context of a stream's posts, as for the matching timeline (the direct stream has none). */
function filterContext(stream: StreamKey): FilterContext | null {
  if (stream === 'public' || stream === 'public:local' || hashtagOf(stream) !== null) return 'public';
  if (stream === 'direct') return null;
  return 'home';
}

/**
 * Mastodon's streaming for every transport. Every instance keeps its own subscribers and
 * hears of new and deleted posts and new notifications through the event bus (Redis pub/sub
 * when several instances run), then decides and renders per viewer: a post is rendered as
 * the viewer may see it, and reaches a stream only under that stream's rule (below);
 * notifications go to their recipient's user streams, rendered as
 * `GET /api/v1/notifications/:id` would (so mutes and blocks apply as there).
 */
export class StreamHub {
  private readonly subscribers = new Set<StreamSubscriber>();
  private readonly ctx: AppContext;

  constructor(ctx: AppContext) {
    this.ctx = ctx;
    ctx.metrics.gauge(
      'sparrow_streaming_connections',
      'Open streaming connections on this instance.',
      () => this.subscribers.size,
    );
  }

  /** Events are decided one after another, so a connection hears them in the order they happened. */
  private pending: Promise<void> = Promise.resolve();

  /** Listens to the event bus; returns the function that stops listening. */
  start(): () => void {
    return this.ctx.events.subscribe((event) => {
      // A post's `update` before its `status.update` or `delete`; one failure stops nothing after it.
      this.pending = this.pending.then(() => this.dispatch(event)).catch(() => {});
    });
  }

  add(subscriber: StreamSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: StreamSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  private async dispatch(event: StreamEvent | { type: 'invalidate' }): Promise<void> {
    if (this.subscribers.size === 0 || event.type === 'invalidate') return;
    const { microblog, config } = this.ctx;
    if (event.type === 'notification') {
      for (const s of this.subscribers) {
        if (s.viewerId !== event.accountId || !s.notifications) continue;
        const streams = [...s.streams()].filter(carriesNotifications);
        if (streams.length === 0) continue;
        try {
          const view = await microblog.notification(event.accountId, event.notificationId);
          const payload = JSON.stringify(renderNotification(view, config));
          for (const stream of streams) s.send(stream, 'notification', payload);
        } catch {
          // Not kept, hidden from this person (a mute, a block) or gone already: nothing to send.
        }
      }
      return;
    }
    if (event.type === 'delete') {
      for (const s of this.subscribers)
        for (const stream of s.streams()) if (carriesPosts(stream)) s.send(stream, 'delete', event.postId);
      return;
    }
    // A new post is `update`; an edited one `status.update`, to the same streams, rendered as edited.
    const name: StreamEventName = event.type;
    for (const s of this.subscribers) {
      const streams = [...s.streams()].filter(carriesPosts);
      if (streams.length === 0) continue;
      try {
        const post = await microblog.visiblePost(s.viewerId, event.postId);
        // Filters differ by context, so the rendering does too: one per context at most.
        const payloads = new Map<FilterContext | null, string | null>();
        for (const stream of streams) {
          if (!(await this.reaches(stream, post, s.viewerId))) continue;
          if (stream === 'direct') {
            // The direct stream carries conversations, as Mastodon's does.
            const conversation = s.viewerId ? await this.ctx.conversations.forPost(s.viewerId, post.id) : null;
            if (conversation) s.send(stream, 'conversation', JSON.stringify(renderConversation(conversation, config)));
            continue;
          }
          const context = filterContext(stream);
          if (!payloads.has(context)) {
            // Filters (hide drops, warn/blur noted) through the same call as every timeline.
            const view = await microblog.streamView(s.viewerId, post, context);
            payloads.set(context, view ? JSON.stringify(renderStatus(view, config)) : null);
          }
          const payload = payloads.get(context);
          if (payload) s.send(stream, name, payload);
        }
      } catch {
        // Not visible to this viewer (or gone already): nothing to send.
      }
    }
  }

  /**
   * Whether a post the viewer may see belongs on `stream`: public streams carry public
   * originals; a hashtag stream public originals carrying its tag (in any case), except a
   * muted account's; the user stream the viewer's own posts, accepted follows' posts (not muted)
   * and direct posts naming the viewer, except members of the viewer's exclusive lists; a list
   * stream its owner's list members' posts as the list timeline shows them; the direct stream
   * direct posts by or naming the viewer; never a muted account's posts.
   */
  private async reaches(stream: StreamKey, post: Post, viewerId: string | null): Promise<boolean> {
    if (stream === 'public' || stream === 'public:local') return post.visibility === 'public' && !post.reblogOfId;
    const own = post.accountId === viewerId;
    const { microblog } = this.ctx;
    const tag = hashtagOf(stream);
    if (tag !== null) {
      if (post.visibility !== 'public' || post.reblogOfId) return false;
      // The tags a post carries are those the tag index holds for it (`extractHashtags`).
      const key = hashtagKey(tag);
      if (!extractHashtags(post.text).some((name) => hashtagKey(name) === key)) return false;
      return !viewerId || own || !(await microblog.relationship(viewerId, post.accountId)).muting;
    }
    if (!viewerId || stream === 'user:notification') return false;
    const addressed = own || post.mentionIds.includes(viewerId);
    if (stream.startsWith('list:')) {
      if (!(await this.ctx.lists.streams(viewerId, stream.slice(5), post))) return false;
    } else if (stream === 'direct' || post.visibility === 'direct') {
      if (post.visibility !== 'direct' || !addressed) return false;
    } else if (!own && !(await microblog.isFollowing(viewerId, post.accountId))) return false;
    else if (!own && (await this.ctx.lists.homeExclusions(viewerId)).has(post.accountId)) return false;
    // A muted account's posts, direct ones included, stay out of the viewer's streams.
    return own || !(await microblog.relationship(viewerId, post.accountId)).muting;
  }
}
