import type { Clock } from '../shared/clock.ts';
import { DomainError, invalid, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { Microblog } from './microblog.ts';
import type { Page, Post, PostSource } from './model.ts';
import type { PostExtrasStore, ScheduledParams, ScheduledPost } from './post-extras.ts';

/** As Mastodon: at least 5 minutes ahead, at most 300 waiting per account and 25 on one day. */
const MIN_LEAD_MS = 5 * 60_000;
const MAX_SCHEDULED = 300;
const MAX_SCHEDULED_PER_DAY = 25;

/**
 * Posts written now and published later (`scheduled_at`). Scheduling checks the post as a
 * new post is checked, so an invalid one is refused at once; publishing goes through the
 * ordinary create use case (permissions, limits, fan-out, notifications, SMS).
 *
 * The worker's `runOnce` claims one due post under a lease and publishes it with the
 * idempotency key `scheduled:<id>`: a worker that dies after publishing but before removing
 * the row, or two workers racing on an expired lease, find the post already made, so each
 * scheduled post is published exactly once; the row survives restarts until then.
 */
export class ScheduledPosts {
  private readonly microblog: Microblog;
  private readonly store: PostExtrasStore;
  private readonly clock: Clock;
  private readonly options: { leaseMs: number; reportError?: (error: unknown, context: string) => void };
  constructor(
    microblog: Microblog,
    store: PostExtrasStore,
    clock: Clock,
    options: { leaseMs: number; reportError?: (error: unknown, context: string) => void },
  ) {
    this.microblog = microblog;
    this.store = store;
    this.clock = clock;
    this.options = options;
  }

  async schedule(accountId: string, at: Date, params: ScheduledParams, source: PostSource): Promise<ScheduledPost> {
    await this.microblog.account(accountId);
    this.checkTime(at);
    const checked = this.microblog.checkPostInput(params);
    if (params.inReplyToId) await this.microblog.visiblePost(accountId, params.inReplyToId);
    const counts = await this.store.scheduledCounts(accountId, at);
    if (counts.total >= MAX_SCHEDULED)
      throw invalid(`You can have at most ${MAX_SCHEDULED} scheduled posts`, { field: 'scheduled_at' }).coded(
        'scheduled.full',
        { max: MAX_SCHEDULED },
      );
    if (counts.sameDay >= MAX_SCHEDULED_PER_DAY)
      throw invalid(`You can schedule at most ${MAX_SCHEDULED_PER_DAY} posts on one day`, {
        field: 'scheduled_at',
      }).coded('scheduled.day_full', { max: MAX_SCHEDULED_PER_DAY });
    const now = this.clock.now();
    const post: ScheduledPost = {
      id: newId(now.getTime()),
      accountId,
      scheduledAt: at,
      params: { ...params, text: checked.text, poll: checked.poll },
      source,
      createdAt: now,
    };
    await this.store.addScheduled(post);
    return post;
  }

  async list(accountId: string, page: Page): Promise<ScheduledPost[]> {
    return this.store.scheduledList(accountId, page);
  }

  /** One of the account's own scheduled posts; anyone else's is not found. */
  async get(accountId: string, id: string): Promise<ScheduledPost> {
    const post = await this.store.scheduledById(accountId, id);
    if (!post) throw notFound();
    return post;
  }

  async reschedule(accountId: string, id: string, at: Date): Promise<ScheduledPost> {
    this.checkTime(at);
    if (!(await this.store.reschedule(accountId, id, at))) throw notFound();
    return this.get(accountId, id);
  }

  async cancel(accountId: string, id: string): Promise<void> {
    if (!(await this.store.removeScheduled(accountId, id))) throw notFound();
  }

  /** Publishes one due post; returns how many it handled (0 or 1). */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const due = await this.store.claimDueScheduled(now, new Date(now.getTime() + this.options.leaseMs));
    if (!due) return 0;
    try {
      await this.publish(due);
    } catch (error) {
      // A post that can no longer be made (its author suspended, the reply's post gone) is dropped,
      // as Mastodon drops it; anything else (the store away) is tried again when the lease ends.
      if (!(error instanceof DomainError)) throw error;
      this.options.reportError?.(error, `scheduled post ${due.id} could not be published`);
    }
    await this.store.removeScheduled(due.accountId, due.id);
    return 1;
  }

  private async publish(due: ScheduledPost): Promise<Post> {
    const p = due.params;
    return this.microblog.post(due.accountId, {
      text: p.text,
      source: due.source,
      visibility: p.visibility ?? 'public',
      spoilerText: p.spoilerText ?? '',
      sensitive: p.sensitive,
      language: p.language,
      inReplyToId: p.inReplyToId,
      poll: p.poll,
      idempotencyKey: `scheduled:${due.id}`,
    });
  }

  private checkTime(at: Date): void {
    if (Number.isNaN(at.getTime()) || at.getTime() < this.clock.now().getTime() + MIN_LEAD_MS)
      throw invalid('Scheduled time must be at least 5 minutes in the future', { field: 'scheduled_at' }).coded(
        'scheduled.too_soon',
        { minutes: 5 },
      );
  }
}
