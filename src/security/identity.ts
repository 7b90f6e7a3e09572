import type { Account, Role } from '../core/model.ts';
import type { Microblog } from '../core/microblog.ts';
import { invalid } from '../shared/errors.ts';
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  burnPasswordCheck,
  hashPassword,
  verifyPassword,
} from './passwords.ts';
import type { CredentialStore } from './ports.ts';

// Deliberately loose: the real check is the verification mail; this only stops obvious typos.
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;

export function isPlausibleEmail(email: string): boolean {
  return email.length <= 320 && EMAIL_PATTERN.test(email);
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  displayName?: string;
  role?: Role;
  /** Sign-up that waits for staff approval: the account is created suspended, with this application. */
  application?: { reason: string | null };
}

/** Local sign-up and password sign-in. Accounts themselves belong to the microblog core. */
export class Identity {
  private readonly microblog: Microblog;
  private readonly credentials: CredentialStore;
  constructor(microblog: Microblog, credentials: CredentialStore) {
    this.microblog = microblog;
    this.credentials = credentials;
  }

  async register(input: RegisterInput): Promise<Account> {
    const email = input.email.trim();
    if (!isPlausibleEmail(email))
      throw invalid('E-mail address is not valid', { field: 'email' }).coded('email.invalid');
    checkPasswordStrength(input.password);
    const account = await this.microblog.prepareAccount({
      username: input.username,
      ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
      role: input.role ?? 'user',
    });
    const passwordHash = await hashPassword(input.password);
    return this.credentials.createUser(
      account,
      { email, emailKey: normaliseEmail(email), passwordHash },
      ...(input.application ? [input.application] : []),
    );
  }

  /**
   * Checks a password for an e-mail address or username. Unknown logins take as long as
   * known ones and give the same answer (null), so sign-in cannot be used to probe accounts.
   */
  async authenticate(login: string, password: string): Promise<Account | null> {
    if (password.length > MAX_PASSWORD_LENGTH) return null;
    const trimmed = login.trim();
    let accountId: string | null = null;
    let stored = trimmed.includes('@') ? await this.credentials.credentialsByEmail(normaliseEmail(trimmed)) : null;
    if (!stored && !trimmed.includes('@')) {
      const account = await this.microblog.lookup(trimmed);
      if (account) stored = await this.credentials.credentialsByAccount(account.id);
    }
    if (!stored) return burnPasswordCheck(password).then(() => null);
    if (!(await verifyPassword(stored.passwordHash, password))) return null;
    accountId = stored.accountId;
    try {
      return await this.microblog.account(accountId);
    } catch {
      return null; // suspended or removed accounts cannot sign in
    }
  }

  /** Checks the password of a known account (re-authentication before sensitive changes). */
  async checkPassword(accountId: string, password: string): Promise<boolean> {
    if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return false;
    const stored = await this.credentials.credentialsByAccount(accountId);
    if (!stored) return burnPasswordCheck(password).then(() => false);
    return verifyPassword(stored.passwordHash, password);
  }

  async accountIdForEmail(email: string): Promise<string | null> {
    return (await this.credentials.credentialsByEmail(normaliseEmail(email)))?.accountId ?? null;
  }

  async emailOf(accountId: string): Promise<string | null> {
    return this.credentials.emailByAccount(accountId);
  }

  async setPassword(accountId: string, newPassword: string): Promise<void> {
    checkPasswordStrength(newPassword);
    await this.credentials.setPasswordHash(accountId, await hashPassword(newPassword));
  }

  async changePassword(accountId: string, currentPassword: string, newPassword: string): Promise<boolean> {
    const stored = await this.credentials.credentialsByAccount(accountId);
    if (!stored || !(await verifyPassword(stored.passwordHash, currentPassword))) return false;
    checkPasswordStrength(newPassword);
    await this.credentials.setPasswordHash(accountId, await hashPassword(newPassword));
    return true;
  }
}

export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalid(`Password must be at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' }).coded(
      'password.too_short',
      { min: MIN_PASSWORD_LENGTH },
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw invalid(`Password must be at most ${MAX_PASSWORD_LENGTH} characters`, { field: 'password' }).coded(
      'password.too_long',
      { max: MAX_PASSWORD_LENGTH },
    );
  }
}
