import type { Kysely } from 'kysely';

/**
 * Audiences that cannot single out a person (issue 11, docs/privacy.md §3): the network an
 * advertising consent was granted from (a keyed hash, kept only while the consent is on),
 * the networks advertisers work from, and each audience's answer fixed when it was uploaded.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_point_purposes').addColumn('network_key', 'text').execute();
  // Null until sized: audiences uploaded before this migration are sized once, at their next read.
  await db.schema.alterTable('ad_audiences').addColumn('usable', 'integer').execute();
  await db.schema.alterTable('ad_audiences').addColumn('size_floor', 'integer').execute();
  await db.schema.alterTable('ad_audiences').addColumn('sized_at', 'text').execute();
  await db.schema
    .createTable('ad_advertiser_networks')
    .addColumn('advertiser_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('network_key', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ad_advertiser_networks_pk', ['advertiser_id', 'network_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ad_advertiser_networks').execute();
  for (const column of ['sized_at', 'size_floor', 'usable'])
    await db.schema.alterTable('ad_audiences').dropColumn(column).execute();
  await db.schema.alterTable('contact_point_purposes').dropColumn('network_key').execute();
}
