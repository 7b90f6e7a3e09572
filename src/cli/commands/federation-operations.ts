import type { DomainOverview, QueueOverview } from '../../federation/operations.ts';
import { UsageError, domainFailure, operator, optionalString, parseCommandArgs, type CliIo } from '../io.ts';
import { withContext } from '../runtime.ts';

export const FEDERATION_OPERATIONS_USAGE = `       sparrow federation queue [--json]
       sparrow federation domains [--json]
       sparrow federation retry [--domain <domain>] [--reason <text>] [--json]
  queue: messages waiting by state, kind and server, and the oldest; domains: per server, the last
  delivery that worked, the last failure, failures in a row and whether it is given up on
  (unavailable: nothing is delivered there until it is heard from); retry: failed and delayed
  deliveries (of one server) become due now, and the server is taken back. Audited.`;

const date = (d: Date | null) => (d ? d.toISOString() : '—');

function queueLines(q: QueueOverview): string[] {
  return [
    `Queued:        ${q.total} (${q.ready} due, ${q.delayed} retrying later, ${q.inProgress} being handled)`,
    `Kinds:         ${q.byKind.outbox} deliveries, ${q.byKind.inbox} received, ${q.byKind.other} other`,
    `Oldest:        ${date(q.oldestCreatedAt)}`,
    `By server:     ${q.domains.length === 0 ? 'none' : ''}`,
    ...q.domains.map(
      (d) => `  ${d.domain.padEnd(30)} ${String(d.queued).padStart(6)} queued ${String(d.delayed).padStart(6)} later`,
    ),
  ];
}

function domainLines(domains: DomainOverview[]): string[] {
  if (domains.length === 0) return ['No server delivered to yet.'];
  return [
    `${'server'.padEnd(30)} ${'status'.padEnd(11)} ${'queued'.padStart(6)} ${'fails'.padStart(5)}  last success              last failure`,
    ...domains.map(
      (d) =>
        `${d.domain.padEnd(30)} ${(d.blocked ? `${d.status}/${d.blocked}` : d.status).padEnd(11)} ${String(d.queued).padStart(6)} ${String(d.consecutiveFailures).padStart(5)}  ${date(d.lastSuccessAt).padEnd(25)} ${d.lastFailureAt ? `${date(d.lastFailureAt)} ${d.lastFailure ?? ''}` : '—'}`,
    ),
  ];
}

function print(io: CliIo, json: boolean, value: unknown, lines: () => string[]): void {
  io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${lines().join('\n')}\n`);
}

async function queue(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: 'boolean' } }, FEDERATION_OPERATIONS_USAGE);
  if (parsed.positionals.length > 0) throw new UsageError('queue takes no arguments', FEDERATION_OPERATIONS_USAGE);
  const overview = await withContext(io, (ctx) =>
    domainFailure(() => ctx.federationOperations.queueOverview(operator(io))),
  );
  print(io, parsed.values.json === true, overview, () => queueLines(overview));
  return 0;
}

async function domains(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: 'boolean' } }, FEDERATION_OPERATIONS_USAGE);
  if (parsed.positionals.length > 0) throw new UsageError('domains takes no arguments', FEDERATION_OPERATIONS_USAGE);
  const list = await withContext(io, (ctx) => domainFailure(() => ctx.federationOperations.domains(operator(io))));
  print(io, parsed.values.json === true, list, () => domainLines(list));
  return 0;
}

async function retry(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    { json: { type: 'boolean' }, domain: { type: 'string' }, reason: { type: 'string' } },
    FEDERATION_OPERATIONS_USAGE,
  );
  if (parsed.positionals.length > 0)
    throw new UsageError('retry takes no arguments (use --domain <domain>)', FEDERATION_OPERATIONS_USAGE);
  const domain = optionalString(parsed, 'domain');
  const reason = optionalString(parsed, 'reason') ?? undefined;
  const result = await withContext(io, (ctx) =>
    domainFailure(() => ctx.federationOperations.retry(domain, { actor: operator(io), reason })),
  );
  print(io, parsed.values.json === true, { domain, ...result }, () => [
    `${result.messages} message(s) due now${domain ? ` for ${domain}` : ''}; ${result.domainsRestored} server(s) no longer unavailable (audited)`,
  ]);
  return 0;
}

/** `sparrow federation` subcommands for operating delivery, beside status and domain blocks. */
export const FEDERATION_OPERATIONS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  queue,
  domains,
  retry,
};
