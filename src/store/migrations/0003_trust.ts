import type { Kysely } from 'kysely';

/** The SMS trust gate: posting PIN, locks, SIM-swap freezes, held messages and owner alerts. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sms_settings').addColumn('pin_hash', 'text').execute();
  await db.schema
    .alterTable('sms_settings')
    .addColumn('pin_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('sms_settings').addColumn('locked_at', 'text').execute();
  await db.schema.alterTable('sms_settings').addColumn('lock_reason', 'text').execute();
  await db.schema.alterTable('sms_settings').addColumn('confirmed_until', 'text').execute();

  // Per-number limits count recent texts from one number on every inbound message.
  await db.schema
    .createIndex('sms_inbound_from_received')
    .on('sms_inbound')
    .columns(['from_number', 'received_at'])
    .execute();
  // Code budgets count codes sent to one number.
  await db.schema
    .createIndex('verification_codes_target')
    .on('verification_codes')
    .columns(['purpose', 'target', 'created_at'])
    .execute();

  await db.schema
    .createTable('sms_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('inbound_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('sms_holds_account').on('sms_holds').columns(['account_id', 'status', 'id']).execute();

  // Receipts can overtake the send's own bookkeeping (a fast "delivered" arrives before the
  // dispatcher has stored the provider's id); they wait here for the message to be marked sent.
  await db.schema
    .createTable('sms_early_receipts')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_early_receipts_pk', ['provider', 'provider_message_id'])
    .execute();

  await db.schema
    .createTable('account_security_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .execute();
  await db.schema
    .createIndex('account_security_events_account')
    .on('account_security_events')
    .columns(['account_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verification_codes_target').execute();
  await db.schema.dropIndex('sms_inbound_from_received').execute();
  await db.schema.dropTable('account_security_events').execute();
  await db.schema.dropTable('sms_early_receipts').execute();
  await db.schema.dropTable('sms_holds').execute();
  for (const column of ['confirmed_until', 'lock_reason', 'locked_at', 'pin_failures', 'pin_hash']) {
    await db.schema.alterTable('sms_settings').dropColumn(column).execute();
  }
}
