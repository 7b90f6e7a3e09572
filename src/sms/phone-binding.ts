import type { Clock } from '../shared/clock.ts';
import { conflict, invalid } from '../shared/errors.ts';
import {
  codeError,
  type CodeFailures,
  type Requester,
  type SecurityMessages,
  type VerificationCodes,
} from '../security/index.ts';
import type { BoundPhone } from './model.ts';
import { normalisePhone } from './phone.ts';
import type { SmsStore } from './ports.ts';
import { DEFAULT_LOCALE, t, type Locale } from '../i18n/index.ts';

const PURPOSE = 'phone_verification';

/**
 * Linking a phone number to an account: a code goes to the number as a security message;
 * the code proves possession and binds it. The request answers the same whether or not the
 * number is linked elsewhere; only someone holding that phone (and so the code) can learn it.
 */
export class PhoneBinding {
  private readonly store: SmsStore;
  private readonly codes: VerificationCodes;
  private readonly messages: SecurityMessages;
  private readonly failures: CodeFailures;
  private readonly clock: Clock;
  private readonly languageOf: (accountId: string) => Promise<Locale>;
  constructor(
    store: SmsStore,
    codes: VerificationCodes,
    messages: SecurityMessages,
    failures: CodeFailures,
    clock: Clock,
    /** The language to write the code in (the account's choice). */
    languageOf: (accountId: string) => Promise<Locale> = async () => DEFAULT_LOCALE,
  ) {
    this.languageOf = languageOf;
    this.store = store;
    this.codes = codes;
    this.messages = messages;
    this.failures = failures;
    this.clock = clock;
  }

  /**
   * Over a limit (SMS pumping defence) or in a country without security SMS, nothing is sent
   * and the answer is the same. While the account or the number is locked after too many
   * wrong codes the request is refused (the lock is the same whether or not the number is linked).
   */
  async request(accountId: string, numberInput: string, requester: Requester = { ip: null }): Promise<void> {
    const phone = normalisePhone(numberInput);
    if (!phone)
      throw invalid('That is not a valid mobile number. Use the international format, e.g. +254712345678.', {
        field: 'number',
      }).coded('phone.invalid');
    const locked = await this.failures.locked({ accountId, number: phone.e164 });
    if (locked) await this.failures.assertOpen({ accountId, number: phone.e164 });
    const locale = await this.languageOf(accountId);
    await this.messages.sendSmsCode(PURPOSE, accountId, phone, { ...requester, accountId }, 'new_number', (code) =>
      t(locale, 'sms.verificationCode', { code }, 'phone'),
    );
  }

  /** Wrong codes count against the account and the number across codes (see CodeFailures). */
  async verify(accountId: string, code: string): Promise<BoundPhone> {
    if (typeof code !== 'string' || code.trim() === '')
      throw invalid('A code is required', { field: 'code' }).coded('phone.code_required');
    const number = await this.codes.pendingTarget(PURPOSE, accountId);
    if (!number) await this.failures.assertOpen({ accountId });
    const check = number
      ? await this.failures.attempt({ accountId, number }, () => this.codes.check(PURPOSE, accountId, code))
      : await this.codes.check(PURPOSE, accountId, code);
    if (!check.ok) throw codeError(check);
    const phone = normalisePhone(check.target);
    if (!phone) throw invalid('That number can no longer be used').coded('phone.unusable');
    const bound: BoundPhone = { accountId, e164: phone.e164, country: phone.country, verifiedAt: this.clock.now() };
    if (!(await this.store.bindPhone(bound)))
      throw conflict('This number is already linked to another account').coded('phone.taken');
    return bound;
  }

  async unbind(accountId: string): Promise<void> {
    await this.store.unbindPhone(accountId);
  }

  /** The number a verification code is waiting for (the owner asked to link it), or null. */
  async pendingNumber(accountId: string): Promise<{ e164: string; expiresAt: Date } | null> {
    const pending = await this.codes.pending(PURPOSE, accountId);
    return pending ? { e164: pending.target, expiresAt: pending.expiresAt } : null;
  }

  phoneOf(accountId: string): Promise<BoundPhone | null> {
    return this.store.phoneOfAccount(accountId);
  }
}
