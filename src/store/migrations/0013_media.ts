import type { Kysely } from 'kysely';

/**
 * Media attachments (uploaded images, processed into a full-size file and a preview) and the
 * profile images of accounts (issue 12). A row belongs to its uploader; `post_id` is set once
 * when a post attaches it. Files live in the media storage (local disk or S3), named by the
 * unguessable keys kept here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('media_attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    // No foreign key: a deleted post's media is removed with its files by the media service,
    // and housekeeping removes rows whose post is gone.
    .addColumn('post_id', 'text')
    // Where in its post the author put it (Mastodon keeps the order of media_ids).
    .addColumn('position', 'integer')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('file_key', 'text')
    .addColumn('preview_key', 'text')
    .addColumn('content_type', 'text')
    .addColumn('file_size', 'integer')
    .addColumn('meta', 'text')
    .addColumn('blurhash', 'text')
    .addColumn('description', 'text')
    .addColumn('focus', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('media_attachments_post_id').on('media_attachments').column('post_id').execute();
  // Housekeeping finds old unattached uploads by age.
  await db.schema
    .createIndex('media_attachments_unattached')
    .on('media_attachments')
    .columns(['post_id', 'created_at'])
    .execute();
  await db.schema.alterTable('accounts').addColumn('avatar_key', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('header_key', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('header_key').execute();
  await db.schema.alterTable('accounts').dropColumn('avatar_key').execute();
  await db.schema.dropTable('media_attachments').execute();
}
