import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  type DatabaseIntrospector,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type TableMetadata,
} from 'kysely';
import { Migrator } from 'kysely/migration';
import type { DatabaseConfig } from '../config/config.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Database } from './schema.ts';
import type { HealthProbe } from '../observability/health.ts';
import { cachingDialect, type EntityCache } from './entity-cache.ts';
import { ambientDialect, GroupCommit, type AmbientHandle, type GroupCommitOptions } from './group-commit.ts';

export type Engine = DatabaseConfig['engine'];

export interface StoreConnection {
  db: Kysely<Database>;
  engine: Engine;
  /** PostgreSQL schema holding the tables, when not the connection's default. */
  schema: string | null;
  /** The driver handle, for libraries that keep their own tables (rate-limiter-flexible). */
  driver: { engine: 'sqlite'; sqlite: SQLite.Database } | { engine: 'postgres'; pool: pg.Pool };
  /** Runs units of work in shared transactions, each answered after the commit (src/store/group-commit.ts). */
  groupCommit(options: GroupCommitOptions): GroupCommit;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL only: put every table in this schema (tests use one schema each). */
  schema?: string;
  poolSize?: number;
  /** Watch every statement for writes to the records this cache keeps. */
  entityCache?: EntityCache | null;
}

// PostgreSQL returns COUNT(*) and other int8 values as strings; the counts Sparrow reads
// stay far below 2^53, so numbers are what every caller wants.
pg.types.setTypeParser(20, (value: string) => Number.parseInt(value, 10));

export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): StoreConnection {
  if (config.engine === 'sqlite') {
    if (config.location !== ':memory:') mkdirSync(dirname(config.location), { recursive: true });
    const sqlite = new SQLite(config.location);
    // WAL lets readers proceed while one writer commits; NORMAL sync is durable across
    // process crashes (only an OS crash can lose the last commits), the usual WAL pairing.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('cache_size = -65536');
    const cache = options.entityCache;
    const dialect = new ImmediateSqliteDialect({ database: withStatementCache(sqlite) });
    const handle: AmbientHandle = { driver: null };
    const db = new Kysely<Database>({
      dialect: ambientDialect(cache ? cachingDialect(dialect, cache) : dialect, handle),
    });
    if (cache) {
      const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
      cache.watchDataVersion(() => dataVersion.get() as number);
    }
    return {
      db,
      engine: 'sqlite',
      schema: null,
      driver: { engine: 'sqlite', sqlite },
      groupCommit: (groupOptions) => new GroupCommit(handle, () => warmUp(db), groupOptions),
      close: () => db.destroy(),
    };
  }
  const pool = new pg.Pool({
    connectionString: config.location,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client that loses its server (restart, failover) emits 'error'; the pool
  // replaces it on next use, so this must not crash the process.
  pool.on('error', () => {});
  // A client in use (mid-transaction) that loses its server emits 'error' on itself, not the
  // pool; the query in flight rejects anyway, and an unhandled 'error' would end the process.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const dialect = new PostgresDialect({ pool });
  const handle: AmbientHandle = { driver: null };
  const db = new Kysely<Database>({
    dialect: ambientDialect(options.entityCache ? cachingDialect(dialect, options.entityCache) : dialect, handle),
  });
  return {
    db,
    engine: 'postgres',
    schema: options.schema ?? null,
    driver: { engine: 'postgres', pool },
    groupCommit: (groupOptions) => new GroupCommit(handle, () => warmUp(db), groupOptions),
    close: () => db.destroy(),
  };
}

/** Any statement makes Kysely set its driver up (the group commit needs it ready). */
const warmUp = (db: Kysely<Database>) => sql`select 1`.execute(db);

/**
 * Transactions take the write lock when they begin (`BEGIN IMMEDIATE`), so with several
 * processes on one file (`sparrow serve --workers N`, a CLI command beside the server) a
 * transaction that reads and then writes waits its turn (busy_timeout) instead of failing
 * with SQLITE_BUSY when another process committed in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver() {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; compiling SQL in SQLite costs more than running a
 * typical point query. Queries built by the same code have the same text, so prepared
 * statements are kept by text: two generations of at most STATEMENT_CACHE_SIZE / 2 each (a
 * hit in the current one is one `Map.get`; a strict LRU's delete-and-reinsert on every hit
 * was 3% of an inbound text's CPU). Safe because Kysely runs one statement at a time on its
 * single SQLite connection.
 */
function withStatementCache(sqlite: SQLite.Database): { prepare: SQLite.Database['prepare']; close(): void } {
  let current = new Map<string, SQLite.Statement>();
  let previous = new Map<string, SQLite.Statement>();
  return {
    prepare(source: string) {
      const hit = current.get(source);
      if (hit) return hit;
      const statement = previous.get(source) ?? sqlite.prepare(source);
      previous.delete(source);
      current.set(source, statement);
      if (current.size >= STATEMENT_CACHE_SIZE / 2) {
        previous = current;
        current = new Map();
      }
      return statement;
    },
    close() {
      current.clear();
      previous.clear();
      sqlite.close();
    },
  } as { prepare: SQLite.Database['prepare']; close(): void };
}

export async function migrateToLatest(connection: StoreConnection): Promise<string[]> {
  // Kysely keeps its bookkeeping tables in `public` unless told otherwise; with one schema
  // per database user (or per test) the bookkeeping must live beside the tables it tracks,
  // or concurrent migrators of different schemas would share and race on one lock table.
  // Kysely looks for its bookkeeping tables in any schema unless told which, so name the
  // schema the connection actually writes to (set by SPARROW_DATABASE_URL's search_path, say).
  const schema =
    connection.engine === 'postgres'
      ? (connection.schema ??
        (await sql<{ schema: string }>`select current_schema() as schema`.execute(connection.db)).rows[0]?.schema ??
        null)
      : null;
  const migrator = new Migrator({
    db: schema ? introspectingOnly(connection.db, schema) : connection.db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The same database handle, but its introspection sees one schema. Kysely's migrator asks
 * whether its bookkeeping tables exist by listing every column of every table of every schema
 * (with a sequence lookup per column): on a database shared with other schemas — other
 * applications, or a test run's hundreds of schemas — that one question took seconds and grew
 * with each schema. The migrator only needs the names of this schema's tables.
 */
function introspectingOnly(db: Kysely<Database>, schema: string): Kysely<Database> {
  const tables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p', 'f')`.execute(db);
    return rows.map((row) => ({
      name: row.name,
      schema,
      isView: row.kind === 'v',
      isForeign: row.kind === 'f',
      columns: [],
    }));
  };
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return rows;
    },
    getTables: tables,
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value = Reflect.get(target, property, target);
      // Kysely's methods use private fields: they must run on the real instance.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The database is usable when its (migrated) tables answer a read. The read is compiled once:
 * `GET /healthz` runs it on every call, and building it each time cost more than running it.
 */
export class DatabaseHealthProbe implements HealthProbe {
  private readonly db: Kysely<Database>;
  private readonly read: CompiledQuery;

  constructor(db: Kysely<Database>) {
    this.db = db;
    this.read = db.selectFrom('accounts').select('id').limit(1).compile();
  }

  async probe(): Promise<void> {
    await this.db.executeQuery(this.read);
  }
}
