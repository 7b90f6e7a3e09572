import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from '../../src/app/context.ts';
import { securityHarness, type SecurityHarness } from './helpers.ts';

/**
 * Secrets never reach a log line: the server logs at debug level (every request and
 * response, every security message decision) while a person signs up, signs in with a
 * second factor, resets a password and sets a PIN; nothing secret may appear in the output.
 */
describe('logs keep secrets out', () => {
  let h: SecurityHarness;
  let output = '';

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString('utf8');
        done();
      },
    });
    const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    h = await securityHarness('sqlite', { SPARROW_LOG_LEVEL: 'trace' }, { logger });
    await h.enableCountry('KE');
  });
  afterAll(async () => h?.close());

  it('never writes passwords, codes, TOTP secrets, recovery codes, tokens or flow ids', async () => {
    const secrets: string[] = [];
    const person = await h.person('logged', { phone: '+254712388001' });
    secrets.push(person.password, person.token);

    const wrong = await h.signIn('logged', 'a wrong password for the log test');
    expect(wrong.statusCode).toBe(401);
    secrets.push('a wrong password for the log test');

    const totp = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/security/totp',
        headers: person.auth,
        payload: { password: person.password },
      })
    ).json();
    secrets.push(totp.secret);
    const confirmCode = h.totpNow(totp.secret);
    const recovery = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/security/totp/confirm',
        headers: person.auth,
        payload: { code: confirmCode },
      })
    ).json().recovery_codes as string[];
    secrets.push(...recovery);

    h.clock.advance(30_000);
    const first = (await h.signIn('logged', person.password)).json();
    secrets.push(first.flow_id);
    const done = (await h.verify(first.flow_id, { method: 'totp', code: h.totpNow(totp.secret) })).json();
    secrets.push(done.access_token);

    const smsFlow = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/auth/sign_in/sms',
        payload: { number: '+254712388001' },
      })
    ).json().flow_id as string;
    secrets.push(smsFlow);
    const smsCode = await h.lastCodeAt('+254712388001');
    secrets.push(`${smsCode} is your`);
    await h.verify(smsFlow, { method: 'login_code', code: smsCode });

    const reset = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/auth/password_reset',
        payload: { email: person.email },
      })
    ).json().flow_id as string;
    await h.settle();
    const resetCode = h.lastMailCode(person.email)!;
    secrets.push(reset, `code is ${resetCode}`);
    await h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/auth/password_reset/confirm',
      payload: { flow_id: reset, code: resetCode, password: 'the new password after reset' },
    });
    secrets.push('the new password after reset');

    await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/sms_settings',
      headers: person.auth,
      payload: { pin: '8642' },
    });
    secrets.push('"8642"');
    await h.settle();

    expect(output.length).toBeGreaterThan(1000); // the log really was written
    for (const secret of secrets) expect(output, `log contains ${secret.slice(0, 6)}…`).not.toContain(secret);
  });
});
