import { loadConfig, type Config } from '../config/config.ts';
import { createContext, createLogger, type AppContext, type ContextOptions } from '../app/context.ts';
import type { CliIo } from './io.ts';

/**
 * Opens the store for a one-shot operator command. Commands log only warnings unless the
 * operator asked otherwise, and log to stderr, so stdout carries only the result (scripts
 * read it). The context is a one-shot one: no event subscription, no provider binds, and
 * Redis only if a service the command calls needs it.
 */
export async function withContext<T>(
  io: CliIo,
  run: (ctx: AppContext, config: Config) => Promise<T>,
  options: ContextOptions = {},
): Promise<T> {
  const config = loadConfig({ SPARROW_LOG_LEVEL: 'warn', ...io.env });
  const logger = createLogger(config, { write: (line: string) => io.stderr.write(line) });
  const ctx = await createContext(config, { logger, oneShot: true, ...options });
  try {
    return await run(ctx, config);
  } finally {
    await ctx.close();
  }
}
