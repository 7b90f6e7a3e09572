import { SimSwapSimulator } from '../../dev/sim-swap-server.ts';
import { UsageError, optionalString, parseCommandArgs, type CliIo } from '../io.ts';

export const DEV_USAGE = `usage: sparrow dev sim-swap-server [--port 9099] [--host 127.0.0.1] [--token <bearer token>] [--swapped <+E164>[=<ISO date>] ...]
  A CAMARA SIM Swap API simulator for development and tests: POST /sim-swap/v0/check and /retrieve-date.
  Point SPARROW_SIM_SWAP_URL at http://<host>:<port>/sim-swap/v0. POST /sim-swap/v0/_simulate
  {"phoneNumber": "+…", "swappedAt": "<ISO date>" | null} changes a number while it runs.`;

export async function dev(args: string[], io: CliIo): Promise<number> {
  const [tool, ...rest] = args;
  if (tool !== 'sim-swap-server')
    throw new UsageError(tool ? `unknown dev tool "${tool}"` : 'missing dev tool', DEV_USAGE);
  const parsed = parseCommandArgs(
    rest,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      swapped: { type: 'string', multiple: true },
    },
    DEV_USAGE,
  );
  const portRaw = optionalString(parsed, 'port') ?? '9099';
  if (!/^\d{1,5}$/.test(portRaw) || Number(portRaw) > 65535)
    throw new UsageError(`--port must be a port number (got "${portRaw}")`, DEV_USAGE);
  const swaps: Record<string, string> = {};
  for (const entry of (parsed.values.swapped as unknown as string[] | undefined) ?? []) {
    const [number, at] = entry.split('=');
    if (!number || !/^\+[1-9]\d{4,14}$/.test(number))
      throw new UsageError(`--swapped needs an E.164 number (got "${entry}")`, DEV_USAGE);
    const when = at ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(when))) throw new UsageError(`--swapped date is not ISO 8601 (got "${at}")`, DEV_USAGE);
    swaps[number] = when;
  }
  const simulator = await new SimSwapSimulator({ token: optionalString(parsed, 'token'), swaps }).listen(
    Number(portRaw),
    optionalString(parsed, 'host') ?? '127.0.0.1',
  );
  io.stdout.write(`CAMARA SIM Swap simulator at ${simulator.url} (${Object.keys(swaps).length} swapped number(s))\n`);
  await io.stopSignal;
  await simulator.close();
  return 0;
}
