import type { Kysely } from 'kysely';

/**
 * Contact discovery without IP networks (issue 11): a lookup row now says whether it was
 * answered (refused phone lookups are kept as evidence only) and which account it
 * matched, so mutual discoverability and cohort signals can be computed; the table of
 * IPs per account, which only served IP networks, goes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('discovery_lookups')
    .addColumn('answered', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('discovery_lookups').addColumn('matched_account_id', 'text').execute();
  // The instance-wide daily budget and the cohort signal read lookups by time across every account.
  await db.schema.createIndex('discovery_lookups_time').on('discovery_lookups').column('created_at').execute();
  await db.schema.dropTable('discovery_ips').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('discovery_ips')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('ip_key', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('discovery_ips_pk', ['account_id', 'ip_key'])
    .execute();
  await db.schema.createIndex('discovery_ips_ip').on('discovery_ips').columns(['ip_key', 'last_seen']).execute();
  await db.schema.dropIndex('discovery_lookups_time').execute();
  await db.schema.alterTable('discovery_lookups').dropColumn('matched_account_id').execute();
  await db.schema.alterTable('discovery_lookups').dropColumn('answered').execute();
}
