import type { Kysely } from 'kysely';

/** The SMS channel: bound numbers, codes, settings, the inbound log, the outbox, policy and audit. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sms_phones')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    // A number is bound to at most one account, enforced by the store itself.
    .addColumn('e164', 'text', (c) => c.notNull().unique())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('verification_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verification_codes_subject')
    .on('verification_codes')
    .columns(['purpose', 'subject', 'id'])
    .execute();

  await db.schema
    .createTable('sms_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('posting', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notifications', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sms_subscriptions')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('target_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_subscriptions_pk', ['account_id', 'target_id'])
    .execute();
  await db.schema
    .createIndex('sms_subscriptions_target')
    .on('sms_subscriptions')
    .columns(['target_id', 'account_id'])
    .execute();

  await db.schema
    .createTable('sms_opt_outs')
    .addColumn('e164', 'text', (c) => c.primaryKey())
    .addColumn('opted_out_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sms_inbound')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('post_id', 'text')
    // Retries of one provider message act once: the second insert fails on this key.
    .addUniqueConstraint('sms_inbound_provider_message', ['provider', 'provider_message_id'])
    .execute();
  await db.schema.createIndex('sms_inbound_account').on('sms_inbound').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('sms_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('segments', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('post_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sms_outbox_due').on('sms_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema
    .createIndex('sms_outbox_provider_message')
    .on('sms_outbox')
    .columns(['provider', 'provider_message_id'])
    .execute();
  await db.schema.createIndex('sms_outbox_to_number').on('sms_outbox').columns(['to_number', 'id']).execute();

  await db.schema
    .createTable('sms_fanout_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('post_id', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('after_account_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sms_fanout_jobs_status').on('sms_fanout_jobs').columns(['status', 'id']).execute();

  await db.schema
    .createTable('sms_country_policy')
    .addColumn('country', 'text', (c) => c.primaryKey())
    .addColumn('posting', 'integer', (c) => c.notNull())
    .addColumn('notifications', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sms_switches')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();

  await db.schema
    .createTable('sms_reply_throttle')
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('last_sent_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_reply_throttle_pk', ['number', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'sms_reply_throttle',
    'audit_log',
    'sms_switches',
    'sms_country_policy',
    'sms_fanout_jobs',
    'sms_outbox',
    'sms_inbound',
    'sms_opt_outs',
    'sms_subscriptions',
    'sms_settings',
    'verification_codes',
    'sms_phones',
    'instance_secrets',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
