import type { Kysely, Selectable } from 'kysely';
import type { RemoteAccountProfile } from '../core/ports.ts';
import type { AccountsTable, Database } from './schema.ts';

/**
 * Creates an account of another server, or refreshes what changed on it, keyed by its
 * ActivityPub id. Its handle key is `user@domain`, which no local key can equal (local
 * usernames hold no @). Counters, role and suspension are Sparrow's own and never taken
 * from the remote document. Avatar and header are references; a changed URL forgets the
 * media proxy's copy of the old one.
 */
export async function upsertRemoteAccountRow(
  db: Kysely<Database>,
  id: string,
  profile: RemoteAccountProfile,
  now: Date,
): Promise<Selectable<AccountsTable>> {
  const at = now.toISOString();
  const before = await db
    .selectFrom('accounts')
    .select(['avatar_remote_url', 'header_remote_url'])
    .where('uri', '=', profile.uri)
    .executeTakeFirst();
  // A new URL drops the proxy's copy of the old one (its file is deleted by the caller).
  const image = (column: 'avatar' | 'header', url: string | null | undefined) =>
    url === undefined || url === (before?.[`${column}_remote_url`] ?? null)
      ? {}
      : { [`${column}_remote_url`]: url, [`${column}_key`]: null };
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
    ...image('avatar', profile.avatarUrl),
    ...image('header', profile.headerUrl),
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
