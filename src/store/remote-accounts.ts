import type { Kysely, Selectable } from 'kysely';
import type { RemoteAccountProfile } from '../core/ports.ts';
import type { AccountsTable, Database } from './schema.ts';

/**
 * Creates an account of another server, or refreshes what changed on it, keyed by its
 * ActivityPub id. Its handle key is `user@domain`, which no local key can equal (local
 * usernames hold no @). Counters, role and suspension are Sparrow's own and never taken
 * from the remote document.
 */
export async function upsertRemoteAccountRow(
  db: Kysely<Database>,
  id: string,
  profile: RemoteAccountProfile,
  now: Date,
): Promise<Selectable<AccountsTable>> {
  const at = now.toISOString();
  const changes = {
    username: profile.username,
    username_key: `${profile.username}@${profile.domain}`.toLowerCase(),
    display_name: profile.displayName,
    note: profile.note,
    locked: profile.locked ? 1 : 0,
    bot: profile.bot ? 1 : 0,
    domain: profile.domain.toLowerCase(),
    url: profile.url,
    updated_at: at,
    ...(profile.fields !== undefined ? { fields: JSON.stringify(profile.fields) } : {}),
  };
  await db
    .insertInto('accounts')
    .values({
      id,
      ...changes,
      uri: profile.uri,
      role: 'user',
      created_at: at,
      suspended_at: null,
      followers_count: 0,
      following_count: 0,
      statuses_count: 0,
      last_status_at: null,
    })
    .onConflict((oc) => oc.column('uri').doUpdateSet(changes))
    .execute();
  return db.selectFrom('accounts').selectAll().where('uri', '=', profile.uri).executeTakeFirstOrThrow();
}
