import type { Kysely } from 'kysely';

/**
 * The newest post a viewer boosted (`newestFlagged` in src/store/microblog-store.ts): every home
 * read skips its flags statement for posts newer than any the viewer favourited, boosted,
 * bookmarked or pinned. Favourites, bookmarks and pins answer that from their (account, post)
 * keys; boosts are rows of `posts`, whose indexes lead with the boosted post or the id, so
 * without this one a viewer who posts much and never boosts had all their posts scanned.
 * Partial: a post that is no boost (nearly all) adds nothing to it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('posts_reblogs_by_account')
    .on('posts')
    .columns(['account_id', 'reblog_of_id'])
    .where('reblog_of_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('posts_reblogs_by_account').execute();
}
