import { ALL_SCOPES, parseScopes, unknownScopes } from '../../security/index.ts';
import { CommandFailed, UsageError, optionalString, parseCommandArgs, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';

export const TOKENS_USAGE = `usage: sparrow tokens create <username> [--scopes "read write follow"]
  Prints an OAuth access token for the account, usable with the Mastodon API.`;

export async function tokens(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create')
    throw new UsageError(action ? `unknown tokens command "${action}"` : 'missing tokens command', TOKENS_USAGE);
  const parsed = parseCommandArgs(rest, { scopes: { type: 'string' } }, TOKENS_USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <username>', TOKENS_USAGE);
  const username = parsed.positionals[0]!.replace(/^@/, '');
  const scopes = parseScopes(optionalString(parsed, 'scopes') ?? 'read write follow');
  if (scopes.length === 0) throw new UsageError('--scopes must name at least one scope', TOKENS_USAGE);
  const unknown = unknownScopes(scopes);
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown scope(s): ${unknown.join(', ')}; known: ${[...ALL_SCOPES].filter((s) => !s.includes(':')).join(', ')} and their granular forms`,
      TOKENS_USAGE,
    );
  }
  const token = await withContext(io, async (ctx) => {
    const account = await ctx.microblog.lookup(username);
    if (!account) throw new CommandFailed(`no local account named "${username}"`);
    return ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
  });
  io.stdout.write(`${token.accessToken}\n`);
  return 0;
}
