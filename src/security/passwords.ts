import { hash, verify } from '@node-rs/argon2';
import { FIELD_LIMITS } from '../shared/field-limits.ts';

// OWASP's recommended argon2id profile (19 MiB, 2 passes, 1 lane).
const OPTIONS = {
  algorithm: 2 /* Argon2id; the package exports it as an ambient const enum */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = FIELD_LIMITS.password;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the same time as a real check when there is no account, so response timing
 * does not tell an attacker whether an e-mail or username is registered.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword('sparrow-timing-equaliser');
  await verifyPassword(await dummyHash, password);
  return false;
}
