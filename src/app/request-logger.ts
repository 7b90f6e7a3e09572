import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArguments = Parameters<FastifyBaseLogger['info']>;

/**
 * A request's logger (`request.log`), made by Fastify for every request: the pino child with
 * the request id is created only when something is logged at an enabled level. Creating it
 * (bindings serialised through the redaction, every level method rebuilt) cost a few percent
 * of a small request, for a logger that at the usual `warn` level writes nothing on most
 * requests. What is written, and with which bindings, is unchanged: the child is the same
 * `parent.child(bindings)` Fastify would make, and once made, everything goes to it.
 */
class RequestLogger {
  private readonly parent: Logger;
  private readonly bindings: Bindings;
  private made: Logger | null = null;

  constructor(parent: Logger, bindings: Bindings) {
    this.parent = parent;
    this.bindings = bindings;
  }

  private get logger(): Logger {
    if (this.made === null) this.made = this.parent.child(this.bindings);
    return this.made;
  }

  private write(level: Level, args: LogArguments): void {
    if (this.made === null && !this.parent.isLevelEnabled(level)) return;
    (this.logger[level] as (...a: LogArguments) => void)(...args);
  }

  get level(): LevelWithSilentOrString {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.logger.level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  fatal(...args: LogArguments): void {
    this.write('fatal', args);
  }
  error(...args: LogArguments): void {
    this.write('error', args);
  }
  warn(...args: LogArguments): void {
    this.write('warn', args);
  }
  info(...args: LogArguments): void {
    this.write('info', args);
  }
  debug(...args: LogArguments): void {
    this.write('debug', args);
  }
  trace(...args: LogArguments): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`. A route with its own log level or serializers gets a real
 * child at once (none has one today).
 */
export function requestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return parent.child(bindings, options);
  return new RequestLogger(parent as Logger, bindings) as unknown as FastifyBaseLogger;
}
