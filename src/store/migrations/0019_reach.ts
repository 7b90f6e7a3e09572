import type { Kysely } from 'kysely';

/**
 * Reaching people where SMS posting matters (issue 16): the premium `linkId` an outbound
 * reply must carry (Africa's Talking on-demand short codes), and the language chosen per
 * account (web, API) and per phone number (the language of the first text from it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sms_outbox').addColumn('reply_link', 'text').execute();
  await db.schema
    .createTable('account_languages')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('number_languages')
    .addColumn('e164', 'text', (c) => c.primaryKey())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('number_languages').execute();
  await db.schema.dropTable('account_languages').execute();
  await db.schema.alterTable('sms_outbox').dropColumn('reply_link').execute();
}
