import * as OTPAuth from 'otpauth';
import type { LightMyRequestResponse } from 'fastify';
import type { ContextOptions } from '../../src/app/context.ts';
import type { EngineName } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';

export interface Person {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
  auth: { authorization: string };
}

export interface SecurityHarness extends SmsHarness {
  /** A client-credentials token of a registered app: what sign-in and sign-up need. */
  appAuth: { authorization: string };
  /** A person with an e-mail and password, and a signed-in token. */
  person(username: string, options?: { phone?: string }): Promise<Person>;
  /** Waits for codes sent after the answer, and sends queued SMS. */
  settle(): Promise<void>;
  lastCodeAt(number: string): Promise<string | null>;
  mailTo(address: string): { subject: string; text: string }[];
  lastMailCode(address: string): string | null;
  totpNow(secret: string, offsetSteps?: number): string;
  signIn(login: string, password: string, ip?: string): Promise<LightMyRequestResponse>;
  verify(flowId: string, proof: Record<string, unknown>): Promise<LightMyRequestResponse>;
}

export async function securityHarness(
  engine: EngineName,
  env: Record<string, string> = {},
  options: ContextOptions = {},
): Promise<SecurityHarness> {
  const base = await smsHarness(engine, env, options);
  const registered = await base.ctx.oauth.registerApp({
    name: 'Security Test Client',
    redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
    scopes: 'read write follow',
  });
  const appToken = await base.ctx.oauth.clientCredentials({
    clientId: registered.app.clientId,
    clientSecret: registered.clientSecret,
    scope: 'read',
  });
  const appAuth = { authorization: `Bearer ${appToken.accessToken}` };
  const h: SecurityHarness = Object.assign(base, {
    appAuth,
    async person(username: string, opts: { phone?: string } = {}) {
      const email = `${username}@mail.example`;
      const password = `correct horse ${username} battery`;
      const account = await base.ctx.identity.register({ username, email, password });
      const token = await base.ctx.oauth.issueToken({
        appId: registered.app.id,
        accountId: account.id,
        scopes: ['read', 'write', 'follow'],
      });
      const person: Person = {
        id: account.id,
        username,
        email,
        password,
        token: token.accessToken,
        auth: { authorization: `Bearer ${token.accessToken}` },
      };
      if (opts.phone) await base.linkPhone({ ...person }, opts.phone);
      return person;
    },
    async settle() {
      await base.ctx.background.idle();
      await base.drain();
    },
    async lastCodeAt(number: string) {
      await h.settle();
      return /(\d{6})/.exec((await base.inbox(number)).at(-1)?.text ?? '')?.[1] ?? null;
    },
    mailTo(address: string) {
      return base.ctx.devMailbox!.messagesTo(address);
    },
    lastMailCode(address: string) {
      return /code is (\d{6})/.exec(h.mailTo(address)[0]?.text ?? '')?.[1] ?? null;
    },
    totpNow(secret: string, offsetSteps = 0) {
      return new OTPAuth.TOTP({
        secret: OTPAuth.Secret.fromBase32(secret),
        digits: 6,
        period: 30,
        algorithm: 'SHA1',
      }).generate({ timestamp: base.clock.now().getTime() + offsetSteps * 30_000 });
    },
    signIn(login: string, password: string, ip = '198.51.100.7') {
      return base.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/auth/sign_in',
        headers: appAuth,
        remoteAddress: ip,
        payload: { login, password },
      });
    },
    verify(flowId: string, proof: Record<string, unknown>) {
      return base.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/auth/sign_in/verify',
        headers: appAuth,
        payload: { flow_id: flowId, ...proof },
      });
    },
  });
  return h;
}
