import type { Kysely } from 'kysely';

/**
 * Account security: second factors (TOTP, passkeys, recovery codes), multi-step sign-in
 * flows, sessions with where-and-when, and the data the SMS-pumping defence watches.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_factors')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    // TOTP secrets cannot be hashed (the server must compute codes); they are encrypted with the instance key.
    .addColumn('totp_secret', 'text')
    .addColumn('totp_pending_secret', 'text')
    .addColumn('totp_last_step', 'integer')
    .addColumn('sms_two_factor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('require_strong', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recovery_codes_account').on('recovery_codes').columns(['account_id']).execute();

  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('passkeys_account').on('passkeys').columns(['account_id']).execute();

  await db.schema
    .createTable('auth_flows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('target', 'text')
    .addColumn('challenge', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ip', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('auth_flows_expires').on('auth_flows').columns(['expires_at']).execute();

  await db.schema.alterTable('oauth_tokens').addColumn('session_ip', 'text').execute();
  await db.schema.alterTable('oauth_tokens').addColumn('session_agent', 'text').execute();
  await db.schema.alterTable('oauth_tokens').addColumn('session_kind', 'text').execute();
  await db.schema.createIndex('oauth_tokens_account').on('oauth_tokens').columns(['account_id', 'id']).execute();

  // Completion rates per country and prefix: which codes were sent where, and which were used.
  await db.schema.alterTable('verification_codes').addColumn('country', 'text').execute();
  await db.schema.alterTable('verification_codes').addColumn('prefix', 'text').execute();
  await db.schema.createIndex('verification_codes_created').on('verification_codes').columns(['created_at']).execute();

  // Countries that receive security SMS; null follows the instance default.
  await db.schema.alterTable('sms_country_policy').addColumn('security', 'integer').execute();

  await db.schema
    .createTable('security_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .execute();
  // Counters of the security throttles (rate-limiter-flexible's layout) when Redis is not configured.
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();

  await db.schema
    .createIndex('security_alerts_scope')
    .on('security_alerts')
    .columns(['kind', 'scope', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
  await db.schema.dropTable('security_alerts').execute();
  await db.schema.alterTable('sms_country_policy').dropColumn('security').execute();
  await db.schema.dropIndex('verification_codes_created').execute();
  await db.schema.alterTable('verification_codes').dropColumn('prefix').execute();
  await db.schema.alterTable('verification_codes').dropColumn('country').execute();
  await db.schema.dropIndex('oauth_tokens_account').execute();
  for (const column of ['session_kind', 'session_agent', 'session_ip'])
    await db.schema.alterTable('oauth_tokens').dropColumn(column).execute();
  await db.schema.dropTable('auth_flows').execute();
  await db.schema.dropTable('passkeys').execute();
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema.dropTable('account_factors').execute();
}
