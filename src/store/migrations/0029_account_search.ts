import { type Kysely, SqliteAdapter, sql } from 'kysely';

function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * Indexes for account search (`searchAccounts`: username prefix, display name substring), which
 * scanned every account: ~18 ms a search at 100,000 accounts on SQLite.
 *
 * - SQLite: an FTS5 table `account_search` with the `trigram` tokenizer over `display_name`,
 *   rowid = the account id (18-digit integers, as `post_search`), kept in step by triggers on
 *   insert, update of the display name and delete, and backfilled here. Its case folding is
 *   Unicode-aware, wider than `lower()` and LIKE (ASCII only), so it finds a superset that the
 *   search filters with the exact predicate. Username prefixes use the unique index on
 *   `username_key` as a range.
 * - PostgreSQL: GIN trigram indexes (pg_trgm, `gin_trgm_ops`) on `username_key` and
 *   `lower(display_name)`, which serve the search's LIKE predicates as written. pg_trgm is a
 *   trusted extension, but creating it needs the CREATE privilege on the database (and on
 *   schema `public`); without it the migration still succeeds, search keeps scanning, and a
 *   warning points to how to add the indexes later (docs/search.md, "Account search index").
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) {
    await sql`create virtual table account_search using fts5(display_name, tokenize = 'trigram')`.execute(db);
    // Only ids that are integers written plainly are indexed (every id Sparrow makes is one,
    // src/shared/ids.ts): an id of another form would collide at its cast and fail the write.
    await sql`create trigger account_search_insert after insert on accounts
      when cast(cast(new.id as integer) as text) = new.id begin
      insert into account_search(rowid, display_name) values (cast(new.id as integer), new.display_name);
    end`.execute(db);
    await sql`create trigger account_search_update after update of id, display_name on accounts begin
      delete from account_search
        where rowid = cast(old.id as integer) and cast(cast(old.id as integer) as text) = old.id;
      insert into account_search(rowid, display_name)
        select cast(new.id as integer), new.display_name where cast(cast(new.id as integer) as text) = new.id;
    end`.execute(db);
    await sql`create trigger account_search_delete after delete on accounts
      when cast(cast(old.id as integer) as text) = old.id begin
      delete from account_search where rowid = cast(old.id as integer);
    end`.execute(db);
    await sql`insert into account_search(rowid, display_name)
      select cast(id as integer), display_name from accounts where cast(cast(id as integer) as text) = id`.execute(db);
    return;
  }
  const schema = await trigramSchema(db);
  if (!schema) {
    process.emitWarning(
      'Account search: the pg_trgm extension could not be created (it needs the CREATE privilege on the database ' +
        'and on schema public), so account search scans every account. See docs/search.md, "Account search index".',
    );
    return;
  }
  const opclass = sql.id(schema, 'gin_trgm_ops');
  await sql`create index accounts_username_key_trgm on accounts using gin (username_key ${opclass})`.execute(db);
  await sql`create index accounts_display_name_trgm on accounts using gin (lower(display_name) ${opclass})`.execute(db);
}

/**
 * The schema holding pg_trgm's operator classes, creating the extension in `public` if it is
 * not there yet; null if it cannot be created. An extension is one per database, wherever it
 * was created: in a schema of its own, like `public`, it serves every schema (tests use one
 * each) and is not dropped with any of them. The index names the operator class with its
 * schema, since `public` need not be on the search path; the LIKE operators are built in.
 */
async function trigramSchema(db: Kysely<unknown>): Promise<string | null> {
  const installed = async () =>
    (
      await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
        join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)
    ).rows[0]?.schema ?? null;
  const existing = await installed();
  if (existing) return existing;
  // A failed statement aborts the migration's transaction unless undone to a savepoint.
  const savepoint = db.isTransaction;
  if (savepoint) await sql`savepoint account_search_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm schema public`.execute(db);
  } catch {
    // Permission denied or pg_trgm not installed on the server (search scans instead), or
    // another schema's migration created it meanwhile.
    if (savepoint) await sql`rollback to savepoint account_search_trgm`.execute(db);
    return installed();
  }
  if (savepoint) await sql`release savepoint account_search_trgm`.execute(db);
  return installed();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) {
    for (const trigger of ['account_search_insert', 'account_search_update', 'account_search_delete'])
      await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
    await sql`drop table if exists account_search`.execute(db);
    return;
  }
  // The extension stays: other schemas of the database may use it.
  await sql`drop index if exists accounts_display_name_trgm`.execute(db);
  await sql`drop index if exists accounts_username_key_trgm`.execute(db);
}
