import type { Clock } from '../shared/clock.ts';

export type SimSwapAnswer = 'swapped' | 'not_swapped' | 'unavailable';

/** A carrier's answer to "was this number's SIM changed in the last `maxAgeHours`?". */
export interface SimSwapChecker {
  check(e164: string, maxAgeHours: number): Promise<SimSwapAnswer>;
}

export interface CamaraOptions {
  /** API base including version, e.g. `https://carrier.example/sim-swap/v0`. */
  baseUrl: string;
  /** Bearer token for the API (two-legged access token). */
  token: string | null;
  timeoutMs?: number;
}

/**
 * CAMARA SIM Swap API client: `POST {base}/check` with `{ phoneNumber, maxAge }` (hours)
 * answering `{ swapped: boolean }`. Anything else — timeouts, 4xx/5xx, malformed bodies,
 * numbers the carrier does not know — is `unavailable`, which the gate treats as its
 * operator configured (fail closed by default).
 */
export class CamaraSimSwapClient implements SimSwapChecker {
  private readonly timeoutMs: number;

  private readonly options: CamaraOptions;
  constructor(options: CamaraOptions) {
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  async check(e164: string, maxAgeHours: number): Promise<SimSwapAnswer> {
    try {
      const response = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/check`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: JSON.stringify({ phoneNumber: e164, maxAge: maxAgeHours }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) return 'unavailable';
      const body = (await response.json()) as unknown;
      if (typeof body !== 'object' || body === null || typeof (body as { swapped?: unknown }).swapped !== 'boolean')
        return 'unavailable';
      return (body as { swapped: boolean }).swapped ? 'swapped' : 'not_swapped';
    } catch {
      return 'unavailable';
    }
  }
}

/**
 * Reuses a "not swapped" answer for at most `notSwappedTtlMs` (SPEC 3.4: 60 s), so a burst
 * of texts costs one carrier call; "swapped" is never cached here because it freezes the
 * account in the store until the owner clears it, and "unavailable" is retried each time.
 */
export class CachedSimSwapChecker implements SimSwapChecker {
  private readonly cache = new Map<string, number>();

  private readonly inner: SimSwapChecker;
  private readonly clock: Clock;
  private readonly notSwappedTtlMs: number;
  constructor(inner: SimSwapChecker, clock: Clock, notSwappedTtlMs = 60_000) {
    this.inner = inner;
    this.clock = clock;
    this.notSwappedTtlMs = notSwappedTtlMs;
  }

  async check(e164: string, maxAgeHours: number): Promise<SimSwapAnswer> {
    const now = this.clock.now().getTime();
    const until = this.cache.get(e164);
    if (until !== undefined && until > now) return 'not_swapped';
    const answer = await this.inner.check(e164, maxAgeHours);
    if (answer === 'not_swapped') {
      this.cache.set(e164, now + this.notSwappedTtlMs);
      if (this.cache.size > 100_000) this.cache.delete(this.cache.keys().next().value!);
    } else {
      this.cache.delete(e164);
    }
    return answer;
  }
}
