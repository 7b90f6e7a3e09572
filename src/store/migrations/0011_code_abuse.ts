import type { Kysely } from 'kysely';

/**
 * Wrong security codes counted per account and per number across codes and flows, and the
 * sliding-window counters of the SMS-pumping detector on the send path (issue 11).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('code_failures')
    // `account:<id>` or `number:<e164>`.
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('code_failures_last').on('code_failures').columns(['last_failure_at']).execute();

  await db.schema
    .createTable('security_event_counts')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull())
    // Epoch milliseconds after which the row no longer counts (housekeeping deletes it).
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('security_event_counts_pk', ['key', 'bucket'])
    .execute();
  await db.schema
    .createIndex('security_event_counts_expires')
    .on('security_event_counts')
    .columns(['expires_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('security_event_counts').execute();
  await db.schema.dropTable('code_failures').execute();
}
