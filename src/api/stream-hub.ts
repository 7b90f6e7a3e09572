import type { AppContext } from '../app/context.ts';
import type { StreamEvent } from '../app/event-bus.ts';
import { scopeAllows, type TokenInfo } from '../security/index.ts';
import { HttpError } from './errors.ts';
import { renderNotification, renderStatus } from './mastodon/entities.ts';

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

type StreamEventName = 'update' | 'delete' | 'notification';

/**
 * Who may open which stream: the one rule both transports (SSE and WebSocket) apply.
 * Returns the refusal, or null when the stream may be opened with this token (or none).
 */
export function streamRefusal(stream: StreamName, token: TokenInfo | null): HttpError | null {
  if (stream === 'public' || stream === 'public:local') {
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

/** One open connection (an SSE response or a WebSocket), listening to one or more streams. */
export interface StreamSubscriber {
  readonly viewerId: string | null;
  /** Whether the token may read notifications (`read:notifications`): the user streams carry them only then. */
  readonly notifications: boolean;
  streams(): Iterable<StreamName>;
  send(stream: StreamName, event: StreamEventName, payload: string): void;
}

/** Whether `stream` carries notifications, deletions or posts at all. */
const carriesNotifications = (stream: StreamName) => stream === 'user' || stream === 'user:notification';
const carriesPosts = (stream: StreamName) => stream !== 'user:notification';

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

  /** Listens to the event bus; returns the function that stops listening. */
  start(): () => void {
    return this.ctx.events.subscribe((event) => void this.dispatch(event));
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
    for (const s of this.subscribers) {
      const streams = [...s.streams()].filter(carriesPosts);
      if (streams.length === 0) continue;
      try {
        const post = await microblog.visiblePost(s.viewerId, event.postId);
        let payload: string | null = null;
        for (const stream of streams) {
          if (!(await this.reaches(stream, post, s.viewerId))) continue;
          if (payload === null) {
            const [view] = await microblog.hydrate(s.viewerId, [post]);
            if (!view) break;
            payload = JSON.stringify(renderStatus(view, config));
          }
          s.send(stream, 'update', payload);
        }
      } catch {
        // Not visible to this viewer (or gone already): nothing to send.
      }
    }
  }

  /**
   * Whether a post the viewer may see belongs on `stream`: public streams carry public
   * originals; the user stream the viewer's own posts, accepted follows' posts (not muted)
   * and direct posts naming the viewer; the direct stream direct posts by or naming the viewer;
   * never a muted account's posts.
   */
  private async reaches(
    stream: StreamName,
    post: Awaited<ReturnType<AppContext['microblog']['visiblePost']>>,
    viewerId: string | null,
  ): Promise<boolean> {
    if (stream === 'public' || stream === 'public:local') return post.visibility === 'public' && !post.reblogOfId;
    if (!viewerId || stream === 'user:notification') return false;
    const own = post.accountId === viewerId;
    const addressed = own || post.mentionIds.includes(viewerId);
    const { microblog } = this.ctx;
    if (stream === 'direct' || post.visibility === 'direct') {
      if (post.visibility !== 'direct' || !addressed) return false;
    } else if (!own && !(await microblog.isFollowing(viewerId, post.accountId))) return false;
    // A muted account's posts, direct ones included, stay out of the viewer's streams.
    return own || !(await microblog.relationship(viewerId, post.accountId)).muting;
  }
}
