import type { Account } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { AccountNotices } from '../notices/index.ts';
import type { BoundPhone, HoldReason, InboundOutcome, SmsSecurityState, SmsSettings } from './model.ts';
import type { SmsPolicy } from './policy.ts';
import type { SmsStore } from './ports.ts';
import type { SimSwapChecker } from './sim-swap.ts';
import type { MessageId } from '../i18n/index.ts';

/** Everything a gate step may look at for one inbound text from a bound number. */
export interface GateContext {
  phone: BoundPhone;
  account: Account;
  settings: SmsSettings;
  security: SmsSecurityState;
  /** The text as it stands after earlier steps (the PIN step strips the PIN). */
  text: string;
}

type Refusal = {
  kind: 'refuse';
  outcome: InboundOutcome;
  /** Reply for the sender (a catalogue message, given `{web}`), at most once a day per kind; null for none. */
  reply: MessageId | null;
};
export type StepResult =
  | { kind: 'continue'; text?: string }
  | Refusal
  | { kind: 'hold'; reason: HoldReason; reply: MessageId | null };

/** One named rule of SPEC 3.4. Steps run in order; the first that does not continue decides. */
export interface GateStep {
  readonly name: string;
  evaluate(context: GateContext): Promise<StepResult>;
}

const CONTINUE: StepResult = { kind: 'continue' };

/** 2. The number is bound (checked before the gate), SMS posting is on and not locked. */
export class PostingEnabledStep implements GateStep {
  readonly name = 'posting-enabled';
  async evaluate({ settings, security }: GateContext): Promise<StepResult> {
    if (!settings.posting)
      return {
        kind: 'refuse',
        outcome: 'refused_settings',
        reply: 'sms.postingOff',
      };
    if (security.lockedAt) {
      return {
        kind: 'refuse',
        outcome: 'refused_locked',
        reply: 'sms.locked',
      };
    }
    return CONTINUE;
  }
}

/** 3. The kill switch and the sender's country policy. */
export class CountryPolicyStep implements GateStep {
  readonly name = 'country-policy';
  private readonly policy: SmsPolicy;
  constructor(policy: SmsPolicy) {
    this.policy = policy;
  }
  async evaluate({ phone }: GateContext): Promise<StepResult> {
    const gate = await this.policy.postingAllowed(phone.country);
    if (gate.allowed) return CONTINUE;
    return gate.why === 'kill_switch'
      ? {
          kind: 'refuse',
          outcome: 'refused_kill_switch',
          reply: 'sms.killSwitch',
        }
      : {
          kind: 'refuse',
          outcome: 'refused_policy',
          reply: 'sms.countryOff',
        };
  }
}

/**
 * 4. No SIM swap in the last 72 hours, by the carrier's CAMARA API. A swap freezes SMS
 * posting and holds the text; the owner hears of it on their other channels and needs a
 * non-SMS factor to re-enable. When the carrier cannot answer, the text is held (fail
 * closed) unless the operator chose otherwise.
 */
export class SimSwapStep implements GateStep {
  readonly name = 'sim-swap';
  private readonly checker: SimSwapChecker;
  private readonly store: SmsStore;
  private readonly notices: AccountNotices;
  private readonly clock: Clock;
  private readonly options: { maxAgeHours: number; failOpen: boolean };
  constructor(
    checker: SimSwapChecker,
    store: SmsStore,
    notices: AccountNotices,
    clock: Clock,
    options: { maxAgeHours: number; failOpen: boolean },
  ) {
    this.checker = checker;
    this.store = store;
    this.notices = notices;
    this.clock = clock;
    this.options = options;
  }

  async evaluate({ phone, account }: GateContext): Promise<StepResult> {
    const answer = await this.checker.check(phone.e164, this.options.maxAgeHours);
    if (answer === 'not_swapped') return CONTINUE;
    if (answer === 'swapped') {
      await this.store.lockPosting(account.id, 'sim_swap', this.clock.now());
      await this.notices.notify(account.id, 'sim_swap_detected', { number: phone.e164.slice(-4) });
      return { kind: 'hold', reason: 'sim_swap', reply: null };
    }
    if (this.options.failOpen) return CONTINUE;
    await this.notices.notify(account.id, 'sim_swap_check_failed', {});
    return { kind: 'hold', reason: 'sim_swap_unavailable', reply: null };
  }
}

const MAX_PIN_FAILURES = 5;
const PIN_PREFIX = /^(\d{4,8})(?:\s+|$)([\s\S]*)$/;

/**
 * 5. The posting PIN: required for admins, moderators and accounts above a follower count;
 * the text must start with it, and it is removed before anything else reads the text.
 * Five wrong PINs lock SMS posting until the owner unlocks it from the web.
 */
export class PinStep implements GateStep {
  readonly name = 'posting-pin';
  private readonly verifyPin: (hash: string, pin: string) => Promise<boolean>;
  private readonly store: SmsStore;
  private readonly notices: AccountNotices;
  private readonly clock: Clock;
  private readonly options: { requiredAboveFollowers: number };
  constructor(
    verifyPin: (hash: string, pin: string) => Promise<boolean>,
    store: SmsStore,
    notices: AccountNotices,
    clock: Clock,
    options: { requiredAboveFollowers: number },
  ) {
    this.verifyPin = verifyPin;
    this.store = store;
    this.notices = notices;
    this.clock = clock;
    this.options = options;
  }

  pinRequired(account: Account): boolean {
    return account.role !== 'user' || account.followersCount > this.options.requiredAboveFollowers;
  }

  async evaluate({ account, security, text }: GateContext): Promise<StepResult> {
    if (!security.pinHash) {
      return this.pinRequired(account)
        ? {
            kind: 'refuse',
            outcome: 'refused_pin',
            reply: 'sms.pinNeeded',
          }
        : CONTINUE;
    }
    const match = PIN_PREFIX.exec(text.trim());
    if (!match)
      return {
        kind: 'refuse',
        outcome: 'refused_pin',
        reply: 'sms.pinMissing',
      };
    if (await this.verifyPin(security.pinHash, match[1]!)) {
      if (security.pinFailures > 0) await this.store.resetPinFailures(account.id);
      return { kind: 'continue', text: match[2]!.trim() };
    }
    const failures = await this.store.recordPinFailure(account.id);
    if (failures >= MAX_PIN_FAILURES) {
      await this.store.lockPosting(account.id, 'pin', this.clock.now());
      await this.notices.notify(account.id, 'sms_posting_locked', { reason: 'pin', failures });
      return {
        kind: 'refuse',
        outcome: 'refused_pin',
        reply: 'sms.pinLocked',
      };
    }
    return { kind: 'refuse', outcome: 'refused_pin', reply: 'sms.pinWrong' };
  }
}

/** 6. Per-number limits: texts beyond them are held for the owner, not dropped. */
export class RateLimitStep implements GateStep {
  readonly name = 'rate-limit';
  private readonly store: SmsStore;
  private readonly clock: Clock;
  private readonly limits: { perMinute: number; perDay: number };
  constructor(store: SmsStore, clock: Clock, limits: { perMinute: number; perDay: number }) {
    this.store = store;
    this.clock = clock;
    this.limits = limits;
  }

  async evaluate({ phone }: GateContext): Promise<StepResult> {
    const now = this.clock.now().getTime();
    // The text being handled is already recorded, so it counts itself.
    const [minute = 0, day = 0] = await this.store.inboundCountsSince(phone.e164, [
      new Date(now - 60_000),
      new Date(now - 24 * 3600_000),
    ]);
    if (minute > this.limits.perMinute || day > this.limits.perDay) {
      return {
        kind: 'hold',
        reason: 'rate_limit',
        reply: 'sms.held',
      };
    }
    return CONTINUE;
  }
}

export type GateDecision =
  | { kind: 'pass'; text: string; step: null }
  | (Exclude<StepResult, { kind: 'continue' }> & { step: string });

/** The trust gate (SPEC 3.4): the steps in order, stopping at the first that does not let the text through. */
export class TrustGate {
  private readonly steps: readonly GateStep[];
  constructor(steps: readonly GateStep[]) {
    this.steps = steps;
  }

  get stepNames(): string[] {
    return this.steps.map((s) => s.name);
  }

  async evaluate(context: GateContext): Promise<GateDecision> {
    let text = context.text;
    for (const step of this.steps) {
      const result = await step.evaluate({ ...context, text });
      if (result.kind === 'continue') {
        if (result.text !== undefined) text = result.text;
        continue;
      }
      return { ...result, step: step.name };
    }
    return { kind: 'pass', text, step: null };
  }
}
