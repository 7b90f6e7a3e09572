import {
  CommandFailed,
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
       sparrow federation block-domain <domain> --reason <text> [--severity suspend|limit|noop] [--reject-media]
       sparrow federation unblock-domain <domain> --reason <text>
       sparrow federation rotate-keys <username>|--all
  ActivityPub (docs/federation.md): the delivery queue and the servers this one refuses.
  suspend: nothing comes in or goes out, the domain's accounts are suspended here (lifted with
  the block); limit: only posts of accounts someone here follows get in; --reject-media: its
  media is never fetched and cached copies are deleted (noop: only that). Audited.
  rotate-keys: new signing keys for an account (or every account that has keys), announced
  to its followers' servers with an Update of the actor.`;

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
    case 'rotate-keys':
      return rotateKeys(rest, io);
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
  const parsed = parseCommandArgs(
    args,
    { reason: { type: 'string' }, severity: { type: 'string' }, 'reject-media': { type: 'boolean' } },
    FEDERATION_USAGE,
  );
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <domain>', FEDERATION_USAGE);
  const severity = optionalString(parsed, 'severity') ?? 'suspend';
  if (severity !== 'suspend' && severity !== 'limit' && severity !== 'noop')
    throw new UsageError('--severity must be suspend, limit or noop', FEDERATION_USAGE);
  const reason = requireString(parsed, 'reason', FEDERATION_USAGE);
  const saved = await withContext(io, (ctx) =>
    domainFailure(() =>
      ctx.domainBlocks.block(
        parsed.positionals[0]!,
        { severity, rejectMedia: parsed.values['reject-media'] === true },
        { actor: operator(io), reason },
      ),
    ),
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

async function rotateKeys(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { all: { type: 'boolean' } }, FEDERATION_USAGE);
  const all = parsed.values.all === true;
  if (all === (parsed.positionals.length === 1) || parsed.positionals.length > 1)
    throw new UsageError('expected exactly one <username>, or --all', FEDERATION_USAGE);
  return withContext(io, async (ctx) => {
    const federator = ctx.federation;
    if (!federator) throw new CommandFailed('Federation is off (SPARROW_FEDERATION=off): there are no keys to rotate');
    const usernames = all ? await federator.keyedUsernames() : [parsed.positionals[0]!.replace(/^@/, '')];
    for (const username of usernames) {
      const told = await federator.rotateKeys(username);
      if (told === null) throw new CommandFailed(`No local account named ${username}`);
      io.stdout.write(`${username}: new keys; Update sent to ${told} follower${told === 1 ? '' : 's'} elsewhere\n`);
    }
    if (usernames.length === 0) io.stdout.write('No account has keys yet\n');
    return 0;
  });
}
