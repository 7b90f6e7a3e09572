import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Account } from '../core/model.ts';
import type { NotifyOwner } from '../notices/index.ts';
import type { BackgroundWork } from '../shared/background.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError, forbidden, invalid } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { CodeFailures } from './code-failures.ts';
import type { VerificationCodes } from './codes.ts';
import { checkPasswordStrength, isPlausibleEmail, normaliseEmail, type Identity } from './identity.ts';
import type { AuthFlow, FlowKind, FlowStore, SessionStore, Throttle } from './ports.ts';
import type { SecondFactorMethod, SecondFactors, SignInProofMethod } from './second-factors.ts';
import type { CodeAudience, PhoneTarget, Requester, SecurityMessages } from './security-messages.ts';
import type { RegistrationReview } from './registrations.ts';
import type { SignUpGate, SignUpProof } from './sign-up-gate.ts';
import { digest, newSecret } from './tokens.ts';
import { DEFAULT_LOCALE, t, type Locale } from '../i18n/index.ts';

const FLOW_TTL_MS = 10 * 60_000;
const MAX_FLOW_ATTEMPTS = 5;

export type SignInStep =
  | { status: 'signed_in'; accountId: string }
  | { status: 'second_factor'; flowId: string; methods: SecondFactorMethod[] };

/** A finished sign-up: the account, and whether it waits for staff approval before it can sign in. */
export interface SignUpOutcome {
  account: Account;
  approvalPending: boolean;
}

export interface SecondFactorProof {
  method: SignInProofMethod;
  code?: string;
  password?: string;
  credential?: AuthenticationResponseJSON;
}

/** What the authentication flows need to know about phones; the SMS channel owns them. */
export interface PhoneDirectory {
  parse(input: string): PhoneTarget | null;
  accountByPhone(e164: string): Promise<string | null>;
  phoneOf(accountId: string): Promise<PhoneTarget | null>;
  /** True when the carrier reports a recent SIM swap, or cannot be asked and policy says fail closed. */
  recentlySwapped(e164: string): Promise<boolean>;
}

export interface AuthenticationDeps {
  identity: Identity;
  flows: FlowStore;
  factors: SecondFactors;
  codes: VerificationCodes;
  /** Wrong SMS codes counted per account and per number across codes and flows. */
  failures: CodeFailures;
  messages: SecurityMessages;
  sessions: SessionStore;
  phones: PhoneDirectory;
  throttle: Throttle;
  background: BackgroundWork;
  /** Tells the owner on their non-SMS channels (in-app and e-mail). */
  notifyOwner: NotifyOwner;
  /** Registrations mode, proof of work and the limits beyond one address (sign-up only). */
  signUps: SignUpGate;
  /** Accounts that wait for staff approval. */
  registrations: RegistrationReview;
  /** A code sent to this contact came back: its holder is proven (the contact point is verified). */
  contactProved?: (accountId: string, kind: 'email' | 'phone', value: string) => Promise<void>;
  /** The language the account chose, for what is sent to it (else the language of the page that asked). */
  languageOf?: (accountId: string) => Promise<Locale | null>;
  clock: Clock;
  instanceName: string;
  publicUrl: string;
}

const EXPIRED = () => invalid('This sign-in has expired. Start again.', { field: 'flow_id' }).coded('auth.expired');
// One message for a wrong code, a code for a flow that never had one, and an expired code:
// the answer must not say whether a number or address has an account.
const WRONG_CODE = () => invalid('That code is not right or has expired.', { field: 'code' }).coded('auth.wrong_code');
const TOO_MANY = () =>
  new DomainError('rate_limited', 'Too many wrong attempts. Start again.').coded('auth.too_many_wrong');

/**
 * Every way into an account (SPEC 3.5): password then second factor, a code by SMS, password
 * reset by SMS or e-mail, and sign-up that proves the e-mail first. Each is a flow with a
 * secret id, bound to one purpose, answered the same whether or not an account exists:
 * lookups and sends happen in the background after the answer, so neither the body nor
 * the time taken tells an account apart from none.
 */
export class Authentication {
  private readonly deps: AuthenticationDeps;
  constructor(deps: AuthenticationDeps) {
    this.deps = deps;
  }

  /** Null for wrong credentials (the caller shows one message for every cause). */
  async signInWithPassword(login: string, password: string, requester: Requester): Promise<SignInStep | null> {
    const { throttle, identity, factors } = this.deps;
    // Failed attempts count (per address and per login name), so people who sign in often are
    // never locked out; a zero-point check refuses once a limit has been passed.
    const loginKey = login.trim().toLowerCase().slice(0, 320);
    if (requester.ip && !(await throttle.consume('sign_in_ip', requester.ip, 0))) throw rateLimited();
    if (!(await throttle.consume('sign_in_account', loginKey, 0))) throw rateLimited();
    const account = await identity.authenticate(login, password);
    if (!account) {
      const withinIp = requester.ip ? await throttle.consume('sign_in_ip', requester.ip) : true;
      const withinAccount = await throttle.consume('sign_in_account', loginKey);
      if (!withinIp || !withinAccount) throw rateLimited();
      return null;
    }
    const methods = await factors.methodsFor(account.id, 'password');
    if (methods.length === 0) {
      await this.accountProved(account.id);
      return { status: 'signed_in', accountId: account.id };
    }
    const { secret } = await this.createFlow('password', 'second_factor', account.id, null, requester);
    return { status: 'second_factor', flowId: secret, methods };
  }

  /** Starts sign-in by SMS code. The answer never depends on the number having an account. */
  async startSmsSignIn(numberInput: string, requester: Requester): Promise<{ flowId: string }> {
    const phone = this.parsePhone(numberInput);
    await this.checkFlowStart(requester);
    const flow = await this.createFlow('sms_login', 'code', null, phone.e164, requester);
    this.deps.background.run('sms sign-in code', async () => {
      const accountId = await this.deps.phones.accountByPhone(phone.e164);
      if (!accountId) return;
      const locale = await this.localeOf(accountId, requester);
      await this.smsCodeUnlessSwapped(
        'sign_in',
        flow.id,
        phone,
        await this.ownRequester(requester, accountId),
        'sign_in_code_withheld',
        (code) => t(locale, 'sms.signInCode', { code, instance: this.deps.instanceName }, 'phone'),
      );
    });
    return { flowId: flow.secret };
  }

  /** Sends the SMS second-factor code for a password sign-in waiting on its second step. */
  async sendSmsSecondFactor(flowId: string, requester: Requester): Promise<void> {
    const flow = await this.flowOrThrow(flowId);
    if (flow.stage !== 'second_factor' || !flow.accountId) throw EXPIRED();
    const methods = await this.methodsForFlow(flow);
    if (!methods.includes('sms'))
      throw invalid('SMS codes are not available for this sign-in', { field: 'method' }).coded('auth.no_sms');
    const accountId = flow.accountId;
    this.deps.background.run('sms second factor', async () => {
      const phone = await this.deps.phones.phoneOf(accountId);
      if (!phone) return;
      const locale = await this.localeOf(accountId, requester);
      await this.smsCodeUnlessSwapped(
        'two_factor',
        flow.id,
        phone,
        await this.ownRequester(requester, accountId),
        'sign_in_code_withheld',
        (code) => t(locale, 'sms.secondFactorCode', { code, instance: this.deps.instanceName }, 'phone'),
      );
    });
  }

  async passkeyOptions(flowId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const flow = await this.flowOrThrow(flowId);
    if (flow.stage !== 'second_factor' || !(await this.methodsForFlow(flow)).includes('passkey')) throw EXPIRED();
    return this.deps.factors.passkeyAuthenticationOptions(flow);
  }

  /** The methods a flow waiting on its second step accepts. */
  async methodsForFlow(flow: AuthFlow): Promise<SecondFactorMethod[]> {
    if (!flow.accountId) return [];
    return this.deps.factors.methodsFor(flow.accountId, flow.kind === 'sms_login' ? 'sms' : 'password');
  }

  async pendingMethods(flowId: string): Promise<SecondFactorMethod[]> {
    const flow = await this.flowOrThrow(flowId);
    return flow.stage === 'second_factor' ? this.methodsForFlow(flow) : [];
  }

  /** Checks one step of a sign-in flow; returns the next step or the signed-in account. */
  async continueSignIn(flowId: string, proof: SecondFactorProof): Promise<SignInStep> {
    const flow = await this.flowOrThrow(flowId);
    if (flow.kind !== 'password' && flow.kind !== 'sms_login') throw EXPIRED();
    if ((await this.deps.flows.countFlowAttempt(flow.id)) > MAX_FLOW_ATTEMPTS) throw TOO_MANY();

    if (flow.stage === 'code') {
      if (proof.method !== 'login_code' || typeof proof.code !== 'string' || !flow.target) throw WRONG_CODE();
      const code = proof.code;
      // Counted against the number alone, for real and empty flows alike: the answer never tells them apart.
      const check = await this.deps.failures.attempt({ number: flow.target }, () =>
        this.deps.codes.check('sign_in', flow.id, code),
      );
      const accountId = check.ok && flow.target ? await this.deps.phones.accountByPhone(flow.target) : null;
      // The flow's own attempt limit (above) is the visible one: a code-level "too many" would tell a real flow from one with no account.
      if (!accountId) throw WRONG_CODE();
      const methods = await this.deps.factors.methodsFor(accountId, 'sms');
      if (methods.length === 0) return this.finish(flow, accountId);
      await this.deps.flows.updateFlow(flow.id, { stage: 'second_factor', accountId });
      return { status: 'second_factor', flowId, methods };
    }

    if (flow.stage !== 'second_factor' || !flow.accountId) throw EXPIRED();
    const accountId = flow.accountId;
    const methods = await this.methodsForFlow(flow);
    if (proof.method === 'login_code' || !methods.includes(proof.method))
      throw invalid('That method is not available for this sign-in', { field: 'method' }).coded(
        'auth.method_unavailable',
      );
    let ok = false;
    switch (proof.method) {
      case 'totp':
        ok = typeof proof.code === 'string' && (await this.deps.factors.verifyTotp(accountId, proof.code));
        break;
      case 'recovery_code':
        ok = typeof proof.code === 'string' && (await this.deps.factors.useRecoveryCode(accountId, proof.code));
        if (ok) {
          const left = await this.deps.factors.recoveryCodesLeft(accountId);
          await this.deps.notifyOwner(accountId, 'recovery_code_used', { remaining: left });
        }
        break;
      case 'sms': {
        const code = proof.code;
        const number = (await this.deps.phones.phoneOf(accountId))?.e164 ?? null;
        const check =
          typeof code === 'string'
            ? await this.deps.failures.attempt({ accountId, number }, () =>
                this.deps.codes.check('two_factor', flow.id, code),
              )
            : null;
        if (check && !check.ok && check.reason === 'too_many_attempts') throw TOO_MANY();
        ok = check?.ok === true;
        break;
      }
      case 'passkey':
        ok = proof.credential !== undefined && (await this.deps.factors.verifyPasskey(flow, proof.credential));
        break;
      case 'password':
        ok = typeof proof.password === 'string' && (await this.deps.identity.checkPassword(accountId, proof.password));
        break;
    }
    if (!ok)
      throw proof.method === 'passkey'
        ? invalid('The passkey could not be verified', { field: 'credential' }).coded('passkey.unverified')
        : WRONG_CODE();
    return this.finish(flow, accountId);
  }

  /** Starts a password reset by e-mail or SMS; the same answer whether or not an account matches. */
  async startPasswordReset(
    input: { email?: string; number?: string },
    requester: Requester,
  ): Promise<{ flowId: string }> {
    const email = input.email !== undefined ? this.parseEmail(input.email) : null;
    const phone = email === null && input.number !== undefined ? this.parsePhone(input.number) : null;
    if (!email && !phone)
      throw invalid('Give the e-mail address or phone number of the account', { field: 'email' }).coded(
        'auth.which_account',
      );
    await this.checkFlowStart(requester);
    const flow = await this.createFlow('password_reset', 'code', null, email ?? phone!.e164, requester);
    const name = this.deps.instanceName;
    this.deps.background.run('password reset code', async () => {
      if (email) {
        const accountId = await this.deps.identity.accountIdForEmail(email);
        if (!accountId) return;
        const locale = await this.localeOf(accountId, requester);
        await this.deps.messages.sendEmailCode(
          'password_reset',
          flow.id,
          email,
          { ...requester, accountId },
          (code) => ({
            subject: t(locale, 'mail.resetCode.subject', { instance: name, code }),
            text: `${t(locale, 'mail.resetCode.body', { instance: name, code })}\n`,
          }),
        );
        return;
      }
      const accountId = await this.deps.phones.accountByPhone(phone!.e164);
      if (!accountId) return;
      const locale = await this.localeOf(accountId, requester);
      await this.smsCodeUnlessSwapped(
        'password_reset',
        flow.id,
        phone!,
        { ...requester, accountId },
        'reset_code_withheld',
        (code) => t(locale, 'sms.resetCode', { code, instance: name }, 'phone'),
      );
    });
    return { flowId: flow.secret };
  }

  /** Sets a new password with the reset code, then signs the account out everywhere. */
  async finishPasswordReset(flowId: string, code: string, newPassword: string): Promise<void> {
    checkPasswordStrength(newPassword);
    const flow = await this.flowOrThrow(flowId);
    if (flow.kind !== 'password_reset' || flow.stage !== 'code' || !flow.target) throw EXPIRED();
    if ((await this.deps.flows.countFlowAttempt(flow.id)) > MAX_FLOW_ATTEMPTS) throw TOO_MANY();
    const byEmail = flow.target.includes('@');
    const compare = () => this.deps.codes.check('password_reset', flow.id, code);
    // Reset codes by SMS count against the number like every SMS code; e-mail is the recovery path.
    const check = byEmail ? await compare() : await this.deps.failures.attempt({ number: flow.target }, compare);
    const accountId = check.ok
      ? byEmail
        ? await this.deps.identity.accountIdForEmail(flow.target)
        : await this.deps.phones.accountByPhone(flow.target)
      : null;
    if (!accountId) throw WRONG_CODE();
    if (!(await this.deps.flows.completeFlow(flow.id, this.deps.clock.now()))) throw EXPIRED();
    await this.deps.identity.setPassword(accountId, newPassword);
    if (byEmail) await this.accountProved(accountId);
    const revoked = await this.deps.sessions.revokeAllSessions(accountId, this.deps.clock.now());
    await this.deps.notifyOwner(accountId, 'password_reset', {
      via: byEmail ? 'email' : 'sms',
      sessions_signed_out: revoked,
    });
    await this.deps.contactProved?.(accountId, byEmail ? 'email' : 'phone', flow.target);
  }

  /**
   * The owner changes their password, proving the current one. Every other session is signed
   * out (whoever else holds one may be why the password changes), the one making the change
   * stays, and the owner hears about it on their other channels.
   */
  async changePassword(
    accountId: string,
    currentPassword: string,
    newPassword: string,
    keepSessionId: string | null,
  ): Promise<{ sessionsSignedOut: number }> {
    if (!(await this.deps.identity.changePassword(accountId, currentPassword, newPassword)))
      throw forbidden('The current password is not right').coded('auth.current_password');
    const sessionsSignedOut = await this.deps.sessions.revokeAllSessions(
      accountId,
      this.deps.clock.now(),
      keepSessionId ?? undefined,
    );
    await this.deps.notifyOwner(accountId, 'two_factor_changed', { change: 'password_changed' });
    return { sessionsSignedOut };
  }

  /**
   * Sign-up proves the e-mail first. An address that already has an account gets a
   * reminder instead of a code, and the answer here is the same, so sign-up cannot be
   * used to learn who is registered. Before that, the sign-up gate: the registrations mode,
   * the proof of work (`proof`; without one only the web's no-script fallback goes on, as an
   * application for approval) and the limits per network, e-mail domain and instance.
   */
  async startSignup(
    emailInput: string,
    requester: Requester,
    proof: SignUpProof | null = null,
    withoutProof: 'refuse' | 'review' = 'refuse',
  ): Promise<{ flowId: string }> {
    this.deps.signUps.ensureOpen();
    const email = this.parseEmail(emailInput);
    await this.checkFlowStart(requester);
    const { review } = await this.deps.signUps.admit(email, requester, proof, withoutProof);
    const flow = await this.createFlow(review ? 'signup_review' : 'signup', 'code', null, email, requester);
    const name = this.deps.instanceName;
    this.deps.background.run('sign-up code', async () => {
      const existing = await this.deps.identity.accountIdForEmail(email);
      if (existing) {
        const locale = await this.localeOf(existing, requester);
        const values = { instance: name, web: this.deps.publicUrl };
        await this.deps.messages.sendEmailNotice(email, requester, {
          subject: t(locale, 'mail.signupExists.subject', values),
          text: `${t(locale, 'mail.signupExists.body', values)}\n`,
        });
        return;
      }
      const locale = requester.locale ?? DEFAULT_LOCALE;
      await this.deps.messages.sendEmailCode('signup', flow.id, email, requester, (code) => ({
        subject: t(locale, 'mail.signupCode.subject', { instance: name, code }),
        text: `${t(locale, 'mail.signupCode.body', { instance: name, code })}\n`,
      }));
    });
    return { flowId: flow.secret };
  }

  /** Whether a sign-up flow ends in an application for approval (the page asks why they want to join). */
  async signupNeedsApproval(flowId: string): Promise<boolean> {
    if (this.deps.signUps.approvalRequired) return true;
    const flow = await this.flowOrThrow(flowId).catch(() => null);
    return flow?.kind === 'signup_review';
  }

  async finishSignup(
    flowId: string,
    code: string,
    profile: { username: string; password: string; displayName?: string; reason?: string; locale?: Locale },
  ): Promise<SignUpOutcome> {
    this.deps.signUps.ensureOpen();
    checkPasswordStrength(profile.password);
    const flow = await this.flowOrThrow(flowId);
    if ((flow.kind !== 'signup' && flow.kind !== 'signup_review') || flow.stage !== 'code' || !flow.target)
      throw EXPIRED();
    if ((await this.deps.flows.countFlowAttempt(flow.id)) > MAX_FLOW_ATTEMPTS) throw TOO_MANY();
    // The code stays valid until the account is created, so a taken username can be retried.
    const check = await this.deps.codes.peek('signup', flow.id, code);
    if (!check.ok) throw WRONG_CODE();
    const approvalPending = flow.kind === 'signup_review' || this.deps.signUps.approvalRequired;
    const reason = profile.reason?.trim() ?? '';
    if (reason.length > 500)
      throw invalid('Keep the reason to at most 500 characters', { field: 'reason' }).coded('auth.reason_too_long', {
        max: 500,
      });
    const account = await this.deps.identity.register({
      username: profile.username,
      email: flow.target,
      password: profile.password,
      ...(profile.displayName !== undefined ? { displayName: profile.displayName } : {}),
      ...(approvalPending ? { application: { reason: reason === '' ? null : reason } } : {}),
    });
    await this.deps.codes.retire(check.id);
    await this.deps.flows.completeFlow(flow.id, this.deps.clock.now());
    await this.deps.contactProved?.(account.id, 'email', flow.target);
    if (approvalPending) await this.deps.registrations.received(account, profile.locale ?? null);
    return { account, approvalPending };
  }

  /** What to write to an account in: its own choice, else the language of the page that asked, else English. */
  private async localeOf(accountId: string, requester: Requester): Promise<Locale> {
    return (await this.deps.languageOf?.(accountId)) ?? requester.locale ?? DEFAULT_LOCALE;
  }

  private async finish(flow: AuthFlow, accountId: string): Promise<SignInStep> {
    if (!(await this.deps.flows.completeFlow(flow.id, this.deps.clock.now()))) throw EXPIRED();
    // Every completed sign-in proved the account with all it asks for: a run of wrong SMS codes ends.
    await this.accountProved(accountId);
    return { status: 'signed_in', accountId };
  }

  /**
   * The recovery path from an SMS-code lock that needs no SMS: a completed sign-in (password,
   * and the account's other factor when it has one) or a reset by e-mail clears the count of
   * the account and of its number.
   */
  private async accountProved(accountId: string): Promise<void> {
    const phone = await this.deps.phones.phoneOf(accountId);
    await this.deps.failures.clear({ accountId, number: phone?.e164 ?? null });
  }

  /** A code for the account's own number: from its usual network when one of its sessions started at this address. */
  private async ownRequester(requester: Requester, accountId: string): Promise<Requester & { accountId: string }> {
    const sessions = requester.ip ? await this.deps.sessions.sessions(accountId) : [];
    return { ...requester, accountId, knownNetwork: sessions.some((s) => s.ip === requester.ip) };
  }

  /** A new flow: its id (internal, what codes are bound to) and its secret (what the client holds). */
  private async createFlow(
    kind: FlowKind,
    stage: AuthFlow['stage'],
    accountId: string | null,
    target: string | null,
    requester: Requester,
  ): Promise<{ id: string; secret: string }> {
    const secret = newSecret();
    const now = this.deps.clock.now();
    const id = newId(now.getTime());
    await this.deps.flows.createFlow({
      id,
      secretHash: digest(secret),
      kind,
      stage,
      accountId,
      target,
      challenge: null,
      attempts: 0,
      ip: requester.ip,
      createdAt: now,
      expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
      completedAt: null,
    });
    return { id, secret };
  }

  /**
   * An account's code to its own number, unless the carrier says the SIM may be in other hands
   * or codes to it are locked after too many wrong ones (the owner was told then). When a
   * budget refuses it the owner hears of it elsewhere too (at most once an hour): a flood never
   * makes a real person's code silently go nowhere.
   */
  private async smsCodeUnlessSwapped(
    purpose: string,
    flowId: string,
    phone: PhoneTarget,
    requester: Requester & { accountId: string },
    withheld: 'sign_in_code_withheld' | 'reset_code_withheld',
    text: (code: string) => string,
  ): Promise<void> {
    if (await this.deps.phones.recentlySwapped(phone.e164)) {
      await this.deps.notifyOwner(requester.accountId, withheld, { reason: 'sim_swap' });
      return;
    }
    if (await this.deps.failures.locked({ accountId: requester.accountId, number: phone.e164 })) return;
    const audience: CodeAudience = 'own_number';
    const outcome = await this.deps.messages.sendSmsCode(purpose, flowId, phone, requester, audience, text);
    if (outcome === 'throttled' && (await this.deps.messages.mayTellWithheld(requester.accountId)))
      await this.deps.notifyOwner(requester.accountId, withheld, { reason: 'too_many_requests' });
  }

  private async flowOrThrow(flowId: string): Promise<AuthFlow> {
    if (typeof flowId !== 'string' || flowId.length < 20 || flowId.length > 100) throw EXPIRED();
    const flow = await this.deps.flows.flowBySecretHash(digest(flowId));
    if (!flow || flow.completedAt || flow.expiresAt.getTime() < this.deps.clock.now().getTime()) throw EXPIRED();
    return flow;
  }

  private async checkFlowStart(requester: Requester): Promise<void> {
    if (!(await this.deps.messages.allowFlowStart(requester.ip))) throw rateLimited();
  }

  private parsePhone(input: string): PhoneTarget {
    const phone = typeof input === 'string' && input.length <= 40 ? this.deps.phones.parse(input) : null;
    if (!phone)
      throw invalid('That is not a valid mobile number. Use the international format, e.g. +254712345678.', {
        field: 'number',
      }).coded('phone.invalid');
    return phone;
  }

  private parseEmail(input: string): string {
    const email = typeof input === 'string' ? input.trim() : '';
    if (!isPlausibleEmail(email))
      throw invalid('E-mail address is not valid', { field: 'email' }).coded('email.invalid');
    return normaliseEmail(email);
  }
}

function rateLimited(): DomainError {
  return new DomainError('rate_limited', 'Too many attempts from here. Wait a few minutes and try again.').coded(
    'auth.too_many_here',
  );
}
