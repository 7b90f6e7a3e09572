import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Page } from '../core/model.ts';
import type { FeaturedTagRow, Tag, TagDay, TagQuery, TagStore, TrendStore } from '../core/tag-ports.ts';
import { applyPage, chunks, newestFirst } from './paging.ts';
import type { Database } from './schema.ts';
import { memoized, type EntityCache } from './entity-cache.ts';

const toTag = (row: { id: string; name: string }): Tag => ({ id: row.id, name: row.name });

export class KyselyTagStore implements TagStore, TrendStore {
  private readonly db: Kysely<Database>;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  async tagsByKeys(keys: readonly string[]): Promise<Map<string, Tag>> {
    const result = new Map<string, Tag>();
    for (const chunk of chunks([...new Set(keys)])) {
      const rows = await this.db
        .selectFrom('tags')
        .select(['id', 'name', 'name_key'])
        .where('name_key', 'in', chunk)
        .execute();
      for (const row of rows) result.set(row.name_key, toTag(row));
    }
    return result;
  }

  async tagsByIds(ids: readonly string[]): Promise<Map<string, Tag>> {
    const result = new Map<string, Tag>();
    for (const chunk of chunks([...new Set(ids)])) {
      const rows = await this.db.selectFrom('tags').select(['id', 'name']).where('id', 'in', chunk).execute();
      for (const row of rows) result.set(row.id, toTag(row));
    }
    return result;
  }

  async ensureTag(input: { id: string; name: string; key: string; createdAt: Date }): Promise<Tag> {
    await this.db
      .insertInto('tags')
      .values({ id: input.id, name: input.name, name_key: input.key, created_at: input.createdAt.toISOString() })
      .onConflict((oc) => oc.column('name_key').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('tags')
      .select(['id', 'name'])
      .where('name_key', '=', input.key)
      .executeTakeFirstOrThrow();
    return toTag(row);
  }

  async history(tagIds: readonly string[], since: Date): Promise<TagDay[]> {
    if (tagIds.length === 0) return [];
    const day = sql<string>`substr(pt.created_at, 1, 10)`;
    const rows = await this.db
      .selectFrom('post_tags as pt')
      .innerJoin('accounts as a', 'a.id', 'pt.account_id')
      .select([
        'pt.tag_id as tagId',
        day.as('day'),
        (eb) => eb.fn.countAll<number>().as('uses'),
        sql<number>`count(distinct pt.account_id)`.as('accounts'),
      ])
      .where('pt.tag_id', 'in', [...tagIds])
      .where('pt.visibility', 'in', ['public', 'unlisted'])
      .where('pt.created_at', '>=', startOfDay(since))
      .where('a.suspended_at', 'is', null)
      .groupBy(['pt.tag_id', day])
      .execute();
    return rows.map((r) => ({ tagId: r.tagId, day: r.day, uses: Number(r.uses), accounts: Number(r.accounts) }));
  }

  async listedTagIds(tagIds: readonly string[]): Promise<Set<string>> {
    if (tagIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('tags as t')
      .select('t.id')
      .where('t.id', 'in', [...tagIds])
      .where((eb) => eb.exists(listedUse(eb)))
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  async followTag(input: { id: string; accountId: string; tagId: string; createdAt: Date }): Promise<void> {
    await this.db
      .insertInto('followed_tags')
      .values({
        id: input.id,
        account_id: input.accountId,
        tag_id: input.tagId,
        created_at: input.createdAt.toISOString(),
      })
      .onConflict((oc) => oc.columns(['account_id', 'tag_id']).doNothing())
      .execute();
  }

  async unfollowTag(accountId: string, tagId: string): Promise<void> {
    await this.db.deleteFrom('followed_tags').where('account_id', '=', accountId).where('tag_id', '=', tagId).execute();
  }

  async followedAmong(accountId: string, tagIds: readonly string[]): Promise<Set<string>> {
    if (tagIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('followed_tags')
      .select('tag_id')
      .where('account_id', '=', accountId)
      .where('tag_id', 'in', [...tagIds])
      .execute();
    return new Set(rows.map((r) => r.tag_id));
  }

  async followedTags(accountId: string, page: Page): Promise<{ tag: Tag; cursor: string }[]> {
    const rows = await applyPage(
      this.db
        .selectFrom('followed_tags as f')
        .innerJoin('tags as t', 't.id', 'f.tag_id')
        .select(['f.id as cursor', 't.id', 't.name'])
        .where('f.account_id', '=', accountId),
      'f.id',
      page,
    ).execute();
    return newestFirst(rows, page).map((r) => ({ tag: toTag(r), cursor: r.cursor }));
  }

  async followedTagPosts(accountId: string, page: Page): Promise<{ postId: string; authorId: string }[]> {
    // Most people follow no hashtag: then there is nothing to read on every home page.
    const followsAny = await memoized(this.cache, 'follows-tags', accountId, ['followed_tags'], async () =>
      Boolean(
        await this.db
          .selectFrom('followed_tags')
          .select('tag_id')
          .where('account_id', '=', accountId)
          .executeTakeFirst(),
      ),
    );
    if (!followsAny) return [];
    const rows = await applyPage(
      this.db
        .selectFrom('post_tags as pt')
        .select(['pt.post_id as postId', 'pt.account_id as authorId'])
        .distinct()
        .where('pt.visibility', '=', 'public')
        .where('pt.tag_id', 'in', (eb) =>
          eb.selectFrom('followed_tags as f').select('f.tag_id').where('f.account_id', '=', accountId),
        ),
      'pt.post_id',
      page,
    ).execute();
    return newestFirst(rows, page);
  }

  async tagTimeline(query: TagQuery, page: Page): Promise<string[]> {
    let q = this.db
      .selectFrom('post_tags as pt')
      .innerJoin('accounts as a', 'a.id', 'pt.account_id')
      .select('pt.post_id')
      .distinct()
      .where('pt.tag_id', 'in', [...query.anyTagIds])
      .where('pt.visibility', '=', 'public')
      .where('a.suspended_at', 'is', null);
    if (query.authorId) q = q.where('pt.account_id', '=', query.authorId);
    for (const tagId of query.allTagIds)
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('post_tags as pa')
            .select('pa.post_id')
            .whereRef('pa.post_id', '=', 'pt.post_id')
            .where('pa.tag_id', '=', tagId),
        ),
      );
    if (query.noneTagIds.length > 0)
      q = q.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('post_tags as pn')
              .select('pn.post_id')
              .whereRef('pn.post_id', '=', 'pt.post_id')
              .where('pn.tag_id', 'in', [...query.noneTagIds]),
          ),
        ),
      );
    const rows = await applyPage(q, 'pt.post_id', page).execute();
    return newestFirst(rows, page).map((r) => r.post_id);
  }

  async featuredTags(accountId: string): Promise<FeaturedTagRow[]> {
    const rows = await this.db
      .selectFrom('featured_tags as f')
      .innerJoin('tags as t', 't.id', 'f.tag_id')
      .select(['f.id as featuredId', 'f.created_at', 't.id', 't.name'])
      .where('f.account_id', '=', accountId)
      .orderBy('f.id', 'asc')
      .execute();
    return rows.map((r) => ({ id: r.featuredId, tag: toTag(r), createdAt: new Date(r.created_at) }));
  }

  async addFeaturedTag(
    input: { id: string; accountId: string; tagId: string; createdAt: Date },
    max: number,
  ): Promise<{ outcome: 'added' | 'already' | 'full'; id: string }> {
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('featured_tags')
        .select('id')
        .where('account_id', '=', input.accountId)
        .where('tag_id', '=', input.tagId)
        .executeTakeFirst();
      if (existing) return { outcome: 'already' as const, id: existing.id };
      const { n } = await tx
        .selectFrom('featured_tags')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', input.accountId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= max) return { outcome: 'full' as const, id: '' };
      await tx
        .insertInto('featured_tags')
        .values({
          id: input.id,
          account_id: input.accountId,
          tag_id: input.tagId,
          created_at: input.createdAt.toISOString(),
        })
        .execute();
      return { outcome: 'added' as const, id: input.id };
    });
  }

  async removeFeaturedTag(accountId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('featured_tags')
      .where('account_id', '=', accountId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async accountTagStats(
    accountId: string,
    tagIds: readonly string[],
  ): Promise<Map<string, { count: number; lastAt: Date | null }>> {
    if (tagIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('post_tags')
      .select(['tag_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('created_at').as('last')])
      .where('account_id', '=', accountId)
      .where('tag_id', 'in', [...tagIds])
      .where('visibility', 'in', ['public', 'unlisted'])
      .groupBy('tag_id')
      .execute();
    return new Map(rows.map((r) => [r.tag_id, { count: Number(r.n), lastAt: r.last ? new Date(r.last) : null }]));
  }

  async mostUsedTags(accountId: string, limit: number): Promise<Tag[]> {
    const rows = await this.db
      .selectFrom('post_tags as pt')
      .innerJoin('tags as t', 't.id', 'pt.tag_id')
      .select(['t.id', 't.name', (eb) => eb.fn.countAll<number>().as('n')])
      .where('pt.account_id', '=', accountId)
      .where('pt.visibility', 'in', ['public', 'unlisted'])
      .groupBy(['t.id', 't.name'])
      .orderBy('n', 'desc')
      .orderBy('t.name')
      .limit(limit)
      .execute();
    return rows.map(toTag);
  }

  async searchTags(prefix: string, viewerId: string | null, limit: number, offset: number): Promise<Tag[]> {
    const rows = await this.db
      .selectFrom('tags as t')
      .select(['t.id', 't.name'])
      .where('t.name_key', 'like', `${escapeLike(prefix)}%`)
      .where((eb) =>
        eb.or([
          eb.exists(listedUse(eb)),
          ...(viewerId
            ? [
                eb.exists(
                  eb
                    .selectFrom('followed_tags as f')
                    .select('f.id')
                    .whereRef('f.tag_id', '=', 't.id')
                    .where('f.account_id', '=', viewerId),
                ),
              ]
            : []),
        ]),
      )
      .orderBy(sql`length(t.name_key)`)
      .orderBy('t.name_key')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toTag);
  }

  // ── Trends ──────────────────────────────────────────────────────────────────

  async recentTagDays(since: Date): Promise<{ days: TagDay[]; accounts: Map<string, number> }> {
    const base = this.db
      .selectFrom('post_tags as pt')
      .innerJoin('accounts as a', 'a.id', 'pt.account_id')
      .where('pt.visibility', '=', 'public')
      .where('pt.created_at', '>=', startOfDay(since))
      .where('a.suspended_at', 'is', null)
      .where('a.locked', '=', 0);
    const day = sql<string>`substr(pt.created_at, 1, 10)`;
    const [days, totals] = await Promise.all([
      base
        .select([
          'pt.tag_id as tagId',
          day.as('day'),
          (eb) => eb.fn.countAll<number>().as('uses'),
          sql<number>`count(distinct pt.account_id)`.as('accounts'),
        ])
        .groupBy(['pt.tag_id', day])
        .execute(),
      base
        .select(['pt.tag_id as tagId', sql<number>`count(distinct pt.account_id)`.as('accounts')])
        .groupBy('pt.tag_id')
        .execute(),
    ]);
    return {
      days: days.map((r) => ({ tagId: r.tagId, day: r.day, uses: Number(r.uses), accounts: Number(r.accounts) })),
      accounts: new Map(totals.map((r) => [r.tagId, Number(r.accounts)])),
    };
  }

  async recentPopularPosts(sinceId: string, limit: number) {
    const rows = await this.trendablePosts(sinceId)
      .select(['p.id', 'p.reblogs_count', 'p.favourites_count', 'p.created_at'])
      .where((eb) => eb.or([eb('p.reblogs_count', '>', 0), eb('p.favourites_count', '>', 0)]))
      .orderBy(sql`p.reblogs_count + p.favourites_count`, 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      reblogs: r.reblogs_count,
      favourites: r.favourites_count,
      createdAt: new Date(r.created_at),
    }));
  }

  async recentPostsWithLinks(sinceId: string, limit: number) {
    const rows = await this.trendablePosts(sinceId)
      .select(['p.id', 'p.account_id', 'p.text', 'p.created_at'])
      .where('p.text', 'like', '%http%')
      .orderBy('p.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, text: r.text, createdAt: new Date(r.created_at) }));
  }

  /** Public original posts since `sinceId` by accounts neither suspended nor locked. */
  private trendablePosts(sinceId: string) {
    return this.db
      .selectFrom('posts as p')
      .innerJoin('accounts as a', 'a.id', 'p.account_id')
      .where('p.id', '>=', sinceId)
      .where('p.visibility', '=', 'public')
      .where('p.reblog_of_id', 'is', null)
      .where('a.suspended_at', 'is', null)
      .where('a.locked', '=', 0);
  }
}

/** A public or unlisted use of tag `t` by an account not suspended. */
function listedUse(eb: ExpressionBuilder<Database & { t: Database['tags'] }, 't'>) {
  return eb
    .selectFrom('post_tags as pu')
    .innerJoin('accounts as au', 'au.id', 'pu.account_id')
    .select('pu.post_id')
    .whereRef('pu.tag_id', '=', 't.id')
    .where('pu.visibility', 'in', ['public', 'unlisted'])
    .where('au.suspended_at', 'is', null);
}

function startOfDay(date: Date): string {
  return `${date.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

/** LIKE patterns from user input match literally (`\` escapes). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
