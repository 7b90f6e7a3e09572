import type { Kysely } from 'kysely';

/**
 * The zone an account reads times in (an IANA name such as `Africa/Nairobi`); null until
 * the owner or their browser chose one, and pages then show UTC and say so.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('time_zone', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('time_zone').execute();
}
