import type { Clock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { Microblog } from './microblog.ts';
import type { NewNotification } from './ports.ts';
import { pollView, type PollView, type PostExtrasStore } from './post-extras.ts';

/**
 * Polls: reading one as a viewer may (only someone who can see its post), voting, and the
 * end of a poll. Every interface (API, web) votes through here.
 *
 * When a poll ends, its author and everyone who voted get a `poll` notification. The
 * worker's `runOnce` claims ended polls in the store, one at a time, writing the claim and
 * the notifications in one transaction: with several workers or instances each poll is
 * announced once, and a crash before the commit leaves it for the next try.
 */
export class Polls {
  private readonly microblog: Microblog;
  private readonly store: PostExtrasStore;
  private readonly clock: Clock;
  private readonly announce: (notifications: readonly NewNotification[]) => Promise<void>;
  constructor(
    microblog: Microblog,
    store: PostExtrasStore,
    clock: Clock,
    announce: (notifications: readonly NewNotification[]) => Promise<void>,
  ) {
    this.microblog = microblog;
    this.store = store;
    this.clock = clock;
    this.announce = announce;
  }

  /** The poll as the viewer sees it; not found when the viewer may not see its post. */
  async poll(viewerId: string | null, pollId: string): Promise<PollView> {
    const poll = await this.store.pollById(pollId);
    if (!poll) throw notFound();
    await this.microblog.visiblePost(viewerId, poll.postId);
    const state = (await this.store.pollStates([poll.postId], viewerId)).get(poll.postId);
    if (!state) throw notFound();
    return pollView(state, this.clock.now(), viewerId);
  }

  /** Votes once, as Mastodon: not on a poll that ended, not on one's own, one choice unless `multiple`. */
  async vote(accountId: string, pollId: string, choices: readonly number[]): Promise<PollView> {
    await this.microblog.account(accountId);
    const poll = await this.store.pollById(pollId);
    if (!poll) throw notFound();
    await this.microblog.visiblePost(accountId, poll.postId);
    const now = this.clock.now();
    if (poll.expiresAt.getTime() <= now.getTime())
      throw invalid('The poll has already ended', { field: 'choices' }).coded('poll.ended');
    if (poll.accountId === accountId)
      throw invalid('You cannot vote in your own poll', { field: 'choices' }).coded('poll.own');
    const unique = [...new Set(choices)];
    if (unique.length === 0) throw invalid('Choose at least one option', { field: 'choices' }).coded('poll.none');
    if (unique.length !== choices.length)
      throw invalid('Each option can be chosen once', { field: 'choices' }).coded('poll.twice');
    if (unique.some((c) => !Number.isInteger(c) || c < 0 || c >= poll.options.length))
      throw invalid('That option is not in this poll', { field: 'choices' }).coded('poll.unknown');
    if (!poll.multiple && unique.length > 1)
      throw invalid('This poll allows only one choice', { field: 'choices' }).coded('poll.single');
    const outcome = await this.store.vote({
      pollId,
      accountId,
      choices: unique.map((choice) => ({ id: newId(now.getTime()), choice })),
      at: now,
    });
    if (outcome === 'already')
      throw invalid('You have already voted on this poll', { field: 'choices' }).coded('poll.voted');
    return this.poll(accountId, pollId);
  }

  /** Announces one ended poll (its author and voters are notified); returns how many it handled (0 or 1). */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.store.claimEndedPoll(now, (poll, voterIds) =>
      [...new Set([poll.accountId, ...voterIds])].map((accountId) => ({
        id: newId(now.getTime()),
        accountId,
        type: 'poll' as const,
        fromAccountId: poll.accountId,
        postId: poll.postId,
      })),
    );
    if (!claimed) return 0;
    await this.announce(claimed.notifications);
    return 1;
  }
}
