import { type Kysely, sql } from 'kysely';
import type { ConversationRecord, ConversationStore } from '../core/conversations.ts';
import type { FilterStore } from '../core/filters.ts';
import type { List, ListStore, RepliesPolicy } from '../core/lists.ts';
import type { Marker, MarkerStore, MarkerTimeline } from '../core/markers.ts';
import type { Filter, FilterAction, FilterContext, FilterKeyword, FilterStatus, Page } from '../core/model.ts';
import { applyPage, newestFirst } from './paging.ts';
import type { Database } from './schema.ts';
import { memoized, type EntityCache } from './entity-cache.ts';

/**
 * Storage of lists, filters, markers and conversations (migration 0016): what an account keeps
 * about how it reads, as opposed to what it publishes (microblog-store.ts).
 */

interface ListRow {
  id: string;
  account_id: string;
  title: string;
  replies_policy: string;
  exclusive: number;
}

const toList = (row: ListRow): List => ({
  id: row.id,
  accountId: row.account_id,
  title: row.title,
  repliesPolicy: row.replies_policy as RepliesPolicy,
  exclusive: row.exclusive === 1,
});

export class KyselyListStore implements ListStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  async lists(accountId: string): Promise<List[]> {
    const rows = await this.db
      .selectFrom('lists')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute();
    return rows.map(toList);
  }

  async list(id: string): Promise<List | null> {
    const row = await this.db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toList(row) : null;
  }

  async countLists(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('lists')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createList(list: List, createdAt: Date): Promise<void> {
    await this.db
      .insertInto('lists')
      .values({
        id: list.id,
        account_id: list.accountId,
        title: list.title,
        replies_policy: list.repliesPolicy,
        exclusive: list.exclusive ? 1 : 0,
        created_at: createdAt.toISOString(),
      })
      .execute();
  }

  async updateList(id: string, changes: { title: string; repliesPolicy: RepliesPolicy; exclusive: boolean }) {
    await this.db
      .updateTable('lists')
      .set({ title: changes.title, replies_policy: changes.repliesPolicy, exclusive: changes.exclusive ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  async deleteList(id: string): Promise<void> {
    await this.db.deleteFrom('lists').where('id', '=', id).execute();
  }

  async members(listId: string, page: Page | null): Promise<{ accountId: string; cursor: string }[]> {
    const query = this.db
      .selectFrom('list_accounts')
      .select(['account_id as accountId', 'id as cursor'])
      .where('list_id', '=', listId);
    if (!page) return query.orderBy('id', 'desc').execute();
    return newestFirst(await applyPage(query, 'id', page).execute(), page);
  }

  async memberIds(listId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('list_accounts').select('account_id').where('list_id', '=', listId).execute();
    return rows.map((r) => r.account_id);
  }

  async addMembers(listId: string, ownerId: string, accountIds: readonly string[], newId: () => string) {
    if (accountIds.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      const follows = await tx
        .selectFrom('follows')
        .select(['id', 'target_account_id'])
        .where('account_id', '=', ownerId)
        .where('target_account_id', 'in', [...accountIds])
        .execute();
      const followId = new Map(follows.map((f) => [f.target_account_id, f.id]));
      const missing = accountIds.filter((id) => !followId.has(id));
      if (missing.length > 0) return missing;
      await tx
        .insertInto('list_accounts')
        .values(
          accountIds.map((id) => ({ id: newId(), list_id: listId, account_id: id, follow_id: followId.get(id)! })),
        )
        .onConflict((oc) => oc.columns(['list_id', 'account_id']).doNothing())
        .execute();
      return [];
    });
  }

  async removeMembers(listId: string, accountIds: readonly string[]): Promise<void> {
    await this.db
      .deleteFrom('list_accounts')
      .where('list_id', '=', listId)
      .where('account_id', 'in', [...accountIds])
      .execute();
  }

  async listsWithMember(ownerId: string, accountId: string): Promise<List[]> {
    const rows = await this.db
      .selectFrom('lists')
      .innerJoin('list_accounts', 'list_accounts.list_id', 'lists.id')
      .select(['lists.id', 'lists.account_id', 'lists.title', 'lists.replies_policy', 'lists.exclusive'])
      .where('lists.account_id', '=', ownerId)
      .where('list_accounts.account_id', '=', accountId)
      .orderBy('lists.id')
      .execute();
    return rows.map(toList);
  }

  async exclusiveMemberIds(ownerId: string): Promise<string[]> {
    return memoized(this.cache, 'exclusive', ownerId, ['lists', 'list_accounts'], () =>
      this.loadExclusiveMemberIds(ownerId),
    );
  }

  private async loadExclusiveMemberIds(ownerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('list_accounts')
      .innerJoin('lists', 'lists.id', 'list_accounts.list_id')
      .select('list_accounts.account_id')
      .distinct()
      .where('lists.account_id', '=', ownerId)
      .where('lists.exclusive', '=', 1)
      .execute();
    return rows.map((r) => r.account_id);
  }
}

export class KyselyFilterStore implements FilterStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  /** Read on every timeline read: kept until the viewer's filters change. */
  async filters(accountId: string): Promise<Filter[]> {
    return memoized(this.cache, 'filters', accountId, ['filters', 'filter_keywords', 'filter_statuses'], () =>
      this.loadFilters(accountId),
    );
  }

  private async loadFilters(accountId: string): Promise<Filter[]> {
    const rows = await this.db
      .selectFrom('filters')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('id', 'desc')
      .execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [keywords, statuses] = await Promise.all([
      this.db.selectFrom('filter_keywords').selectAll().where('filter_id', 'in', ids).orderBy('id').execute(),
      this.db.selectFrom('filter_statuses').selectAll().where('filter_id', 'in', ids).orderBy('id').execute(),
    ]);
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      title: row.title,
      context: row.context.split(',').filter(Boolean) as FilterContext[],
      action: row.action as FilterAction,
      expiresAt: row.expires_at ? new Date(row.expires_at) : null,
      keywords: keywords
        .filter((k) => k.filter_id === row.id)
        .map((k) => ({ id: k.id, filterId: k.filter_id, keyword: k.keyword, wholeWord: k.whole_word === 1 })),
      statuses: statuses
        .filter((s) => s.filter_id === row.id)
        .map((s) => ({ id: s.id, filterId: s.filter_id, postId: s.post_id })),
    }));
  }

  async filter(accountId: string, id: string): Promise<Filter | null> {
    return (await this.filters(accountId)).find((f) => f.id === id) ?? null;
  }

  async countFilters(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('filters')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createFilter(filter: Filter, createdAt: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('filters')
        .values({
          id: filter.id,
          account_id: filter.accountId,
          title: filter.title,
          context: filter.context.join(','),
          action: filter.action,
          expires_at: filter.expiresAt?.toISOString() ?? null,
          created_at: createdAt.toISOString(),
        })
        .execute();
      if (filter.keywords.length > 0)
        await tx.insertInto('filter_keywords').values(filter.keywords.map(keywordRow)).execute();
    });
  }

  async updateFilter(
    id: string,
    changes: { title: string; context: FilterContext[]; action: FilterAction; expiresAt: Date | null },
    keywords: { add: FilterKeyword[]; update: FilterKeyword[]; remove: string[] },
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('filters')
        .set({
          title: changes.title,
          context: changes.context.join(','),
          action: changes.action,
          expires_at: changes.expiresAt?.toISOString() ?? null,
        })
        .where('id', '=', id)
        .execute();
      if (keywords.remove.length > 0)
        await tx.deleteFrom('filter_keywords').where('filter_id', '=', id).where('id', 'in', keywords.remove).execute();
      for (const k of keywords.update)
        await tx
          .updateTable('filter_keywords')
          .set({ keyword: k.keyword, whole_word: k.wholeWord ? 1 : 0 })
          .where('id', '=', k.id)
          .where('filter_id', '=', id)
          .execute();
      if (keywords.add.length > 0)
        await tx.insertInto('filter_keywords').values(keywords.add.map(keywordRow)).execute();
    });
  }

  async deleteFilter(id: string): Promise<void> {
    await this.db.deleteFrom('filters').where('id', '=', id).execute();
  }

  async keyword(accountId: string, id: string): Promise<FilterKeyword | null> {
    const row = await this.db
      .selectFrom('filter_keywords')
      .innerJoin('filters', 'filters.id', 'filter_keywords.filter_id')
      .select([
        'filter_keywords.id',
        'filter_keywords.filter_id',
        'filter_keywords.keyword',
        'filter_keywords.whole_word',
      ])
      .where('filter_keywords.id', '=', id)
      .where('filters.account_id', '=', accountId)
      .executeTakeFirst();
    return row ? { id: row.id, filterId: row.filter_id, keyword: row.keyword, wholeWord: row.whole_word === 1 } : null;
  }

  async addKeyword(keyword: FilterKeyword): Promise<void> {
    await this.db.insertInto('filter_keywords').values(keywordRow(keyword)).execute();
  }

  async updateKeyword(keyword: FilterKeyword): Promise<void> {
    await this.db
      .updateTable('filter_keywords')
      .set({ keyword: keyword.keyword, whole_word: keyword.wholeWord ? 1 : 0 })
      .where('id', '=', keyword.id)
      .execute();
  }

  async deleteKeyword(id: string): Promise<void> {
    await this.db.deleteFrom('filter_keywords').where('id', '=', id).execute();
  }

  async filterStatus(accountId: string, id: string): Promise<FilterStatus | null> {
    const row = await this.db
      .selectFrom('filter_statuses')
      .innerJoin('filters', 'filters.id', 'filter_statuses.filter_id')
      .select(['filter_statuses.id', 'filter_statuses.filter_id', 'filter_statuses.post_id'])
      .where('filter_statuses.id', '=', id)
      .where('filters.account_id', '=', accountId)
      .executeTakeFirst();
    return row ? { id: row.id, filterId: row.filter_id, postId: row.post_id } : null;
  }

  async addFilterStatus(status: FilterStatus): Promise<boolean> {
    const result = await this.db
      .insertInto('filter_statuses')
      .values({ id: status.id, filter_id: status.filterId, post_id: status.postId })
      .onConflict((oc) => oc.columns(['filter_id', 'post_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async deleteFilterStatus(id: string): Promise<void> {
    await this.db.deleteFrom('filter_statuses').where('id', '=', id).execute();
  }
}

const keywordRow = (k: FilterKeyword) => ({
  id: k.id,
  filter_id: k.filterId,
  keyword: k.keyword,
  whole_word: k.wholeWord ? 1 : 0,
});

export class KyselyMarkerStore implements MarkerStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async markers(accountId: string, timelines: readonly MarkerTimeline[]): Promise<Marker[]> {
    const rows = await this.db
      .selectFrom('markers')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('timeline', 'in', [...timelines])
      .execute();
    return rows.map((r) => ({
      timeline: r.timeline as MarkerTimeline,
      lastReadId: r.last_read_id,
      version: Number(r.version),
      updatedAt: new Date(r.updated_at),
    }));
  }

  async saveMarker(accountId: string, timeline: MarkerTimeline, lastReadId: string, at: Date): Promise<Marker> {
    const updatedAt = at.toISOString();
    await this.db
      .insertInto('markers')
      .values({ account_id: accountId, timeline, last_read_id: lastReadId, version: 1, updated_at: updatedAt })
      .onConflict((oc) =>
        oc.columns(['account_id', 'timeline']).doUpdateSet({
          last_read_id: lastReadId,
          updated_at: updatedAt,
          version: sql<number>`markers.version + 1`,
        }),
      )
      .execute();
    const [marker] = await this.markers(accountId, [timeline]);
    return marker!;
  }

  async countNotificationsAfter(accountId: string, afterId: string | null, limit: number): Promise<number> {
    let query = this.db
      .selectFrom('notifications as n')
      .select('n.id')
      .where('n.account_id', '=', accountId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('blocks as b')
              .select('b.id')
              .where((w) =>
                w.or([
                  w.and([w('b.account_id', '=', accountId), w('b.target_account_id', '=', w.ref('n.from_account_id'))]),
                  w.and([w('b.target_account_id', '=', accountId), w('b.account_id', '=', w.ref('n.from_account_id'))]),
                ]),
              ),
          ),
        ),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('mutes as m')
              .select('m.id')
              .where('m.account_id', '=', accountId)
              .where('m.hide_notifications', '=', 1)
              .whereRef('m.target_account_id', '=', 'n.from_account_id'),
          ),
        ),
      );
    if (afterId) query = query.where('n.id', '>', afterId);
    const row = await this.db
      .selectFrom(query.limit(limit).as('unread'))
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

interface ConversationRow {
  id: string;
  account_id: string;
  participant_ids: string;
  last_post_id: string;
  unread: number;
}

const toConversation = (row: ConversationRow): ConversationRecord => ({
  id: row.id,
  accountId: row.account_id,
  participantIds: row.participant_ids.split(',').filter(Boolean),
  lastPostId: row.last_post_id,
  unread: row.unread === 1,
});

const conversationColumns = ['id', 'account_id', 'participant_ids', 'last_post_id', 'unread'] as const;

export class KyselyConversationStore implements ConversationStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async addPost(input: {
    postId: string;
    participantsKey: string;
    parties: { accountId: string; participantIds: string[]; unread: boolean }[];
    newId: () => string;
  }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const party of input.parties) {
        await tx
          .insertInto('conversations')
          .values({
            id: input.newId(),
            account_id: party.accountId,
            participants_key: input.participantsKey,
            participant_ids: party.participantIds.join(','),
            last_post_id: input.postId,
            unread: party.unread ? 1 : 0,
          })
          .onConflict((oc) =>
            oc.columns(['account_id', 'participants_key']).doUpdateSet({
              last_post_id: sql<string>`case when conversations.last_post_id > ${input.postId} then conversations.last_post_id else ${input.postId} end`,
              unread: party.unread ? 1 : 0,
            }),
          )
          .execute();
        const row = await tx
          .selectFrom('conversations')
          .select('id')
          .where('account_id', '=', party.accountId)
          .where('participants_key', '=', input.participantsKey)
          .executeTakeFirstOrThrow();
        await tx
          .insertInto('conversation_posts')
          .values({ conversation_id: row.id, post_id: input.postId })
          .onConflict((oc) => oc.columns(['conversation_id', 'post_id']).doNothing())
          .execute();
      }
    });
  }

  async conversations(accountId: string, page: Page): Promise<ConversationRecord[]> {
    const rows = await applyPage(
      this.db.selectFrom('conversations').select(conversationColumns).where('account_id', '=', accountId),
      'last_post_id',
      page,
    ).execute();
    return newestFirst(rows, page).map(toConversation);
  }

  async conversation(accountId: string, id: string): Promise<ConversationRecord | null> {
    const row = await this.db
      .selectFrom('conversations')
      .select(conversationColumns)
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? toConversation(row) : null;
  }

  async conversationWithPost(accountId: string, postId: string): Promise<ConversationRecord | null> {
    const row = await this.db
      .selectFrom('conversations as c')
      .innerJoin('conversation_posts as p', 'p.conversation_id', 'c.id')
      .select(['c.id', 'c.account_id', 'c.participant_ids', 'c.last_post_id', 'c.unread'])
      .where('c.account_id', '=', accountId)
      .where('p.post_id', '=', postId)
      .executeTakeFirst();
    return row ? toConversation(row) : null;
  }

  async setUnread(id: string, unread: boolean): Promise<void> {
    await this.db
      .updateTable('conversations')
      .set({ unread: unread ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('conversations').where('id', '=', id).execute();
  }

  async postDeleted(postId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // The post's links went with it (cascade); what remains says which post is newest now.
      const affected = await tx.selectFrom('conversations').select('id').where('last_post_id', '=', postId).execute();
      for (const { id } of affected) {
        const newest = await tx
          .selectFrom('conversation_posts')
          .select((eb) => eb.fn.max('post_id').as('last'))
          .where('conversation_id', '=', id)
          .executeTakeFirst();
        if (newest?.last)
          await tx.updateTable('conversations').set({ last_post_id: newest.last }).where('id', '=', id).execute();
        else await tx.deleteFrom('conversations').where('id', '=', id).execute();
      }
    });
  }
}
