import type { Kysely } from 'kysely';

/**
 * Federation (issue 13) keeps Fedify's working state in Sparrow's own database — one
 * database, one queue, one backup — instead of a separate key-value store and broker:
 * - `federation_kv`: Fedify's cache of remote documents, idempotency marks and the like;
 * - `federation_queue`: its outbox/inbox/fan-out messages, claimed with a lease so each is
 *   handled by one process at a time and survives restarts;
 * - `actor_keys`: each local account's signing key pairs (RSA for Mastodon, Ed25519 for
 *   object integrity proofs), private halves sealed with the instance secret.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Accounts and posts of other servers live beside local ones, so follows, timelines,
  // notifications and SMS subscriptions work on them unchanged. A remote account's
  // `username_key` is `user@domain` (local keys never hold an @), keeping handles unique.
  await db.schema.alterTable('accounts').addColumn('domain', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('uri', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('url', 'text').execute();
  await db.schema.createIndex('accounts_uri').on('accounts').column('uri').unique().execute();
  await db.schema.alterTable('posts').addColumn('uri', 'text').execute();
  await db.schema.alterTable('posts').addColumn('url', 'text').execute();
  // Remote posts arrive as HTML; this is it after the allowlist sanitiser, shown as is.
  await db.schema.alterTable('posts').addColumn('remote_html', 'text').execute();
  await db.schema.createIndex('posts_uri').on('posts').column('uri').unique().execute();

  // Where to deliver to a remote account, and when its document was last fetched.
  await db.schema
    .createTable('remote_actors')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('inbox_url', 'text', (c) => c.notNull())
    .addColumn('shared_inbox_url', 'text')
    .addColumn('followers_url', 'text')
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('federation_kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .execute();
  await db.schema.createIndex('federation_kv_expires_at').on('federation_kv').column('expires_at').execute();

  await db.schema
    .createTable('federation_queue')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('ordering_key', 'text')
    .addColumn('ready_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('federation_queue_ready_at').on('federation_queue').columns(['ready_at', 'id']).execute();
  await db.schema
    .createIndex('federation_queue_ordering_key')
    .on('federation_queue')
    .columns(['ordering_key', 'id'])
    .execute();

  // Servers the instance refuses (suspend) or keeps at arm's length (limit), set by admins.
  await db.schema
    .createTable('instance_domain_blocks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('reject_media', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('actor_keys')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('actor_keys_pk', ['account_id', 'algorithm'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('actor_keys').execute();
  await db.schema.dropTable('instance_domain_blocks').execute();
  await db.schema.dropTable('remote_actors').execute();
  await db.schema.dropIndex('posts_uri').execute();
  await db.schema.dropIndex('accounts_uri').execute();
  for (const column of ['uri', 'url', 'remote_html']) await db.schema.alterTable('posts').dropColumn(column).execute();
  for (const column of ['domain', 'uri', 'url']) await db.schema.alterTable('accounts').dropColumn(column).execute();
  await db.schema.dropTable('federation_queue').execute();
  await db.schema.dropTable('federation_kv').execute();
}
