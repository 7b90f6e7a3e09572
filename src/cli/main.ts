import { ConfigError } from '../config/config.ts';
import { CommandFailed, UsageError, type CliIo } from './io.ts';
import { serve, worker, SERVE_USAGE, WORKER_USAGE } from './commands/serve.ts';
import { migrate, MIGRATE_USAGE } from './commands/migrate.ts';
import { users, USERS_USAGE } from './commands/users.ts';
import { tokens, TOKENS_USAGE } from './commands/tokens.ts';
import { sms, SMS_USAGE } from './commands/sms.ts';
import { federation, FEDERATION_USAGE } from './commands/federation.ts';
import { dev, DEV_USAGE } from './commands/dev.ts';
import { security, SECURITY_USAGE } from './commands/security.ts';
import { rules, RULES_USAGE } from './commands/rules.ts';

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  serve: { run: serve, usage: SERVE_USAGE },
  worker: { run: worker, usage: WORKER_USAGE },
  migrate: { run: migrate, usage: MIGRATE_USAGE },
  users: { run: users, usage: USERS_USAGE },
  tokens: { run: tokens, usage: TOKENS_USAGE },
  sms: { run: sms, usage: SMS_USAGE },
  federation: { run: federation, usage: FEDERATION_USAGE },
  security: { run: security, usage: SECURITY_USAGE },
  rules: { run: rules, usage: RULES_USAGE },
  dev: { run: dev, usage: DEV_USAGE },
};

export const HELP = `Sparrow — a microblogging server where a text message is a safe way to take part.

${Object.values(COMMANDS)
  .map((c) => c.usage.split('\n')[0]!.replace(/^usage: /, '  '))
  .join('\n')}

Run "sparrow <command> --help" for details. Configuration comes from SPARROW_* environment variables (see README).
`;

function processStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Exit codes: 0 done, 1 the command failed, 2 the command line or configuration is wrong. */
export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const streams: CliIo = {
    env: io?.env ?? process.env,
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    get stopSignal() {
      return io?.stopSignal ?? processStopSignal();
    },
  };
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? streams.stdout : streams.stderr).write(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    streams.stderr.write(`sparrow: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    streams.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, streams);
  } catch (error) {
    if (error instanceof UsageError) {
      streams.stderr.write(`sparrow ${name}: ${error.message}\n${error.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      streams.stderr.write(`sparrow ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CommandFailed) {
      streams.stderr.write(`sparrow ${name}: ${error.message}\n`);
      return 1;
    }
    streams.stderr.write(`sparrow ${name}: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
