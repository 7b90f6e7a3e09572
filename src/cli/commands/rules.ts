import { CommandFailed, UsageError, operator, optionalString, parseCommandArgs, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';

export const RULES_USAGE = `usage: sparrow rules list | add "<rule>" [--hint "<explanation>"] | remove <id>
  The server's rules, shown to apps (GET /api/v1/instance/rules) and cited in reports.`;

export async function rules(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const parsed = parseCommandArgs(rest, { hint: { type: 'string' } }, RULES_USAGE);
  const actor = operator(io);
  switch (action) {
    case 'list': {
      const list = await withContext(io, (ctx) => ctx.safety.rules());
      for (const rule of list) io.stdout.write(`${rule.id}\t${rule.text}${rule.hint ? `\t${rule.hint}` : ''}\n`);
      return 0;
    }
    case 'add': {
      if (parsed.positionals.length !== 1) throw new UsageError('expected the rule as one argument', RULES_USAGE);
      const rule = await withContext(io, (ctx) =>
        ctx.safety.addRule(actor, parsed.positionals[0]!, optionalString(parsed, 'hint') ?? ''),
      );
      io.stdout.write(`${rule.id}\n`);
      return 0;
    }
    case 'remove': {
      if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one <id>', RULES_USAGE);
      await withContext(io, async (ctx) => {
        await ctx.safety.removeRule(actor, parsed.positionals[0]!).catch(() => {
          throw new CommandFailed(`no rule ${parsed.positionals[0]}`);
        });
      });
      return 0;
    }
    default:
      throw new UsageError(action ? `unknown rules command "${action}"` : 'missing rules command', RULES_USAGE);
  }
}
