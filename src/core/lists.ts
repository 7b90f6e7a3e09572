import { newId } from '../shared/ids.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import type { Microblog } from './microblog.ts';
import type { Page, Post, PostView } from './model.ts';
import { countGraphemes } from './text.ts';

/** Which replies a list shows: to anyone the owner follows, to list members only, or none. */
export type RepliesPolicy = 'followed' | 'list' | 'none';
export const REPLIES_POLICIES: readonly RepliesPolicy[] = ['followed', 'list', 'none'];

export interface List {
  id: string;
  accountId: string;
  title: string;
  repliesPolicy: RepliesPolicy;
  /** Members' posts appear in this list and not in the owner's home timeline. */
  exclusive: boolean;
}

export interface ListStore {
  /** The account's lists, oldest first (by title order is the client's business). */
  lists(accountId: string): Promise<List[]>;
  list(id: string): Promise<List | null>;
  countLists(accountId: string): Promise<number>;
  createList(list: List, createdAt: Date): Promise<void>;
  updateList(id: string, changes: { title: string; repliesPolicy: RepliesPolicy; exclusive: boolean }): Promise<void>;
  deleteList(id: string): Promise<void>;
  /** Members paged by membership id (newest first). */
  members(listId: string, page: Page | null): Promise<{ accountId: string; cursor: string }[]>;
  memberIds(listId: string): Promise<string[]>;
  /**
   * Adds members the owner follows, each tied to that follow (unfollowing removes it);
   * accounts already in the list are left as they are. Returns the ids it could not add
   * because the owner does not follow them (any more).
   */
  addMembers(listId: string, ownerId: string, accountIds: readonly string[], newId: () => string): Promise<string[]>;
  removeMembers(listId: string, accountIds: readonly string[]): Promise<void>;
  /** The owner's lists that include the account. */
  listsWithMember(ownerId: string, accountId: string): Promise<List[]>;
  /** Members of the owner's exclusive lists. */
  exclusiveMemberIds(ownerId: string): Promise<string[]>;
}

const MAX_TITLE = 100;
const MAX_LISTS = 100;
/** List timelines are read from the members' posts at request time, so members are bounded. */
const MAX_LIST_MEMBERS = 500;

/**
 * Lists: named sets of accounts their owner follows, each with its own timeline. A list
 * timeline is read at request time from its members' posts (docs/timelines.md), filtered by
 * the list's replies policy, the owner's blocks and mutes, each post's audience and the
 * owner's `home` filters; an exclusive list takes its members' posts out of home. Another
 * account's list does not exist for anyone but its owner (not found).
 */
export class Lists {
  private readonly store: ListStore;
  private readonly microblog: Microblog;
  private readonly clock: Clock;

  constructor(store: ListStore, microblog: Microblog, clock: Clock = systemClock) {
    this.store = store;
    this.microblog = microblog;
    this.clock = clock;
  }

  async lists(ownerId: string): Promise<List[]> {
    return this.store.lists(ownerId);
  }

  /** The owner's list; anyone else's (or none) is not found. */
  async get(ownerId: string, id: string): Promise<List> {
    const list = await this.store.list(id);
    if (!list || list.accountId !== ownerId) throw notFound();
    return list;
  }

  async create(
    ownerId: string,
    input: { title: string; repliesPolicy?: string | undefined; exclusive?: boolean | undefined },
  ): Promise<List> {
    await this.microblog.account(ownerId);
    if ((await this.store.countLists(ownerId)) >= MAX_LISTS)
      throw invalid(`You can have at most ${MAX_LISTS} lists`, { field: 'title' }).coded('list.full', {
        max: MAX_LISTS,
      });
    const list: List = {
      id: newId(this.clock.now().getTime()),
      accountId: ownerId,
      title: checkedTitle(input.title),
      repliesPolicy: checkedPolicy(input.repliesPolicy ?? 'list'),
      exclusive: input.exclusive ?? false,
    };
    await this.store.createList(list, this.clock.now());
    return list;
  }

  async update(
    ownerId: string,
    id: string,
    changes: { title?: string | undefined; repliesPolicy?: string | undefined; exclusive?: boolean | undefined },
  ): Promise<List> {
    const current = await this.get(ownerId, id);
    const updated: List = {
      ...current,
      title: changes.title === undefined ? current.title : checkedTitle(changes.title),
      repliesPolicy: changes.repliesPolicy === undefined ? current.repliesPolicy : checkedPolicy(changes.repliesPolicy),
      exclusive: changes.exclusive ?? current.exclusive,
    };
    await this.store.updateList(id, updated);
    return updated;
  }

  async remove(ownerId: string, id: string): Promise<void> {
    await this.get(ownerId, id);
    await this.store.deleteList(id);
  }

  /** Members paged by membership; `page` null = all of them (Mastodon's `limit=0`). */
  async members(ownerId: string, id: string, page: Page | null): Promise<{ accountId: string; cursor: string }[]> {
    await this.get(ownerId, id);
    const rows = await this.store.members(id, page);
    const accounts = await this.microblog.accounts(rows.map((r) => r.accountId));
    return rows.filter((r) => accounts.get(r.accountId)?.suspended === false);
  }

  /** Adds accounts the owner follows; any other account is refused, and nothing is added then. */
  async addMembers(ownerId: string, id: string, accountIds: readonly string[]): Promise<void> {
    await this.get(ownerId, id);
    const wanted = [...new Set(accountIds)];
    if (wanted.length === 0) throw invalid('account_ids is required', { field: 'account_ids' });
    const relationships = await this.microblog.relationships(ownerId, wanted);
    if (relationships.some((r) => !r.following))
      throw invalid('You can only add accounts you follow to a list', { field: 'account_ids' }).coded(
        'list.follow_only',
      );
    const current = new Set(await this.store.memberIds(id));
    const added = wanted.filter((a) => !current.has(a));
    if (current.size + added.length > MAX_LIST_MEMBERS)
      throw invalid(`A list has at most ${MAX_LIST_MEMBERS} members`, { field: 'account_ids' }).coded(
        'list.members_full',
        {
          max: MAX_LIST_MEMBERS,
        },
      );
    const missing = await this.store.addMembers(id, ownerId, added, () => newId(this.clock.now().getTime()));
    if (missing.length > 0)
      throw invalid('You can only add accounts you follow to a list', { field: 'account_ids' }).coded(
        'list.follow_only',
      );
  }

  async removeMembers(ownerId: string, id: string, accountIds: readonly string[]): Promise<void> {
    await this.get(ownerId, id);
    if (accountIds.length === 0) throw invalid('account_ids is required', { field: 'account_ids' });
    await this.store.removeMembers(id, [...new Set(accountIds)]);
  }

  /** The owner's lists that include an account (Mastodon's `GET /api/v1/accounts/:id/lists`). */
  async listsWithMember(ownerId: string, accountId: string): Promise<List[]> {
    await this.microblog.account(accountId);
    return this.store.listsWithMember(ownerId, accountId);
  }

  /** Members of the owner's exclusive lists: their posts stay out of the owner's home timeline. */
  async homeExclusions(ownerId: string): Promise<Set<string>> {
    return new Set(await this.store.exclusiveMemberIds(ownerId));
  }

  async timeline(ownerId: string, id: string, page: Page): Promise<PostView[]> {
    const list = await this.get(ownerId, id);
    const members = await this.store.memberIds(list.id);
    const memberSet = new Set(members);
    return this.microblog.authorsTimeline(ownerId, members, page, (posts) =>
      this.repliesAllowed(list, memberSet, posts),
    );
  }

  /** Whether a new post belongs on a live list stream: by a member, and allowed by the replies policy. */
  async streams(ownerId: string, id: string, post: Post): Promise<boolean> {
    const list = await this.store.list(id);
    if (!list || list.accountId !== ownerId) return false;
    const members = new Set(await this.store.memberIds(list.id));
    if (!members.has(post.accountId) || post.visibility === 'direct') return false;
    return (await this.repliesAllowed(list, members, [post])).length === 1;
  }

  /**
   * Mastodon's list rule for replies: a reply to oneself (a thread) or to the list's owner
   * always shows; otherwise `followed` shows replies to accounts the owner follows, `list`
   * replies to the list's members, `none` no replies. Boosts are not replies.
   */
  private async repliesAllowed(list: List, members: Set<string>, posts: readonly Post[]): Promise<Post[]> {
    const isOpenReply = (p: Post) =>
      p.inReplyToAccountId !== null && p.inReplyToAccountId !== p.accountId && p.inReplyToAccountId !== list.accountId;
    let followed = new Set<string>();
    if (list.repliesPolicy === 'followed') {
      const targets = [...new Set(posts.filter(isOpenReply).map((p) => p.inReplyToAccountId!))];
      if (targets.length > 0)
        followed = new Set(
          (await this.microblog.relationships(list.accountId, targets)).filter((r) => r.following).map((r) => r.id),
        );
    }
    return posts.filter((post) => {
      if (!isOpenReply(post)) return true;
      const target = post.inReplyToAccountId!;
      if (list.repliesPolicy === 'none') return false;
      if (list.repliesPolicy === 'list') return members.has(target);
      return followed.has(target);
    });
  }
}

function checkedTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '') throw invalid('title is required', { field: 'title' }).coded('list.title_required');
  if (countGraphemes(trimmed) > MAX_TITLE)
    throw invalid(`title must be at most ${MAX_TITLE} characters`, { field: 'title' }).coded('list.title_too_long', {
      max: MAX_TITLE,
    });
  return trimmed;
}

function checkedPolicy(policy: string): RepliesPolicy {
  const found = REPLIES_POLICIES.find((p) => p === policy);
  if (!found)
    throw invalid(`replies_policy must be one of ${REPLIES_POLICIES.join(', ')}`, { field: 'replies_policy' });
  return found;
}
