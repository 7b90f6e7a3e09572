import type { Microblog } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.ts';
import type { AccountNotices } from '../notices/index.ts';
import type { SmsChannel } from './channel.ts';
import type { HeldMessage, HoldStatus, SmsSecurityState } from './model.ts';
import type { SmsStore } from './ports.ts';

export interface PinHasher {
  hash(pin: string): Promise<string>;
  verify(hash: string, pin: string): Promise<boolean>;
}

/** Proves the owner is present through a non-SMS factor (password; stronger factors when enrolled). */
export type NonSmsFactorCheck = (accountId: string, proof: { password?: unknown }) => Promise<boolean>;

/**
 * What the owner can do about SMS from the web or an app, never by SMS: set the posting
 * PIN, release or discard held texts, disown SMS posts ("this wasn't me"), confirm them,
 * and unlock SMS posting after a lock — the last only with a non-SMS factor, because
 * whoever holds a swapped SIM can receive SMS codes.
 */
export class SmsOwnerControls {
  private readonly store: SmsStore;
  private readonly microblog: Microblog;
  private readonly channel: SmsChannel;
  private readonly notices: AccountNotices;
  private readonly pins: PinHasher;
  private readonly nonSmsFactor: NonSmsFactorCheck;
  private readonly clock: Clock;
  constructor(
    store: SmsStore,
    microblog: Microblog,
    channel: SmsChannel,
    notices: AccountNotices,
    pins: PinHasher,
    nonSmsFactor: NonSmsFactorCheck,
    clock: Clock,
  ) {
    this.store = store;
    this.microblog = microblog;
    this.channel = channel;
    this.notices = notices;
    this.pins = pins;
    this.nonSmsFactor = nonSmsFactor;
    this.clock = clock;
  }

  state(accountId: string): Promise<SmsSecurityState> {
    return this.store.securityState(accountId);
  }

  async setPin(accountId: string, pin: unknown): Promise<void> {
    if (pin === null) {
      const account = await this.microblog.account(accountId);
      if (account.role !== 'user')
        throw invalid('Administrators and moderators must keep a posting PIN', { field: 'pin' }).coded('pin.staff');
      await this.store.setPinHash(accountId, null, this.clock.now());
      return;
    }
    if (typeof pin !== 'string' || !/^\d{4,8}$/.test(pin))
      throw invalid('The PIN must be 4 to 8 digits', { field: 'pin' }).coded('pin.format');
    if (isGuessable(pin))
      throw invalid('That PIN is too easy to guess (repeated or consecutive digits)', { field: 'pin' }).coded(
        'pin.easy',
      );
    await this.store.setPinHash(accountId, await this.pins.hash(pin), this.clock.now());
  }

  holds(accountId: string, status: HoldStatus | null = 'pending'): Promise<HeldMessage[]> {
    return this.store.holds(accountId, status, 100);
  }

  /** Acts on a held text as if it had passed the gate, answering on the number bound now. */
  async release(accountId: string, holdId: string): Promise<{ outcome: string; postId: string | null }> {
    const hold = await this.ownHold(accountId, holdId);
    const phone = await this.store.phoneOfAccount(accountId);
    if (!phone) throw conflict('Link a phone number before releasing held texts').coded('held.no_phone');
    if (!(await this.store.decideHold(hold.id, 'released', this.clock.now())))
      throw conflict('This text was already released or discarded').coded('held.done');
    const result = await this.channel.run(phone, hold.text);
    return { outcome: result.outcome, postId: result.postId };
  }

  async discard(accountId: string, holdId: string): Promise<void> {
    const hold = await this.ownHold(accountId, holdId);
    if (!(await this.store.decideHold(hold.id, 'discarded', this.clock.now())))
      throw conflict('This text was already released or discarded').coded('held.done');
  }

  /** "This wasn't me": removes SMS posts since the last confirmed one, discards held texts, locks SMS posting. */
  async notMe(accountId: string): Promise<{ removed: string[] }> {
    const state = await this.store.securityState(accountId);
    const ids = await this.store.smsPostIdsAfter(accountId, state.confirmedUntil);
    for (const id of ids) await this.microblog.deletePost(accountId, id).catch(() => {});
    for (const hold of await this.store.holds(accountId, 'pending', 1000))
      await this.store.decideHold(hold.id, 'discarded', this.clock.now());
    await this.store.lockPosting(accountId, 'not_me', this.clock.now());
    await this.notices.notify(accountId, 'sms_not_me', { removed: ids.length });
    return { removed: ids };
  }

  /** The owner vouches for every SMS post so far; "not me" later only reaches newer ones. */
  async confirm(accountId: string): Promise<void> {
    const ids = await this.store.smsPostIdsAfter(accountId, null);
    const newest = ids.at(-1);
    if (newest) await this.store.confirmSmsPosts(accountId, newest);
  }

  async unlock(accountId: string, proof: { password?: unknown }): Promise<void> {
    if (!(await this.nonSmsFactor(accountId, proof)))
      throw forbidden('Unlocking SMS posting needs your password').coded('sms_lock.password_needed');
    await this.store.unlockPosting(accountId, this.clock.now());
    await this.notices.notify(accountId, 'sms_posting_unlocked', {});
  }

  /** Staff lift a lock (PIN failures, SIM swap, "not me") after checking with the owner; the caller audits it. */
  async clearLockForStaff(accountId: string): Promise<void> {
    await this.store.resetPinFailures(accountId);
    await this.store.unlockPosting(accountId, this.clock.now());
  }

  private async ownHold(accountId: string, holdId: string): Promise<HeldMessage> {
    const hold = await this.store.hold(holdId);
    if (!hold || hold.accountId !== accountId) throw notFound('No such held text').coded('held.not_found');
    return hold;
  }
}

function isGuessable(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => (d - digits[i]! + 10) % 10));
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}
