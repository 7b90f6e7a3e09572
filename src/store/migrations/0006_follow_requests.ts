import { type Kysely, sql } from 'kysely';

/**
 * Follow requests for locked accounts (issue 11, finding 5). Until now following a locked
 * account made a follow at once, so every existing follow of a locked account is one its
 * owner never approved: they become pending requests (with the `follow_request`
 * notification the owner would have had), their home-feed entries of that author go, and
 * the counts are recomputed. The owner accepts the ones they want in one click; nothing
 * about who asked is lost.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('follow_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('target_account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('follow_requests_pair', ['account_id', 'target_account_id'])
    .execute();
  // Listing a locked account's pending requests, newest first.
  await db.schema
    .createIndex('follow_requests_target')
    .on('follow_requests')
    .columns(['target_account_id', 'id'])
    .execute();

  await sql`
    insert into follow_requests (id, account_id, target_account_id, created_at)
    select f.id, f.account_id, f.target_account_id, f.created_at
    from follows f join accounts a on a.id = f.target_account_id
    where a.locked = 1`.execute(db);
  // The request keeps the follow's time-ordered id; a notification id is unique on its own, so skip any clash.
  await sql`
    insert into notifications (id, account_id, type, from_account_id, post_id, created_at)
    select r.id, r.target_account_id, 'follow_request', r.account_id, null, r.created_at
    from follow_requests r
    where not exists (select 1 from notifications n where n.id = r.id)`.execute(db);
  await sql`
    delete from home_feed where exists (
      select 1 from follow_requests r
      where r.account_id = home_feed.account_id and r.target_account_id = home_feed.author_id)`.execute(db);
  await sql`
    delete from follows where exists (
      select 1 from follow_requests r
      where r.account_id = follows.account_id and r.target_account_id = follows.target_account_id)`.execute(db);
  await sql`
    update accounts set
      followers_count = (select count(*) from follows f where f.target_account_id = accounts.id),
      following_count = (select count(*) from follows f where f.account_id = accounts.id)
    where locked = 1 or id in (select account_id from follow_requests)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('follow_requests').ifExists().execute();
}
