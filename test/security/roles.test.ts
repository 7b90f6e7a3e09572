import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Account, Role } from '../../src/core/index.ts';
import { operatorActor } from '../../src/security/index.ts';
import { KyselyModerationStore } from '../../src/store/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient } from '../web/helpers.ts';

/**
 * Each role against each staff action, through every interface that offers it. The
 * expectations are SPEC §2 written out by hand; every interface must give the same answer,
 * so a rule copied into one edge and drifted fails here.
 */
type Outcome = 'allowed' | 'forbidden' | 'invalid';
type TargetKind = 'user' | 'moderator' | 'admin' | 'self';

const PASSWORD = 'correct horse battery staple';
const OPERATOR = operatorActor('roles-test');

interface Staff {
  role: Role;
  account: Account;
  auth: { authorization: string };
  web: FormClient;
}

/** What an HTTP status means, per interface: the API answers 200, the console redirects (303). */
function apiOutcome(status: number, body: string): Outcome {
  if (status === 200) return 'allowed';
  if (status === 403) return 'forbidden';
  if (status === 422) return 'invalid';
  throw new Error(`unexpected API answer ${status}: ${body.slice(0, 300)}`);
}
function webOutcome(status: number, body: string): Outcome {
  if (status === 303 || status === 200) return 'allowed';
  if (status === 403) return 'forbidden';
  if (status === 422) return 'invalid';
  throw new Error(`unexpected console answer ${status}: ${body.slice(0, 300)}`);
}

const INSTANCE_EXPECTED: Record<string, Record<Role, Outcome>> = {
  'kill switch on': { user: 'forbidden', moderator: 'allowed', admin: 'allowed' },
  'kill switch off': { user: 'forbidden', moderator: 'forbidden', admin: 'allowed' },
  'country policy': { user: 'forbidden', moderator: 'forbidden', admin: 'allowed' },
  'resolve a report': { user: 'forbidden', moderator: 'allowed', admin: 'allowed' },
  'read the audit log': { user: 'forbidden', moderator: 'allowed', admin: 'allowed' },
  'read fraud alerts': { user: 'forbidden', moderator: 'allowed', admin: 'allowed' },
};

const ACCOUNT_EXPECTED: Record<Role, Record<TargetKind, Outcome>> = {
  user: { user: 'forbidden', moderator: 'forbidden', admin: 'forbidden', self: 'forbidden' },
  moderator: { user: 'allowed', moderator: 'forbidden', admin: 'forbidden', self: 'forbidden' },
  admin: { user: 'allowed', moderator: 'allowed', admin: 'allowed', self: 'forbidden' },
};

describe.each(ENGINES)('roles through every interface ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  const staff = {} as Record<Role, Staff>;
  let counter = 0;

  async function account(role: Role, prefix: string = role): Promise<Account> {
    counter += 1;
    const username = `${prefix}${counter}`;
    return h.ctx.identity.register({ username, email: `${username}@example.test`, password: PASSWORD, role });
  }

  async function signedIn(role: Role): Promise<Staff> {
    const acct = await account(role, `as${role}`);
    const registered = await h.ctx.oauth.registerApp({
      name: `Roles ${acct.username}`,
      redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read write admin:read admin:write',
    });
    const token = await h.ctx.oauth.issueToken({
      appId: registered.app.id,
      accountId: acct.id,
      scopes: ['read', 'write', 'admin:read', 'admin:write'],
    });
    const web = new FormClient(h.app);
    await web.logIn(acct.username);
    return { role, account: acct, auth: { authorization: `Bearer ${token.accessToken}` }, web };
  }

  async function target(kind: TargetKind, who: Staff): Promise<Account> {
    return kind === 'self' ? who.account : account(kind, `target${kind}`);
  }

  const api = (who: Staff, method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>) =>
    h.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });

  async function setKillSwitch(enabled: boolean) {
    await h.ctx.sms.policy.setKillSwitch(enabled, { actor: OPERATOR, reason: 'test setup' });
  }

  async function openReport(): Promise<string> {
    counter += 1;
    const id = String(9_000_000 + counter);
    await new KyselyModerationStore(h.ctx.store.db).createReport({
      id,
      kind: 'contact_discovery_abuse',
      summary: 'test report',
      details: {},
      accountIds: [],
      status: 'open',
      createdAt: h.clock.now(),
      resolvedAt: null,
      resolvedBy: null,
    });
    return id;
  }

  /** Every interface offering an instance-wide action: how to prepare it, and how to take it. */
  const INSTANCE_ACTIONS: Record<
    string,
    {
      prepare?: () => Promise<string | void>;
      api: (who: Staff, prepared: string) => Promise<Outcome>;
      web: (who: Staff, prepared: string) => Promise<Outcome>;
    }
  > = {
    'kill switch on': {
      prepare: () => setKillSwitch(false),
      api: async (who) => {
        const res = await api(who, 'POST', '/api/v1/admin/sparrow/kill_switch', { enabled: true, reason: 'pumping' });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who) => {
        const res = await who.web.post('/admin/sms/kill-switch', { enabled: 'on', reason: 'pumping', confirm: 'yes' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'kill switch off': {
      prepare: () => setKillSwitch(true),
      api: async (who) => {
        const res = await api(who, 'POST', '/api/v1/admin/sparrow/kill_switch', { enabled: false, reason: 'over' });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who) => {
        const res = await who.web.post('/admin/sms/kill-switch', { enabled: 'off', reason: 'over', confirm: 'yes' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'country policy': {
      api: async (who) => {
        const res = await api(who, 'PUT', '/api/v1/admin/sparrow/sms_policy', {
          country: 'TZ',
          posting: true,
          reason: 'launch',
        });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who) => {
        const res = await who.web.post('/admin/sms/policy', { country: 'TZ', posting: 'on', reason: 'launch' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'resolve a report': {
      prepare: openReport,
      api: async (who, id) => {
        const res = await api(who, 'POST', `/api/v1/admin/sparrow/reports/${id}/resolve`, { reason: 'reviewed' });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who, id) => {
        const res = await who.web.post(`/admin/alerts/reports/${id}/resolve`, { reason: 'reviewed' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'read the audit log': {
      api: async (who) => {
        const res = await api(who, 'GET', '/api/v1/admin/sparrow/audit_log');
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who) => {
        const res = await who.web.get('/admin/audit');
        return webOutcome(res.statusCode, res.body);
      },
    },
    'read fraud alerts': {
      api: async (who) => {
        const res = await api(who, 'GET', '/api/v1/admin/sparrow/security_alerts');
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who) => {
        const res = await who.web.get('/admin/alerts');
        return webOutcome(res.statusCode, res.body);
      },
    },
  };

  /** Every interface offering an action on one account (a fresh target each time). */
  const ACCOUNT_ACTIONS: Record<
    string,
    {
      prepare?: (target: Account) => Promise<void>;
      api: (who: Staff, target: Account) => Promise<Outcome>;
      web?: (who: Staff, target: Account) => Promise<Outcome>;
    }
  > = {
    suspend: {
      api: async (who, t) => {
        const res = await api(who, 'POST', `/api/v1/admin/accounts/${t.id}/action`, { type: 'suspend', text: 'spam' });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who, t) => {
        const res = await who.web.post(`/admin/users/${t.username}/suspend`, { reason: 'spam' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'lift a suspension': {
      prepare: async (t) => {
        await h.ctx.moderation.suspend(t, { actor: OPERATOR, reason: 'setup' });
      },
      api: async (who, t) => {
        const res = await api(who, 'POST', `/api/v1/admin/accounts/${t.id}/unsuspend`, { text: 'appeal' });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who, t) => {
        const res = await who.web.post(`/admin/users/${t.username}/unsuspend`, { reason: 'appeal' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'unlock SMS posting': {
      prepare: async (t) => {
        await h.ctx.sms.store.lockPosting(t.id, 'pin', h.clock.now());
      },
      api: async (who, t) => {
        const res = await api(who, 'POST', `/api/v1/admin/accounts/${t.id}/sms_unlock`, { text: 'owner called' });
        return apiOutcome(res.statusCode, res.body);
      },
      web: async (who, t) => {
        const res = await who.web.post(`/admin/users/${t.username}/reset-sms`, { reason: 'owner called' });
        return webOutcome(res.statusCode, res.body);
      },
    },
    'reset second factors': {
      api: async (who, t) => {
        const res = await api(who, 'POST', `/api/v1/admin/accounts/${t.id}/reset_second_factors`, {
          text: 'identity checked',
        });
        return apiOutcome(res.statusCode, res.body);
      },
    },
  };

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    for (const role of ['user', 'moderator', 'admin'] as Role[]) staff[role] = await signedIn(role);
  });
  afterAll(async () => h?.close());

  for (const [action, expected] of Object.entries(INSTANCE_EXPECTED)) {
    for (const role of ['user', 'moderator', 'admin'] as Role[]) {
      it.skipIf(skip)(`${role}: ${action} → ${expected[role]} on the API and the console alike`, async () => {
        const way = INSTANCE_ACTIONS[action]!;
        const viaApi = await way.api(staff[role], (await way.prepare?.()) ?? '');
        const viaWeb = await way.web(staff[role], (await way.prepare?.()) ?? '');
        expect({ api: viaApi, web: viaWeb }).toEqual({ api: expected[role], web: expected[role] });
      });
    }
  }

  for (const [action, way] of Object.entries(ACCOUNT_ACTIONS)) {
    for (const role of ['user', 'moderator', 'admin'] as Role[]) {
      for (const kind of ['user', 'moderator', 'admin', 'self'] as TargetKind[]) {
        const expected = ACCOUNT_EXPECTED[role][kind];
        it.skipIf(skip)(
          `${role}: ${action} of ${kind === 'self' ? 'themselves' : `a ${kind}`} → ${expected} on every interface`,
          async () => {
            const outcomes: Record<string, Outcome> = {};
            const interfaces = { api: way.api, ...(way.web ? { web: way.web } : {}) };
            for (const [name, take] of Object.entries(interfaces)) {
              const t = await target(kind, staff[role]);
              if (kind !== 'self') await way.prepare?.(t);
              outcomes[name] = await take(staff[role], t);
            }
            expect(outcomes).toEqual(Object.fromEntries(Object.keys(interfaces).map((name) => [name, expected])));
          },
        );
      }
    }
  }

  describe('the drift cases of issue 10', () => {
    it.skipIf(skip)(
      'a moderator may pull the kill switch on web and API alike, and release it on neither',
      async () => {
        const moderator = staff.moderator;
        await setKillSwitch(false);
        expect(
          (await api(moderator, 'POST', '/api/v1/admin/sparrow/kill_switch', { enabled: true, reason: 'attack' }))
            .statusCode,
        ).toBe(200);
        await setKillSwitch(false);
        const viaWeb = await moderator.web.post('/admin/sms/kill-switch', {
          enabled: 'on',
          reason: 'attack',
          confirm: 'yes',
        });
        expect(viaWeb.headers.location).toBe('/admin/sms?notice=kill_on');
        expect((await h.ctx.sms.policy.status(OPERATOR)).killSwitch.enabled).toBe(true);

        expect(
          (await api(moderator, 'POST', '/api/v1/admin/sparrow/kill_switch', { enabled: false, reason: 'over' }))
            .statusCode,
        ).toBe(403);
        expect(
          (await moderator.web.post('/admin/sms/kill-switch', { enabled: 'off', reason: 'over', confirm: 'yes' }))
            .statusCode,
        ).toBe(403);
        // The console does not offer what it would refuse.
        const page = await moderator.web.get('/admin/sms');
        expect(page.body).not.toContain('Turn kill switch off');
        expect(page.body).toContain('Only an administrator can turn the kill switch off');
        expect((await h.ctx.sms.policy.status(OPERATOR)).killSwitch.enabled).toBe(true);
        const audit = await h.ctx.audit.recent(OPERATOR, 5);
        expect(audit[0]).toMatchObject({ action: 'sms.kill_switch.on', actor: `account:${moderator.account.id}` });
        await setKillSwitch(false);
      },
    );

    it.skipIf(skip)("a moderator cannot unlock an administrator's SMS posting on the web console", async () => {
      const boss = await account('admin', 'lockedboss');
      await h.ctx.sms.store.lockPosting(boss.id, 'sim_swap', h.clock.now());
      const page = await staff.moderator.web.get(`/admin/users?q=${boss.username}`);
      expect(page.body).not.toContain('Reset SMS lock');
      const res = await staff.moderator.web.post(`/admin/users/${boss.username}/reset-sms`, { reason: 'asked nicely' });
      expect(res.statusCode).toBe(403);
      expect((await h.ctx.sms.owner.state(boss.id)).lockedAt).not.toBeNull();
      expect(
        (await h.ctx.audit.recent(OPERATOR, 50)).some((e) => e.action === 'sms.unlock' && e.subject === boss.id),
      ).toBe(false);
    });

    it.skipIf(skip)('the API refuses a suspension with an empty reason, as the CLI and the console do', async () => {
      const spammer = await account('user', 'noreason');
      for (const text of [undefined, '', '   ']) {
        const res = await api(staff.admin, 'POST', `/api/v1/admin/accounts/${spammer.id}/action`, {
          type: 'suspend',
          ...(text === undefined ? {} : { text }),
        });
        expect(res.statusCode).toBe(422);
      }
      expect(
        (await staff.admin.web.post(`/admin/users/${spammer.username}/suspend`, { reason: '  ' })).statusCode,
      ).toBe(422);
      expect((await h.ctx.moderation.find(OPERATOR, spammer.id)).suspended).toBe(false);
    });
  });
});

/** The CLI acts as the operator with shell access: every action, on anyone, audited under the operator's name. */
describe('the operator at the CLI', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparrow-roles-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const write = (t: string) => {
      out += t;
    };
    const code = await main(argv, {
      env: { SPARROW_LOG_LEVEL: 'silent', SPARROW_DATA_DIR: dir, SPARROW_OPERATOR: 'ops' },
      stdout: { write },
      stderr: { write },
      stopSignal: new Promise(() => {}),
    });
    return { code, out };
  }

  it('may do everything the roles table names, to users and staff alike, with a reason', async () => {
    for (const [name, role] of [
      ['plain', 'user'],
      ['mod', 'moderator'],
      ['boss', 'admin'],
    ]) {
      expect(
        (
          await cli(
            'users',
            'create',
            name!,
            '--email',
            `${name}@example.test`,
            '--password',
            PASSWORD,
            '--role',
            role!,
          )
        ).code,
      ).toBe(0);
    }
    expect((await cli('sms', 'kill-switch', 'on', '--reason', 'drill')).code).toBe(0);
    expect((await cli('sms', 'kill-switch', 'off', '--reason', 'drill over')).code).toBe(0);
    expect((await cli('sms', 'policy', 'set', 'KE', '--posting', 'on', '--reason', 'launch')).code).toBe(0);
    expect((await cli('sms', 'policy', 'set', 'KE', '--posting', 'on')).code).toBe(2);
    for (const name of ['plain', 'mod', 'boss']) {
      expect((await cli('users', 'suspend', name, '--reason', 'test')).code).toBe(0);
      expect((await cli('users', 'unsuspend', name, '--reason', 'test')).code).toBe(0);
      expect((await cli('users', 'unlock-sms', name, '--reason', 'test')).code).toBe(0);
      expect((await cli('users', 'reset-2fa', name, '--reason', 'test')).code).toBe(0);
    }
    expect((await cli('security', 'alerts')).code).toBe(0);
    const status = await cli('sms', 'status');
    expect(status.code).toBe(0);
    expect(status.out).toContain('cli:ops sms.unlock');
  });
});
