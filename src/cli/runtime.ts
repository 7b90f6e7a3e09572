import { loadConfig, type Config } from '../config/config.ts';
import { createContext, type AppContext, type ContextOptions } from '../app/context.ts';
import type { CliIo } from './io.ts';

/**
 * Opens the store for a one-shot operator command. Commands log only warnings unless the
 * operator asked otherwise, so their own output stays readable and scriptable.
 */
export async function withContext<T>(
  io: CliIo,
  run: (ctx: AppContext, config: Config) => Promise<T>,
  options: ContextOptions = {},
): Promise<T> {
  const config = loadConfig({ SPARROW_LOG_LEVEL: 'warn', ...io.env });
  const ctx = await createContext(config, options);
  try {
    return await run(ctx, config);
  } finally {
    await ctx.close();
  }
}
