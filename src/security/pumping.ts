import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { EventCounter, SecurityAlert, SecurityMonitorStore } from './ports.ts';

export interface FloodPolicy {
  /** The sliding window requests are counted in. */
  windowMs: number;
  /** More requests than this toward one number block in a window is a flood. */
  perBlock: number;
  /** More requests than this toward one country in a window is a flood. */
  perCountry: number;
  /** More countries than this receiving requests in one window is a flood (a trickle to many countries). */
  countries: number;
  /** How long a flooded target gets no codes to new numbers after its alert. */
  throttleMs: number;
}

const FLOOD_ALERT = 'sms_flood';

/**
 * Where `at` falls for a sliding window kept as fixed buckets of `windowMs`: the bucket, and
 * how much of the previous bucket still lies inside the window (counters weight it by that).
 */
export function windowBucket(at: Date, windowMs: number): { bucket: number; previousWeight: number } {
  const t = at.getTime();
  const bucket = Math.floor(t / windowMs);
  return { bucket, previousWeight: 1 - (t - bucket * windowMs) / windowMs };
}

export type RaisedAlert = Pick<SecurityAlert, 'kind' | 'scope' | 'details'>;

/**
 * SMS-pumping detection on the send path (issue 11): every request for a code to a number
 * not yet verified on the asking account is counted as it arrives, per number block, per
 * country and across countries, whoever asks and from wherever. A window with more requests
 * than the policy allows raises an alert at once (logged, listed for staff) and the target
 * gets no such codes for `throttleMs`. Codes to numbers already verified on an account, for
 * that account's own flows, are neither counted nor stopped here: a flood must not cost
 * real people their sign-in (they have their own budgets).
 */
export class PumpingDetector {
  private readonly counter: EventCounter;
  private readonly alerts: Pick<SecurityMonitorStore, 'addAlert' | 'latestAlert'>;
  private readonly clock: Clock;
  private readonly policy: FloodPolicy;
  private readonly raise: (alert: RaisedAlert) => void;
  private readonly reportError: (error: unknown) => void;
  constructor(
    counter: EventCounter,
    alerts: Pick<SecurityMonitorStore, 'addAlert' | 'latestAlert'>,
    clock: Clock,
    policy: FloodPolicy,
    raise: (alert: RaisedAlert) => void = () => {},
    reportError: (error: unknown) => void = () => {},
  ) {
    this.counter = counter;
    this.alerts = alerts;
    this.clock = clock;
    this.policy = policy;
    this.raise = raise;
    this.reportError = reportError;
  }

  /**
   * Counts one request toward `block` in `country`; returns the flooded scope that stops it
   * (`prefix:…`, `country:…`, `countries`), or null when it may go on to the budgets. When the
   * counters cannot be reached it answers `unavailable`: like the budgets, it fails closed.
   */
  async request(country: string, block: string): Promise<string | null> {
    try {
      return await this.count(country, block);
    } catch (error) {
      this.reportError(error);
      return 'unavailable';
    }
  }

  private async count(country: string, block: string): Promise<string | null> {
    const now = this.clock.now();
    const { windowMs } = this.policy;
    const inCountry = await this.counter.add(`country:${country}`, now, windowMs);
    const inBlock = await this.counter.add(`prefix:${block}`, now, windowMs);
    const countries = inCountry.firstInBucket
      ? (await this.counter.add('countries', now, windowMs)).inWindow
      : await this.counter.count('countries', now, windowMs);
    const checks: [string, number, number][] = [
      [`prefix:${block}`, inBlock.inWindow, this.policy.perBlock],
      [`country:${country}`, inCountry.inWindow, this.policy.perCountry],
      ['countries', countries, this.policy.countries],
    ];
    let stopped: string | null = null;
    for (const [scope, seen, limit] of checks) {
      const active = await this.activeAlert(scope, now);
      if (active) stopped ??= scope;
      else if (seen > limit) {
        await this.flag(scope, seen, limit, now);
        stopped ??= scope;
      }
    }
    return stopped;
  }

  private async activeAlert(scope: string, now: Date): Promise<boolean> {
    const latest = await this.alerts.latestAlert(FLOOD_ALERT, scope);
    return latest !== null && now.getTime() - latest.createdAt.getTime() < this.policy.throttleMs;
  }

  private async flag(scope: string, seen: number, limit: number, now: Date): Promise<void> {
    const details = {
      requests: seen,
      limit,
      window_seconds: Math.round(this.policy.windowMs / 1000),
      throttled_until: new Date(now.getTime() + this.policy.throttleMs).toISOString(),
    };
    await this.alerts.addAlert({
      id: newId(now.getTime()),
      kind: FLOOD_ALERT,
      scope,
      details,
      createdAt: now,
      acknowledgedAt: null,
    });
    this.raise({ kind: FLOOD_ALERT, scope, details });
  }
}

/** One line naming what an alert is about, the same in the console, the CLI and the API. */
export function describeAlert(alert: Pick<SecurityAlert, 'kind' | 'scope' | 'details'>): string {
  const d = alert.details;
  const target =
    alert.scope === 'countries'
      ? 'many countries at once'
      : alert.scope.startsWith('prefix:')
        ? `number block ${alert.scope.slice('prefix:'.length)}…`
        : alert.scope.startsWith('country:')
          ? `country ${alert.scope.slice('country:'.length)}`
          : alert.scope;
  if (alert.kind === FLOOD_ALERT)
    return `Flood of code requests toward ${target}: ${String(d.requests)} in ${String(d.window_seconds)} s (limit ${String(d.limit)}); codes to new numbers ${alert.scope === 'countries' ? 'everywhere' : 'there'} stopped until ${String(d.throttled_until)}`;
  if (alert.kind === 'low_completion_rate')
    return `Codes to ${target} mostly unused: ${String(d.completed)} of ${String(d.issued)} used in ${String(d.window_minutes)} min`;
  return `${alert.kind} for ${target}`;
}
