import {
  UsageError,
  domainFailure,
  operator,
  optionalString,
  parseCommandArgs,
  requireString,
  type CliIo,
} from '../io.ts';
import { withContext } from '../runtime.ts';
import { FEDERATION_OPERATIONS, FEDERATION_OPERATIONS_USAGE } from './federation-operations.ts';

const BLOCKS_USAGE = `usage: sparrow federation status
       sparrow federation block-domain <domain> --reason <text> [--severity suspend|limit]
       sparrow federation unblock-domain <domain> --reason <text>
  ActivityPub (docs/federation.md): the delivery queue and the servers this one refuses.
  suspend: nothing comes in or goes out, the domain's accounts are suspended here (lifted with
  the block); limit: only posts of accounts someone here follows get in. Audited.`;

export const FEDERATION_USAGE = `${BLOCKS_USAGE}\n${FEDERATION_OPERATIONS_USAGE}`;

export async function federation(args: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'status':
      return status(rest, io);
    case 'block-domain':
      return block(rest, io);
    case 'unblock-domain':
      return unblock(rest, io);
    default: {
      const operation = command ? FEDERATION_OPERATIONS[command] : undefined;
      if (operation) return operation(rest, io);
      throw new UsageError(
        command ? `unknown federation command "${command}"` : 'missing federation command',
        FEDERATION_USAGE,
      );
    }
  }
}

async function status(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, FEDERATION_USAGE);
  await withContext(io, async (ctx, config) => {
    const blocks = await ctx.domainBlocks.list({ actor: operator(io), reason: 'status' });
    const depth = ctx.federation ? await ctx.federation.queueDepth() : null;
    const lines = [
      `Federation:    ${config.federation.enabled ? `on, as ${config.domain}` : 'off (an island)'}`,
      `Queue:         ${depth ? `${depth.queued} waiting (${depth.ready} due, ${depth.delayed} retrying later)` : '—'}`,
      `Blocked:       ${blocks.length === 0 ? 'no server' : ''}`,
      ...blocks.map(
        (b) =>
          `  ${b.domain.padEnd(30)} ${b.severity.padEnd(8)} ${b.createdAt.toISOString()} ${b.createdBy}: ${b.reason}`,
      ),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  });
  return 0;
}

async function block(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { reason: { type: 'string' }, severity: { type: 'string' } }, FEDERATION_USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <domain>', FEDERATION_USAGE);
  const severity = optionalString(parsed, 'severity') ?? 'suspend';
  if (severity !== 'suspend' && severity !== 'limit')
    throw new UsageError('--severity must be suspend or limit', FEDERATION_USAGE);
  const reason = requireString(parsed, 'reason', FEDERATION_USAGE);
  const saved = await withContext(io, (ctx) =>
    domainFailure(() => ctx.domainBlocks.block(parsed.positionals[0]!, { severity }, { actor: operator(io), reason })),
  );
  io.stdout.write(`${saved.domain}: ${saved.severity} (audited as ${saved.createdBy})\n`);
  return 0;
}

async function unblock(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { reason: { type: 'string' } }, FEDERATION_USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <domain>', FEDERATION_USAGE);
  const reason = requireString(parsed, 'reason', FEDERATION_USAGE);
  const removed = await withContext(io, (ctx) =>
    domainFailure(() => ctx.domainBlocks.unblock(parsed.positionals[0]!, { actor: operator(io), reason })),
  );
  io.stdout.write(removed ? `${removed.domain}: no longer blocked\n` : `${parsed.positionals[0]}: was not blocked\n`);
  return removed ? 0 : 1;
}
