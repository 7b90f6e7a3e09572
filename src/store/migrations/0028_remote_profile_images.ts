import type { Kysely } from 'kysely';

/**
 * Remote avatars and headers by reference: the URL of a remote actor's `icon` and `image`
 * (`avatar_remote_url`, `header_remote_url`). For a remote account `avatar_key`/`header_key`
 * hold the media proxy's copy of that URL (re-encoded, metadata stripped), cleared when the
 * URL changes or an admin rejects the server's media.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('avatar_remote_url', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('header_remote_url', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('header_remote_url').execute();
  await db.schema.alterTable('accounts').dropColumn('avatar_remote_url').execute();
}
