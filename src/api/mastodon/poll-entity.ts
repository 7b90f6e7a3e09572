import type { PollView } from '../../core/index.ts';

/** Mastodon's Poll entity (also embedded in statuses): `voted` and `own_votes` only with a signed-in viewer. */
export const pollSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    expires_at: { type: ['string', 'null'] },
    expired: { type: 'boolean' },
    multiple: { type: 'boolean' },
    votes_count: { type: 'integer' },
    voters_count: { type: ['integer', 'null'] },
    options: {
      type: 'array',
      items: { type: 'object', properties: { title: { type: 'string' }, votes_count: { type: ['integer', 'null'] } } },
    },
    emojis: { type: 'array', items: { type: 'object', additionalProperties: true } },
    voted: { type: 'boolean' },
    own_votes: { type: 'array', items: { type: 'integer' } },
  },
} as const;

export function renderPoll(view: PollView) {
  const { poll } = view;
  return {
    id: poll.id,
    expires_at: poll.expiresAt.toISOString(),
    expired: view.expired,
    multiple: poll.multiple,
    votes_count: view.votesCount,
    voters_count: view.votersCount,
    options: poll.options.map((title, i) => ({ title, votes_count: view.optionVotes[i] ?? null })),
    emojis: [],
    ...(view.voted === null ? {} : { voted: view.voted, own_votes: view.ownVotes ?? [] }),
  };
}
