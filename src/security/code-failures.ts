import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import type { CodeFailureStore, FailureRecord } from './ports.ts';

export interface CodeFailurePolicy {
  /** Wrong codes in a row after which each further try waits (1 minute, then doubling). */
  beforeWait: number;
  /** Wrong codes in a row after which codes are locked for `lockMs`. */
  beforeLock: number;
  /** How long a lock lasts; also how long a run of failures is remembered. */
  lockMs: number;
}

/** Who a code attempt is about: the account asking (when known to the asker) and the number the code went to. */
export interface CodeSubjects {
  accountId?: string | null;
  number?: string | null;
}

export type CodeStanding = { open: true } | { open: false; locked: boolean; until: Date };

/** Told when a run of failures locks codes for an account or a number (the owner hears of it). */
export interface CodesLocked {
  accountId: string | null;
  number: string | null;
  until: Date;
}

const WAIT_BASE_MS = 60_000;

/**
 * Wrong security codes counted per account and per number across codes and flows (NIST SP
 * 800-63B §5.2.2): a new code or a new flow does not buy new guesses. After `beforeWait`
 * failures in a row each try waits (1, 2, 4… minutes), after `beforeLock` SMS codes are locked
 * for that account and number until the window passes or the owner proves themselves without
 * SMS (password with their other factor, or a reset by e-mail), which clears the count, as
 * does a right code.
 *
 * Attempts are counted before the comparison, so parallel guesses cannot slip past the limit.
 * Anonymous flows pass only the number: the answer then never depends on whether the number
 * has an account.
 */
export class CodeFailures {
  private readonly store: CodeFailureStore;
  private readonly clock: Clock;
  private readonly policy: CodeFailurePolicy;
  private readonly onLocked: (event: CodesLocked) => void;
  constructor(
    store: CodeFailureStore,
    clock: Clock,
    policy: CodeFailurePolicy,
    onLocked: (event: CodesLocked) => void = () => {},
  ) {
    this.store = store;
    this.clock = clock;
    this.policy = policy;
    this.onLocked = onLocked;
  }

  /** Whether codes for these subjects may be tried now; the most restrictive subject decides. */
  async standing(subjects: CodeSubjects): Promise<CodeStanding> {
    const keys = keysOf(subjects);
    if (keys.length === 0) return { open: true };
    const records = await this.store.failureRecords(keys);
    return this.worst([...records.values()]);
  }

  /** True while codes to these subjects are locked (not merely waiting): sending one would be wasted. */
  async locked(subjects: CodeSubjects): Promise<{ until: Date } | null> {
    const standing = await this.standing(subjects);
    return !standing.open && standing.locked ? { until: standing.until } : null;
  }

  /** Refuses (429, with when to try again) unless codes for these subjects may be tried now. */
  async assertOpen(subjects: CodeSubjects): Promise<void> {
    const standing = await this.standing(subjects);
    if (!standing.open) throw this.refusal(standing);
  }

  /**
   * One attempt: refused while waiting or locked; otherwise counted, compared, and the count
   * cleared when it was right. The comparison's own result is returned either way.
   */
  async attempt<T extends { ok: boolean }>(subjects: CodeSubjects, compare: () => Promise<T>): Promise<T> {
    const keys = keysOf(subjects);
    await this.assertOpen(subjects);
    const now = this.clock.now();
    const forgetBefore = new Date(now.getTime() - this.policy.lockMs);
    const after = await Promise.all(keys.map((key) => this.store.addFailure(key, now, forgetBefore)));
    // Parallel attempts that all passed the check above: only as many as the lock allows are compared.
    if (after.some((r) => r.failures > this.policy.beforeLock)) throw this.refusal(this.worst(after));
    const result = await compare();
    if (result.ok) {
      await this.store.clearFailures(keys);
      return result;
    }
    if (after.some((r) => r.failures === this.policy.beforeLock)) {
      this.onLocked({
        accountId: subjects.accountId ?? null,
        number: subjects.number ?? null,
        until: new Date(now.getTime() + this.policy.lockMs),
      });
    }
    return result;
  }

  /** The owner proved themselves another way (or a code was right): the run of failures ends. */
  async clear(subjects: CodeSubjects): Promise<void> {
    const keys = keysOf(subjects);
    if (keys.length > 0) await this.store.clearFailures(keys);
  }

  /** Forgets runs whose last failure is older than the lock window (housekeeping). */
  forgetOld(): Promise<number> {
    return this.store.deleteFailuresBefore(new Date(this.clock.now().getTime() - this.policy.lockMs));
  }

  private worst(records: FailureRecord[]): CodeStanding {
    const now = this.clock.now().getTime();
    let worst: CodeStanding = { open: true };
    for (const record of records) {
      const last = record.lastFailureAt.getTime();
      if (now - last >= this.policy.lockMs || record.failures < this.policy.beforeWait) continue;
      const locked = record.failures >= this.policy.beforeLock;
      const waitMs = locked
        ? this.policy.lockMs
        : WAIT_BASE_MS * 2 ** Math.min(record.failures - this.policy.beforeWait, 20);
      const until = last + Math.min(waitMs, this.policy.lockMs);
      if (until <= now) continue;
      if (worst.open || (locked && !worst.locked) || (locked === worst.locked && until > worst.until.getTime()))
        worst = { open: false, locked, until: new Date(until) };
    }
    return worst;
  }

  private refusal(standing: CodeStanding): DomainError {
    if (standing.open)
      return new DomainError('rate_limited', 'Too many wrong codes. Try again later.').coded('code.too_many_later');
    const seconds = Math.max(1, Math.ceil((standing.until.getTime() - this.clock.now().getTime()) / 1000));
    return standing.locked
      ? new DomainError(
          'rate_limited',
          `Too many wrong codes: SMS codes are locked until ${standing.until.toISOString()}. Sign in with your password (and your other factor), or reset your password by e-mail.`,
          { retryAfterSeconds: seconds },
        )
      : seconds >= 60
        ? new DomainError(
            'rate_limited',
            `Too many wrong codes. Wait ${Math.ceil(seconds / 60)} minutes before trying again.`,
            { retryAfterSeconds: seconds },
          ).coded('code.wait_minutes', { minutes: Math.ceil(seconds / 60) })
        : new DomainError('rate_limited', `Too many wrong codes. Wait ${seconds} seconds before trying again.`, {
            retryAfterSeconds: seconds,
          }).coded('code.wait_seconds', { seconds });
  }
}

function keysOf(subjects: CodeSubjects): string[] {
  const keys: string[] = [];
  if (subjects.accountId) keys.push(`account:${subjects.accountId}`);
  if (subjects.number) keys.push(`number:${subjects.number}`);
  return keys;
}
