import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { RegistrationsConfig, RegistrationsMode } from '../config/config.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError, forbidden, invalid } from '../shared/errors.ts';
import type { Throttle, ThrottleLimit } from './ports.ts';
import type { Requester } from './security-messages.ts';
import { safeEqual } from './tokens.ts';

/** A solved sign-up puzzle: the server's challenge and the client's nonce. */
export interface SignUpProof {
  challenge: string;
  nonce: string;
}

export interface SignUpChallenge {
  challenge: string;
  bits: number;
  expiresAt: Date;
}

/** What happens to a sign-up the gate let through: straight in, or an application staff review. */
export interface Admission {
  review: boolean;
}

const CHALLENGE_TTL_MS = 10 * 60_000;
/** Beyond the open budget sign-ups wait for approval; beyond this many times it, they are refused. */
const CEILING_FACTOR = 10;
/** How much harder the puzzle gets (bits) for each busy signal: a busy network, a busy instance. */
const BUSY_STEP_BITS = 3;
const CHALLENGE_PATTERN = /^s1\.([0-9]{1,2})\.([0-9]{13})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const NONCE_PATTERN = /^[0-9]{1,20}$/;

/** The sign-up throttles, counted in the same store as the security throttles (Redis when configured). */
export function signUpThrottleLimits(c: RegistrationsConfig): Record<string, ThrottleLimit> {
  const half = (n: number) => Math.max(1, Math.floor(n / 2));
  return {
    signup_network_hour: { points: c.perNetworkPerHour, durationSeconds: 3600 },
    signup_network_busy: { points: half(c.perNetworkPerHour), durationSeconds: 3600 },
    signup_domain_10min: { points: c.perDomainPer10Minutes, durationSeconds: 600 },
    signup_instance_hour: { points: c.perInstancePerHour, durationSeconds: 3600 },
    signup_instance_busy: { points: half(c.perInstancePerHour), durationSeconds: 3600 },
    signup_instance_ceiling: { points: c.perInstancePerHour * CEILING_FACTOR, durationSeconds: 3600 },
    // A challenge works once: its id is spent here for longer than it lives.
    signup_challenge_used: { points: 1, durationSeconds: CHALLENGE_TTL_MS / 1000 + 60 },
  };
}

/**
 * The network an address belongs to, as one operator usually holds it: the /24 of an IPv4
 * address, the /48 of an IPv6 address (what a site is assigned). Rotating addresses inside
 * one network therefore count as one sender.
 */
function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1]! : ip;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 3)
    .map((g) => (g === '' ? '0' : g.replace(/^0+(?=.)/, '')))
    .join(':')}::/48`;
}

function leadingZeroBits(hash: Buffer): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

const SPENT = () =>
  invalid('The sign-up check is missing, expired or already used. Load the page again (apps: get a new challenge).', {
    field: 'pow_challenge',
  }).coded('signup.check_spent');

export interface SignUpGateDeps {
  throttle: Throttle;
  clock: Clock;
  /** The instance's key for signing challenges (so nothing about them needs storing). */
  key: () => Promise<Buffer>;
  options: RegistrationsConfig;
}

/**
 * What a sign-up must get past before any e-mail goes out (issue 11, finding 6):
 *
 * - the registrations mode (`closed` refuses; `approval` sends every new account to staff);
 * - a proof of work: a server-issued challenge, HMAC-signed, single use, valid 10 minutes, for
 *   which the client finds a nonce so that SHA-256(challenge ‖ nonce) starts with `bits` zero
 *   bits. Busy networks and a busy instance get a harder puzzle. Without one (a browser with
 *   scripts off) the sign-up may go on only as an application staff review;
 * - limits beyond one address: per network (/24, /48) per hour and per e-mail domain per 10
 *   minutes (429 beyond them), and per instance per hour: beyond that budget sign-ups still
 *   work but wait for approval, so a flood cannot lock real people out, and beyond ten times
 *   it they are refused.
 *
 * Nothing here depends on whether the e-mail has an account, so the answers cannot tell.
 */
export class SignUpGate {
  private readonly deps: SignUpGateDeps;
  constructor(deps: SignUpGateDeps) {
    this.deps = deps;
  }

  get mode(): RegistrationsMode {
    return this.deps.options.mode;
  }

  /** Whether new accounts always wait for staff approval. */
  get approvalRequired(): boolean {
    return this.deps.options.mode === 'approval';
  }

  ensureOpen(): void {
    if (this.deps.options.mode === 'closed')
      throw forbidden('Registrations are closed on this server').coded('signup.closed');
  }

  /** A fresh puzzle for whoever asks, as hard as their network and the instance are busy. */
  async challenge(requester: Requester): Promise<SignUpChallenge> {
    this.ensureOpen();
    const bits = await this.requiredBits(requester);
    const expiresAt = new Date(this.deps.clock.now().getTime() + CHALLENGE_TTL_MS);
    const payload = `s1.${bits}.${expiresAt.getTime()}.${randomBytes(16).toString('base64url')}`;
    return { challenge: `${payload}.${await this.sign(payload)}`, bits, expiresAt };
  }

  /**
   * Lets a sign-up start, or throws: closed (forbidden), a missing, forged, expired, reused or
   * too easy solution (invalid), or a limit reached (rate_limited). `withoutProof: 'review'` is
   * the web form's fallback for browsers without scripts: the account then waits for approval.
   */
  async admit(
    email: string,
    requester: Requester,
    proof: SignUpProof | null,
    withoutProof: 'refuse' | 'review',
  ): Promise<Admission> {
    this.ensureOpen();
    const { throttle, options } = this.deps;
    let review = options.mode === 'approval';
    if (proof) await this.redeem(proof, requester);
    else if (options.powBits > 0) {
      if (withoutProof === 'refuse')
        throw invalid('Solve the sign-up challenge first (GET /api/v1/sparrow/auth/sign_up/challenge)', {
          field: 'pow_challenge',
        }).coded('signup.check_missing');
      review = true;
    }
    const network = requester.ip ? networkOf(requester.ip) : null;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (network !== null) {
      await throttle.consume('signup_network_busy', network);
      if (!(await throttle.consume('signup_network_hour', network))) throw tooMany();
    }
    if (!(await throttle.consume('signup_domain_10min', domain))) throw tooMany();
    if (!(await throttle.consume('signup_instance_ceiling', 'all'))) throw tooMany();
    // Unproven applications go to staff anyway: they must not eat the budget of sign-ups that go straight in.
    if (!review) {
      await throttle.consume('signup_instance_busy', 'all');
      if (!(await throttle.consume('signup_instance_hour', 'all'))) review = true;
    }
    return { review };
  }

  private async requiredBits(requester: Requester): Promise<number> {
    const { throttle, options } = this.deps;
    if (options.powBits === 0) return 0;
    let bits = options.powBits;
    if (requester.ip && !(await throttle.consume('signup_network_busy', networkOf(requester.ip), 0)))
      bits += BUSY_STEP_BITS;
    if (!(await throttle.consume('signup_instance_busy', 'all', 0))) bits += BUSY_STEP_BITS;
    return Math.min(bits, options.powMaxBits);
  }

  private async redeem(proof: SignUpProof, requester: Requester): Promise<void> {
    const match = typeof proof.challenge === 'string' ? CHALLENGE_PATTERN.exec(proof.challenge) : null;
    if (!match || typeof proof.nonce !== 'string' || !NONCE_PATTERN.test(proof.nonce)) throw SPENT();
    const [, bitsText, expiresText, id, mac] = match;
    const payload = `s1.${bitsText}.${expiresText}.${id}`;
    if (!safeEqual(mac!, await this.sign(payload))) throw SPENT();
    if (Number(expiresText) <= this.deps.clock.now().getTime()) throw SPENT();
    // A puzzle fetched while things were quiet does not buy a sign-up once they are busy.
    if (Number(bitsText) < (await this.requiredBits(requester)))
      throw invalid(
        'Sign-ups are busy right now and the check got harder: load the page again (apps: get a new challenge).',
        {
          field: 'pow_challenge',
        },
      ).coded('signup.check_harder');
    const hash = createHash('sha256').update(`${proof.challenge}${proof.nonce}`).digest();
    if (leadingZeroBits(hash) < Number(bitsText))
      throw invalid('The sign-up check was not solved', { field: 'pow_nonce' }).coded('signup.check_unsolved');
    // Spent once it is right (the throttle store refuses when unreachable: fail closed).
    if (!(await this.deps.throttle.consume('signup_challenge_used', id!))) throw SPENT();
  }

  private async sign(payload: string): Promise<string> {
    return createHmac('sha256', await this.deps.key())
      .update(`sign-up challenge\n${payload}`)
      .digest('base64url');
  }
}

function tooMany(): DomainError {
  return new DomainError(
    'rate_limited',
    'Too many sign-ups from your network or e-mail provider right now. Try again in an hour.',
  ).coded('signup.too_many');
}
