import { createHash } from 'node:crypto';
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
import { SAFETY_NET_PAGES, startWalCheckpointer } from './wal-checkpointer.ts';
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
  /** SQLite: checkpoint the WAL from a worker thread instead of inside commits (serving processes, wal-checkpointer.ts). */
  backgroundCheckpoints?: boolean;
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
    const checkpointer =
      options.backgroundCheckpoints && config.location !== ':memory:'
        ? startWalCheckpointer(config.location, {
            onFailure: (message) => process.emitWarning(`SQLite background checkpoint failed: ${message}`),
          })
        : null;
    if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
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
      // One connection, one writer: a second lane would only wait for the first.
      groupCommit: (groupOptions) =>
        new GroupCommit(handle, () => warmUp(db), { ...groupOptions, lanes: 1, defersWrites: false }),
      close: async () => {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  }
  const statementNames = new StatementNames();
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
    prepareByName(client, statementNames);
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
    groupCommit: (groupOptions) => new GroupCommit(handle, () => warmUp(db), { defersWrites: true, ...groupOptions }),
    close: () => db.destroy(),
  };
}

/** At most this many different statements are prepared by name (per connection, the same ones). */
const NAMED_STATEMENTS = 2_000;
const DML = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * The name each statement text is prepared under on PostgreSQL: a digest of the text, so
 * different texts never share a name and the same text has the same name on every connection
 * (each prepares it on its first use there). Texts beyond the first NAMED_STATEMENTS run
 * unnamed, as before, so a stream of one-off texts cannot fill the server's memory.
 */
export class StatementNames {
  private names = new Map<string, string | null>();
  /** Bumped when the server refused a prepared plan: every text gets a new name. */
  private epoch = 0;

  nameOf(text: string): string | null {
    let name = this.names.get(text);
    if (name === undefined) {
      name =
        this.names.size < NAMED_STATEMENTS && DML.test(text)
          ? `sparrow_${createHash('sha256').update(text).digest('hex').slice(0, 40)}_${this.epoch}`
          : null;
      this.names.set(text, name);
    }
    return name;
  }

  /**
   * The server refused a prepared statement (`cached plan must not change result type`: another
   * process altered a table, say a migration of a newer instance): every statement is prepared
   * afresh under a new name, on every connection, from the next query on.
   */
  renew(): void {
    this.epoch += 1;
    this.names = new Map();
  }
}

/**
 * PostgreSQL parses, analyses and plans an unnamed statement on every run; a named one once
 * per connection (after a few runs its plan is kept too). Kysely calls `query(text, values)`;
 * statements with parameters get the name of their text (pg sends Parse only on the first use
 * per connection). Anything else passes through as it was.
 */
function prepareByName(client: pg.PoolClient, names: StatementNames): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || values.length === 0)
      return query(...args);
    const name = names.nameOf(text);
    if (!name) return query(text, values);
    return new Promise((resolve, reject) => {
      // Built from the text and named after (pg copies a config object's every property
      // descriptor per query, which cost more than the name saves on the client).
      const named = new pg.Query(text, values) as pg.Query & {
        name: string;
        callback: (error: Error | null, result: unknown) => void;
      };
      named.name = name;
      named.callback = (error, result) => {
        if (!error) return resolve(result);
        if ((error as { code?: string }).code === '0A000') names.renew();
        reject(error);
      };
      query(named);
    });
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
