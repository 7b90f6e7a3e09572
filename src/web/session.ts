import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account } from '../core/model.ts';

/**
 * Web sessions, in one place so the sign-in step can be swapped (second factor, passkeys)
 * without touching the pages. A session is an access token of the instance's own "web" use
 * (no OAuth app) kept in an httpOnly cookie; verified on every request like any token.
 *
 * CSRF: every form carries a token derived (HMAC) from a secret the browser holds only in
 * an httpOnly cookie — the session token when signed in, a random pre-session value before.
 * A cross-site page can make the browser send the cookie but can never read it, so it cannot
 * compute the form token. Nothing is kept on the server, so any instance can check it.
 */
const SESSION_COOKIE = 'sparrow_session';
const PRESESSION_COOKIE = 'sparrow_csrf';
export const CSRF_FIELD = '_csrf';
const WEB_SCOPES = ['read', 'write', 'follow', 'push'];
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

export interface WebSession {
  account: Account;
  tokenId: string;
  /** Raw token, kept only to derive the CSRF token. */
  secret: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    webSession?: WebSession | null;
  }
}

function cookieOptions(ctx: AppContext, maxAge: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.publicUrl.startsWith('https:'),
    maxAge,
  };
}

/**
 * Starts a session for an account that passed every sign-in step. The session records where
 * it was started (IP, browser) so its owner can recognise it in the sessions list.
 */
export async function signIn(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  accountId: string,
): Promise<void> {
  const agent = request.headers['user-agent'];
  const { accessToken } = await ctx.oauth.issueToken({
    appId: null,
    accountId,
    scopes: WEB_SCOPES,
    session: { kind: 'web', ip: request.ip, agent: typeof agent === 'string' ? agent.slice(0, 500) : null },
  });
  void reply.setCookie(SESSION_COOKIE, accessToken, cookieOptions(ctx, SESSION_MAX_AGE_S));
  void reply.clearCookie(PRESESSION_COOKIE, { path: '/' });
}

/** Forgets the session cookie in this browser (without touching the token). */
export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.publicUrl.startsWith('https:'),
  });
}

/** Ends the session in this browser: the token is revoked on the server and the cookie cleared. */
export async function signOut(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const session = await currentSession(ctx, request);
  if (session) await ctx.oauth.revokeSession(session.account.id, session.tokenId);
  request.webSession = null;
  clearSessionCookie(ctx, reply);
}

/** The signed-in account, or null (cached on the request). Suspended accounts are signed out. */
export async function currentSession(ctx: AppContext, request: FastifyRequest): Promise<WebSession | null> {
  if (request.webSession !== undefined) return request.webSession;
  let session: WebSession | null = null;
  const raw = request.cookies[SESSION_COOKIE];
  if (raw) {
    const info = await ctx.oauth.verifyToken(raw);
    if (info?.accountId && info.appId === null) {
      const account = await ctx.microblog.account(info.accountId).catch(() => null);
      if (account && !account.suspended) session = { account, tokenId: info.tokenId, secret: raw };
    }
  }
  request.webSession = session;
  return session;
}

export async function currentAccount(ctx: AppContext, request: FastifyRequest): Promise<Account | null> {
  return (await currentSession(ctx, request))?.account ?? null;
}

function derive(secret: string): string {
  return createHmac('sha256', secret).update('sparrow web form v1').digest('base64url');
}

/**
 * The CSRF token for forms on this response. Before sign-in, makes sure the browser has a
 * pre-session secret (set here when missing).
 */
export async function csrfToken(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const session = await currentSession(ctx, request);
  if (session) return derive(session.secret);
  let pre = request.cookies[PRESESSION_COOKIE];
  if (!pre || pre.length < 20 || pre.length > 100) {
    pre = randomBytes(24).toString('base64url');
    request.cookies[PRESESSION_COOKIE] = pre;
    void reply.setCookie(PRESESSION_COOKIE, pre, cookieOptions(ctx, 24 * 3600));
  }
  return derive(pre);
}

/** Whether a form submission carries the token for this browser's session (or pre-session). */
export async function csrfValid(ctx: AppContext, request: FastifyRequest): Promise<boolean> {
  const body = request.body;
  const given = body && typeof body === 'object' ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
  if (typeof given !== 'string' || given.length === 0 || given.length > 100) return false;
  const session = await currentSession(ctx, request);
  const secret = session?.secret ?? request.cookies[PRESESSION_COOKIE];
  if (!secret) return false;
  const expected = Buffer.from(derive(secret));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
