import type { Kysely } from 'kysely';

/**
 * Status edits (each version kept for `GET /api/v1/statuses/:id/history`), polls with their
 * votes, and scheduled posts (issue 12).
 *
 * - `post_edits`: one row per version of an edited post, the original included (written at
 *   the first edit), oldest first by id.
 * - `polls`: one per post; `options` is a JSON array of titles; `expiry_notified_at` is the
 *   claim that makes the expiry notifications go out once, whichever instance gets there.
 * - `poll_voters` (one row per account and poll: the "one vote" rule is its primary key) and
 *   `poll_votes` (one row per chosen option).
 * - `scheduled_posts`: the Mastodon `params` as JSON, published when due by whichever worker
 *   claims the row (`lease_until`), through the ordinary create use case.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('post_edits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('spoiler_text', 'text', (c) => c.notNull())
    .addColumn('sensitive', 'integer', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('poll_options', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('post_edits_post_id').on('post_edits').columns(['post_id', 'id']).execute();

  await db.schema
    .createTable('polls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'text', (c) => c.notNull().unique().references('posts.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('multiple', 'integer', (c) => c.notNull())
    .addColumn('hide_totals', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('expiry_notified_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The expiry worker looks for polls past their end not yet announced.
  await db.schema.createIndex('polls_expiry').on('polls').columns(['expiry_notified_at', 'expires_at']).execute();

  await db.schema
    .createTable('poll_voters')
    .addColumn('poll_id', 'text', (c) => c.notNull().references('polls.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('poll_voters_pk', ['poll_id', 'account_id'])
    .execute();
  await db.schema
    .createTable('poll_votes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('poll_id', 'text', (c) => c.notNull().references('polls.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('choice', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('poll_votes_choice', ['poll_id', 'account_id', 'choice'])
    .execute();

  await db.schema
    .createTable('scheduled_posts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('scheduled_at', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scheduled_posts_due').on('scheduled_posts').column('scheduled_at').execute();
  await db.schema.createIndex('scheduled_posts_account').on('scheduled_posts').columns(['account_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['scheduled_posts', 'poll_votes', 'poll_voters', 'polls', 'post_edits'])
    await db.schema.dropTable(table).execute();
}
