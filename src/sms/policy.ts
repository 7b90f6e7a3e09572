import { isSupportedCountry } from 'libphonenumber-js/max';
import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { AuditEntry, CountryPolicy, KillSwitchState, MessageClass } from './model.ts';
import type { SmsStore } from './ports.ts';

/** Who changed something and why, for the audit log. */
export interface Actor {
  /** `account:<id>` for the admin API, `cli:<os user>` for the CLI. */
  id: string;
  reason: string;
}

export interface PolicySnapshot {
  killSwitch: KillSwitchState;
  countries: Map<string, CountryPolicy>;
  loadedAt: number;
}

/**
 * Country policy and the global kill switch. Every instance (web or worker) reads them
 * from the shared store and keeps them for at most `refreshMs`, so a change reaches every
 * running process within that time without any message bus. Security messages are never
 * subject to either.
 */
export class SmsPolicy {
  private snapshot: PolicySnapshot | null = null;
  private loading: Promise<PolicySnapshot> | null = null;

  private readonly store: SmsStore;
  private readonly clock: Clock;
  private readonly refreshMs: number;
  constructor(store: SmsStore, clock: Clock, refreshMs = 2_000) {
    this.store = store;
    this.clock = clock;
    this.refreshMs = refreshMs;
  }

  async current(): Promise<PolicySnapshot> {
    const now = this.clock.now().getTime();
    if (this.snapshot && now - this.snapshot.loadedAt < this.refreshMs) return this.snapshot;
    this.loading ??= this.load(now).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(now: number): Promise<PolicySnapshot> {
    const [killSwitch, countries] = await Promise.all([this.store.killSwitch(), this.store.countryPolicies()]);
    this.snapshot = { killSwitch, countries: new Map(countries.map((c) => [c.country, c])), loadedAt: now };
    return this.snapshot;
  }

  /** Forget the cached state (after a change made by this process). */
  invalidate(): void {
    this.snapshot = null;
  }

  async postingAllowed(
    country: string,
  ): Promise<{ allowed: true } | { allowed: false; why: 'kill_switch' | 'country' }> {
    const { killSwitch, countries } = await this.current();
    if (killSwitch.enabled) return { allowed: false, why: 'kill_switch' };
    if (!countries.get(country)?.posting) return { allowed: false, why: 'country' };
    return { allowed: true };
  }

  /**
   * Whether a message of this class may go to a number in `country` now. Content needs the
   * country's notifications on and the kill switch off; answers to a person's own text
   * (command replies) need the country's posting on instead.
   */
  async mayDeliver(messageClass: MessageClass, purpose: string, country: string): Promise<boolean> {
    if (messageClass !== 'content') return true;
    const { killSwitch, countries } = await this.current();
    if (killSwitch.enabled) return false;
    const policy = countries.get(country);
    if (!policy) return false;
    return purpose === 'post_notification' ? policy.notifications : policy.posting || policy.notifications;
  }

  async list(): Promise<CountryPolicy[]> {
    return [...(await this.store.countryPolicies())].sort((a, b) => a.country.localeCompare(b.country));
  }

  async setCountry(
    countryInput: string,
    changes: { posting?: boolean; notifications?: boolean; security?: boolean | null },
    actor: Actor,
  ): Promise<CountryPolicy> {
    const country = countryInput.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country) || !isSupportedCountry(country)) {
      throw invalid(`"${countryInput}" is not an ISO 3166-1 alpha-2 country code with a phone numbering plan`, {
        field: 'country',
      });
    }
    if (changes.posting === undefined && changes.notifications === undefined && changes.security === undefined) {
      throw invalid('Nothing to change: give posting, notifications and/or security', { field: 'posting' });
    }
    checkReason(actor);
    const existing = (await this.store.countryPolicies()).find((p) => p.country === country);
    const now = this.clock.now();
    const policy: CountryPolicy = {
      country,
      posting: changes.posting ?? existing?.posting ?? false,
      notifications: changes.notifications ?? existing?.notifications ?? false,
      security: changes.security !== undefined ? changes.security : (existing?.security ?? null),
      updatedAt: now,
      updatedBy: actor.id,
    };
    await this.store.setCountryPolicy(
      policy,
      audit(
        actor,
        'sms.policy.set',
        country,
        {
          before: existing
            ? { posting: existing.posting, notifications: existing.notifications, security: existing.security }
            : null,
          after: { posting: policy.posting, notifications: policy.notifications, security: policy.security },
        },
        now,
      ),
    );
    this.invalidate();
    return policy;
  }

  /** Any other operator or moderator action that belongs in the same audit log (suspensions, unlocks). */
  async recordAction(
    actor: Actor,
    action: string,
    subject: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    checkReason(actor);
    await this.store.recordAudit(audit(actor, action, subject, details, this.clock.now()));
  }

  async setKillSwitch(enabled: boolean, actor: Actor): Promise<KillSwitchState> {
    checkReason(actor, true);
    const now = this.clock.now();
    const before = await this.store.killSwitch();
    const state: KillSwitchState = { enabled, reason: actor.reason.trim(), updatedAt: now, updatedBy: actor.id };
    await this.store.setKillSwitch(
      state,
      audit(
        actor,
        enabled ? 'sms.kill_switch.on' : 'sms.kill_switch.off',
        'kill_switch',
        { before: before.enabled, after: enabled },
        now,
      ),
    );
    this.invalidate();
    return state;
  }

  /** The kill switch and every country policy as stored now (not cached), for operators' views. */
  async status(): Promise<{ killSwitch: KillSwitchState; countries: CountryPolicy[] }> {
    const [killSwitch, countries] = await Promise.all([this.store.killSwitch(), this.list()]);
    return { killSwitch, countries };
  }

  async killSwitch(): Promise<KillSwitchState> {
    return (await this.current()).killSwitch;
  }

  auditLog(limit = 50): Promise<AuditEntry[]> {
    return this.store.auditEntries(null, limit);
  }
}

function checkReason(actor: Actor, required = false): void {
  const reason = actor.reason.trim();
  if (required && reason === '') throw invalid('A reason is required for the audit log', { field: 'reason' });
  if (reason.length > 500) throw invalid('Reason must be at most 500 characters', { field: 'reason' });
}

function audit(actor: Actor, action: string, subject: string, details: Record<string, unknown>, now: Date): AuditEntry {
  return {
    id: newId(now.getTime()),
    actor: actor.id,
    action,
    subject,
    details,
    reason: actor.reason.trim(),
    createdAt: now,
  };
}
