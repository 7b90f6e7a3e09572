import type { Kysely } from 'kysely';

/**
 * Lists, filters (v2), markers and conversations for the Mastodon client API (issue 12).
 *
 * - `lists` / `list_accounts`: a member row points at the owner's follow of that account
 *   (`follow_id`, cascading), so unfollowing, a block or a deleted account takes the member
 *   out of every list of the owner without a rule of its own. List timelines are read at
 *   request time from the members' posts (docs/timelines.md).
 * - `filters` / `filter_keywords` / `filter_statuses`: per-account filters applied when posts
 *   are read (`context` is a comma-separated set; `expires_at` null = never).
 * - `markers`: the last read position per account and timeline, with a version.
 * - `conversations` / `conversation_posts`: one row per participant and set of participants
 *   of direct messages, holding read state; posts cascade away when deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('replies_policy', 'text', (c) => c.notNull().defaultTo('list'))
    .addColumn('exclusive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('lists_account_id').on('lists').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('list_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('follow_id', 'text', (c) => c.notNull().references('follows.id').onDelete('cascade'))
    .addUniqueConstraint('list_accounts_pair', ['list_id', 'account_id'])
    .execute();
  await db.schema.createIndex('list_accounts_list_id').on('list_accounts').columns(['list_id', 'id']).execute();
  await db.schema.createIndex('list_accounts_account_id').on('list_accounts').column('account_id').execute();
  await db.schema.createIndex('list_accounts_follow_id').on('list_accounts').column('follow_id').execute();

  await db.schema
    .createTable('filters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().defaultTo('warn'))
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('filters_account_id').on('filters').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('filter_keywords')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('filter_id', 'text', (c) => c.notNull().references('filters.id').onDelete('cascade'))
    .addColumn('keyword', 'text', (c) => c.notNull())
    .addColumn('whole_word', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('filter_keywords_filter_id').on('filter_keywords').columns(['filter_id', 'id']).execute();

  await db.schema
    .createTable('filter_statuses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('filter_id', 'text', (c) => c.notNull().references('filters.id').onDelete('cascade'))
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addUniqueConstraint('filter_statuses_pair', ['filter_id', 'post_id'])
    .execute();
  await db.schema.createIndex('filter_statuses_post_id').on('filter_statuses').column('post_id').execute();

  await db.schema
    .createTable('markers')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('timeline', 'text', (c) => c.notNull())
    .addColumn('last_read_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('markers_pk', ['account_id', 'timeline'])
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('participants_key', 'text', (c) => c.notNull())
    .addColumn('participant_ids', 'text', (c) => c.notNull())
    .addColumn('last_post_id', 'text', (c) => c.notNull())
    .addColumn('unread', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('conversations_account_participants', ['account_id', 'participants_key'])
    .execute();
  await db.schema
    .createIndex('conversations_account_last_post')
    .on('conversations')
    .columns(['account_id', 'last_post_id'])
    .execute();
  await db.schema
    .createTable('conversation_posts')
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('conversation_posts_pk', ['conversation_id', 'post_id'])
    .execute();
  await db.schema.createIndex('conversation_posts_post_id').on('conversation_posts').column('post_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'conversation_posts',
    'conversations',
    'markers',
    'filter_statuses',
    'filter_keywords',
    'filters',
    'list_accounts',
    'lists',
  ])
    await db.schema.dropTable(table).execute();
}
