import { loadConfig } from '../../config/config.ts';
import { migrateDatabase } from '../../app/context.ts';
import { parseCommandArgs, type CliIo } from '../io.ts';

export const MIGRATE_USAGE =
  'usage: sparrow migrate\n  Applies pending database migrations (serve and worker also apply them on start).';

export async function migrate(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, MIGRATE_USAGE);
  const applied = await migrateDatabase(loadConfig({ SPARROW_LOG_LEVEL: 'warn', ...io.env }));
  io.stdout.write(
    applied.length === 0
      ? 'Database is up to date.\n'
      : `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
  );
  return 0;
}
