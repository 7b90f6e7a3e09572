import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256-bit random secret, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Bearer tokens, OAuth codes and client secrets are high-entropy, so a plain SHA-256 at
 * rest is enough: a leaked table cannot be turned back into working credentials.
 */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
