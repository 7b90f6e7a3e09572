import type { Migration, MigrationProvider } from 'kysely';
import * as core from './0001_core.ts';
import * as sms from './0002_sms.ts';
import * as trust from './0003_trust.ts';

/** Every migration, in order. Names sort by their numeric prefix; never rename one that shipped. */
const migrations: Record<string, Migration> = {
  '0001_core': core,
  '0002_sms': sms,
  '0003_trust': trust,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
