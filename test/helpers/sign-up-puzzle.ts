import { createHash } from 'node:crypto';

/**
 * The sign-up puzzle solved from the outside, as a client (or a bot) would: the smallest
 * decimal nonce such that SHA-256(challenge ‖ nonce) starts with `bits` zero bits. Written
 * from the published rule, not from the server's code.
 */
export function solveChallenge(challenge: string, bits: number): string {
  for (let nonce = 0; ; nonce += 1) {
    const hash = createHash('sha256').update(`${challenge}${nonce}`).digest();
    if (leadingZeroBits(hash) >= bits) return String(nonce);
  }
}

function leadingZeroBits(hash: Buffer): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** What the sign-up page's script sends: the page's challenge and a nonce that solves it. */
export function solvedSignupFields(page: string): { pow_challenge: string; pow_nonce: string } {
  const challenge = /name="pow_challenge" value="([^"]+)"/.exec(page)?.[1];
  const bits = /data-pow-bits="(\d+)"/.exec(page)?.[1];
  if (!challenge || !bits) throw new Error(`no sign-up challenge on the page: ${page.slice(0, 300)}`);
  return { pow_challenge: challenge, pow_nonce: solveChallenge(challenge, Number(bits)) };
}

/** For apps: a fresh challenge from the API, solved. */
export async function solvedApiChallenge(
  inject: (request: { url: string; remoteAddress?: string }) => Promise<{ statusCode: number; json(): unknown }>,
  ip?: string,
): Promise<{ pow_challenge: string; pow_nonce: string }> {
  const res = await inject({ url: '/api/v1/sparrow/auth/sign_up/challenge', ...(ip ? { remoteAddress: ip } : {}) });
  if (res.statusCode !== 200) throw new Error(`no challenge: ${res.statusCode}`);
  const { challenge, difficulty_bits: bits } = res.json() as { challenge: string; difficulty_bits: number };
  return { pow_challenge: challenge, pow_nonce: solveChallenge(challenge, bits) };
}
