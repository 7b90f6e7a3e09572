import { migrateToLatest } from '../../store/index.ts';
import { parseCommandArgs, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';

export const MIGRATE_USAGE =
  'usage: sparrow migrate\n  Applies pending database migrations (serve and worker also apply them on start).';

export async function migrate(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, MIGRATE_USAGE);
  const applied = await withContext(io, (ctx) => migrateToLatest(ctx.store), { migrate: false });
  io.stdout.write(
    applied.length === 0
      ? 'Database is up to date.\n'
      : `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
  );
  return 0;
}
