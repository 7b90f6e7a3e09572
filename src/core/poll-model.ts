/** Polls as the domain passes them around; plain types only (model.ts, ports.ts and post-extras.ts use them). */

/** A poll as asked for on create or edit. */
export interface PollInput {
  options: string[];
  expiresInSeconds: number;
  multiple?: boolean;
  hideTotals?: boolean;
}

export interface Poll {
  id: string;
  postId: string;
  accountId: string;
  options: string[];
  multiple: boolean;
  hideTotals: boolean;
  expiresAt: Date;
  createdAt: Date;
}

/** A poll with its tallies as one viewer may see them. */
export interface PollView {
  poll: Poll;
  expired: boolean;
  votesCount: number;
  votersCount: number;
  /** Votes per option, or null while `hide_totals` hides them (until the poll ends). */
  optionVotes: (number | null)[];
  /** Null without a viewer. */
  voted: boolean | null;
  ownVotes: number[] | null;
}

export interface NewPoll {
  id: string;
  postId: string;
  accountId: string;
  options: string[];
  multiple: boolean;
  hideTotals: boolean;
  expiresAt: Date;
  createdAt: Date;
}
