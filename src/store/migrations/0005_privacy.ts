import type { Kysely } from 'kysely';

/**
 * Purpose-bound contact points, contact discovery (lookup logs as keyed hashes, blocks,
 * moderator reports) and advertising (SPEC 3.6, 3.7).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_points')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // Set only while `discovery` is on (keyed HMAC) / `advertising` is on (SHA-256 of the value).
    .addColumn('discovery_key', 'text')
    .addColumn('ad_hash', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('contact_points_kind_value', ['kind', 'value'])
    .execute();
  await db.schema.createIndex('contact_points_account').on('contact_points').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('contact_points_discovery_key').on('contact_points').column('discovery_key').execute();
  await db.schema.createIndex('contact_points_ad_hash').on('contact_points').column('ad_hash').execute();

  await db.schema
    .createTable('contact_point_purposes')
    .addColumn('contact_point_id', 'text', (c) => c.notNull().references('contact_points.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('since', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_point_purposes_pk', ['contact_point_id', 'purpose'])
    .execute();

  // History outlives the contact point (no foreign key to it): the owner can still see what was allowed and used.
  await db.schema
    .createTable('consent_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('contact_point_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('consent_records_point')
    .on('consent_records')
    .columns(['contact_point_id', 'id'])
    .execute();

  await db.schema
    .createTable('contact_point_uses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('contact_point_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contact_point_uses_point')
    .on('contact_point_uses')
    .columns(['contact_point_id', 'id'])
    .execute();
  await db.schema
    .createIndex('contact_point_uses_account')
    .on('contact_point_uses')
    .columns(['account_id', 'contact_point_id', 'kind'])
    .execute();

  await db.schema
    .createTable('discovery_lookups')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('contact_key', 'text', (c) => c.notNull())
    .addColumn('block_key', 'text')
    .addColumn('ip_key', 'text', (c) => c.notNull())
    .addColumn('hit', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('discovery_lookups_pk', ['account_id', 'contact_key'])
    .execute();
  await db.schema
    .createIndex('discovery_lookups_account_time')
    .on('discovery_lookups')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('discovery_lookups_ip_time')
    .on('discovery_lookups')
    .columns(['ip_key', 'created_at'])
    .execute();
  await db.schema
    .createIndex('discovery_lookups_block')
    .on('discovery_lookups')
    .columns(['block_key', 'account_id'])
    .execute();

  await db.schema
    .createTable('discovery_ips')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('ip_key', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('discovery_ips_pk', ['account_id', 'ip_key'])
    .execute();
  await db.schema.createIndex('discovery_ips_ip').on('discovery_ips').columns(['ip_key', 'last_seen']).execute();

  await db.schema
    .createTable('discovery_blocks')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('discovery_blocks_report').on('discovery_blocks').column('report_id').execute();

  await db.schema
    .createTable('moderation_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('account_ids', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .execute();
  await db.schema.createIndex('moderation_reports_status').on('moderation_reports').columns(['status', 'id']).execute();

  await db.schema
    .createTable('advertisers')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('ad_audiences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('advertiser_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hash_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ad_audiences_advertiser').on('ad_audiences').columns(['advertiser_id', 'id']).execute();

  await db.schema
    .createTable('ad_audience_hashes')
    .addColumn('audience_id', 'text', (c) => c.notNull().references('ad_audiences.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ad_audience_hashes_pk', ['audience_id', 'hash'])
    .execute();
  await db.schema.createIndex('ad_audience_hashes_hash').on('ad_audience_hashes').column('hash').execute();

  await db.schema
    .createTable('ad_campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('advertiser_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('audience_id', 'text', (c) => c.notNull().references('ad_audiences.id').onDelete('cascade'))
    .addColumn('post_id', 'text', (c) => c.notNull())
    .addColumn('frequency_cap', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('stopped_at', 'text')
    .execute();
  await db.schema.createIndex('ad_campaigns_audience').on('ad_campaigns').columns(['audience_id', 'status']).execute();
  await db.schema.createIndex('ad_campaigns_advertiser').on('ad_campaigns').columns(['advertiser_id', 'id']).execute();

  await db.schema
    .createTable('ad_impressions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('ad_campaigns.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ad_impressions_cap')
    .on('ad_impressions')
    .columns(['campaign_id', 'account_id', 'day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'ad_impressions',
    'ad_campaigns',
    'ad_audience_hashes',
    'ad_audiences',
    'advertisers',
    'moderation_reports',
    'discovery_blocks',
    'discovery_ips',
    'discovery_lookups',
    'contact_point_uses',
    'consent_records',
    'contact_point_purposes',
    'contact_points',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
