import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/app/http-server.ts';
import type { ContextOptions } from '../../src/app/context.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { OutboxDispatcher, type OutboxMessage } from '../../src/sms/index.ts';
import { testContext, type EngineName, type TestContext } from '../helpers/context.ts';
import { operatorActor } from '../../src/security/index.ts';

export interface SmsUser {
  id: string;
  username: string;
  token: string;
  auth: { authorization: string };
}

export interface SmsHarness {
  ctx: TestContext;
  app: FastifyInstance;
  clock: ManualClock;
  user(username: string, scopes?: string): Promise<SmsUser>;
  /** Runs notification fan-out and the outbox until nothing is left to do. */
  drain(): Promise<void>;
  /** What a number received (sent messages), oldest first. */
  inbox(number: string): Promise<OutboxMessage[]>;
  /** Texts the server through the console provider's dev endpoint. */
  text(from: string, text: string): Promise<{ outcome: string | null; post_id: string | null }>;
  /** Links a number to the user through the API, reading the code off the simulated phone. */
  linkPhone(user: SmsUser, number: string): Promise<void>;
  enableCountry(country: string, options?: { posting?: boolean; notifications?: boolean }): Promise<void>;
  /** Links, turns SMS posting on and enables the country: a user ready to text. */
  smsUser(username: string, number: string, country: string): Promise<SmsUser>;
  close(): Promise<void>;
}

let counter = 0;

export async function smsHarness(
  engine: EngineName,
  env: Record<string, string> = {},
  options: ContextOptions = {},
): Promise<SmsHarness> {
  const clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
  const ctx = await testContext(
    engine,
    {
      SPARROW_SMS_PROVIDER: 'console',
      SPARROW_PUBLIC_URL: 'https://sparrow.example',
      SPARROW_SMS_POSTS_PER_MINUTE: '1000',
      SPARROW_SMS_POSTS_PER_DAY: '10000',
      ...env,
    },
    { clock, ...options },
  );
  const app = await buildServer(ctx);
  await app.ready();
  const dispatcher = new OutboxDispatcher(ctx.sms.store, ctx.sms.provider, ctx.sms.policy, clock, {
    owner: 'test',
    throughputPerSecond: 10_000,
  });

  const harness: SmsHarness = {
    ctx,
    app,
    clock,
    async user(username, scopes = 'read write follow') {
      counter += 1;
      const account = await ctx.microblog.createAccount({ username });
      const registered = await ctx.oauth.registerApp({
        name: `SMS Test ${counter}`,
        redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
        scopes: 'read write follow',
      });
      const token = await ctx.oauth.issueToken({
        appId: registered.app.id,
        accountId: account.id,
        scopes: scopes.split(' '),
      });
      return {
        id: account.id,
        username,
        token: token.accessToken,
        auth: { authorization: `Bearer ${token.accessToken}` },
      };
    },
    async drain() {
      for (let round = 0; round < 1000; round += 1) {
        const handled = (await ctx.sms.notifier.runOnce()) + (await dispatcher.runOnce());
        if (handled === 0) return;
      }
      throw new Error('outbox did not drain');
    },
    async inbox(number) {
      const messages = await ctx.sms.store.messagesTo(number, 1000);
      return messages.filter((m) => m.status === 'sent' || m.status === 'delivered').reverse();
    },
    async text(from, text) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/sparrow/dev/sms', payload: { from, text } });
      if (res.statusCode !== 202) throw new Error(`dev sms: ${res.statusCode} ${res.body}`);
      await harness.drain();
      return res.json();
    },
    async linkPhone(user, number) {
      const requested = await app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/phone',
        headers: user.auth,
        payload: { number },
      });
      if (requested.statusCode !== 202) throw new Error(`phone: ${requested.statusCode} ${requested.body}`);
      await harness.drain();
      const last = (await harness.inbox(number)).at(-1);
      const code = /code is (\d{6})/.exec(last?.text ?? '')?.[1];
      if (!code) throw new Error(`no code arrived at ${number}`);
      const verified = await app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/phone/verify',
        headers: user.auth,
        payload: { code },
      });
      if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`);
    },
    async enableCountry(country, policy = {}) {
      await ctx.sms.policy.setCountry(
        country,
        { posting: policy.posting ?? true, notifications: policy.notifications ?? true },
        { actor: operatorActor('test'), reason: 'tests' },
      );
    },
    async smsUser(username, number, country) {
      const user = await harness.user(username);
      await harness.enableCountry(country);
      await harness.linkPhone(user, number);
      const res = await app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/sms_settings',
        headers: user.auth,
        payload: { posting: true },
      });
      if (res.statusCode !== 200) throw new Error(`settings: ${res.statusCode} ${res.body}`);
      return user;
    },
    async close() {
      await app.close();
      await ctx.dispose();
    },
  };
  return harness;
}
