import { createHmac } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';
import { safeEqual } from './tokens.ts';

/**
 * One-step links sent by e-mail ("this wasn't me"): the link itself is the proof, so it is
 * signed with an instance key, bound to one purpose and one account, and expires. Only
 * protective actions may use them; nothing that grants access does.
 */
export class SignedLinks {
  private key: Promise<Buffer> | null = null;

  private readonly loadKey: () => Promise<Buffer>;
  private readonly clock: Clock;
  constructor(loadKey: () => Promise<Buffer>, clock: Clock) {
    this.loadKey = loadKey;
    this.clock = clock;
  }

  async sign(purpose: string, accountId: string, ttlMs: number): Promise<string> {
    const expires = Math.floor((this.clock.now().getTime() + ttlMs) / 1000);
    const body = `${accountId}.${expires}`;
    return `${body}.${await this.mac(purpose, body)}`;
  }

  /** The account the link was made for, or null when it is forged, for another purpose or expired. */
  async verify(purpose: string, token: string): Promise<string | null> {
    if (typeof token !== 'string' || token.length > 200) return null;
    const match = /^([0-9]{1,20})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return null;
    const [, accountId, expires, signature] = match;
    if (!safeEqual(await this.mac(purpose, `${accountId}.${expires}`), signature!)) return null;
    if (Number(expires) * 1000 < this.clock.now().getTime()) return null;
    return accountId!;
  }

  private async mac(purpose: string, body: string): Promise<string> {
    this.key ??= this.loadKey();
    return createHmac('sha256', await this.key)
      .update(`${purpose}\n${body}`)
      .digest('base64url');
  }
}
