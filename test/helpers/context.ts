import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  composeApp,
  type AppContext,
  type AppStorage,
  type ContextOptions,
  type SmsServices,
} from '../../src/app/context.ts';
import type { Config } from '../../src/config/config.ts';
import { configFor } from '../../src/config/config.ts';

export type EngineName = 'sqlite' | 'postgres';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;
export const redisUrl = process.env.SPARROW_TEST_REDIS_URL ?? null;

/**
 * The engines every store-backed suite runs on. PostgreSQL joins when
 * SPARROW_TEST_DATABASE_URL is set; otherwise its suites are reported as skipped with
 * the reason in their name.
 */
export const ENGINES: { name: EngineName; label: string; skip: boolean }[] = [
  { name: 'sqlite', label: 'sqlite', skip: false },
  {
    name: 'postgres',
    label: postgresUrl ? 'postgres' : 'postgres (skipped: set SPARROW_TEST_DATABASE_URL to run)',
    skip: !postgresUrl,
  },
];

/**
 * The app context the interfaces get, plus the storage beneath it under the names tests
 * use to set up and inspect state (`store`, `sms.store`). Only tests see these.
 */
export interface TestContext extends AppContext {
  store: AppStorage['connection'];
  sms: SmsServices & { store: AppStorage['sms'] };
  /** Closes connections; test schemas are dropped once the whole run is over. */
  dispose(): Promise<void>;
}

/** A context built like production's, with its storage exposed for the test's own checks. */
export async function contextWithStorage(config: Config, options: ContextOptions = {}): Promise<TestContext> {
  const { context, storage } = await composeApp(config, options);
  return {
    ...context,
    store: storage.connection,
    sms: { ...context.sms, store: storage.sms },
    // PostgreSQL test schemas are dropped after the whole run (see global-setup.ts).
    dispose: () => context.close(),
  };
}

/** A PostgreSQL schema name for one test's store, dropped when the run ends (global-setup.ts). */
export function testSchemaName(purpose: string): string {
  const runId = process.env.SPARROW_TEST_RUN_ID ?? Date.now().toString(36);
  return `sparrowtest_${runId}_${purpose}_${randomBytes(5).toString('hex')}`;
}

/** A new, empty schema in the test database (SPARROW_TEST_DATABASE_URL), named after `prefix`. */
export async function createTestSchema(prefix: string): Promise<string> {
  const schema = testSchemaName(prefix);
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  return schema;
}

/** A fresh, migrated store on the given engine, isolated from every other test. */
export async function testContext(
  engine: EngineName,
  env: Record<string, string> = {},
  options: ContextOptions = {},
): Promise<TestContext> {
  if (engine === 'sqlite') {
    return contextWithStorage(configFor({ SPARROW_DATABASE_URL: 'sqlite::memory:', ...env }), options);
  }
  if (!postgresUrl) throw new Error('SPARROW_TEST_DATABASE_URL is not set');
  const schema = await createTestSchema('t');
  return contextWithStorage(configFor({ SPARROW_DATABASE_URL: postgresUrl, ...env }), {
    ...options,
    schema,
    poolSize: 4,
  });
}
