import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { extractHashtags, hashtagKey } from '../../core/text.ts';
import { newId } from '../../shared/ids.ts';

function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * Hashtags, followed and featured tags, and full-text search over posts (issue 12).
 *
 * - `tags`: one row per tag, `name_key` (NFKC, lower case) its identity, `name` the spelling
 *   first seen. `post_tags` links original posts to their tags, with the post's author,
 *   visibility and time copied in so tag timelines, trends and featured-tag counts read one
 *   index; rows go with their post (foreign key cascade).
 * - Search: SQLite keeps an FTS5 table `post_search` whose rowid is the post id (ids are
 *   18-digit integers), kept in sync by triggers on insert, update of the text and delete;
 *   PostgreSQL a GIN index on `to_tsvector('simple', spoiler_text || ' ' || text)`, which it
 *   maintains itself. The `simple` configuration (and FTS5's unicode61 tokenizer) split on
 *   Unicode word boundaries without language-specific stemming, so every language works.
 * - Existing posts are backfilled: their tags parsed with the same rule as new posts, and
 *   (SQLite) their text indexed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('post_tags')
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_tags_pkey', ['post_id', 'tag_id'])
    .execute();
  // Tag timelines and the home merge page by post id within a tag; featured tags count per author.
  await db.schema.createIndex('post_tags_tag_post').on('post_tags').columns(['tag_id', 'post_id']).execute();
  await db.schema.createIndex('post_tags_account_tag').on('post_tags').columns(['account_id', 'tag_id']).execute();
  await db.schema.createIndex('post_tags_created').on('post_tags').column('created_at').execute();
  for (const table of ['followed_tags', 'featured_tags'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint(`${table}_account_tag`, ['account_id', 'tag_id'])
      .execute();
    await db.schema.createIndex(`${table}_account_id`).on(table).columns(['account_id', 'id']).execute();
  }

  if (isSqlite(db)) {
    await sql`create virtual table post_search using fts5(body, tokenize = 'unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`create trigger post_search_insert after insert on posts when new.reblog_of_id is null begin
      insert into post_search(rowid, body) values (cast(new.id as integer), new.spoiler_text || ' ' || new.text);
    end`.execute(db);
    await sql`create trigger post_search_update after update of text, spoiler_text on posts when new.reblog_of_id is null begin
      delete from post_search where rowid = cast(old.id as integer);
      insert into post_search(rowid, body) values (cast(new.id as integer), new.spoiler_text || ' ' || new.text);
    end`.execute(db);
    await sql`create trigger post_search_delete after delete on posts begin
      delete from post_search where rowid = cast(old.id as integer);
    end`.execute(db);
    await sql`insert into post_search(rowid, body)
      select cast(id as integer), spoiler_text || ' ' || text from posts where reblog_of_id is null`.execute(db);
  } else {
    await sql`create index posts_search on posts using gin (to_tsvector('simple'::regconfig, spoiler_text || ' ' || text))`.execute(
      db,
    );
  }
  await backfillTags(db);
}

async function backfillTags(db: Kysely<unknown>): Promise<void> {
  const tagIds = new Map<string, string>();
  let after = '';
  for (;;) {
    const { rows } = await sql<{
      id: string;
      account_id: string;
      text: string;
      visibility: string;
      created_at: string;
    }>`select id, account_id, text, visibility, created_at from posts
       where reblog_of_id is null and id > ${after} and text like '%#%' order by id limit 500`.execute(db);
    if (rows.length === 0) return;
    for (const post of rows) {
      for (const name of extractHashtags(post.text)) {
        const key = hashtagKey(name);
        let tagId = tagIds.get(key);
        if (!tagId) {
          tagId = newId(Date.parse(post.created_at) || Date.now());
          await sql`insert into tags (id, name, name_key, created_at) values (${tagId}, ${name}, ${key}, ${post.created_at})`.execute(
            db,
          );
          tagIds.set(key, tagId);
        }
        await sql`insert into post_tags (post_id, tag_id, account_id, visibility, created_at)
          values (${post.id}, ${tagId}, ${post.account_id}, ${post.visibility}, ${post.created_at})`.execute(db);
      }
    }
    after = rows.at(-1)!.id;
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) {
    for (const trigger of ['post_search_insert', 'post_search_update', 'post_search_delete'])
      await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
    await sql`drop table if exists post_search`.execute(db);
  } else {
    await sql`drop index if exists posts_search`.execute(db);
  }
  await db.schema.dropTable('featured_tags').execute();
  await db.schema.dropTable('followed_tags').execute();
  await db.schema.dropTable('post_tags').execute();
  await db.schema.dropTable('tags').execute();
}
