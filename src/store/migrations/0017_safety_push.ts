import type { Kysely } from 'kysely';

/**
 * Issue 12, safety and reach: profile fields and discoverability on accounts, timed mutes,
 * Web Push subscriptions (one per access token) and their durable delivery queue,
 * user-level domain blocks, reports to staff, instance rules, and dismissed suggestions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    .addColumn('fields', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('discoverable', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('mutes').addColumn('expires_at', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('report_id', 'text').execute();

  await db.schema
    .createTable('push_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_id', 'text', (c) => c.notNull().unique().references('oauth_tokens.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('key_p256dh', 'text', (c) => c.notNull())
    .addColumn('key_auth', 'text', (c) => c.notNull())
    .addColumn('sealed_token', 'text', (c) => c.notNull())
    .addColumn('alerts', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('push_subscriptions_account_id').on('push_subscriptions').column('account_id').execute();

  await db.schema
    .createTable('push_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('push_subscriptions.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('push_deliveries_once', ['subscription_id', 'notification_id'])
    .execute();
  await db.schema
    .createIndex('push_deliveries_due')
    .on('push_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('domain_blocks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('domain_blocks_account_domain', ['account_id', 'domain'])
    .execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('target_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('status_ids', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('rule_ids', 'text', (c) => c.notNull())
    .addColumn('forward', 'integer', (c) => c.notNull())
    .addColumn('assigned_account_id', 'text')
    .addColumn('action_taken_at', 'text')
    .addColumn('action_taken_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reports_target').on('reports').columns(['target_account_id', 'id']).execute();
  await db.schema.createIndex('reports_open').on('reports').columns(['action_taken_at', 'id']).execute();

  await db.schema
    .createTable('instance_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('suggestion_dismissals')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('target_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('suggestion_dismissals_pk', ['account_id', 'target_account_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'suggestion_dismissals',
    'instance_rules',
    'reports',
    'domain_blocks',
    'push_deliveries',
    'push_subscriptions',
  ])
    await db.schema.dropTable(table).execute();
  await db.schema.alterTable('notifications').dropColumn('report_id').execute();
  await db.schema.alterTable('mutes').dropColumn('expires_at').execute();
  await db.schema.alterTable('accounts').dropColumn('discoverable').execute();
  await db.schema.alterTable('accounts').dropColumn('fields').execute();
}
