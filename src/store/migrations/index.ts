import type { Migration, MigrationProvider } from 'kysely/migration';
import * as core from './0001_core.ts';
import * as sms from './0002_sms.ts';
import * as trust from './0003_trust.ts';
import * as auth from './0004_auth.ts';
import * as privacy from './0005_privacy.ts';
import * as timeZone from './0010_time_zone.ts';

/** Every migration, in order. Names sort by their numeric prefix; never rename one that shipped. */
const migrations: Record<string, Migration> = {
  '0001_core': core,
  '0002_sms': sms,
  '0003_trust': trust,
  '0004_auth': auth,
  '0005_privacy': privacy,
  '0010_time_zone': timeZone,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
