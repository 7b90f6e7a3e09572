import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/app/http-server.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { testContext, type EngineName, type TestContext } from '../helpers/context.ts';

export interface PrivacyUser {
  id: string;
  username: string;
  auth: { authorization: string };
}

interface UserOptions {
  /** Verified SMS phone (E.164). */
  phone?: string;
  /** Sign-in e-mail (unverified unless `emailVerified`). */
  email?: string;
  emailVerified?: boolean;
  /** Account age in days (default 60). */
  ageDays?: number;
  /** Days since the phone was verified (default: since the account was created). */
  phoneAgeDays?: number;
  scopes?: string;
  role?: 'user' | 'moderator' | 'admin';
}

export interface PrivacyHarness {
  ctx: TestContext;
  app: FastifyInstance;
  clock: ManualClock;
  user(username: string, options?: UserOptions): Promise<PrivacyUser>;
  /** Switches purposes through the domain (fast setup for many accounts). */
  allow(user: PrivacyUser, kind: 'phone' | 'email', purposes: Record<string, boolean>): Promise<string>;
  close(): Promise<void>;
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const DAY = 24 * 3600 * 1000;

export async function privacyHarness(engine: EngineName, env: Record<string, string> = {}): Promise<PrivacyHarness> {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const ctx = await testContext(engine, { SPARROW_PUBLIC_URL: 'https://sparrow.example', ...env }, { clock });
  const app = await buildServer(ctx);
  await app.ready();
  const registered = await ctx.oauth.registerApp({
    name: 'Privacy tests',
    redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
    scopes: 'read write follow push admin:read admin:write',
  });

  return {
    ctx,
    app,
    clock,
    async user(username, options = {}) {
      const account = await ctx.microblog.createAccount({ username });
      const created = new Date(clock.now().getTime() - (options.ageDays ?? 60) * DAY).toISOString();
      await ctx.store.db
        .updateTable('accounts')
        .set({ created_at: created, ...(options.role ? { role: options.role } : {}) })
        .where('id', '=', account.id)
        .execute();
      if (options.phone) {
        const bound = await ctx.sms.store.bindPhone({
          accountId: account.id,
          e164: options.phone,
          country: 'KE',
          verifiedAt: new Date(clock.now().getTime() - (options.phoneAgeDays ?? options.ageDays ?? 60) * DAY),
        });
        if (!bound) throw new Error(`phone ${options.phone} already bound`);
      }
      if (options.email) {
        await ctx.store.db
          .insertInto('credentials')
          .values({
            account_id: account.id,
            email: options.email,
            email_key: options.email.trim().toLowerCase(),
            password_hash: 'unused',
            created_at: created,
          })
          .execute();
        if (options.emailVerified)
          await ctx.privacy.contactPoints.markVerified(account.id, 'email', options.email.trim().toLowerCase());
      }
      const token = await ctx.oauth.issueToken({
        appId: registered.app.id,
        accountId: account.id,
        scopes: (options.scopes ?? 'read write follow').split(' '),
      });
      return { id: account.id, username, auth: { authorization: `Bearer ${token.accessToken}` } };
    },
    async allow(user, kind, purposes) {
      const points = await ctx.privacy.contactPoints.ensure(user.id);
      const point = points.find((p) => p.kind === kind);
      if (!point) throw new Error(`${user.username} has no ${kind}`);
      await ctx.privacy.contactPoints.setPurposes(user.id, point.id, purposes);
      return point.id;
    },
    async close() {
      await app.close();
      await ctx.dispose();
    },
  };
}
