import type { Role } from '../../core/index.ts';
import { CommandFailed, UsageError, optionalString, parseCommandArgs, requireString, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';
import { DomainError } from '../../shared/errors.ts';

export const USERS_USAGE = `usage: sparrow users create <username> --email <address> --password <password> [--role user|admin|moderator]
  Creates a local account. Prefer SPARROW_NEW_PASSWORD in the environment over --password,
  so the password does not end up in shell history.`;

const ROLES: readonly Role[] = ['user', 'admin', 'moderator'];

export async function users(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'create') throw new UsageError(action ? `unknown users command "${action}"` : 'missing users command', USERS_USAGE);
  const parsed = parseCommandArgs(rest, {
    email: { type: 'string' },
    password: { type: 'string' },
    role: { type: 'string' },
  }, USERS_USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <username>', USERS_USAGE);
  const username = parsed.positionals[0]!;
  const email = requireString(parsed, 'email', USERS_USAGE);
  const password = optionalString(parsed, 'password') ?? io.env.SPARROW_NEW_PASSWORD ?? null;
  if (!password) throw new UsageError('--password (or SPARROW_NEW_PASSWORD) is required', USERS_USAGE);
  const roleRaw = optionalString(parsed, 'role') ?? 'user';
  if (!(ROLES as readonly string[]).includes(roleRaw)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got "${roleRaw}")`, USERS_USAGE);
  const account = await withContext(io, async (ctx) => {
    try {
      return await ctx.identity.register({ username, email, password, role: roleRaw as Role });
    } catch (error) {
      if (error instanceof DomainError) throw new CommandFailed(error.message);
      throw error;
    }
  });
  io.stdout.write(`Created @${account.username} (id ${account.id}, role ${account.role})\n`);
  return 0;
}
