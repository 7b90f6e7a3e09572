import { type Kysely, SqliteAdapter, type Transaction, sql } from 'kysely';
import type { Visibility } from '../core/model.ts';
import { hashtagKey } from '../core/text.ts';
import { newId } from '../shared/ids.ts';
import type { Database } from './schema.ts';

/**
 * The indexes derived from a post's text (migration 0014): its hashtags (`post_tags`) and the
 * full-text index. SQLite's FTS5 table follows the posts table through triggers and
 * PostgreSQL's GIN index is on an expression of the post's columns, so creation, edits and
 * deletion keep full text in step by themselves; `reindexSearch` rebuilds one post's entry
 * anyway (a repair, or an engine without triggers).
 */
type Db = Kysely<Database> | Transaction<Database>;

/**
 * Replaces a post's tags (creating tags first seen here, in the spelling written). Called in
 * the transaction that stores the post, and again when its text changes (`reindexPost`).
 */
export async function writePostTags(
  db: Db,
  post: { id: string; accountId: string; visibility: Visibility; createdAt: Date },
  names: readonly string[],
): Promise<void> {
  await db.deleteFrom('post_tags').where('post_id', '=', post.id).execute();
  if (names.length === 0) return;
  const byKey = new Map(names.map((name) => [hashtagKey(name), name]));
  const keys = [...byKey.keys()];
  await db
    .insertInto('tags')
    .values(
      keys.map((key) => ({
        id: newId(post.createdAt.getTime()),
        name: byKey.get(key)!,
        name_key: key,
        created_at: post.createdAt.toISOString(),
      })),
    )
    .onConflict((oc) => oc.column('name_key').doNothing())
    .execute();
  const tags = await db.selectFrom('tags').select('id').where('name_key', 'in', keys).execute();
  await db
    .insertInto('post_tags')
    .values(
      tags.map((t) => ({
        post_id: post.id,
        tag_id: t.id,
        account_id: post.accountId,
        visibility: post.visibility,
        created_at: post.createdAt.toISOString(),
      })),
    )
    .execute();
}

/** Rebuilds one post's full-text entry from its current text (SQLite; PostgreSQL's index is an expression). */
export async function reindexSearch(db: Db, postId: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`delete from post_search where rowid = cast(${postId} as integer)`.execute(db);
  await sql`insert into post_search(rowid, body)
    select cast(id as integer), spoiler_text || ' ' || text from posts where id = ${postId} and reblog_of_id is null`.execute(
    db,
  );
}
