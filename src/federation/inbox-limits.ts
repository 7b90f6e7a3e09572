import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';

/** Why an inbox delivery was refused before Fedify saw it (the label of the refusal counter). */
export type InboxRefusal = 'too_large' | 'rate_limited' | 'suspended_domain';

export interface InboxLimitSettings {
  /** Largest delivery body in bytes. */
  bodyLimit: number;
  /** Deliveries one sending domain may make per minute. */
  perMinute: number;
}

/**
 * Per remote domain limits on the inbox: a body size cap and a rate per sending domain.
 * The domain is read from the delivery's `Signature` key id (else its `actor`) before any
 * signature work: a server pretending to be another only spends that one's budget for a
 * minute, and real senders retry a 429 with back-off, so nothing is lost.
 */
export class InboxLimits {
  readonly bodyLimit: number;
  private readonly limiter: RateLimiterAbstract;
  private readonly refused: (reason: InboxRefusal) => void;
  private readonly logger: Logger;

  constructor(
    settings: InboxLimitSettings,
    limiter: RateLimiterAbstract,
    refused: (reason: InboxRefusal) => void,
    logger: Logger,
  ) {
    this.bodyLimit = settings.bodyLimit;
    this.limiter = limiter;
    this.refused = refused;
    this.logger = logger;
  }

  /** Counts a delivery of `domain`; the seconds to wait when it is over the limit, else null. */
  async admit(domain: string): Promise<number | null> {
    try {
      await this.limiter.consume(domain.toLowerCase().slice(0, 253));
      return null;
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        this.refused('rate_limited');
        return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      }
      // A load limit fails open: an unreachable Redis must not stop federation.
      this.logger.warn({ err: error }, 'inbox rate limit store unavailable: letting the delivery in');
      return null;
    }
  }

  /** Records a refusal made elsewhere (a body over the cap, a suspended domain). */
  count(reason: InboxRefusal): void {
    this.refused(reason);
  }
}

/**
 * The domain a delivery says it comes from, read without trusting it (for limits and blocks
 * only): the host of the `Signature` header's key id, else of the body's `actor`.
 */
export function claimedSenderDomain(headers: Headers, body: Uint8Array | undefined): string | null {
  const signature = headers.get('signature') ?? headers.get('signature-input') ?? '';
  const keyId = /keyid="([^"]+)"/i.exec(signature)?.[1];
  if (keyId) {
    try {
      return new URL(keyId).host.toLowerCase();
    } catch {
      // fall through to the actor
    }
  }
  if (!body) return null;
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { actor?: unknown };
    const actor = typeof parsed.actor === 'string' ? parsed.actor : (parsed.actor as { id?: unknown } | undefined)?.id;
    return typeof actor === 'string' ? new URL(actor).host.toLowerCase() : null;
  } catch {
    return null;
  }
}
