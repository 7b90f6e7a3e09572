import type { SecurityLimits } from '../config/config.ts';
import type { Locale } from '../i18n/index.ts';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { VerificationCodes } from './codes.ts';
import type { PumpingDetector } from './pumping.ts';
import type {
  MailTransport,
  OutgoingMail,
  SecurityMonitorStore,
  SecuritySmsSender,
  Throttle,
  ThrottleLimit,
} from './ports.ts';
import { normaliseEmail } from './identity.ts';
import { authorize, type Actor } from './permissions.ts';

export interface PhoneTarget {
  e164: string;
  country: string;
}

export interface Requester {
  ip: string | null;
  accountId?: string | null;
  /** The account has an active session that was started from this address (its owner's usual network). */
  knownNetwork?: boolean;
  /** The language of the page that asked, for messages to someone who has not chosen one. */
  locale?: Locale;
}

/**
 * Whose number a code goes to. `new_number`: a number being verified, which anyone with an
 * account may name, so SMS pumping comes in this way; it spends the pumping budgets and the
 * flood detector. `own_number`: a number already verified on the account whose own flow asks
 * (sign-in, second factor, reset); it spends budgets of its own, so floods and anonymous
 * requests toward the number, its block or its country cannot starve it.
 */
export type CodeAudience = 'new_number' | 'own_number';

export type SendOutcome = 'sent' | 'throttled' | 'country_disabled';

export interface SendEvent {
  channel: 'sms' | 'email';
  purpose: string;
  outcome: SendOutcome;
  limit?: string;
  country?: string;
  /** Set when sent: whose contact was used, and which (for the owner's record of uses). */
  accountId?: string | null;
  to?: string;
}

/** The named limits the security throttles use, from configuration. */
export function securityThrottleLimits(limits: SecurityLimits): Record<string, ThrottleLimit> {
  return {
    sms_number_hour: { points: limits.smsPerNumberPerHour, durationSeconds: 3600 },
    sms_number_day: { points: limits.smsPerNumberPerDay, durationSeconds: 86_400 },
    sms_ip_hour: { points: limits.smsPerIpPerHour, durationSeconds: 3600 },
    sms_account_day: { points: limits.smsPerAccountPerDay, durationSeconds: 86_400 },
    sms_prefix_hour: { points: limits.smsPerPrefixPerHour, durationSeconds: 3600 },
    sms_country_day: { points: limits.smsPerCountryPerDay, durationSeconds: 86_400 },
    // Codes to a number verified on the account whose own flow asks: from anywhere, and from its usual network.
    sms_own_number_hour: { points: limits.ownSmsPerNumberPerHour, durationSeconds: 3600 },
    sms_own_number_day: { points: limits.ownSmsPerNumberPerDay, durationSeconds: 86_400 },
    sms_own_country_day: { points: limits.ownSmsPerCountryPerDay, durationSeconds: 86_400 },
    sms_own_known_number_hour: { points: limits.ownSmsPerNumberPerHour, durationSeconds: 3600 },
    sms_own_known_number_day: { points: limits.ownSmsPerNumberPerDay, durationSeconds: 86_400 },
    // "Your code was not sent" notices: at most one an hour per account, so a flood cannot mail-bomb the owner.
    code_withheld_notice: { points: 1, durationSeconds: 3600 },
    email_address_hour: { points: limits.emailPerAddressPerHour, durationSeconds: 3600 },
    email_ip_hour: { points: limits.emailPerIpPerHour, durationSeconds: 3600 },
    sign_in_ip: { points: limits.signInPerIpPer10Minutes, durationSeconds: 600 },
    sign_in_account: { points: limits.signInPerAccountPer10Minutes, durationSeconds: 600 },
    // Owner e-mails about SMS posts (each e-mail's link covers every post since the last confirmed one).
    sms_post_mail: { points: 1, durationSeconds: 600 },
    // Starting flows (code sign-in, reset, sign-up) from one address; each start may cost a message.
    flow_ip: { points: limits.smsPerIpPerHour * 3, durationSeconds: 3600 },
  };
}

/**
 * A number's block: the number without its last four digits. SMS pumping walks ranges of
 * premium or international numbers that share a block, so limits per block stop it even
 * when every single number stays under its own limit.
 */
function numberPrefix(e164: string): string {
  return e164.length > 8 ? e164.slice(0, e164.length - 4) : e164;
}

/**
 * Sends security messages (codes by SMS and e-mail) within the SMS-pumping and toll-fraud
 * limits of SPEC 3.5: per number, per IP, per account, per number block and a daily budget
 * per country; countries not enabled for security SMS get none. These messages ignore the
 * kill switch and content policy, which is why their own limits matter so much. Callers
 * answer the same whatever the outcome; the outcome is for logs and tests.
 */
export class SecurityMessages {
  private readonly codes: VerificationCodes;
  private readonly sms: SecuritySmsSender;
  private readonly mail: MailTransport;
  private readonly throttle: Throttle;
  private readonly detector: PumpingDetector;
  private readonly settings: SecurityMonitorStore;
  private readonly limits: Pick<SecurityLimits, 'smsCountries'>;
  private readonly clock: Clock;
  private readonly log: (event: SendEvent) => void;
  constructor(
    codes: VerificationCodes,
    sms: SecuritySmsSender,
    mail: MailTransport,
    throttle: Throttle,
    detector: PumpingDetector,
    settings: SecurityMonitorStore,
    limits: Pick<SecurityLimits, 'smsCountries'>,
    clock: Clock,
    log: (event: SendEvent) => void = () => {},
  ) {
    this.codes = codes;
    this.sms = sms;
    this.mail = mail;
    this.throttle = throttle;
    this.detector = detector;
    this.settings = settings;
    this.limits = limits;
    this.clock = clock;
    this.log = log;
  }

  async smsCountryEnabled(country: string): Promise<boolean> {
    const setting = await this.settings.securitySmsCountrySetting(country);
    if (setting !== null) return setting;
    return this.limits.smsCountries === null || this.limits.smsCountries.includes(country);
  }

  /**
   * Spends the budgets one security SMS to `phone` needs; the first exhausted limit refuses it.
   * Codes to new numbers pass the flood detector and the pumping budgets (per address, account,
   * number, block and country); codes to an account's own verified number spend their own
   * per-number and per-country budgets, and from the owner's usual network only per-number ones.
   */
  async allowSms(
    phone: PhoneTarget,
    requester: Requester,
    audience: CodeAudience,
  ): Promise<{ outcome: SendOutcome; limit?: string }> {
    if (!(await this.smsCountryEnabled(phone.country))) return { outcome: 'country_disabled' };
    let checks: [string, string | null | undefined][];
    if (audience === 'new_number') {
      const flooded = await this.detector.request(phone.country, numberPrefix(phone.e164));
      if (flooded) return { outcome: 'throttled', limit: `flood:${flooded}` };
      checks = [
        ['sms_ip_hour', requester.ip],
        ['sms_account_day', requester.accountId],
        ['sms_number_hour', phone.e164],
        ['sms_number_day', phone.e164],
        ['sms_prefix_hour', numberPrefix(phone.e164)],
        ['sms_country_day', phone.country],
      ];
    } else if (requester.knownNetwork) {
      checks = [
        ['sms_own_known_number_hour', phone.e164],
        ['sms_own_known_number_day', phone.e164],
      ];
    } else {
      checks = [
        ['sms_ip_hour', requester.ip],
        ['sms_own_number_hour', phone.e164],
        ['sms_own_number_day', phone.e164],
        ['sms_own_country_day', phone.country],
      ];
    }
    for (const [limit, key] of checks) {
      if (key === null || key === undefined) continue;
      if (!(await this.throttle.consume(limit, key))) return { outcome: 'throttled', limit };
    }
    return { outcome: 'sent' };
  }

  /** Whether an owner may be told now that a code of theirs was withheld (at most one such notice an hour). */
  mayTellWithheld(accountId: string): Promise<boolean> {
    return this.throttle.consume('code_withheld_notice', accountId);
  }

  async sendSmsCode(
    purpose: string,
    subject: string,
    phone: PhoneTarget,
    requester: Requester,
    audience: CodeAudience,
    text: (code: string) => string,
  ): Promise<SendOutcome> {
    const allowed = await this.allowSms(phone, requester, audience);
    if (allowed.outcome !== 'sent') {
      this.log({
        channel: 'sms',
        purpose,
        outcome: allowed.outcome,
        ...(allowed.limit ? { limit: allowed.limit } : {}),
        country: phone.country,
      });
      return allowed.outcome;
    }
    const code = await this.codes.issue(purpose, subject, phone.e164, {
      country: phone.country,
      prefix: numberPrefix(phone.e164),
    });
    if (code === null) {
      this.log({ channel: 'sms', purpose, outcome: 'throttled', limit: 'codes_per_hour', country: phone.country });
      return 'throttled';
    }
    await this.sms.send({
      to: phone.e164,
      country: phone.country,
      text: text(code),
      purpose,
      accountId: requester.accountId ?? null,
    });
    this.log({
      channel: 'sms',
      purpose,
      outcome: 'sent',
      country: phone.country,
      accountId: requester.accountId ?? null,
      to: phone.e164,
    });
    return 'sent';
  }

  async sendEmailCode(
    purpose: string,
    subject: string,
    email: string,
    requester: Requester,
    compose: (code: string) => Omit<OutgoingMail, 'to'>,
  ): Promise<SendOutcome> {
    if (!(await this.allowEmail(email, requester))) {
      this.log({ channel: 'email', purpose, outcome: 'throttled' });
      return 'throttled';
    }
    const code = await this.codes.issue(purpose, subject, normaliseEmail(email));
    if (code === null) return 'throttled';
    await this.mail.send({ to: email, ...compose(code) });
    this.log({ channel: 'email', purpose, outcome: 'sent', accountId: requester.accountId ?? null, to: email });
    return 'sent';
  }

  /** A notice without a code (e.g. "you already have an account"), under the same per-address limits. */
  async sendEmailNotice(email: string, requester: Requester, mail: Omit<OutgoingMail, 'to'>): Promise<SendOutcome> {
    if (!(await this.allowEmail(email, requester))) return 'throttled';
    await this.mail.send({ to: email, ...mail });
    return 'sent';
  }

  private async allowEmail(email: string, requester: Requester): Promise<boolean> {
    if (requester.ip && !(await this.throttle.consume('email_ip_hour', requester.ip))) return false;
    return this.throttle.consume('email_address_hour', normaliseEmail(email));
  }

  /** Flow starts from one address (sign-in by code, reset, sign-up). */
  allowFlowStart(ip: string | null): Promise<boolean> {
    return ip ? this.throttle.consume('flow_ip', ip) : Promise.resolve(true);
  }
}

/**
 * Watches the share of security codes that get used, per country and per number block.
 * SMS pumping sends codes to numbers nobody reads, so a block or country whose completion
 * rate falls is raised to the operators (once per six hours per scope).
 */
export class SecurityMonitor {
  private readonly store: SecurityMonitorStore;
  private readonly clock: Clock;
  private readonly options: { minCodes: number; minCompletion: number };
  private readonly raise: (alert: { kind: string; scope: string; details: Record<string, unknown> }) => void;
  constructor(
    store: SecurityMonitorStore,
    clock: Clock,
    options: { minCodes: number; minCompletion: number },
    raise: (alert: { kind: string; scope: string; details: Record<string, unknown> }) => void = () => {},
  ) {
    this.store = store;
    this.clock = clock;
    this.options = options;
    this.raise = raise;
  }

  async check(): Promise<number> {
    const now = this.clock.now().getTime();
    // Codes live 10 minutes: only codes old enough to have been used count.
    const stats = await this.store.completionStats(new Date(now - 70 * 60_000), new Date(now - 10 * 60_000));
    let raised = 0;
    const scopes = [
      ...stats.countries.map((s) => ({ ...s, scope: `country:${s.scope}` })),
      ...stats.prefixes.map((s) => ({ ...s, scope: `prefix:${s.scope}` })),
    ];
    for (const stat of scopes) {
      if (stat.issued < this.options.minCodes) continue;
      const rate = stat.completed / stat.issued;
      if (rate >= this.options.minCompletion) continue;
      const latest = await this.store.latestAlert('low_completion_rate', stat.scope);
      if (latest && now - latest.createdAt.getTime() < 6 * 3600_000) continue;
      const details = {
        issued: stat.issued,
        completed: stat.completed,
        completion_rate: Math.round(rate * 1000) / 1000,
        window_minutes: 60,
      };
      await this.store.addAlert({
        id: newId(now),
        kind: 'low_completion_rate',
        scope: stat.scope,
        details,
        createdAt: new Date(now),
        acknowledgedAt: null,
      });
      this.raise({ kind: 'low_completion_rate', scope: stat.scope, details });
      raised += 1;
    }
    return raised;
  }

  /** Fraud alerts, newest first; staff and operators only. */
  async alerts(actor: Actor, limit = 100) {
    authorize(actor, 'alerts.read');
    return this.store.alerts(limit);
  }
}
