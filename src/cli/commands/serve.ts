import cluster, { type Worker } from 'node:cluster';
import { loadConfig, type Config } from '../../config/config.ts';
import { createContext, createLogger, migrateDatabase, type AppContext } from '../../app/context.ts';
import { buildServer } from '../../app/http-server.ts';
import { parseCommandArgs, UsageError, type CliIo } from '../io.ts';

export const SERVE_USAGE =
  'usage: sparrow serve [--workers N]\n  Starts the web UI, the API and the SMS channel (configured by SPARROW_* environment variables).\n  --workers N  N processes on the same port (default SPARROW_WORKERS or 1); one of them sends SMS and runs housekeeping.';
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

/** Set by the primary in the one worker process that sends SMS and runs housekeeping. */
const LEADER_ENV = 'SPARROW_CLUSTER_LEADER';

export async function serve(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { workers: { type: 'string' } }, SERVE_USAGE);
  const config = loadConfig(io.env);
  const raw = parsed.values.workers;
  const workers = typeof raw === 'string' ? Number(raw) : config.workers;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new UsageError('--workers must be a whole number from 1 to 256', SERVE_USAGE);
  if (workers > 1 && cluster.isPrimary) return servePrimary(config, workers, io);
  // A single process does everything; in a cluster only the leader sends SMS and runs housekeeping.
  const leader = !cluster.isWorker || process.env[LEADER_ENV] === '1';
  const ctx = await createContext(config, { logger: stderrLogger(config, io), backgroundCheckpoints: true });
  const app = await buildServer(ctx);
  const stopMaintenance = leader ? startMaintenance(ctx) : () => {};
  const background = leader ? await ctx.startBackgroundWork({ inProcessWithWeb: true }) : { stop: async () => {} };
  if (leader && cluster.isWorker) ctx.logger.info({ pid: process.pid }, 'this worker sends SMS and runs housekeeping');
  try {
    // Each worker binds the port itself (SO_REUSEPORT): the kernel spreads connections and
    // the primary stays out of the data path.
    await app.listen({
      host: config.host,
      port: config.port,
      ...(cluster.isWorker ? ({ exclusive: true, reusePort: true } as object) : {}),
    });
  } catch (error) {
    stopMaintenance();
    await background.stop();
    await app.close();
    await ctx.close();
    throw error;
  }
  if (cluster.isWorker) process.send?.({ sparrow: 'listening' });
  else
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
  // A worker's channel to the primary would keep it alive.
  if (cluster.isWorker) process.disconnect?.();
  return 0;
}

/**
 * The primary of `serve --workers N`: migrates the store once, starts N worker processes on
 * the same port and restarts any that dies. Exactly one of them is the leader (sends SMS,
 * holds provider binds, runs housekeeping): a dead leader is replaced only after it ended, so
 * there is never a second one.
 */
async function servePrimary(config: Config, count: number, io: CliIo): Promise<number> {
  await migrateDatabase(config);
  let stopping = false;
  let started = 0;
  const live = new Set<Worker>();
  let failStartup: (error: Error) => void = () => {};
  const allListening = new Promise<void>((resolve, reject) => {
    failStartup = reject;
    cluster.on('message', (_worker, message: unknown) => {
      if ((message as { sparrow?: string } | null)?.sparrow === 'listening' && ++started === count) resolve();
    });
  });
  const fork = (leader: boolean) => {
    const worker = cluster.fork({ [LEADER_ENV]: leader ? '1' : '0' });
    live.add(worker);
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      if (started < count) {
        failStartup(new Error(`a worker process ended while starting (${signal ?? `exit code ${code}`})`));
        return;
      }
      io.stderr.write(
        `sparrow: worker ${worker.process.pid} ended (${signal ?? `exit code ${code}`}); starting another${leader ? ' (it takes over SMS and housekeeping)' : ''}\n`,
      );
      setTimeout(() => {
        if (!stopping) fork(leader);
      }, 200).unref();
    });
  };
  const stopAll = () =>
    Promise.all(
      [...live].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  for (let i = 0; i < count; i += 1) fork(i === 0);
  try {
    await allListening;
  } catch (error) {
    stopping = true;
    await stopAll();
    throw error;
  }
  io.stdout.write(
    `Sparrow is listening on ${config.publicUrl} (store: ${config.database.engine}, SMS: ${config.smsProvider}, ${count} processes)\n`,
  );
  await io.stopSignal;
  stopping = true;
  await stopAll();
  return 0;
}

export async function worker(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, WORKER_USAGE);
  const config = loadConfig(io.env);
  const ctx = await createContext(config, { logger: stderrLogger(config, io), backgroundCheckpoints: true });
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
