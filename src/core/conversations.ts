import { newId } from '../shared/ids.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { notFound } from '../shared/errors.ts';
import type { Microblog } from './microblog.ts';
import type { Account, Page, Post, PostView } from './model.ts';

/** One participant's view of a conversation: who else is in it, its newest post, read or not. */
export interface ConversationRecord {
  id: string;
  accountId: string;
  participantIds: string[];
  lastPostId: string;
  unread: boolean;
}

export interface ConversationStore {
  /**
   * Records a direct post in each party's conversation for its set of participants: creates
   * the row where there is none (a removed conversation comes back), moves `last_post_id` up,
   * sets unread as given and links the post, in one transaction.
   */
  addPost(input: {
    postId: string;
    participantsKey: string;
    parties: { accountId: string; participantIds: string[]; unread: boolean }[];
    newId: () => string;
  }): Promise<void>;
  /** The account's conversations, paged by their newest post's id (newest first). */
  conversations(accountId: string, page: Page): Promise<ConversationRecord[]>;
  conversation(accountId: string, id: string): Promise<ConversationRecord | null>;
  /** The account's conversation that holds this post. */
  conversationWithPost(accountId: string, postId: string): Promise<ConversationRecord | null>;
  setUnread(id: string, unread: boolean): Promise<void>;
  remove(id: string): Promise<void>;
  /** After a post is deleted: conversations whose newest post it was fall back to their previous one, or go. */
  postDeleted(postId: string): Promise<void>;
}

export interface ConversationView {
  id: string;
  unread: boolean;
  accounts: Account[];
  lastPost: PostView | null;
  /** The paging cursor: the id of the conversation's newest post. */
  cursor: string;
}

/**
 * Conversations (Mastodon's `/api/v1/conversations`), built from real direct messages: each
 * party of a direct post (its author and the people it mentions who may see it) has one
 * conversation per set of participants. A new message marks it unread for its recipients and
 * brings back a conversation its owner removed. A post only ever enters the conversations of
 * people it was addressed to, and every read checks its audience again.
 */
export class Conversations {
  private readonly store: ConversationStore;
  private readonly microblog: Microblog;
  private readonly clock: Clock;

  constructor(store: ConversationStore, microblog: Microblog, clock: Clock = systemClock) {
    this.store = store;
    this.microblog = microblog;
    this.clock = clock;
  }

  /** Called for every new post (a publication listener); only direct messages matter. */
  readonly postPublished = async (post: Post): Promise<void> => {
    if (post.visibility !== 'direct' || post.reblogOfId) return;
    const everyone = [...new Set([post.accountId, ...post.mentionIds])].sort();
    const parties: { accountId: string; participantIds: string[]; unread: boolean }[] = [];
    for (const accountId of everyone) {
      // The author always; recipients only if they may see it (not blocked either way).
      if (accountId !== post.accountId && !(await this.microblog.canView(accountId, post))) continue;
      parties.push({
        accountId,
        participantIds: everyone.filter((id) => id !== accountId),
        unread: accountId !== post.accountId,
      });
    }
    await this.store.addPost({
      postId: post.id,
      participantsKey: everyone.join(','),
      parties,
      newId: () => newId(this.clock.now().getTime()),
    });
  };

  readonly postDeleted = async (post: Post): Promise<void> => {
    if (post.visibility === 'direct') await this.store.postDeleted(post.id);
  };

  async list(viewerId: string, page: Page): Promise<ConversationView[]> {
    return this.render(viewerId, await this.store.conversations(viewerId, page));
  }

  async get(viewerId: string, id: string): Promise<ConversationView> {
    const record = await this.store.conversation(viewerId, id);
    if (!record) throw notFound();
    const [view] = await this.render(viewerId, [record]);
    return view!;
  }

  /** The viewer's conversation a new post went into, for the direct stream; null when none. */
  async forPost(viewerId: string, postId: string): Promise<ConversationView | null> {
    const record = await this.store.conversationWithPost(viewerId, postId);
    if (!record) return null;
    const [view] = await this.render(viewerId, [record]);
    return view?.lastPost ? view : null;
  }

  async markRead(viewerId: string, id: string): Promise<ConversationView> {
    return this.setUnread(viewerId, id, false);
  }

  async markUnread(viewerId: string, id: string): Promise<ConversationView> {
    return this.setUnread(viewerId, id, true);
  }

  private async setUnread(viewerId: string, id: string, unread: boolean): Promise<ConversationView> {
    const record = await this.store.conversation(viewerId, id);
    if (!record) throw notFound();
    await this.store.setUnread(record.id, unread);
    return this.get(viewerId, id);
  }

  /** Removes the conversation from the viewer's list only; a new message brings it back. */
  async remove(viewerId: string, id: string): Promise<void> {
    const record = await this.store.conversation(viewerId, id);
    if (!record) throw notFound();
    await this.store.remove(record.id);
  }

  private async render(viewerId: string, records: readonly ConversationRecord[]): Promise<ConversationView[]> {
    const posts = new Map(
      (
        await this.microblog.postViews(
          viewerId,
          records.map((r) => r.lastPostId),
        )
      ).map((v) => [v.post.id, v]),
    );
    const accounts = await this.microblog.accounts([...new Set(records.flatMap((r) => r.participantIds))]);
    return records.map((r) => ({
      id: r.id,
      unread: r.unread,
      accounts: r.participantIds.flatMap((id) => {
        const account = accounts.get(id);
        return account && !account.suspended ? [account] : [];
      }),
      lastPost: posts.get(r.lastPostId) ?? null,
      cursor: r.lastPostId,
    }));
  }
}
