import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, StatementNames, type StoreConnection } from '../../src/store/database.ts';
import { testSchemaName } from '../helpers/context.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

describe('statement names', () => {
  it('gives each different text its own name and the same text the same name', () => {
    const names = new StatementNames();
    const a = names.nameOf('select * from posts where id = $1');
    const b = names.nameOf('select * from posts where id = $2');
    expect(a).not.toBeNull();
    expect(b).not.toBe(a);
    expect(names.nameOf('select * from posts where id = $1')).toBe(a);
    expect(new StatementNames().nameOf('select * from posts where id = $1')).toBe(a);
    expect(names.nameOf('create table x (id text)')).toBeNull();
    names.renew();
    expect(names.nameOf('select * from posts where id = $1')).not.toBe(a);
  });
});

/** Statements prepared by name on PostgreSQL (src/store/database.ts), on a real server. */
describe.skipIf(!postgresUrl)('named statements on PostgreSQL', () => {
  const schema = testSchemaName('named');
  let store: StoreConnection;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(`create table ${schema}.items (id text primary key, label text)`);
    await admin.query(`insert into ${schema}.items values ('a', 'one'), ('b', 'two')`);
    store = openDatabase({ engine: 'postgres', location: postgresUrl! }, { schema, poolSize: 3 });
  });
  afterAll(async () => {
    await store.close();
    await admin.end();
  });

  const label = (id: string) => sql<{ label: string }>`select label from items where id = ${id}`.execute(store.db);

  it('answers a statement prepared on one connection on every other, each with its own values', async () => {
    // Concurrent runs take different pooled connections; each prepares the text on first use.
    for (let round = 0; round < 3; round += 1) {
      const answers = await Promise.all(['a', 'b', 'a', 'b', 'a', 'b'].map(async (id) => (await label(id)).rows));
      expect(answers).toEqual([
        [{ label: 'one' }],
        [{ label: 'two' }],
        [{ label: 'one' }],
        [{ label: 'two' }],
        [{ label: 'one' }],
        [{ label: 'two' }],
      ]);
    }
    const prepared = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(store.db);
    expect(prepared.rows[0]!.n).toBeGreaterThan(0);
  });

  it('keeps two texts that differ only slightly apart', async () => {
    const one = await sql<{ v: string }>`select label as v from items where id = ${'a'}`.execute(store.db);
    const two = await sql<{ v: string }>`select id as v from items where id = ${'a'}`.execute(store.db);
    expect(one.rows).toEqual([{ v: 'one' }]);
    expect(two.rows).toEqual([{ v: 'a' }]);
  });

  it('recovers when another process changes a table a prepared statement reads', async () => {
    const all = () => sql<Record<string, unknown>>`select * from items where id = ${'a'}`.execute(store.db);
    await Promise.all([all(), all(), all()]);
    await admin.query(`alter table ${schema}.items add column extra text default 'x'`);
    // A connection whose plan no longer fits may refuse once; from then on every statement is prepared afresh.
    const refusals: unknown[] = [];
    for (let i = 0; i < 3; i += 1) await all().catch((error: unknown) => refusals.push(error));
    expect(refusals.length).toBeLessThanOrEqual(1);
    const rows = await Promise.all([all(), all(), all()]);
    for (const result of rows) expect(result.rows).toEqual([{ id: 'a', label: 'one', extra: 'x' }]);
  });
});
