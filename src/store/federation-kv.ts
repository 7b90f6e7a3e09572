import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { Database } from './schema.ts';

/** A key as stored: the JSON array of its parts, so a prefix of parts is a prefix of text. */
function encodeKey(key: KvKey): string {
  return JSON.stringify(key);
}

/** `["a","b"]` → `["a","b"` : every key that extends the prefix starts with it, then `,` or `]`. */
function encodePrefix(prefix: KvKey): string {
  return JSON.stringify(prefix).slice(0, -1);
}

function expiryOf(options: KvStoreSetOptions | undefined, now: Date): string | null {
  if (!options?.ttl) return null;
  return new Date(now.getTime() + Math.max(0, durationMillis(options.ttl))).toISOString();
}

type Duration = NonNullable<KvStoreSetOptions['ttl']>;

/**
 * A duration in milliseconds. Fedify's durations are days, hours and smaller; calendar units
 * (which need a reference date to total) count as their average lengths.
 */
export function durationMillis(duration: Duration): number {
  const d = duration as unknown as Record<string, number>;
  const day = 86_400_000;
  return (
    (d.years ?? 0) * 365.2425 * day +
    (d.months ?? 0) * 30.436875 * day +
    (d.weeks ?? 0) * 7 * day +
    (d.days ?? 0) * day +
    (d.hours ?? 0) * 3_600_000 +
    (d.minutes ?? 0) * 60_000 +
    (d.seconds ?? 0) * 1000 +
    (d.milliseconds ?? 0) +
    (d.microseconds ?? 0) / 1000 +
    (d.nanoseconds ?? 0) / 1_000_000
  );
}

/**
 * Fedify's `KvStore` on Sparrow's own database (SQLite or PostgreSQL), so federation state
 * is backed up, migrated and scaled out with everything else. Values are JSON; entries with
 * a time-to-live are ignored once expired and purged by housekeeping.
 */
export class KyselyFederationKv implements KvStore {
  private readonly db: Kysely<Database>;
  private readonly clock: Clock;
  constructor(db: Kysely<Database>, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const row = await this.db
      .selectFrom('federation_kv')
      .select(['value', 'expires_at'])
      .where('key', '=', encodeKey(key))
      .executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= this.clock.now().toISOString())) return undefined;
    return JSON.parse(row.value) as T;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const row = {
      key: encodeKey(key),
      value: JSON.stringify(value ?? null),
      expires_at: expiryOf(options, this.clock.now()),
    };
    await this.db
      .insertInto('federation_kv')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, expires_at: row.expires_at }))
      .execute();
  }

  async delete(key: KvKey): Promise<void> {
    await this.db.deleteFrom('federation_kv').where('key', '=', encodeKey(key)).execute();
  }

  /**
   * Compare-and-swap in one statement: an update that only matches the expected value (an
   * expired entry counts as absent), or an insert that only succeeds when nothing is there.
   */
  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    const now = this.clock.now();
    const encoded = encodeKey(key);
    const value = JSON.stringify(newValue ?? null);
    const expiresAt = expiryOf(options, now);
    if (expectedValue === undefined) {
      // Absent or expired: clear an expired entry first so the insert can take its place.
      await this.db
        .deleteFrom('federation_kv')
        .where('key', '=', encoded)
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', now.toISOString())
        .execute();
      const inserted = await this.db
        .insertInto('federation_kv')
        .values({ key: encoded, value, expires_at: expiresAt })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
    }
    const updated = await this.db
      .updateTable('federation_kv')
      .set({ value, expires_at: expiresAt })
      .where('key', '=', encoded)
      .where('value', '=', JSON.stringify(expectedValue))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const now = this.clock.now().toISOString();
    let query = this.db
      .selectFrom('federation_kv')
      .select(['key', 'value'])
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('key');
    if (prefix) {
      const exact = encodeKey(prefix);
      const start = encodePrefix(prefix);
      // substr, not LIKE: keys may hold % and _, and SQLite's LIKE ignores case.
      query = query.where((eb) =>
        eb.or([eb('key', '=', exact), eb(sql<string>`substr(key, 1, ${start.length + 1})`, '=', `${start},`)]),
      );
    }
    for (const row of await query.execute()) {
      yield { key: JSON.parse(row.key) as KvKey, value: JSON.parse(row.value) as unknown };
    }
  }

  /** Drops expired entries; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('federation_kv')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', this.clock.now().toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
