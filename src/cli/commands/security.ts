import { UsageError, domainFailure, operator, parseCommandArgs, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';

export const SECURITY_USAGE = `usage: sparrow security alerts [--limit <n>]
  Alerts of the SMS-pumping monitor: countries and number blocks whose security codes
  went mostly unused in an hour (newest first).`;

export async function security(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'alerts')
    throw new UsageError(action ? `unknown security command "${action}"` : 'missing security command', SECURITY_USAGE);
  const parsed = parseCommandArgs(rest, { limit: { type: 'string' } }, SECURITY_USAGE);
  const limitRaw = typeof parsed.values.limit === 'string' ? parsed.values.limit : '50';
  if (!/^[0-9]{1,4}$/.test(limitRaw) || Number(limitRaw) < 1)
    throw new UsageError('--limit must be a whole number from 1 to 9999', SECURITY_USAGE);
  const alerts = await withContext(io, (ctx) =>
    domainFailure(() => ctx.securityMonitor.alerts(operator(io), Number(limitRaw))),
  );
  if (alerts.length === 0) {
    io.stdout.write('No security alerts.\n');
    return 0;
  }
  io.stdout.write('WHEN                      SCOPE                 CODES  USED\n');
  for (const a of alerts) {
    io.stdout.write(
      `${a.createdAt.toISOString().padEnd(26)}${a.scope.padEnd(22)}${String(a.details.issued ?? '').padEnd(7)}${String(a.details.completed ?? '')}\n`,
    );
  }
  return 0;
}
