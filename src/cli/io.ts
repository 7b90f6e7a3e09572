import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DomainError } from '../shared/errors.ts';
import { operatorActor, type Actor } from '../security/index.ts';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it. */
  stopSignal: Promise<string>;
}

/** Bad command-line input: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message);
    this.usage = usage;
    this.name = 'UsageError';
  }
}

/** A command that ran but could not do what was asked: exit code 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** Strict parsing: unknown flags and missing flag values are usage errors, not ignored. */
export function parseCommandArgs(args: string[], options: Options, usage: string): ParsedArgs {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, values: parsed.values as ParsedArgs['values'] };
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(error);
    throw new UsageError(message, usage);
  }
}

export function requireString(parsed: ParsedArgs, name: string, usage: string): string {
  const value = parsed.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`, usage);
  return value;
}

export function optionalString(parsed: ParsedArgs, name: string): string | null {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : null;
}

export function onOff(value: string | null, flag: string, usage: string): boolean | null {
  if (value === null) return null;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`${flag} must be "on" or "off" (got "${value}")`, usage);
}

/**
 * The CLI acts as the operator (shell access: SPEC §2 lets them do everything), audited
 * under SPARROW_OPERATOR or the OS user running the command.
 */
export function operator(io: CliIo): Actor {
  const name =
    io.env.SPARROW_OPERATOR?.trim() ||
    (() => {
      try {
        return userInfo().username;
      } catch {
        return 'unknown';
      }
    })();
  return operatorActor(name);
}

/** Domain refusals become a clear message and exit code 1, not a stack trace. */
export function domainFailure<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof DomainError) throw new CommandFailed(error.message);
    throw error;
  });
}
