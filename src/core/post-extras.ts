import { invalid } from '../shared/errors.ts';
import type { NewNotification } from './ports.ts';
import type { Page, PostSource, Visibility } from './model.ts';
import { countGraphemes } from './text.ts';
import type { NewPoll, Poll, PollInput, PollView } from './poll-model.ts';

export type { NewPoll, Poll, PollInput, PollView } from './poll-model.ts';

/**
 * What a post may carry beyond its text: a poll, earlier versions (edits), and a publication
 * date in the future (scheduled posts). The types, the limits and the storage port live here,
 * beside the use cases in `microblog.ts` (create, edit), `polls.ts` and `scheduled-posts.ts`.
 */

/** Mastodon's defaults, which its clients assume (and read back from the instance's `configuration.polls`). */
export const POLL_LIMITS = {
  maxOptions: 4,
  minOptions: 2,
  maxCharactersPerOption: 50,
  minExpirationSeconds: 300,
  maxExpirationSeconds: 2_629_746,
} as const;

/** A poll's stored state and the viewer's own votes, read in one batch for many posts. */
export interface PollState {
  poll: Poll;
  optionVotes: number[];
  votersCount: number;
  ownVotes: number[] | null;
}

/** One version of a post as `GET /api/v1/statuses/:id/history` shows it. */
export interface PostVersion {
  id: string;
  postId: string;
  text: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  pollOptions: string[] | null;
  createdAt: Date;
}

/** What happens to a post's poll when it is edited. */
export type PollChange =
  | { kind: 'none' }
  | { kind: 'remove' }
  /** Same options and kind: votes stay; end and hide_totals may move. */
  | { kind: 'update'; pollId: string; hideTotals: boolean; expiresAt: Date }
  /** New options (or a new poll): votes start again, as on Mastodon. */
  | { kind: 'replace'; poll: NewPoll };

export interface PostEdit {
  postId: string;
  authorId: string;
  text: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  editedAt: Date;
  mentionIds: string[];
  poll: PollChange;
  /** Home feeds the post now reaches too (people newly addressed by a direct message), as on create. */
  deliverTo: string[];
  /** Versions to record: the original on the first edit, then the new one. */
  versions: PostVersion[];
  notifications: NewNotification[];
  /** A remote post's new HTML (already sanitised); absent for local posts. */
  remoteHtml?: string;
}

/** The parameters a scheduled post is published with (Mastodon's ScheduledStatus `params`). */
export interface ScheduledParams {
  text: string;
  visibility: Visibility | null;
  spoilerText: string | null;
  sensitive: boolean;
  language: string | null;
  inReplyToId: string | null;
  mediaIds: string[];
  poll: PollInput | null;
  idempotency: string | null;
}

export interface ScheduledPost {
  id: string;
  accountId: string;
  scheduledAt: Date;
  params: ScheduledParams;
  source: PostSource;
  createdAt: Date;
}

/** Storage for edits, polls and scheduled posts; every method is atomic. */
export interface PostExtrasStore {
  // Polls
  pollStates(postIds: readonly string[], viewerId: string | null): Promise<Map<string, PollState>>;
  pollById(id: string): Promise<Poll | null>;
  /** Records one account's vote: 'already' when it voted on this poll before (concurrent tries included). */
  vote(input: {
    pollId: string;
    accountId: string;
    choices: { id: string; choice: number }[];
    at: Date;
  }): Promise<'voted' | 'already'>;
  /**
   * Claims one poll that ended and was not announced yet, and stores the notifications
   * `plan` makes for it (given the voters), in one transaction: whichever instance claims it,
   * the notifications are written once. Null when none is due.
   */
  claimEndedPoll(
    now: Date,
    plan: (poll: Poll, voterIds: string[]) => NewNotification[],
  ): Promise<{ poll: Poll; notifications: NewNotification[] } | null>;

  // Edits
  postVersions(postId: string): Promise<PostVersion[]>;
  /** Accounts that boosted the post (they hear of edits). */
  boostersOf(postId: string): Promise<string[]>;
  applyEdit(edit: PostEdit): Promise<void>;

  // Scheduled posts
  addScheduled(post: ScheduledPost): Promise<void>;
  scheduledById(accountId: string, id: string): Promise<ScheduledPost | null>;
  scheduledList(accountId: string, page: Page): Promise<ScheduledPost[]>;
  /** How many the account has waiting: in all, and on the day (UTC) of `day`. */
  scheduledCounts(accountId: string, day: Date): Promise<{ total: number; sameDay: number }>;
  reschedule(accountId: string, id: string, at: Date): Promise<boolean>;
  removeScheduled(accountId: string, id: string): Promise<boolean>;
  /** Claims one due post for `leaseUntil` (one not claimed, or whose claim ran out). */
  claimDueScheduled(now: Date, leaseUntil: Date): Promise<ScheduledPost | null>;
}

/** Checks and normalises a poll as Mastodon does; errors name `poll[options]` / `poll[expires_in]`. */
export function checkPoll(input: PollInput): Required<PollInput> {
  const options = input.options.map((o) => o.trim());
  if (options.length < POLL_LIMITS.minOptions)
    throw invalid(`A poll needs at least ${POLL_LIMITS.minOptions} options`, { field: 'poll[options]' }).coded(
      'poll.too_few',
      { min: POLL_LIMITS.minOptions },
    );
  if (options.length > POLL_LIMITS.maxOptions)
    throw invalid(`A poll has at most ${POLL_LIMITS.maxOptions} options`, { field: 'poll[options]' }).coded(
      'poll.too_many',
      { max: POLL_LIMITS.maxOptions },
    );
  for (const option of options) {
    if (option === '')
      throw invalid('Poll options can’t be blank', { field: 'poll[options]' }).coded('poll.option_blank');
    if (countGraphemes(option) > POLL_LIMITS.maxCharactersPerOption)
      throw invalid(`Poll options are at most ${POLL_LIMITS.maxCharactersPerOption} characters`, {
        field: 'poll[options]',
      }).coded('poll.option_too_long', { max: POLL_LIMITS.maxCharactersPerOption });
  }
  if (new Set(options).size !== options.length)
    throw invalid('Poll options must be different', { field: 'poll[options]' }).coded('poll.option_repeated');
  const seconds = input.expiresInSeconds;
  if (
    !Number.isInteger(seconds) ||
    seconds < POLL_LIMITS.minExpirationSeconds ||
    seconds > POLL_LIMITS.maxExpirationSeconds
  )
    throw invalid(
      `A poll lasts between ${POLL_LIMITS.minExpirationSeconds} seconds and ${POLL_LIMITS.maxExpirationSeconds} seconds`,
      { field: 'poll[expires_in]' },
    ).coded('poll.duration', { min: POLL_LIMITS.minExpirationSeconds, max: POLL_LIMITS.maxExpirationSeconds });
  return {
    options,
    expiresInSeconds: seconds,
    multiple: input.multiple ?? false,
    hideTotals: input.hideTotals ?? false,
  };
}

/** The poll as one viewer sees it at `now`. */
export function pollView(state: PollState, now: Date, viewerId: string | null): PollView {
  const expired = state.poll.expiresAt.getTime() <= now.getTime();
  const showTotals = expired || !state.poll.hideTotals;
  return {
    poll: state.poll,
    expired,
    votesCount: state.optionVotes.reduce((a, b) => a + b, 0),
    votersCount: state.votersCount,
    optionVotes: state.optionVotes.map((n) => (showTotals ? n : null)),
    voted: viewerId === null ? null : viewerId === state.poll.accountId || (state.ownVotes ?? []).length > 0,
    ownVotes: viewerId === null ? null : (state.ownVotes ?? []),
  };
}
