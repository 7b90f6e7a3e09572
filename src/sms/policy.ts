import { isSupportedCountry } from 'libphonenumber-js/max';
import type { AuditLog } from '../audit/index.ts';
import { actorLabel, authorize, checkedReason, type Acting, type Actor } from '../security/permissions.ts';
import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import type { CountryPolicy, KillSwitchState, MessageClass } from './model.ts';
import type { SmsStore } from './ports.ts';

export interface PolicySnapshot {
  killSwitch: KillSwitchState;
  countries: Map<string, CountryPolicy>;
  loadedAt: number;
}

/**
 * Country policy and the global kill switch. Every instance (web or worker) reads them
 * from the shared store and keeps them for at most `refreshMs`, so a change reaches every
 * running process within that time without any message bus. Security messages are never
 * subject to either. Changes follow the roles table (SPEC §2): any staff member may turn the
 * kill switch on, only an administrator turns it off or sets country policy.
 */
export class SmsPolicy {
  private snapshot: PolicySnapshot | null = null;
  private loading: Promise<PolicySnapshot> | null = null;

  private readonly store: SmsStore;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly refreshMs: number;
  constructor(store: SmsStore, audit: AuditLog, clock: Clock, refreshMs = 2_000) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.refreshMs = refreshMs;
  }

  async current(): Promise<PolicySnapshot> {
    const now = this.clock.now().getTime();
    if (this.snapshot && now - this.snapshot.loadedAt < this.refreshMs) return this.snapshot;
    const started = this.loading === null;
    this.loading ??= this.load(now).finally(() => {
      this.loading = null;
    });
    // While another caller's refresh runs, a snapshot younger than twice the refresh period (still
    // within the 5 s promise) answers at once: that refresh may be waiting for a transaction
    // this caller is part of (a group commit of inbound texts), and must not be waited for.
    if (!started && this.snapshot && now - this.snapshot.loadedAt < 2 * this.refreshMs) return this.snapshot;
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

  /** What staff see: the kill switch as stored now (not cached) and every country with a policy. */
  async status(actor: Actor): Promise<{ killSwitch: KillSwitchState; countries: CountryPolicy[] }> {
    authorize(actor, 'sms_policy.read');
    const [killSwitch, countries] = await Promise.all([this.store.killSwitch(), this.store.countryPolicies()]);
    return { killSwitch, countries: [...countries].sort((a, b) => a.country.localeCompare(b.country)) };
  }

  async setCountry(
    countryInput: string,
    changes: { posting?: boolean; notifications?: boolean; security?: boolean | null },
    acting: Acting,
  ): Promise<CountryPolicy> {
    authorize(acting.actor, 'sms_policy.set');
    const country = countryInput.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country) || !isSupportedCountry(country)) {
      throw invalid(`"${countryInput}" is not an ISO 3166-1 alpha-2 country code with a phone numbering plan`, {
        field: 'country',
      }).coded('sms_policy.country', { country: countryInput });
    }
    if (changes.posting === undefined && changes.notifications === undefined && changes.security === undefined) {
      throw invalid('Nothing to change: give posting, notifications and/or security', { field: 'posting' }).coded(
        'sms_policy.nothing',
      );
    }
    const reason = checkedReason(acting.reason);
    const existing = (await this.store.countryPolicies()).find((p) => p.country === country);
    const now = this.clock.now();
    const policy: CountryPolicy = {
      country,
      posting: changes.posting ?? existing?.posting ?? false,
      notifications: changes.notifications ?? existing?.notifications ?? false,
      security: changes.security !== undefined ? changes.security : (existing?.security ?? null),
      updatedAt: now,
      updatedBy: actorLabel(acting.actor),
    };
    await this.store.setCountryPolicy(
      policy,
      this.audit.entry(
        acting.actor,
        reason,
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

  async setKillSwitch(enabled: boolean, acting: Acting): Promise<KillSwitchState> {
    authorize(acting.actor, enabled ? 'kill_switch.on' : 'kill_switch.off');
    const reason = checkedReason(acting.reason);
    const now = this.clock.now();
    const before = await this.store.killSwitch();
    const state: KillSwitchState = { enabled, reason, updatedAt: now, updatedBy: actorLabel(acting.actor) };
    await this.store.setKillSwitch(
      state,
      this.audit.entry(
        acting.actor,
        reason,
        enabled ? 'sms.kill_switch.on' : 'sms.kill_switch.off',
        'kill_switch',
        { before: before.enabled, after: enabled },
        now,
      ),
    );
    this.invalidate();
    return state;
  }

  async killSwitch(): Promise<KillSwitchState> {
    return (await this.current()).killSwitch;
  }
}
