import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { redisUrl, testSchemaName } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { operatorActor } from '../../src/security/index.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: Record<string, string>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env: { SPARROW_LOG_LEVEL: 'silent', ...env },
    stdout: {
      write: (t: string) => {
        stdout += t;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
      },
    },
    stopSignal: new Promise(() => {}),
  });
  return { code, stdout, stderr };
}

interface Target {
  label: string;
  skip: boolean;
  env(): Record<string, string>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

function sqliteTarget(): Target {
  let dir = '';
  return {
    label: 'sqlite',
    skip: false,
    env: () => ({ SPARROW_DATA_DIR: dir }),
    setup: async () => {
      dir = mkdtempSync(join(tmpdir(), 'sparrow-cli-'));
    },
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

// The CLI reads only the environment, so PostgreSQL isolation goes through the
// connection string: libpq's `options` parameter sets the schema search path.
function postgresTarget(): Target {
  const schema = testSchemaName('cli');
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  return {
    label: postgresUrl ? 'postgres' : 'postgres (skipped: set SPARROW_TEST_DATABASE_URL to run)',
    skip: !postgresUrl,
    env: () => {
      const url = new URL(postgresUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return { SPARROW_DATABASE_URL: url.toString() };
    },
    setup: () => admin(`create schema ${schema}`),
    teardown: async () => {}, // dropped after the whole run (test/helpers/global-setup.ts)
  };
}

describe.each([sqliteTarget(), postgresTarget()])('sparrow CLI on $label', (target) => {
  // Each command composes the whole app against the database; on a loaded machine with
  // PostgreSQL a test of several commands has taken longer than the default 30 s.
  describe.skipIf(target.skip)('', { timeout: 90_000 }, () => {
    beforeAll(() => target.setup());
    afterAll(() => target.teardown());

    it('migrates, then reports the database up to date', async () => {
      const first = await run(['migrate'], target.env());
      expect(first.stderr).toBe('');
      expect(first).toMatchObject({ code: 0 });
      expect(first.stdout).toMatch(/Applied \d+ migration\(s\): 0001_core/);
      const second = await run(['migrate'], target.env());
      expect(second).toMatchObject({ code: 0, stdout: 'Database is up to date.\n' });
    });

    it('creates users and refuses duplicates and bad input with clear errors', async () => {
      const created = await run(
        [
          'users',
          'create',
          'alice',
          '--email',
          'alice@example.org',
          '--password',
          'correct horse battery',
          '--role',
          'admin',
        ],
        target.env(),
      );
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^Created @alice \(id \d{18}, role admin\)/);

      const duplicate = await run(
        ['users', 'create', 'alice', '--email', 'other@example.org', '--password', 'correct horse battery'],
        target.env(),
      );
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toContain('Username is already taken');

      const weak = await run(
        ['users', 'create', 'bob', '--email', 'bob@example.org', '--password', 'short'],
        target.env(),
      );
      expect(weak.code).toBe(1);
      expect(weak.stderr).toMatch(/Password must be at least/);

      const badRole = await run(
        [
          'users',
          'create',
          'bob',
          '--email',
          'bob@example.org',
          '--password',
          'correct horse battery',
          '--role',
          'king',
        ],
        target.env(),
      );
      expect(badRole.code).toBe(2);
      expect(badRole.stderr).toContain('--role must be one of user, admin, moderator');

      const noEmail = await run(['users', 'create', 'bob', '--password', 'correct horse battery'], target.env());
      expect(noEmail).toMatchObject({ code: 2 });
      expect(noEmail.stderr).toContain('--email is required');

      const unknownFlag = await run(
        ['users', 'create', 'bob', '--email', 'b@example.org', '--pasword', 'x'],
        target.env(),
      );
      expect(unknownFlag.code).toBe(2);
      expect(unknownFlag.stderr).toMatch(/pasword/);

      // Nothing was half-written by the refused attempts: bob can still be created.
      const fromEnv = await run(['users', 'create', 'bob', '--email', 'bob@example.org'], {
        ...target.env(),
        SPARROW_NEW_PASSWORD: 'correct horse battery',
      });
      expect(fromEnv.stderr).toBe('');
      expect(fromEnv.code).toBe(0);
    });

    it('issues tokens that the API accepts, with exactly the requested scopes', async () => {
      const issued = await run(['tokens', 'create', 'alice', '--scopes', 'read'], target.env());
      expect(issued.code).toBe(0);
      const token = issued.stdout.trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);

      const { createContext } = await import('../../src/app/context.ts');
      const { configFor } = await import('../../src/config/config.ts');
      const { buildServer } = await import('../../src/app/http-server.ts');
      const ctx = await createContext(configFor(target.env()));
      const app = await buildServer(ctx);
      try {
        const me = await app.inject({
          url: '/api/v1/accounts/verify_credentials',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(me.statusCode).toBe(200);
        expect(me.json().username).toBe('alice');
        const post = await app.inject({
          method: 'POST',
          url: '/api/v1/statuses',
          headers: { authorization: `Bearer ${token}` },
          payload: { status: 'hi' },
        });
        expect(post.statusCode).toBe(403);
      } finally {
        await app.close();
        await ctx.close();
      }

      const unknownUser = await run(['tokens', 'create', 'nobody'], target.env());
      expect(unknownUser).toMatchObject({ code: 1 });
      expect(unknownUser.stderr).toContain('no local account named "nobody"');
      const badScope = await run(['tokens', 'create', 'alice', '--scopes', 'read admin:everything'], target.env());
      expect(badScope.code).toBe(2);
      expect(badScope.stderr).toContain('unknown scope(s): admin:everything');
    });

    it('sets the server rules that apps list and reports cite', async () => {
      const added = await run(['rules', 'add', 'Be kind', '--hint', 'No harassment'], target.env());
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      const id = added.stdout.trim();
      expect(id).toMatch(/^\d{18}$/);
      const listed = await run(['rules', 'list'], target.env());
      expect(listed.stdout).toContain(`${id}\tBe kind\tNo harassment`);
      expect((await run(['rules', 'add', ''], target.env())).code).toBe(1);
      expect((await run(['rules', 'remove', id], target.env())).code).toBe(0);
      expect((await run(['rules', 'list'], target.env())).stdout).not.toContain('Be kind');
      expect((await run(['rules', 'remove', id], target.env())).code).toBe(1);
    });

    it('suspends, unsuspends and resets second factors, audited; refuses without a reason', async () => {
      expect(
        (
          await run(
            ['users', 'create', 'carl', '--email', 'carl@example.test', '--password', 'correct horse battery staple'],
            target.env(),
          )
        ).code,
      ).toBe(0);
      expect((await run(['users', 'suspend', 'carl'], target.env())).code).toBe(2);
      expect((await run(['users', 'suspend', 'nobody', '--reason', 'x'], target.env())).code).toBe(1);
      const token = (await run(['tokens', 'create', 'carl'], target.env())).stdout.trim();
      const suspended = await run(['users', 'suspend', 'carl', '--reason', 'spam'], {
        ...target.env(),
        SPARROW_OPERATOR: 'ops-anna',
      });
      expect(suspended).toMatchObject({ code: 0 });
      expect(suspended.stdout).toContain('Suspended @carl; 1 session(s) signed out (audited as cli:ops-anna)');
      expect((await run(['users', 'unsuspend', 'carl'], target.env())).code).toBe(2);
      expect((await run(['users', 'unsuspend', 'carl', '--reason', 'appeal accepted'], target.env())).code).toBe(0);

      const { createContext } = await import('../../src/app/context.ts');
      const { configFor } = await import('../../src/config/config.ts');
      const ctx = await createContext(configFor(target.env()));
      try {
        const carl = await ctx.microblog.lookup('carl');
        const { secret } = await ctx.factors.beginTotp(carl!.id, 'correct horse battery staple', 'carl', 'Sparrow');
        const OTPAuth = await import('otpauth');
        await ctx.factors.confirmTotp(
          carl!.id,
          new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate(),
        );
        expect((await ctx.factors.summary(carl!.id)).twoFactorEnabled).toBe(true);
        expect(await ctx.oauth.verifyToken(token)).toBeNull();
      } finally {
        await ctx.close();
      }
      const reset = await run(
        ['users', 'reset-2fa', 'carl', '--reason', 'lost phone, identity checked by support'],
        target.env(),
      );
      expect(reset.code).toBe(0);
      const after = await createContext(configFor(target.env()));
      try {
        const carl = await after.microblog.lookup('carl');
        expect(await after.factors.summary(carl!.id)).toMatchObject({ twoFactorEnabled: false, recoveryCodesLeft: 0 });
        const actions = (await after.audit.recent(operatorActor('test'), 20)).map((e) => e.action);
        expect(actions).toEqual(expect.arrayContaining(['account.suspend', 'account.unsuspend', 'account.reset_2fa']));
        expect((await after.notices.list(carl!.id)).map((e) => e.kind)).toContain('two_factor_changed');
      } finally {
        await after.close();
      }
      const alerts = await run(['security', 'alerts'], target.env());
      expect(alerts).toMatchObject({ code: 0, stdout: 'No security alerts.\n' });
      expect((await run(['security', 'alerts', '--limit', 'many'], target.env())).code).toBe(2);
    });
  });
});

describe('sparrow CLI usage', () => {
  it('prints help, and exits 2 on unknown commands and bad configuration', async () => {
    expect((await run(['--help'], {})).code).toBe(0);
    const none = await run([], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('sparrow users create');
    const unknown = await run(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badConfig = await run(['migrate'], { PORT: 'abc', SPARROW_DATABASE_URL: 'mysql://x' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('PORT must be a whole number');
    expect(badConfig.stderr).toContain('SPARROW_DATABASE_URL');
  });
});

describe('sparrow serve as a process', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparrow-serve-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on the embedded store, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/sparrow.js', 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        SPARROW_HOST: '127.0.0.1',
        SPARROW_DATA_DIR: dir,
        SPARROW_LOG_LEVEL: 'warn',
        SPARROW_DATABASE_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain(`Sparrow is listening`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 30_000);
});

/** One real `sparrow` process: what it printed on each stream, and how it ended. */
function runProcess(argv: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sparrow.js', ...argv], {
      env: { ...process.env, SPARROW_LOG_LEVEL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe.skipIf(!redisUrl)(
  `sparrow CLI processes with Redis configured${redisUrl ? '' : ' (skipped: set SPARROW_TEST_REDIS_URL to run)'}`,
  () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sparrow-cli-redis-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('prints exactly the token on stdout, run after run; logs (if any) go to stderr', async () => {
      const env = { SPARROW_DATA_DIR: dir, SPARROW_DATABASE_URL: '', SPARROW_REDIS_URL: redisUrl! };
      const created = await runProcess(
        ['users', 'create', 'dana', '--email', 'dana@example.test', '--password', 'correct horse battery'],
        env,
      );
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^Created @dana \(id \d{18}, role user\)\n$/);
      const runs = [];
      for (let i = 0; i < 5; i += 1) runs.push(await runProcess(['tokens', 'create', 'dana', '--scopes', 'read'], env));
      for (const issued of runs) {
        expect(issued.code).toBe(0);
        // A script reading the token reads the whole of stdout: one line, the token, nothing else.
        expect(issued.stdout).toMatch(/^[A-Za-z0-9_-]{32,}\n$/);
        // A one-shot command starts no event bus, so it has nothing to say about one either.
        expect(issued.stderr).not.toMatch(/event bus|subscribe/i);
      }
      expect(new Set(runs.map((r) => r.stdout)).size).toBe(runs.length);

      // With every log line on, logs still never reach stdout.
      const verbose = await runProcess(['tokens', 'create', 'dana'], { ...env, SPARROW_LOG_LEVEL: 'trace' });
      expect(verbose.code).toBe(0);
      expect(verbose.stdout).toMatch(/^[A-Za-z0-9_-]{32,}\n$/);
    }, 60_000);

    it('sends a logged warning to stderr, the result to stdout', async () => {
      // An SMTP-less installation with a real SMS provider warns about mail at start: a log line.
      const env = {
        SPARROW_DATA_DIR: dir,
        SPARROW_DATABASE_URL: '',
        SPARROW_REDIS_URL: redisUrl!,
        SPARROW_SMS_PROVIDER: 'twilio',
        SPARROW_TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
        SPARROW_TWILIO_AUTH_TOKEN: 'token',
        SPARROW_TWILIO_FROM: '+15005550006',
      };
      const issued = await runProcess(['tokens', 'create', 'dana'], env);
      expect(issued.code).toBe(0);
      expect(issued.stdout).toMatch(/^[A-Za-z0-9_-]{32,}\n$/);
      expect(issued.stderr).toContain('SPARROW_SMTP_URL is not set');
    }, 30_000);
  },
);
