import type { Kysely } from 'kysely';

/**
 * Federation operations (issue 13):
 * - `federation_domains`: per remote server, how delivery to it goes — last success, last
 *   failure (a status or an error name, never a body or a secret), failures in a row since
 *   when, and since when it is considered unavailable (nothing is delivered there until it is
 *   heard from again);
 * - `federation_queue.domain`: the server an outgoing delivery is for, so the queue can be
 *   counted and retried per server without parsing every message.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('federation_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('last_success_at', 'text')
    .addColumn('last_inbound_at', 'text')
    .addColumn('last_failure_at', 'text')
    .addColumn('last_failure', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failing_since', 'text')
    .addColumn('unavailable_since', 'text')
    .execute();
  await db.schema.alterTable('federation_queue').addColumn('domain', 'text').execute();
  await db.schema
    .createIndex('federation_queue_domain')
    .on('federation_queue')
    .columns(['domain', 'ready_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('federation_queue_domain').execute();
  await db.schema.alterTable('federation_queue').dropColumn('domain').execute();
  await db.schema.dropTable('federation_domains').execute();
}
