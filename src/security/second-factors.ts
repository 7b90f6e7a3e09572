import { createHmac, randomInt } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Clock } from '../shared/clock.ts';
import { DomainError, forbidden, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { AuthFlow, FactorStore, FlowStore, StoredPasskey } from './ports.ts';
import type { SecretBox } from './secret-box.ts';
import { digest, safeEqual } from './tokens.ts';

/** Every way to prove it's you at the second step, strongest first. */
const SECOND_FACTOR_METHODS = ['passkey', 'totp', 'recovery_code', 'sms', 'password'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/**
 * What a sign-in flow accepts as its next proof: a second factor, or the code texted to sign
 * in by phone number. The one list the API schema and the web forms check against.
 */
export const SIGN_IN_PROOF_METHODS = ['login_code', ...SECOND_FACTOR_METHODS] as const;
export type SignInProofMethod = (typeof SIGN_IN_PROOF_METHODS)[number];

export function isSignInProofMethod(value: string): value is SignInProofMethod {
  return (SIGN_IN_PROOF_METHODS as readonly string[]).includes(value);
}

const RECOVERY_CODE_COUNT = 10;
const TOTP_PERIOD = 30;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;

export interface FactorSummary {
  totp: boolean;
  totpPending: boolean;
  smsTwoFactor: boolean;
  requireStrong: boolean;
  passkeys: Pick<StoredPasskey, 'id' | 'name' | 'createdAt' | 'lastUsedAt'>[];
  recoveryCodesLeft: number;
  hasPhone: boolean;
  /** True when signing in needs a second step. */
  twoFactorEnabled: boolean;
}

export interface WebAuthnRelyingParty {
  id: string;
  name: string;
  origin: string;
}

/**
 * The owner's second factors (SPEC 3.5): TOTP (RFC 6238), WebAuthn passkeys, one-time
 * recovery codes and, weakest, SMS codes. An owner can require a strong factor, which takes
 * SMS out of sign-in altogether.
 */
export class SecondFactors {
  private readonly store: FactorStore;
  private readonly flows: FlowStore;
  private readonly box: SecretBox;
  private readonly recoveryKey: () => Promise<Buffer>;
  private readonly hasPhone: (accountId: string) => Promise<boolean>;
  private readonly relyingParty: WebAuthnRelyingParty;
  private readonly clock: Clock;
  private readonly checkPassword: (accountId: string, password: string) => Promise<boolean>;
  private readonly notifyOwner: (
    accountId: string,
    kind: 'two_factor_changed' | 'passkey_added',
    details: Record<string, unknown>,
  ) => Promise<void>;
  constructor(
    store: FactorStore,
    flows: FlowStore,
    box: SecretBox,
    recoveryKey: () => Promise<Buffer>,
    hasPhone: (accountId: string) => Promise<boolean>,
    relyingParty: WebAuthnRelyingParty,
    clock: Clock,
    checkPassword: (accountId: string, password: string) => Promise<boolean>,
    /** Every change to sign-in protection is told to the owner outside this session (in the app and by e-mail). */
    notifyOwner: (
      accountId: string,
      kind: 'two_factor_changed' | 'passkey_added',
      details: Record<string, unknown>,
    ) => Promise<void> = async () => {},
  ) {
    this.store = store;
    this.flows = flows;
    this.box = box;
    this.recoveryKey = recoveryKey;
    this.hasPhone = hasPhone;
    this.relyingParty = relyingParty;
    this.clock = clock;
    this.checkPassword = checkPassword;
    this.notifyOwner = notifyOwner;
  }

  /**
   * Changes to sign-in protection need the password again, whatever session asks: a stolen
   * token (or a borrowed, unlocked phone) must not be enough to turn protection off.
   */
  private async confirmPassword(accountId: string, password: unknown): Promise<void> {
    if (typeof password !== 'string' || password === '')
      throw invalid('Your password is required to change sign-in protection', { field: 'password' }).coded(
        'factor.password_required',
      );
    if (!(await this.checkPassword(accountId, password)))
      throw forbidden('That password is not right').coded('factor.password_wrong');
  }

  private changed(accountId: string, change: string): Promise<void> {
    return this.notifyOwner(accountId, 'two_factor_changed', { change });
  }

  async summary(accountId: string): Promise<FactorSummary> {
    const [factors, passkeys, recoveryCodesLeft, hasPhone] = await Promise.all([
      this.store.factors(accountId),
      this.store.passkeys(accountId),
      this.store.recoveryCodesLeft(accountId),
      this.hasPhone(accountId),
    ]);
    const smsTwoFactor = factors.smsTwoFactor && hasPhone;
    return {
      totp: factors.totpSecret !== null,
      totpPending: factors.totpPendingSecret !== null,
      smsTwoFactor,
      requireStrong: factors.requireStrong,
      passkeys: passkeys.map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, lastUsedAt })),
      recoveryCodesLeft,
      hasPhone,
      twoFactorEnabled: factors.totpSecret !== null || passkeys.length > 0 || smsTwoFactor,
    };
  }

  /**
   * The ways to complete a second step for this account; empty when it has no second factor.
   * `firstFactor` is what the person already proved: after an SMS sign-in code, SMS cannot
   * count again, and the password stands in when SMS was the only second factor.
   */
  async methodsFor(accountId: string, firstFactor: 'password' | 'sms'): Promise<SecondFactorMethod[]> {
    const summary = await this.summary(accountId);
    if (!summary.twoFactorEnabled) return [];
    const methods: SecondFactorMethod[] = [];
    if (summary.totp) methods.push('totp');
    if (summary.passkeys.length > 0) methods.push('passkey');
    if (summary.recoveryCodesLeft > 0 && (summary.totp || summary.passkeys.length > 0)) methods.push('recovery_code');
    if (firstFactor === 'password' && summary.smsTwoFactor && !summary.requireStrong) methods.push('sms');
    if (firstFactor === 'sms' && !summary.requireStrong && methods.length === 0) methods.push('password');
    return methods;
  }

  async beginTotp(
    accountId: string,
    password: unknown,
    label: string,
    issuer: string,
  ): Promise<{ secret: string; uri: string }> {
    await this.confirmPassword(accountId, password);
    const secret = new OTPAuth.Secret({ size: 20 });
    const factors = await this.store.factors(accountId);
    await this.store.saveFactors(
      { ...factors, totpPendingSecret: await this.box.seal(secret.base32) },
      this.clock.now(),
    );
    const totp = new OTPAuth.TOTP({ issuer, label, secret, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD });
    return { secret: secret.base32, uri: totp.toString() };
  }

  /** Turns TOTP on once the owner proves their app shows the right code; the first strong factor also brings recovery codes. */
  async confirmTotp(accountId: string, code: string): Promise<{ recoveryCodes: string[] | null }> {
    const factors = await this.store.factors(accountId);
    if (!factors.totpPendingSecret)
      throw invalid('Start setting up the authenticator app first', { field: 'code' }).coded('factor.totp_not_started');
    const step = this.totpStep(await this.box.open(factors.totpPendingSecret), code);
    if (step === null)
      throw invalid('That code is not right. Check the time on your phone and try the current code.', {
        field: 'code',
      }).coded('factor.totp_wrong');
    await this.store.saveFactors(
      { ...factors, totpSecret: factors.totpPendingSecret, totpPendingSecret: null, totpLastStep: step },
      this.clock.now(),
    );
    const recoveryCodes =
      (await this.store.recoveryCodesLeft(accountId)) === 0 ? await this.newRecoveryCodes(accountId) : null;
    await this.changed(accountId, 'authenticator_app_added');
    return { recoveryCodes };
  }

  async verifyTotp(accountId: string, code: string): Promise<boolean> {
    const factors = await this.store.factors(accountId);
    if (!factors.totpSecret) return false;
    const step = this.totpStep(await this.box.open(factors.totpSecret), code);
    // A code is accepted once: a code seen over someone's shoulder cannot be replayed.
    return step !== null && this.store.useTotpStep(accountId, step);
  }

  async disableTotp(accountId: string, password: unknown): Promise<void> {
    await this.confirmPassword(accountId, password);
    const factors = await this.store.factors(accountId);
    const passkeys = await this.store.passkeys(accountId);
    await this.store.saveFactors(
      {
        ...factors,
        totpSecret: null,
        totpPendingSecret: null,
        totpLastStep: null,
        requireStrong: factors.requireStrong && passkeys.length > 0,
      },
      this.clock.now(),
    );
    await this.changed(accountId, 'authenticator_app_removed');
  }

  async regenerateRecoveryCodes(accountId: string, password: unknown): Promise<string[]> {
    await this.confirmPassword(accountId, password);
    const codes = await this.newRecoveryCodes(accountId);
    await this.changed(accountId, 'recovery_codes_regenerated');
    return codes;
  }

  private async newRecoveryCodes(accountId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => recoveryCode());
    const now = this.clock.now();
    const hashed = await Promise.all(
      codes.map(async (code) => ({ id: newId(now.getTime()), hash: await this.recoveryHash(accountId, code) })),
    );
    await this.store.replaceRecoveryCodes(accountId, hashed, now);
    return codes;
  }

  async useRecoveryCode(accountId: string, code: string): Promise<boolean> {
    const normalised = code.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (normalised.length !== 10) return false;
    return this.store.useRecoveryCode(accountId, await this.recoveryHash(accountId, normalised), this.clock.now());
  }

  recoveryCodesLeft(accountId: string): Promise<number> {
    return this.store.recoveryCodesLeft(accountId);
  }

  /**
   * Operator recovery for an owner who lost every factor: removes the authenticator app,
   * passkeys, recovery codes and SMS codes, leaving the password alone.
   */
  async resetAll(accountId: string): Promise<void> {
    const now = this.clock.now();
    const factors = await this.store.factors(accountId);
    await this.store.saveFactors(
      {
        ...factors,
        totpSecret: null,
        totpPendingSecret: null,
        totpLastStep: null,
        smsTwoFactor: false,
        requireStrong: false,
      },
      now,
    );
    for (const passkey of await this.store.passkeys(accountId)) await this.store.removePasskey(accountId, passkey.id);
    await this.store.replaceRecoveryCodes(accountId, [], now);
  }

  /** SMS codes as a second factor, and whether a strong factor is required; either may be left as it is. */
  async changeProtection(
    accountId: string,
    password: unknown,
    changes: { smsTwoFactor?: boolean; requireStrong?: boolean },
  ): Promise<void> {
    await this.confirmPassword(accountId, password);
    if (changes.smsTwoFactor !== undefined) await this.setSmsTwoFactor(accountId, changes.smsTwoFactor);
    if (changes.requireStrong !== undefined) await this.setRequireStrong(accountId, changes.requireStrong);
  }

  private async setSmsTwoFactor(accountId: string, on: boolean): Promise<void> {
    if (on && !(await this.hasPhone(accountId)))
      throw invalid('Link and verify a phone number first', { field: 'sms_two_factor' }).coded('factor.phone_first');
    const factors = await this.store.factors(accountId);
    await this.store.saveFactors({ ...factors, smsTwoFactor: on }, this.clock.now());
    await this.changed(accountId, on ? 'sms_two_factor_on' : 'sms_two_factor_off');
  }

  private async setRequireStrong(accountId: string, on: boolean): Promise<void> {
    const summary = await this.summary(accountId);
    if (on && !summary.totp && summary.passkeys.length === 0) {
      throw invalid('Add an authenticator app or a passkey before requiring a strong factor', {
        field: 'require_strong_factor',
      }).coded('factor.strong_first');
    }
    const factors = await this.store.factors(accountId);
    await this.store.saveFactors({ ...factors, requireStrong: on }, this.clock.now());
    await this.changed(accountId, on ? 'strong_factor_required' : 'strong_factor_no_longer_required');
  }

  async passkeyRegistrationOptions(
    accountId: string,
    password: unknown,
    userName: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    await this.confirmPassword(accountId, password);
    const existing = await this.store.passkeys(accountId);
    const options = await generateRegistrationOptions({
      rpName: this.relyingParty.name,
      rpID: this.relyingParty.id,
      userName,
      userID: new TextEncoder().encode(accountId),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({
        id: p.id,
        transports: p.transports as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    const now = this.clock.now();
    await this.flows.createFlow({
      id: newId(now.getTime()),
      secretHash: digest(`passkey:${options.challenge}`),
      kind: 'passkey_registration',
      stage: 'code',
      accountId,
      target: null,
      challenge: options.challenge,
      attempts: 0,
      ip: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + PASSKEY_CHALLENGE_TTL_MS),
      completedAt: null,
    });
    return options;
  }

  async registerPasskey(accountId: string, response: RegistrationResponseJSON, name: string): Promise<StoredPasskey> {
    const challenge = clientChallenge(response.response?.clientDataJSON);
    const flow = challenge ? await this.flows.flowBySecretHash(digest(`passkey:${challenge}`)) : null;
    const now = this.clock.now();
    if (
      !flow ||
      flow.kind !== 'passkey_registration' ||
      flow.accountId !== accountId ||
      flow.expiresAt < now ||
      !(await this.flows.completeFlow(flow.id, now))
    ) {
      throw invalid('This passkey request has expired. Try again.', { field: 'response' }).coded('passkey.expired');
    }
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: flow.challenge!,
        expectedOrigin: this.relyingParty.origin,
        expectedRPID: this.relyingParty.id,
        requireUserVerification: false,
      });
    } catch (error) {
      throw invalid(
        `The passkey could not be verified: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
        { field: 'response' },
      ).coded('passkey.unverified');
    }
    if (!verification.verified)
      throw invalid('The passkey could not be verified', { field: 'response' }).coded('passkey.unverified');
    const credential = verification.registrationInfo.credential;
    const passkey: StoredPasskey = {
      id: credential.id,
      accountId,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      name: cleanName(name),
      createdAt: now,
      lastUsedAt: null,
    };
    if (await this.store.passkey(passkey.id))
      throw new DomainError('conflict', 'This passkey is already registered').coded('passkey.taken');
    await this.store.addPasskey(passkey);
    await this.notifyOwner(accountId, 'passkey_added', { name: passkey.name });
    return passkey;
  }

  passkeys(accountId: string): Promise<StoredPasskey[]> {
    return this.store.passkeys(accountId);
  }

  async removePasskey(accountId: string, password: unknown, id: string): Promise<boolean> {
    await this.confirmPassword(accountId, password);
    const removed = await this.store.removePasskey(accountId, id);
    if (removed) await this.changed(accountId, 'passkey_removed');
    const summary = await this.summary(accountId);
    if (removed && summary.requireStrong && !summary.totp && summary.passkeys.length === 0)
      await this.setRequireStrong(accountId, false);
    return removed;
  }

  /** Options for proving a passkey in a sign-in flow; the challenge is kept on the flow. */
  async passkeyAuthenticationOptions(flow: AuthFlow): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = flow.accountId ? await this.store.passkeys(flow.accountId) : [];
    const options = await generateAuthenticationOptions({
      rpID: this.relyingParty.id,
      allowCredentials: passkeys.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransportFuture[] })),
      userVerification: 'preferred',
    });
    await this.flows.updateFlow(flow.id, { challenge: options.challenge });
    return options;
  }

  async verifyPasskey(flow: AuthFlow, response: AuthenticationResponseJSON): Promise<boolean> {
    if (!flow.challenge || !flow.accountId || typeof response?.id !== 'string') return false;
    const passkey = await this.store.passkey(response.id);
    if (!passkey || passkey.accountId !== flow.accountId) return false;
    const challenge = clientChallenge(response.response?.clientDataJSON);
    if (!challenge || !safeEqual(challenge, flow.challenge)) return false;
    // One challenge, one assertion.
    await this.flows.updateFlow(flow.id, { challenge: null });
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: flow.challenge,
        expectedOrigin: this.relyingParty.origin,
        expectedRPID: this.relyingParty.id,
        credential: {
          id: passkey.id,
          publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
          counter: passkey.counter,
          transports: passkey.transports as AuthenticatorTransportFuture[],
        },
        requireUserVerification: false,
      });
      if (!result.verified) return false;
      await this.store.passkeyUsed(passkey.id, result.authenticationInfo.newCounter, this.clock.now());
      return true;
    } catch {
      return false;
    }
  }

  private totpStep(base32: string, code: string): number | null {
    const token = code.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(token)) return null;
    const totp = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(base32),
      algorithm: 'SHA1',
      digits: 6,
      period: TOTP_PERIOD,
    });
    const timestamp = this.clock.now().getTime();
    // One step either side tolerates clock drift between phone and server.
    const delta = totp.validate({ token, timestamp, window: 1 });
    if (delta === null) return null;
    return Math.floor(timestamp / 1000 / TOTP_PERIOD) + delta;
  }

  private async recoveryHash(accountId: string, code: string): Promise<string> {
    return createHmac('sha256', await this.recoveryKey())
      .update(`recovery\n${accountId}\n${code.toLowerCase().replace(/[^a-z0-9]/g, '')}`)
      .digest('hex');
  }
}

/** Ten characters from an unambiguous alphabet (about 49 bits), shown as xxxxx-xxxxx. */
function recoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i += 1) code += RECOVERY_ALPHABET[randomInt(0, RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

function clientChallenge(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 10_000) return null;
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof data.challenge === 'string' ? data.challenge : null;
  } catch {
    return null;
  }
}

function cleanName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ').slice(0, 60);
  return trimmed === '' ? 'Passkey' : trimmed;
}
