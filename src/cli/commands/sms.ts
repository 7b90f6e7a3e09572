import {
  UsageError,
  domainFailure,
  onOff,
  operator,
  optionalString,
  parseCommandArgs,
  requireString,
  type CliIo,
} from '../io.ts';
import { withContext } from '../runtime.ts';

export const SMS_USAGE = `usage: sparrow sms policy set <country> --posting on|off [--notifications on|off] [--security on|off|default] [--reason <text>]
       sparrow sms policy list
       sparrow sms kill-switch on|off --reason <text>
       sparrow sms status
  Country policy and the global kill switch for content SMS (security messages are never affected).
  Every change is recorded in the audit log with the operator's name and reason.`;

export async function sms(args: string[], io: CliIo): Promise<number> {
  const [area, ...rest] = args;
  switch (area) {
    case 'policy':
      return policy(rest, io);
    case 'kill-switch':
      return killSwitch(rest, io);
    case 'status':
      return status(rest, io);
    default:
      throw new UsageError(area ? `unknown sms command "${area}"` : 'missing sms command', SMS_USAGE);
  }
}

async function policy(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'list') {
    parseCommandArgs(rest, {}, SMS_USAGE);
    const policies = await withContext(io, (ctx) => ctx.sms.policy.list());
    if (policies.length === 0) {
      io.stdout.write('No country has SMS posting or notifications enabled (the default is off everywhere).\n');
      return 0;
    }
    io.stdout.write('COUNTRY  POSTING  NOTIFICATIONS  UPDATED                   BY\n');
    for (const p of policies) {
      io.stdout.write(
        `${p.country.padEnd(9)}${(p.posting ? 'on' : 'off').padEnd(9)}${(p.notifications ? 'on' : 'off').padEnd(15)}${p.updatedAt.toISOString().padEnd(26)}${p.updatedBy}\n`,
      );
    }
    return 0;
  }
  if (action !== 'set')
    throw new UsageError(action ? `unknown policy command "${action}"` : 'missing policy command', SMS_USAGE);
  const parsed = parseCommandArgs(
    rest,
    {
      posting: { type: 'string' },
      notifications: { type: 'string' },
      security: { type: 'string' },
      reason: { type: 'string' },
    },
    SMS_USAGE,
  );
  if (parsed.positionals.length !== 1)
    throw new UsageError('expected exactly one <country> (ISO 3166-1 alpha-2, e.g. KE)', SMS_USAGE);
  const posting = onOff(optionalString(parsed, 'posting'), '--posting', SMS_USAGE);
  const notifications = onOff(optionalString(parsed, 'notifications'), '--notifications', SMS_USAGE);
  const securityRaw = optionalString(parsed, 'security');
  const security =
    securityRaw === 'default'
      ? null
      : securityRaw === undefined
        ? undefined
        : onOff(securityRaw, '--security', SMS_USAGE);
  if (posting === null && security === undefined)
    throw new UsageError('--posting on|off is required (or --security on|off|default alone)', SMS_USAGE);
  const result = await withContext(io, (ctx) =>
    domainFailure(() =>
      ctx.sms.policy.setCountry(
        parsed.positionals[0]!,
        {
          ...(posting !== null ? { posting } : {}),
          ...(notifications !== null ? { notifications } : {}),
          ...(security !== undefined ? { security } : {}),
        },
        { id: operator(io), reason: optionalString(parsed, 'reason') ?? '' },
      ),
    ),
  );
  const securityText = result.security === null ? 'default' : result.security ? 'on' : 'off';
  io.stdout.write(
    `${result.country}: posting ${result.posting ? 'on' : 'off'}, notifications ${result.notifications ? 'on' : 'off'}, security SMS ${securityText} (audited as ${result.updatedBy})\n`,
  );
  return 0;
}

async function killSwitch(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { reason: { type: 'string' } }, SMS_USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError('expected on or off', SMS_USAGE);
  const enabled = onOff(parsed.positionals[0]!, 'kill-switch', SMS_USAGE)!;
  const reason = requireString(parsed, 'reason', SMS_USAGE);
  const state = await withContext(io, (ctx) =>
    domainFailure(() => ctx.sms.policy.setKillSwitch(enabled, { id: operator(io), reason })),
  );
  io.stdout.write(
    enabled
      ? `Kill switch ON: content SMS stop on every instance within 5 seconds. Security messages still go out. (audited as ${state.updatedBy})\n`
      : `Kill switch OFF: content SMS resume under each country's policy. (audited as ${state.updatedBy})\n`,
  );
  return 0;
}

async function status(args: string[], io: CliIo): Promise<number> {
  parseCommandArgs(args, {}, SMS_USAGE);
  await withContext(io, async (ctx, config) => {
    const [{ killSwitch: state, countries: policies }, counts, audit] = await Promise.all([
      ctx.sms.policy.status(),
      ctx.sms.outbox.counts(),
      ctx.sms.policy.auditLog(5),
    ]);
    const lines = [
      `Provider:      ${config.smsProvider}`,
      `Kill switch:   ${state.enabled ? `ON since ${state.updatedAt?.toISOString()} by ${state.updatedBy}: ${state.reason}` : 'off'}`,
      `Posting on in: ${
        policies
          .filter((p) => p.posting)
          .map((p) => p.country)
          .join(', ') || 'no country'
      }`,
      `Notifications: ${
        policies
          .filter((p) => p.notifications)
          .map((p) => p.country)
          .join(', ') || 'no country'
      }`,
      `Outbox:        ${
        Object.entries(counts)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ') || 'empty'
      }`,
      'Recent changes:',
      ...(audit.length === 0
        ? ['  none']
        : audit.map(
            (a) =>
              `  ${a.createdAt.toISOString()} ${a.actor} ${a.action} ${a.subject}${a.reason ? ` — ${a.reason}` : ''}`,
          )),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  });
  return 0;
}
