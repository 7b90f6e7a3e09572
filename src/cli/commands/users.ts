import type { Role } from '../../core/index.ts';
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
import { DomainError } from '../../shared/errors.ts';
import { actorLabel } from '../../security/index.ts';

export const USERS_USAGE = `usage: sparrow users create <username> --email <address> --password <password> [--role user|admin|moderator]
       sparrow users suspend <username> --reason <text>
       sparrow users unsuspend <username> --reason <text>
       sparrow users unlock-sms <username> --reason <text>
       sparrow users reset-2fa <username> --reason <text>
       sparrow users pending
       sparrow users approve <username> --reason <text>
       sparrow users reject <username> --reason <text>
  create: a local account. Prefer SPARROW_NEW_PASSWORD in the environment over --password,
  so the password does not end up in shell history.
  suspend: hides the account, its posts and texts and signs it out everywhere (nothing deleted).
  unlock-sms: lifts an SMS posting lock (wrong PINs, SIM swap, "this wasn't me"); the owner is told.
  reset-2fa: for an owner who lost every second factor, after checking who they are: removes
  the authenticator app, passkeys, recovery codes and SMS codes and signs out every session.
  pending: sign-ups waiting for approval (SPARROW_REGISTRATIONS_MODE=approval, or a browser
  without scripts); approve lets the account in, reject keeps it out; the applicant is e-mailed.
  Every one of these is audited with the operator's name and reason.`;

const ROLES: readonly Role[] = ['user', 'admin', 'moderator'];

export async function users(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (
    action === 'suspend' ||
    action === 'unsuspend' ||
    action === 'unlock-sms' ||
    action === 'reset-2fa' ||
    action === 'approve' ||
    action === 'reject'
  )
    return moderate(action, rest, io);
  if (action === 'pending') return pending(rest, io);
  if (action !== 'create')
    throw new UsageError(action ? `unknown users command "${action}"` : 'missing users command', USERS_USAGE);
  const parsed = parseCommandArgs(
    rest,
    {
      email: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
    },
    USERS_USAGE,
  );
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <username>', USERS_USAGE);
  const username = parsed.positionals[0]!;
  const email = requireString(parsed, 'email', USERS_USAGE);
  const password = optionalString(parsed, 'password') ?? io.env.SPARROW_NEW_PASSWORD ?? null;
  if (!password) throw new UsageError('--password (or SPARROW_NEW_PASSWORD) is required', USERS_USAGE);
  const roleRaw = optionalString(parsed, 'role') ?? 'user';
  if (!(ROLES as readonly string[]).includes(roleRaw))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got "${roleRaw}")`, USERS_USAGE);
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

async function moderate(
  action: 'suspend' | 'unsuspend' | 'unlock-sms' | 'reset-2fa' | 'approve' | 'reject',
  rest: string[],
  io: CliIo,
): Promise<number> {
  const parsed = parseCommandArgs(rest, { reason: { type: 'string' } }, USERS_USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <username>', USERS_USAGE);
  // The flag must be there; what makes a valid reason is the domain's rule.
  const acting = { actor: operator(io), reason: requireString(parsed, 'reason', USERS_USAGE) };
  const message = await withContext(io, (ctx) =>
    domainFailure(async () => {
      const account = await ctx.moderation.find(acting.actor, parsed.positionals[0]!).catch((error: unknown) => {
        if (error instanceof DomainError && error.kind === 'not_found')
          throw new CommandFailed(`No account ${parsed.positionals[0]!}`);
        throw error;
      });
      if (action === 'suspend') {
        const { sessionsSignedOut } = await ctx.moderation.suspend(account, acting);
        return `Suspended @${account.username}; ${sessionsSignedOut} session(s) signed out`;
      }
      if (action === 'unsuspend') {
        await ctx.moderation.unsuspend(account, acting);
        return `Lifted the suspension of @${account.username}`;
      }
      if (action === 'approve') {
        await ctx.registrations.approve(account, acting);
        return `Approved @${account.username}; the applicant was told by e-mail`;
      }
      if (action === 'reject') {
        await ctx.registrations.reject(account, acting);
        return `Rejected the sign-up of @${account.username}; the applicant was told by e-mail`;
      }
      if (action === 'unlock-sms') {
        await ctx.moderation.unlockSmsPosting(account, acting);
        await ctx.background.idle();
        return `Unlocked SMS posting of @${account.username}; the owner was told`;
      }
      const { sessionsSignedOut: signedOut } = await ctx.moderation.resetSecondFactors(account, acting);
      await ctx.background.idle();
      return `Removed every second factor of @${account.username}; ${signedOut} session(s) signed out; the owner was told`;
    }),
  );
  io.stdout.write(`${message} (audited as ${actorLabel(acting.actor)})\n`);
  return 0;
}

async function pending(rest: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(rest, {}, USERS_USAGE);
  if (parsed.positionals.length !== 0) throw new UsageError('pending takes no arguments', USERS_USAGE);
  const waiting = await withContext(io, (ctx) => domainFailure(() => ctx.registrations.pending(operator(io), 500)));
  if (waiting.length === 0) io.stdout.write('Nobody is waiting for approval\n');
  for (const application of waiting)
    io.stdout.write(
      `@${application.account.username}\t${application.email ?? ''}\t${application.createdAt.toISOString()}\t${(application.reason ?? '').replace(/\s+/g, ' ')}\n`,
    );
  return 0;
}
