import { type Kysely, sql } from 'kysely';

/** The tables of a fan-out, as the entity cache tests use them: `a` and `b` follow `x`; `c` follows nobody. */
export interface FeedTables {
  home_feed: { account_id: string; post_id: string; author_id: string };
  follows: { account_id: string; target_account_id: string };
}

export async function createFeedTables(db: Kysely<FeedTables>): Promise<void> {
  await sql`create table home_feed (account_id text not null, post_id text not null, author_id text not null,
    primary key (account_id, post_id))`.execute(db);
  await sql`create table follows (account_id text not null, target_account_id text not null)`.execute(db);
  await db
    .insertInto('follows')
    .values([
      { account_id: 'a', target_account_id: 'x' },
      { account_id: 'b', target_account_id: 'x' },
    ])
    .execute();
}
