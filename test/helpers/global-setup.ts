import pg from 'pg';

/**
 * Test schemas on PostgreSQL are dropped when the whole run is over, never while other
 * suites run: Kysely's migrator introspects every schema in the database, and a schema
 * dropped mid-introspection by a neighbouring suite makes it fail. Names carry the run's
 * id and start time (see testSchemaName), so a run drops only its own schemas, plus those
 * left behind by runs that died more than two hours ago.
 */
const STALE_AFTER_MS = 2 * 3600_000;

async function dropSchemas(select: (name: string) => boolean): Promise<void> {
  const url = process.env.SPARROW_TEST_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname like 'sparrowtest\\_%'`,
    );
    for (const { name } of rows) {
      if (/^[a-z_0-9]+$/.test(name) && select(name)) await client.query(`drop schema if exists ${name} cascade`);
    }
  } finally {
    await client.end();
  }
}

export async function setup(): Promise<void> {
  const runId = Date.now().toString(36);
  process.env.SPARROW_TEST_RUN_ID = runId;
  await dropSchemas((name) => {
    const started = Number.parseInt(name.split('_')[1] ?? '', 36);
    return Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS;
  });
}

export async function teardown(): Promise<void> {
  const runId = process.env.SPARROW_TEST_RUN_ID;
  if (runId) await dropSchemas((name) => name.startsWith(`sparrowtest_${runId}_`));
}
