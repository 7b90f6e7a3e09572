import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { solveChallenge, solvedApiChallenge, solvedSignupFields } from '../helpers/sign-up-puzzle.ts';
import { FormClient, flowIdOf } from '../web/helpers.ts';
import { securityHarness, type SecurityHarness } from './helpers.ts';

const PASSWORD = 'a long enough password';

/** Sign-up through the API up to the confirmation; returns the confirmation's answer. */
async function apiSignUp(h: SecurityHarness, username: string, ip: string, extra: Record<string, string> = {}) {
  const email = `${username}@apply.example`;
  const started = await h.app.inject({
    method: 'POST',
    url: '/api/v1/sparrow/auth/sign_up',
    remoteAddress: ip,
    payload: { email, ...(await solvedApiChallenge((r) => h.app.inject(r), ip)) },
  });
  expect(started.statusCode).toBe(202);
  await h.settle();
  return h.app.inject({
    method: 'POST',
    url: '/api/v1/sparrow/auth/sign_up/confirm',
    headers: h.appAuth,
    remoteAddress: ip,
    payload: { flow_id: started.json().flow_id, code: h.lastMailCode(email), username, password: PASSWORD, ...extra },
  });
}

async function staffMember(h: SecurityHarness, username: string, role: 'moderator' | 'admin') {
  const person = await h.person(username);
  await h.ctx.store.db.updateTable('accounts').set({ role }).where('id', '=', person.id).execute();
  const registered = await h.ctx.oauth.registerApp({
    name: `Admin app ${username}`,
    redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
    scopes: 'read write admin:read admin:write',
  });
  const token = await h.ctx.oauth.issueToken({
    appId: registered.app.id,
    accountId: person.id,
    scopes: ['read', 'write', 'admin:read', 'admin:write'],
  });
  return { ...person, auth: { authorization: `Bearer ${token.accessToken}` } };
}

describe.each(ENGINES)('sign-up approval and the puzzle on $label', ({ name, skip }) => {
  let h: SecurityHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.skipIf(skip)(
    'approval mode end to end: apps are told, applicants wait, staff approve or reject through API and console',
    async () => {
      h = await securityHarness(name, { SPARROW_REGISTRATIONS_MODE: 'approval' });
      const instance = (await h.app.inject({ url: '/api/v2/instance' })).json();
      expect(instance.registrations).toMatchObject({ enabled: true, approval_required: true });
      expect(instance.registrations.message).toMatch(/moderator approves/);
      expect((await h.app.inject({ url: '/api/v1/instance' })).json()).toMatchObject({
        registrations: true,
        approval_required: true,
      });

      const applied = await apiSignUp(h, 'ann', '203.0.113.21', { reason: 'I run the village choir' });
      expect(applied.statusCode).toBe(202);
      expect(applied.json()).toMatchObject({ approval_pending: true });
      expect(applied.json().access_token).toBeUndefined();
      expect(h.mailTo('ann@apply.example').map((m) => m.subject)).toEqual(
        expect.arrayContaining([expect.stringMatching(/waiting for approval/)]),
      );
      // Waiting: no sign-in, no profile.
      expect((await h.signIn('ann', PASSWORD)).statusCode).toBe(401);
      expect((await h.app.inject({ url: '/api/v1/accounts/lookup?acct=ann' })).statusCode).toBe(404);

      const moderator = await staffMember(h, 'mona', 'moderator');
      const user = await h.person('plainuser');
      const queue = await h.app.inject({ url: '/api/v1/admin/accounts?pending=true', headers: moderator.auth });
      expect(queue.statusCode).toBe(200);
      expect(queue.json()).toEqual([
        expect.objectContaining({ username: 'ann', approved: false, invite_request: 'I run the village choir' }),
      ]);
      expect(
        (await h.app.inject({ url: '/api/v1/admin/accounts?status=pending', headers: user.auth })).statusCode,
      ).toBe(403);
      const annId = queue.json()[0].id as string;
      const approve = (payload: Record<string, unknown>, auth = moderator.auth) =>
        h!.app.inject({ method: 'POST', url: `/api/v1/admin/accounts/${annId}/approve`, headers: auth, payload });
      // Lifting the hold another way is refused: approval is the one door.
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/admin/accounts/${annId}/unsuspend`,
            headers: moderator.auth,
            payload: { text: 'sneaking past' },
          })
        ).statusCode,
      ).toBe(422);
      expect((await approve({})).statusCode).toBe(422); // the reason is required
      expect((await approve({ text: 'known to us' }, user.auth)).statusCode).toBe(403);
      expect((await approve({ text: 'known to us' })).statusCode).toBe(200);
      expect((await approve({ text: 'again' })).statusCode).toBe(422);
      expect((await h.signIn('ann', PASSWORD)).statusCode).toBe(200);
      expect(h.mailTo('ann@apply.example').some((m) => /approved/.test(m.subject))).toBe(true);

      // The second applicant, without JavaScript on the web, is rejected in the console.
      const bob = new FormClient(h.app);
      await bob.get('/signup');
      const started = await bob.post('/signup', { email: 'bob@apply.example' });
      expect(started.statusCode).toBe(200);
      expect(started.body).toContain('Why do you want to join?');
      const code = await bob.mailCode('bob@apply.example');
      const done = await bob.post('/signup/finish', {
        flow_id: flowIdOf(started.body),
        email: 'bob@apply.example',
        code,
        username: 'bob',
        password: PASSWORD,
        reason: 'cheap followers for sale',
      });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('waits for a moderator');
      expect((await h.signIn('bob', PASSWORD)).statusCode).toBe(401);

      const console = new FormClient(h.app);
      await console.logIn('mona', moderator.password);
      const page = await console.get('/admin/signups');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('@bob');
      expect(page.body).toContain('cheap followers for sale');
      expect((await console.post('/admin/signups/bob/reject', { reason: '' })).statusCode).toBe(422);
      const rejected = await console.post('/admin/signups/bob/reject', { reason: 'spam offer in the application' });
      expect(rejected.statusCode).toBe(303);
      expect((await console.get('/admin/signups')).body).not.toContain('@bob');
      expect((await h.signIn('bob', PASSWORD)).statusCode).toBe(401);
      expect(h.mailTo('bob@apply.example').some((m) => /not approved/.test(m.subject))).toBe(true);

      const audit = await h.ctx.audit.recent(operatorActor('test'), 20);
      expect(audit.map((e) => [e.action, e.reason])).toEqual(
        expect.arrayContaining([
          ['account.approve', 'known to us'],
          ['account.reject', 'spam offer in the application'],
        ]),
      );
    },
    60_000,
  );

  it.skipIf(skip)('refuses forged, replayed, expired, too easy and unsolved puzzles', async () => {
    h = await securityHarness(name);
    const ip = '203.0.113.40';
    const signUp = (payload: Record<string, unknown>, from = ip) =>
      h!.app.inject({ method: 'POST', url: '/api/v1/sparrow/auth/sign_up', remoteAddress: from, payload });
    const fresh = async () => {
      const res = await h!.app.inject({ url: '/api/v1/sparrow/auth/sign_up/challenge', remoteAddress: ip });
      expect(res.statusCode).toBe(200);
      return res.json() as { challenge: string; difficulty_bits: number; expires_at: string };
    };
    const offered = await fresh();
    expect(offered.difficulty_bits).toBe(16); // the default
    // No puzzle at all: apps must solve one.
    const missing = await signUp({ email: 'a@p.example' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error).toMatch(/sign_up\/challenge/);
    // A nonce that does not solve it.
    let wrong = 0;
    while (solveChallenge(offered.challenge, offered.difficulty_bits) === String(wrong)) wrong += 1;
    expect(
      (await signUp({ email: 'a@p.example', pow_challenge: offered.challenge, pow_nonce: String(wrong) })).statusCode,
    ).toBe(422);
    // A forged challenge: the attacker sets 1 bit and signs it with a made-up key.
    const parts = offered.challenge.split('.');
    const forged = [parts[0], '1', parts[2], parts[3], parts[4]].join('.');
    expect(
      (await signUp({ email: 'a@p.example', pow_challenge: forged, pow_nonce: solveChallenge(forged, 1) })).statusCode,
    ).toBe(422);
    const madeUp = `s1.0.${Date.now() + 600_000}.AAAAAAAAAAAAAAAAAAAAAA.${'A'.repeat(43)}`;
    expect((await signUp({ email: 'a@p.example', pow_challenge: madeUp, pow_nonce: '0' })).statusCode).toBe(422);
    // Solved once: works once, from anywhere, and never again.
    const nonce = solveChallenge(offered.challenge, offered.difficulty_bits);
    expect(
      (await signUp({ email: 'a@p.example', pow_challenge: offered.challenge, pow_nonce: nonce })).statusCode,
    ).toBe(202);
    const replay = await signUp(
      { email: 'b@p.example', pow_challenge: offered.challenge, pow_nonce: nonce },
      '192.0.2.77',
    );
    expect(replay.statusCode).toBe(422);
    expect(replay.json().error).toMatch(/already used/);
    // Expired: solved, but sent after its 10 minutes.
    const late = await fresh();
    const lateNonce = solveChallenge(late.challenge, late.difficulty_bits);
    h.clock.advance(10 * 60_000 + 1);
    expect(
      (await signUp({ email: 'c@p.example', pow_challenge: late.challenge, pow_nonce: lateNonce })).statusCode,
    ).toBe(422);
  });

  it.skipIf(skip)(
    'a busy network gets a harder puzzle, and a puzzle fetched while quiet no longer counts; answers never tell who has an account',
    async () => {
      h = await securityHarness(name, { SPARROW_SIGNUP_POW_BITS: '6', SPARROW_SIGNUP_POW_MAX_BITS: '12' });
      const known = await h.person('known'); // known@mail.example
      const bits = async (ip: string) =>
        (
          (await h!.app.inject({ url: '/api/v1/sparrow/auth/sign_up/challenge', remoteAddress: ip })).json() as {
            difficulty_bits: number;
          }
        ).difficulty_bits;
      expect(await bits('198.51.100.1')).toBe(6);
      const quietChallenge = await solvedApiChallenge((r) => h!.app.inject(r), '198.51.100.1');
      for (let i = 0; i < 6; i += 1) {
        const ip = `198.51.100.${i + 2}`;
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/auth/sign_up',
          remoteAddress: ip,
          payload: { email: `n${i}@d${i}.example`, ...(await solvedApiChallenge((r) => h!.app.inject(r), ip)) },
        });
        expect(res.statusCode).toBe(202);
      }
      expect(await bits('198.51.100.99')).toBe(9); // the /24 is past half its hourly budget
      expect(await bits('192.0.2.1')).toBe(6); // other networks are not affected
      const stale = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/auth/sign_up',
        remoteAddress: '198.51.100.1',
        payload: { email: 'late@d.example', ...quietChallenge },
      });
      expect(stale.statusCode).toBe(422);
      expect(stale.json().error).toMatch(/harder/);
      // Fill the network, then ask for a taken and an unknown address: the same 429.
      const answers: number[] = [];
      for (const email of [
        'x1@e.example',
        'x2@e.example',
        'x3@e.example',
        'x4@e.example',
        known.email,
        'fresh@f.example',
      ]) {
        const ip = '198.51.100.200';
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/auth/sign_up',
          remoteAddress: ip,
          payload: { email, ...(await solvedApiChallenge((r) => h!.app.inject(r), ip)) },
        });
        answers.push(res.statusCode);
      }
      expect(answers.slice(-2)).toEqual([429, 429]);
    },
    60_000,
  );

  it.skipIf(skip)('closed: no challenge, no sign-up, and apps are told', async () => {
    h = await securityHarness(name, { SPARROW_REGISTRATIONS_MODE: 'closed' });
    expect((await h.app.inject({ url: '/api/v2/instance' })).json().registrations).toMatchObject({
      enabled: false,
      approval_required: false,
      url: null,
    });
    expect((await h.app.inject({ url: '/api/v1/sparrow/auth/sign_up/challenge' })).statusCode).toBe(403);
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/sparrow/auth/sign_up', payload: { email: 'a@b.example' } }))
        .statusCode,
    ).toBe(403);
    const page = await new FormClient(h.app).get('/signup');
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('Sign-ups are closed');
  });

  it.skipIf(skip)(
    'open mode without JavaScript: the web sign-up still works, as an application a moderator approves',
    async () => {
      h = await securityHarness(name);
      const visitor = new FormClient(h.app);
      const form = await visitor.get('/signup');
      expect(form.body).toContain('<noscript>');
      expect(form.body).toContain('/static/signup-pow.js');
      // With the script's answer the account is in at once …
      const scripted = new FormClient(h.app);
      const page = await scripted.get('/signup');
      const first = await scripted.post('/signup', { email: 'js@web.example', ...solvedSignupFields(page.body) });
      expect(first.body).not.toContain('Why do you want to join?');
      // … without it, the same form goes on as an application.
      const started = await visitor.post('/signup', { email: 'nojs@web.example' });
      expect(started.statusCode).toBe(200);
      expect(started.body).toContain('Why do you want to join?');
      const done = await visitor.post('/signup/finish', {
        flow_id: flowIdOf(started.body),
        email: 'nojs@web.example',
        code: await visitor.mailCode('nojs@web.example'),
        username: 'nojs',
        password: PASSWORD,
      });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('waits for a moderator');
      expect((await h.signIn('nojs', PASSWORD)).statusCode).toBe(401);
      const admin = await staffMember(h, 'ada', 'admin');
      const queue = (await h.app.inject({ url: '/api/v1/admin/accounts?pending=true', headers: admin.auth })).json();
      expect(queue.map((a: { username: string }) => a.username)).toEqual(['nojs']);
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/admin/accounts/${queue[0].id}/approve`,
            headers: admin.auth,
            payload: { reason: 'looks like a person' },
          })
        ).statusCode,
      ).toBe(200);
      expect((await h.signIn('nojs', PASSWORD)).statusCode).toBe(200);
    },
    60_000,
  );
});

describe('sign-up approval at the CLI', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparrow-approval-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const write = (t: string) => {
      out += t;
    };
    const code = await main(argv, {
      env: {
        SPARROW_LOG_LEVEL: 'silent',
        SPARROW_DATA_DIR: dir,
        SPARROW_OPERATOR: 'ops',
        SPARROW_REGISTRATIONS_MODE: 'approval',
      },
      stdout: { write },
      stderr: { write },
      stopSignal: new Promise(() => {}),
    });
    return { code, out };
  }

  it('lists, approves and rejects applications, with a reason, audited as the operator', async () => {
    const { createContext } = await import('../../src/app/context.ts');
    const { configFor } = await import('../../src/config/config.ts');
    const ctx = await createContext(
      configFor({ SPARROW_DATA_DIR: dir, SPARROW_REGISTRATIONS_MODE: 'approval', SPARROW_SIGNUP_POW_BITS: '4' }),
    );
    try {
      for (const username of ['cora', 'dan']) {
        const issued = await ctx.signUps.challenge({ ip: '203.0.113.9' });
        const { flowId } = await ctx.auth.startSignup(
          `${username}@cli.example`,
          { ip: '203.0.113.9' },
          {
            challenge: issued.challenge,
            nonce: solveChallenge(issued.challenge, issued.bits),
          },
        );
        await ctx.background.idle();
        const code = /code is (\d{6})/.exec(ctx.devMailbox!.messagesTo(`${username}@cli.example`)[0]!.text)![1]!;
        const outcome = await ctx.auth.finishSignup(flowId, code, { username, password: PASSWORD, reason: 'hello' });
        expect(outcome.approvalPending).toBe(true);
      }
    } finally {
      await ctx.close();
    }
    const listed = await cli('users', 'pending');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('@cora');
    expect(listed.out).toContain('@dan');
    expect((await cli('users', 'approve', 'cora')).code).toBe(2); // --reason is required
    const approved = await cli('users', 'approve', 'cora', '--reason', 'vouched for by ada');
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.out).toContain('Approved @cora');
    expect((await cli('users', 'reject', 'dan', '--reason', 'duplicate account')).code).toBe(0);
    expect((await cli('users', 'approve', 'dan', '--reason', 'changed my mind')).code).toBe(1);
    expect((await cli('users', 'pending')).out).toContain('Nobody is waiting');

    const after = await createContext(configFor({ SPARROW_DATA_DIR: dir }));
    try {
      expect(await after.identity.authenticate('cora', PASSWORD)).not.toBeNull();
      expect(await after.identity.authenticate('dan', PASSWORD)).toBeNull();
      const audit = await after.audit.recent(operatorActor('test'), 10);
      expect(audit.map((e) => [e.action, e.actor])).toEqual(
        expect.arrayContaining([
          ['account.approve', 'cli:ops'],
          ['account.reject', 'cli:ops'],
        ]),
      );
    } finally {
      await after.close();
    }
  });
});
