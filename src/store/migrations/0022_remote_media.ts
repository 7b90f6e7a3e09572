import type { Kysely } from 'kysely';

/**
 * Remote media by reference (issue 13): an attachment of a post from another server is a
 * `media_attachments` row with the URL it lives at (`remote_url`), its type, alt text and
 * size; `file_key`/`preview_key` hold the copy Sparrow's media proxy made on first use
 * (re-encoded, metadata stripped), and are cleared again when an admin rejects the server's media.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('media_attachments').addColumn('remote_url', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('media_attachments').dropColumn('remote_url').execute();
}
