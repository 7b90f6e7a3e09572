import { createHmac, randomInt } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { CodeStore } from './ports.ts';
import { safeEqual } from './tokens.ts';

const CODE_LIFETIME_MS = 10 * 60_000;
const MAX_CODE_ATTEMPTS = 5;

export interface CodeLimits {
  /** Codes one subject (account, flow) may request per hour. */
  perSubjectPerHour: number;
  /** Codes one target (phone number) may receive per hour, whoever asks. */
  perTargetPerHour: number;
}

export type CodeCheck =
  | { ok: true; target: string }
  | { ok: false; reason: 'wrong' | 'expired_or_missing' | 'too_many_attempts' };

/**
 * One-time codes for security messages (SPEC 3.5): 6 digits from a CSPRNG, valid for at
 * most 10 minutes, single use, at most 5 wrong attempts, bound to one purpose and one
 * subject, and stored only as a keyed hash so a copy of the database yields no codes.
 */
export class VerificationCodes {
  private key: Promise<Buffer> | null = null;

  private readonly store: CodeStore;
  private readonly loadKey: () => Promise<Buffer>;
  private readonly clock: Clock;
  private readonly limits: CodeLimits;
  constructor(
    store: CodeStore,
    /** The installation's hashing key, read once when first needed. */
    loadKey: () => Promise<Buffer>,
    clock: Clock,
    limits: CodeLimits = { perSubjectPerHour: 5, perTargetPerHour: 5 },
  ) {
    this.store = store;
    this.loadKey = loadKey;
    this.clock = clock;
    this.limits = limits;
  }

  /** Issues a code, or null when the hourly limits say no more codes now (the caller answers the same either way). */
  async issue(
    purpose: string,
    subject: string,
    target: string,
    where: { country?: string | null; prefix?: string | null } = {},
  ): Promise<string | null> {
    const now = this.clock.now();
    const issued = await this.store.issuedSince(purpose, subject, target, new Date(now.getTime() - 3600_000));
    if (issued.bySubject >= this.limits.perSubjectPerHour || issued.byTarget >= this.limits.perTargetPerHour)
      return null;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const id = newId(now.getTime());
    await this.store.replaceCode({
      id,
      purpose,
      subject,
      target,
      codeHash: await this.hash(id, purpose, subject, target, code),
      attempts: 0,
      expiresAt: new Date(now.getTime() + CODE_LIFETIME_MS),
      consumedAt: null,
      createdAt: now,
      country: where.country ?? null,
      prefix: where.prefix ?? null,
    });
    return code;
  }

  async check(purpose: string, subject: string, code: string): Promise<CodeCheck> {
    const result = await this.peek(purpose, subject, code);
    if (!result.ok) return result;
    if (!(await this.retire(result.id))) return { ok: false, reason: 'expired_or_missing' };
    return { ok: true, target: result.target };
  }

  /**
   * Checks a code and counts the attempt without using the code up, for steps that may
   * still fail for other reasons (a taken username); `retire` then uses it.
   */
  async peek(
    purpose: string,
    subject: string,
    code: string,
  ): Promise<{ ok: true; id: string; target: string } | Exclude<CodeCheck, { ok: true }>> {
    const now = this.clock.now();
    const active = await this.store.activeCode(purpose, subject, now);
    if (!active) return { ok: false, reason: 'expired_or_missing' };
    if (active.attempts >= MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
    // Count the attempt before comparing, so parallel guesses cannot exceed the limit.
    const attempts = await this.store.countAttempt(active.id);
    if (attempts > MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
    const candidate = typeof code === 'string' && /^[0-9]{6}$/.test(code.trim()) ? code.trim() : '';
    const matches =
      candidate !== '' &&
      safeEqual(await this.hash(active.id, purpose, subject, active.target, candidate), active.codeHash);
    if (!matches) return { ok: false, reason: attempts >= MAX_CODE_ATTEMPTS ? 'too_many_attempts' : 'wrong' };
    return { ok: true, id: active.id, target: active.target };
  }

  /** Where the live code for this purpose and subject went, or null when there is none. */
  async pendingTarget(purpose: string, subject: string): Promise<string | null> {
    return (await this.store.activeCode(purpose, subject, this.clock.now()))?.target ?? null;
  }

  /**
   * Where the code waiting for this purpose and subject went, and until when it is valid;
   * null when none can still be used. The code itself is never readable.
   */
  async pending(purpose: string, subject: string): Promise<{ target: string; expiresAt: Date } | null> {
    const active = await this.store.activeCode(purpose, subject, this.clock.now());
    if (!active || active.attempts >= MAX_CODE_ATTEMPTS) return null;
    return { target: active.target, expiresAt: active.expiresAt };
  }

  /** Uses a code up; false if it already was (single use under races). */
  retire(id: string): Promise<boolean> {
    return this.store.consume(id, this.clock.now());
  }

  private async hash(id: string, purpose: string, subject: string, target: string, code: string): Promise<string> {
    this.key ??= this.loadKey();
    return createHmac('sha256', await this.key)
      .update(`${id}\n${purpose}\n${subject}\n${target}\n${code}`)
      .digest('hex');
  }
}

export function codeError(check: Exclude<CodeCheck, { ok: true }>): DomainError {
  switch (check.reason) {
    case 'too_many_attempts':
      return new DomainError('rate_limited', 'Too many wrong codes. Request a new code.').coded('code.too_many');
    case 'expired_or_missing':
      return new DomainError('invalid', 'The code has expired or was already used. Request a new code.', {
        field: 'code',
      }).coded('code.expired');
    default:
      return new DomainError('invalid', 'That code is not right.', { field: 'code' }).coded('code.wrong');
  }
}
