import { type Kysely, sql } from 'kysely';
import type { Page } from '../core/model.ts';
import type { SearchStore } from '../core/tag-ports.ts';
import type { Engine } from './database.ts';
import type { Database } from './schema.ts';
import { escapeLike } from './tag-store.ts';

/**
 * Search over the indexes of migration 0014: SQLite's FTS5 table `post_search` (rowid = post
 * id) and PostgreSQL's GIN index on `to_tsvector('simple', spoiler_text || ' ' || text)`.
 * Every word must match (AND); results are newest first so they page by id like timelines.
 * The audience rule is in the SQL (so pages are full) and checked again by the domain.
 */
export class KyselySearchStore implements SearchStore {
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;
  constructor(db: Kysely<Database>, engine: Engine) {
    this.db = db;
    this.engine = engine;
  }

  async searchAccounts(input: { term: string; followedBy: string | null; limit: number; offset: number }) {
    const like = escapeLike(input.term);
    let q = this.db
      .selectFrom('accounts as a')
      .select('a.id')
      .where('a.suspended_at', 'is', null)
      .where((eb) =>
        eb.or([
          sql<boolean>`a.username_key like ${`${like}%`} escape '\\'`,
          sql<boolean>`lower(a.display_name) like ${`%${like}%`} escape '\\'`,
        ]),
      );
    if (input.followedBy) {
      const viewer = input.followedBy;
      q = q.where((eb) =>
        eb.or([
          eb('a.id', '=', viewer),
          eb.exists(
            eb
              .selectFrom('follows as f')
              .select('f.id')
              .whereRef('f.target_account_id', '=', 'a.id')
              .where('f.account_id', '=', viewer),
          ),
        ]),
      );
    }
    const rows = await q
      .orderBy(
        sql`case when a.username_key = ${input.term} then 0 when a.username_key like ${`${like}%`} escape '\\' then 1 else 2 end`,
      )
      .orderBy('a.followers_count', 'desc')
      .orderBy('a.id')
      .limit(input.limit)
      .offset(input.offset)
      .execute();
    return rows.map((r) => r.id);
  }

  async searchPosts(input: {
    terms: readonly string[];
    viewerId: string;
    authorId: string | null;
    page: Page;
    offset: number;
  }): Promise<string[]> {
    const viewer = input.viewerId;
    let q = this.db
      .selectFrom('posts as p')
      .innerJoin('accounts as a', 'a.id', 'p.account_id')
      .select('p.id')
      .where('p.reblog_of_id', 'is', null)
      .where('a.suspended_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('p.account_id', '=', viewer),
          eb('p.visibility', 'in', ['public', 'unlisted']),
          eb.and([
            eb('p.visibility', '=', 'private'),
            eb.exists(
              eb
                .selectFrom('follows as f')
                .select('f.id')
                .whereRef('f.target_account_id', '=', 'p.account_id')
                .where('f.account_id', '=', viewer),
            ),
          ]),
          eb.exists(
            eb
              .selectFrom('mentions as m')
              .select('m.post_id')
              .whereRef('m.post_id', '=', 'p.id')
              .where('m.account_id', '=', viewer),
          ),
        ]),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('blocks as b')
              .select('b.id')
              .where((w) =>
                w.or([
                  w.and([w('b.account_id', '=', viewer), w.eb('b.target_account_id', '=', w.ref('p.account_id'))]),
                  w.and([w.eb('b.account_id', '=', w.ref('p.account_id')), w('b.target_account_id', '=', viewer)]),
                ]),
              ),
          ),
        ),
      );
    if (input.authorId) q = q.where('p.account_id', '=', input.authorId);
    if (this.engine === 'sqlite') {
      // Each word quoted, so the query language of FTS5 (NEAR, OR, column filters, `*`) is never
      // interpreted from input: the words are ANDed.
      const match = input.terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' ');
      q = q.where(
        'p.id',
        'in',
        sql<string>`(select cast(rowid as text) from post_search where post_search match ${match})`,
      );
    } else {
      // plainto_tsquery ANDs the words and ignores operators in the input.
      q = q.where(
        sql<boolean>`to_tsvector('simple'::regconfig, p.spoiler_text || ' ' || p.text) @@ plainto_tsquery('simple'::regconfig, ${input.terms.join(' ')})`,
      );
    }
    const { page } = input;
    if (page.maxId) q = q.where('p.id', '<', page.maxId);
    if (page.sinceId) q = q.where('p.id', '>', page.sinceId);
    if (page.minId) q = q.where('p.id', '>', page.minId);
    const rows = await q
      .orderBy('p.id', page.minId ? 'asc' : 'desc')
      .limit(page.limit)
      .offset(input.offset)
      .execute();
    const ids = rows.map((r) => r.id);
    return page.minId ? ids.reverse() : ids;
  }
}
