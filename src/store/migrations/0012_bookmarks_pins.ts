import type { Kysely } from 'kysely';

/**
 * Bookmarks (private to their owner, paged by bookmark id) and pinned posts (shown first on
 * their author's profile) for the Mastodon client API (issue 12).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['bookmarks', 'pins'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint(`${table}_account_post`, ['account_id', 'post_id'])
      .execute();
    // Lists page by the row id per account; deleting a post looks its rows up by post.
    await db.schema.createIndex(`${table}_account_id`).on(table).columns(['account_id', 'id']).execute();
    await db.schema.createIndex(`${table}_post_id`).on(table).column('post_id').execute();
  }
  // favourited_by pages a post's favourites by favourite id.
  await db.schema.createIndex('favourites_post_id_id').on('favourites').columns(['post_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('favourites_post_id_id').execute();
  await db.schema.dropTable('pins').execute();
  await db.schema.dropTable('bookmarks').execute();
}
