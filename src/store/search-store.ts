import { type Kysely, sql } from 'kysely';
import type { Page } from '../core/model.ts';
import type { SearchStore } from '../core/tag-ports.ts';
import type { Engine } from './database.ts';
import type { Database } from './schema.ts';
import { escapeLike } from './tag-store.ts';

/** Whether a term carries a character FTS5 query strings must not (a C0 control, NUL among them). */
function hasControlCharacter(term: string): boolean {
  for (let i = 0; i < term.length; i += 1) if (term.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * An FTS5 query ANDing the words, each quoted, so the query language of FTS5 (NEAR, OR, column
 * filters, `*`) is never interpreted from input.
 */
function ftsMatch(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' ');
}

/**
 * The least string above every string that starts with `prefix` (its last character's
 * successor; UTF-8 keeps code point order), or null when there is none to name.
 */
function prefixEnd(prefix: string): string | null {
  const characters = [...prefix];
  const last = characters.pop();
  if (last === undefined) return null;
  let next = last.codePointAt(0)! + 1;
  if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
  return next > 0x10ffff ? null : characters.join('') + String.fromCodePoint(next);
}

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

  /**
   * Accounts not suspended whose username starts with `term` or whose display name contains it,
   * exact username first, then prefixes, then the rest, each by followers. The predicate and
   * order are the same on both engines; the indexes of migration 0029 find the candidates.
   * PostgreSQL's trigram indexes serve the LIKE predicates as written. SQLite is given the
   * candidates explicitly (`sqliteCandidates`) and keeps the predicate as the filter.
   */
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
    const candidates = this.engine === 'sqlite' ? this.sqliteCandidates(input.term) : null;
    if (candidates) q = q.where('a.id', 'in', candidates);
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

  /**
   * A superset of the accounts `term` finds on SQLite, read from indexes: usernames in the range
   * of the prefix (the unique index on `username_key`), and display names containing the term
   * (the trigram FTS table `account_search`, whose case folding is wider than LIKE's).
   *
   * Null for terms under 3 characters, which no trigram holds: those scan every account, as
   * before 0029 (~18 ms at 100,000 accounts; type-ahead clients ask for a search from the third
   * character, Mastodon's web client among them).
   *
   * The range relies on `username_key` being lower case (every writer lowers it): LIKE ignores
   * ASCII case, so the term's ASCII letters are lowered to match the keys byte for byte.
   */
  private sqliteCandidates(term: string) {
    // A control character (NUL ends FTS5's query string early: an error, not a miss) is searched
    // the old way too; no name holds one.
    if ([...term].length < 3 || hasControlCharacter(term)) return null;
    const prefix = term.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const end = prefixEnd(prefix);
    const byUsername = this.db
      .selectFrom('accounts')
      .select('id')
      .where('username_key', '>=', prefix)
      .$if(end !== null, (q) => q.where('username_key', '<', end!));
    const byDisplayName = this.db
      .selectFrom(sql<{ rowid: number }>`account_search`.as('account_search'))
      .select(sql<string>`cast(rowid as text)`.as('id'))
      .where(sql<boolean>`account_search match ${ftsMatch([term])}`);
    return byUsername.unionAll(byDisplayName);
  }

  async searchPosts(input: {
    terms: readonly string[];
    viewerId: string;
    authorId: string | null;
    page: Page;
    offset: number;
  }): Promise<string[]> {
    const viewer = input.viewerId;
    const { page } = input;
    const direction = page.minId ? 'asc' : 'desc';
    // SQLite: the full-text matches are walked newest first and stop at the page's end. Asked
    // for as a set (`p.id in (select … match …)`), every match was read and sorted first: ~100 ms
    // for a common word among a million posts, where this reads a few dozen (docs/benchmarks.md).
    // Ids are digits of one length, so the rowid's order is the id's.
    const rowidBound = (cursor: string | undefined) => (cursor && /^\d+$/.test(cursor) ? cursor : null);
    let q =
      this.engine === 'sqlite'
        ? this.db
            .selectFrom(sql<{ rowid: number }>`post_search`.as('s'))
            // CROSS JOIN keeps the full-text table the outer loop (SQLite never reorders it).
            .crossJoin('posts as p')
            .innerJoin('accounts as a', 'a.id', 'p.account_id')
            .whereRef('p.id', '=', sql<string>`cast(s.rowid as text)`)
            .where(sql<boolean>`post_search match ${ftsMatch(input.terms)}`)
        : this.db
            .selectFrom('posts as p')
            .innerJoin('accounts as a', 'a.id', 'p.account_id')
            .where(
              // plainto_tsquery ANDs the words and ignores operators in the input.
              sql<boolean>`to_tsvector('simple'::regconfig, p.spoiler_text || ' ' || p.text) @@ plainto_tsquery('simple'::regconfig, ${input.terms.join(' ')})`,
            );
    q = q
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
    const bounds: [string | undefined, '<' | '>'][] = [
      [page.maxId, '<'],
      [page.sinceId, '>'],
      [page.minId, '>'],
    ];
    for (const [cursor, operator] of bounds) {
      if (cursor === undefined) continue;
      const digits = this.engine === 'sqlite' ? rowidBound(cursor) : null;
      q = digits
        ? q.where(sql<boolean>`s.rowid ${sql.raw(operator)} cast(${digits} as integer)`)
        : q.where('p.id', operator, cursor);
    }
    const rows = await q
      .select('p.id')
      .orderBy(this.engine === 'sqlite' ? sql`s.rowid` : sql`p.id`, direction)
      .limit(page.limit)
      .offset(input.offset)
      .execute();
    const ids = rows.map((r) => r.id);
    return page.minId ? ids.reverse() : ids;
  }
}
