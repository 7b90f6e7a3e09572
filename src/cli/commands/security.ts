import { UsageError, domainFailure, operator, parseCommandArgs, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';
import { describeAlert } from '../../security/index.ts';

export const SECURITY_USAGE = `usage: sparrow security alerts [--limit <n>]
  Alerts of the SMS-pumping defences, newest first: floods of code requests toward a number
  block, a country or many countries (raised as they happen), and countries and number
  blocks whose security codes went mostly unused in an hour.`;

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
  io.stdout.write('WHEN                      KIND                 SCOPE                 WHAT\n');
  for (const a of alerts) {
    io.stdout.write(
      `${a.createdAt.toISOString().padEnd(26)}${a.kind.padEnd(21)}${a.scope.padEnd(22)}${describeAlert(a)}\n`,
    );
  }
  return 0;
}
