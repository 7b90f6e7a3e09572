import type { FastifyRequest } from 'fastify';
import type { Microblog } from '../core/index.ts';
import { accountActor, scopeAllows, type Actor, type TokenInfo } from '../security/index.ts';
import type { OAuth } from '../security/index.ts';
import { HttpError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified bearer token, if the request carried a valid one. */
    token: TokenInfo | null;
  }
}

export interface UserToken extends TokenInfo {
  accountId: string;
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? null;
  }
  return null;
}

/**
 * Sets `request.token` from the Authorization header. Without a bearer token there is nothing to
 * look up and it returns null at once (no promise: it runs before every API request); otherwise
 * the lookup, which rejects with 401 when the token is not valid.
 */
export function resolveToken(oauth: OAuth, request: FastifyRequest): Promise<void> | null {
  const raw = bearerToken(request);
  if (!raw) {
    request.token = null;
    return null;
  }
  return oauth.verifyToken(raw).then((token) => {
    request.token = token;
    if (!token) throw new HttpError(401, 'The access token is invalid');
  });
}

/** The signed-in account's token with the scope checked; 401 without a user token, 403 on scope. */
export function requireUser(request: FastifyRequest, scope: string): UserToken {
  const token = request.token;
  if (!token || !token.accountId) throw new HttpError(401, 'This method requires an authenticated user');
  if (!scopeAllows(token.scopes, scope))
    throw new HttpError(403, `This action is outside the authorized scopes (needs ${scope})`);
  return token as UserToken;
}

/** For endpoints that work signed out but show more when signed in (scope still checked). */
export function optionalUser(request: FastifyRequest, scope: string): UserToken | null {
  const token = request.token;
  if (!token || !token.accountId) return null;
  if (!scopeAllows(token.scopes, scope))
    throw new HttpError(403, `This action is outside the authorized scopes (needs ${scope})`);
  return token as UserToken;
}

/**
 * Who acts behind a staff request: the token's account with its current role. Whether that
 * account may take the action is not decided here but by the permission policy in the service.
 */
export async function actingAccount(
  microblog: Microblog,
  request: FastifyRequest,
  scope: string,
): Promise<UserToken & { actor: Actor }> {
  const token = requireUser(request, scope);
  const account = await microblog.account(token.accountId);
  return { ...token, actor: accountActor(account) };
}
