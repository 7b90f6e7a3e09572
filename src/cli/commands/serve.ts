import { loadConfig } from '../../config/config.ts';
import { createContext, createLogger, type AppContext } from '../../app/context.ts';
import { buildServer } from '../../app/http-server.ts';
import { parseCommandArgs, type CliIo } from '../io.ts';

export const SERVE_USAGE =
  'usage: sparrow serve\n  Starts the web UI, the API and the SMS channel (configured by SPARROW_* environment variables).';
export const WORKER_USAGE =
  'usage: sparrow worker\n  Runs the SMS queue, provider binds and housekeeping without serving HTTP (for scaled deployments).';

/** Logs go to stderr; stdout says only where the server listens (or that the worker runs). */
function stderrLogger(config: ReturnType<typeof loadConfig>, io: CliIo) {
  return createLogger(config, { write: (line: string) => io.stderr.write(line) });
}

const MAINTENANCE_INTERVAL_MS = 5 * 60_000;

/** Runs housekeeping on a timer; errors are logged, never fatal, and never overlap. */
function startMaintenance(ctx: AppContext): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    ctx
      .maintenance()
      .then((result) => ctx.logger.debug(result, 'maintenance done'))
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'maintenance failed'))
      .finally(() => {
        running = false;
      });
  }, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export async function serve(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, SERVE_USAGE);
  const config = loadConfig(io.env);
  const ctx = await createContext(config, { logger: stderrLogger(config, io) });
  const app = await buildServer(ctx);
  const stopMaintenance = startMaintenance(ctx);
  const background = await ctx.startBackgroundWork({ inProcessWithWeb: true });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    stopMaintenance();
    await background.stop();
    await app.close();
    await ctx.close();
    throw error;
  }
  io.stdout.write(
    `Sparrow is listening on ${config.publicUrl} (store: ${config.database.engine}, SMS: ${config.smsProvider})\n`,
  );
  const signal = await io.stopSignal;
  ctx.logger.info({ signal }, 'shutting down');
  stopMaintenance();
  // Stop taking requests first, then let queued SMS work finish its current step.
  await app.close();
  await background.stop();
  await ctx.close();
  return 0;
}

export async function worker(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, WORKER_USAGE);
  const config = loadConfig(io.env);
  const ctx = await createContext(config, { logger: stderrLogger(config, io) });
  const stopMaintenance = startMaintenance(ctx);
  const background = await ctx.startBackgroundWork({ inProcessWithWeb: false });
  io.stdout.write(`Sparrow worker running (store: ${config.database.engine}, SMS: ${config.smsProvider})\n`);
  const signal = await io.stopSignal;
  ctx.logger.info({ signal }, 'shutting down');
  stopMaintenance();
  await background.stop();
  await ctx.close();
  return 0;
}
