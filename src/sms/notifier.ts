import type { Microblog, Post } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import { fitSms } from './encoding.ts';
import type { Outbox, BackgroundStep } from './outbox.ts';
import type { SmsStore } from './ports.ts';
import type { SmsPolicy } from './policy.ts';

export interface NotifierOptions {
  publicUrl: string;
  /** Longest notification, in SMS segments; longer posts are cut with a link. */
  maxSegments: number;
  /** Recipients enqueued per step, so one popular account never holds the worker for long. */
  batchSize: number;
  leaseMs: number;
}

/**
 * Sends new posts by SMS to followers who asked for them (FOLLOW / ON @user). Publishing
 * only records a durable job; the job is worked through in batches by the dispatcher, so
 * an account with 100,000 SMS followers costs the poster nothing and survives a crash.
 */
export class SmsNotifier implements BackgroundStep {
  private readonly store: SmsStore;
  private readonly microblog: Microblog;
  private readonly outbox: Outbox;
  private readonly policy: SmsPolicy;
  private readonly clock: Clock;
  private readonly options: NotifierOptions;
  constructor(
    store: SmsStore,
    microblog: Microblog,
    outbox: Outbox,
    policy: SmsPolicy,
    clock: Clock,
    options: NotifierOptions,
  ) {
    this.store = store;
    this.microblog = microblog;
    this.outbox = outbox;
    this.policy = policy;
    this.clock = clock;
    this.options = options;
  }

  /** Listener for Microblog.onPublished. */
  readonly postPublished = async (post: Post): Promise<void> => {
    if (post.reblogOfId) return;
    if (post.visibility === 'direct') {
      await this.notifyDirect(post);
      return;
    }
    // Replies to others stay in the conversation, as on the web's home timeline defaults.
    if (post.inReplyToAccountId && post.inReplyToAccountId !== post.accountId) return;
    if (!(await this.store.hasSubscribers(post.accountId))) return;
    const now = this.clock.now();
    await this.store.createFanoutJob(
      { id: newId(now.getTime()), postId: post.id, authorId: post.accountId, afterAccountId: null },
      now,
    );
  };

  private async notifyDirect(post: Post): Promise<void> {
    const author = await this.microblog.account(post.accountId);
    const messages = [];
    for (const accountId of post.mentionIds) {
      if (accountId === post.accountId) continue;
      const phone = await this.store.phoneOfAccount(accountId);
      if (!phone || !(await this.store.settings(accountId)).notifications) continue;
      if (!(await this.policy.mayDeliver('content', 'post_notification', phone.country))) continue;
      messages.push({
        to: phone.e164,
        country: phone.country,
        messageClass: 'content' as const,
        purpose: 'post_notification',
        accountId,
        postId: post.id,
        text: await this.notificationText(`DM from @${author.username}: `, post, author.username),
      });
    }
    await this.outbox.enqueue(messages);
  }

  /** Works one batch of one pending fan-out job; returns the recipients enqueued. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const job = await this.store.claimFanoutJob(now, new Date(now.getTime() + this.options.leaseMs));
    if (!job) return 0;
    let post: Post;
    try {
      post = await this.microblog
        .visiblePost(null, job.postId)
        .catch(() => this.microblog.visiblePost(job.authorId, job.postId));
    } catch {
      await this.store.advanceFanoutJob(job.id, job.afterAccountId, true, now); // deleted meanwhile
      return 0;
    }
    const author = await this.microblog.account(job.authorId);
    const recipients = await this.store.smsRecipients(job.authorId, job.afterAccountId, this.options.batchSize);
    const text = await this.notificationText(`@${author.username}: `, post, author.username);
    const allowed = [];
    for (const recipient of recipients) {
      if (await this.policy.mayDeliver('content', 'post_notification', recipient.country)) allowed.push(recipient);
    }
    const last = recipients.at(-1)?.accountId ?? job.afterAccountId;
    const next = { afterAccountId: last, done: recipients.length < this.options.batchSize };
    // The batch and the job's progress are written together: a crash between them would
    // otherwise queue the whole batch again once the lease ran out.
    const queued = await this.outbox.enqueueWith(
      allowed.map((r) => ({
        to: r.e164,
        country: r.country,
        text,
        messageClass: 'content' as const,
        purpose: 'post_notification',
        accountId: r.accountId,
        postId: post.id,
      })),
      (rows) => this.store.queueFanoutBatch(job, rows, next, this.clock.now()),
    );
    if (!queued) return 0; // our lease ran out meanwhile; the job's new holder sends this batch
    // Count the step as work even when everyone was filtered out, so the loop keeps going.
    return Math.max(allowed.length, recipients.length > 0 ? 1 : 0);
  }

  /**
   * A post with a poll reads as its text, the options numbered, and the link to vote on the
   * web (voting by SMS is not offered).
   */
  private async withPoll(post: Post, text: string, username: string): Promise<string> {
    const [view] = await this.microblog.hydrate(null, [post]);
    const poll = view?.poll;
    if (!poll) return text;
    const options = poll.poll.options.map((title, i) => `${i + 1}) ${title}`).join('\n');
    return `${text}\n${options}\nVote: ${this.link(username, post.id)}`;
  }

  /**
   * The post as a text: cut with a link when too long. A phone cannot show images, so a post
   * with images says how many (with their alt text) and always carries the link to see them.
   */
  private async notificationText(prefix: string, post: Post, username: string): Promise<string> {
    const link = this.link(username, post.id);
    const maxSegments = this.options.maxSegments;
    const media = await this.microblog.attachments(post.id);
    if (media.length === 0)
      return fitSms(await this.withPoll(post, `${prefix}${post.text}`, username), { maxSegments, link });
    const alts = media.map((m) => m.description?.replace(/\s+/g, ' ')).filter((d): d is string => !!d);
    const label = `[${media.length === 1 ? 'photo' : `${media.length} photos`}${alts.length > 0 ? `: ${alts.join(' | ')}` : ''}]`;
    const text = `${prefix}${post.text}${post.text ? ' ' : ''}${label}`;
    const whole = `${text} ${link}`;
    return fitSms(whole, { maxSegments }) === whole ? whole : fitSms(text, { maxSegments, link });
  }

  private link(username: string, postId: string): string {
    return `${this.options.publicUrl}/@${username}/${postId}`;
  }
}
