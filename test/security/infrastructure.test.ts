import { randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, redisUrl } from '../helpers/context.ts';
import { securityHarness, type SecurityHarness } from './helpers.ts';
import { operatorActor } from '../../src/security/index.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** A real SMTP server on loopback, keeping what it receives. */
async function smtpServer(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'sparrow' && auth.password === 'mail-secret') callback(null, { user: 'sparrow' });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => {
        data += chunk.toString('utf8');
      });
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://sparrow:mail-secret@127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(ENGINES)('mail over SMTP on $label', ({ name, skip }) => {
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let h: SecurityHarness;
  beforeAll(async () => {
    if (skip) return;
    smtp = await smtpServer();
    h = await securityHarness(name, {
      SPARROW_SMTP_URL: smtp.url,
      SPARROW_MAIL_FROM: 'Sparrow <security@sparrow.example>',
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  it.skipIf(skip)('delivers reset codes and owner alerts through the SMTP server, with no dev mailbox', async () => {
    expect(h.ctx.devMailbox).toBeNull();
    const kim = await h.person('kim');
    const started = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/auth/password_reset',
      payload: { email: kim.email },
    });
    expect(started.statusCode).toBe(202);
    await h.settle();
    const mail = smtp.received.find((m) => m.to.includes(kim.email));
    expect(mail?.from).toBe('security@sparrow.example');
    const code = /code is (\d{6})/.exec(mail!.data)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const done = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/auth/password_reset/confirm',
      payload: { flow_id: started.json().flow_id, code, password: 'after the reset, long' },
    });
    expect(done.statusCode).toBe(200);
    await h.settle();
    expect(
      smtp.received.filter((m) => m.to.includes(kim.email)).some((m) => /Your password was changed/.test(m.data)),
    ).toBe(true);
    // The dev endpoint does not exist when real mail is configured.
    expect(
      (await h.app.inject({ method: 'GET', url: `/api/v1/sparrow/dev/mail?to=${encodeURIComponent(kim.email)}` }))
        .statusCode,
    ).toBe(404);
  });
});

describe.skipIf(!redisUrl)(
  `security throttles in Redis${redisUrl ? '' : ' (skipped: set SPARROW_TEST_REDIS_URL to run)'}`,
  () => {
    const engine = ENGINES.find((e) => e.name === 'postgres' && !e.skip) ? 'postgres' : 'sqlite';

    // Every harness's clock starts at the same instant, so the flood detector's windows in a shared
    // Redis also hold other runs' requests from the last two minutes: tests of the budgets raise its thresholds.
    const budgetsOnly = {
      SPARROW_REDIS_URL: redisUrl!,
      SPARROW_SECURITY_FLOOD_PER_BLOCK: '100000',
      SPARROW_SECURITY_FLOOD_PER_COUNTRY: '100000',
      SPARROW_SECURITY_FLOOD_COUNTRIES: '1000',
    };

    it('counts the codes of one number across two instances sharing Redis', async () => {
      const one = await securityHarness(engine, budgetsOnly);
      const two = await securityHarness(engine, budgetsOnly);
      try {
        // A number no other run has used this hour: the counters live in the shared Redis.
        const number = `+2547${20 + randomInt(0, 10)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
        // Addresses no other run has used this hour either (the per-address budget lives in Redis too).
        const subnet = randomInt(0, 256);
        for (let i = 0; i < 4; i += 1) {
          const h = i % 2 === 0 ? one : two;
          const user = await h.person(`redisuser${i}${randomInt(0, 1e6)}`);
          expect(
            (
              await h.app.inject({
                method: 'POST',
                url: '/api/v1/sparrow/phone',
                headers: user.auth,
                payload: { number },
                remoteAddress: `10.9.${subnet}.${i + 1}`,
              })
            ).statusCode,
          ).toBe(202);
        }
        await one.settle();
        await two.settle();
        const sent = (await one.inbox(number)).length + (await two.inbox(number)).length;
        expect(sent).toBe(3); // SPARROW_SECURITY_SMS_PER_NUMBER_HOUR, shared
      } finally {
        await one.close();
        await two.close();
      }
    });

    it('counts a flood split across two instances in the shared Redis, and raises the alert', async () => {
      // Only the block's threshold is in play: country counters in a shared Redis see other runs too.
      const env = {
        SPARROW_REDIS_URL: redisUrl!,
        SPARROW_SECURITY_FLOOD_PER_COUNTRY: '100000',
        SPARROW_SECURITY_FLOOD_COUNTRIES: '1000',
        SPARROW_SECURITY_SMS_PER_IP_HOUR: '1000',
      };
      const one = await securityHarness(engine, env);
      const two = await securityHarness(engine, env);
      try {
        // A block no other run has used: the counters are keyed by it.
        const block = `+2547${10 + randomInt(0, 20)}${String(randomInt(0, 100)).padStart(2, '0')}`;
        for (let i = 0; i < 16; i += 1) {
          const h = i % 2 === 0 ? one : two;
          const user = await h.person(`flooder${i}x${randomInt(0, 1e6)}`);
          const res = await h.app.inject({
            method: 'POST',
            url: '/api/v1/sparrow/phone',
            headers: user.auth,
            payload: { number: `${block}${String(i).padStart(4, '0')}` },
            remoteAddress: `10.10.${i}.1`,
          });
          expect(res.statusCode).toBe(202);
          one.clock.advance(1000);
          two.clock.advance(1000);
        }
        // Each instance saw 8 requests (below the block's 10); together they saw 16.
        const raised = [
          ...(await one.ctx.securityMonitor.alerts(operatorActor('test'))),
          ...(await two.ctx.securityMonitor.alerts(operatorActor('test'))),
        ].filter((a) => a.kind === 'sms_flood' && a.scope === `prefix:${block}`);
        expect(raised.length).toBeGreaterThanOrEqual(1);
      } finally {
        await one.close();
        await two.close();
      }
    });

    it('fails closed when Redis cannot be reached: the answer is the same, nothing is sent', async () => {
      const h = await securityHarness('sqlite', { SPARROW_REDIS_URL: 'redis://127.0.0.1:1' });
      try {
        const user = await h.person('offline');
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/phone',
          headers: user.auth,
          payload: { number: '+254712399001' },
        });
        expect(res.statusCode).toBe(202);
        await h.settle();
        expect(await h.inbox('+254712399001')).toHaveLength(0);
        // Password sign-in is throttled too, so it refuses rather than allowing unlimited guesses.
        expect((await h.signIn('offline@mail.example', 'whatever password')).statusCode).toBe(429);
      } finally {
        await h.close();
      }
    });
  },
);

describe.each(ENGINES)('throttle counters in the database on $label', ({ name, skip }) => {
  it.skipIf(skip)('keeps counters in rate_limits and lets maintenance remove expired ones', async () => {
    const h = await securityHarness(name);
    try {
      const user = await h.person('counted');
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/phone',
        headers: user.auth,
        payload: { number: '+254712377001' },
        remoteAddress: '203.0.113.77',
      });
      await h.settle();
      const rows = await h.ctx.store.db.selectFrom('rate_limits').selectAll().execute();
      expect(rows.some((r) => r.key.includes('+254712377001'))).toBe(true);
      await h.ctx.store.db
        .insertInto('rate_limits')
        .values({ key: 'sparrow_sms_ip_hour:old', points: 3, expire: h.clock.now().getTime() - 1000 })
        .execute();
      const result = await h.ctx.maintenance();
      expect(result.throttleCountersExpired).toBeGreaterThanOrEqual(1);
      const left = await h.ctx.store.db.selectFrom('rate_limits').select('key').execute();
      expect(left.map((r) => r.key)).not.toContain('sparrow_sms_ip_hour:old');
    } finally {
      await h.close();
    }
  });
});
