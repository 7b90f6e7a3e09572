import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { main } from '../../src/cli/main.ts';
import { operatorActor } from '../../src/security/index.ts';
import { contextWithStorage, testSchemaName, type TestContext } from '../helpers/context.ts';
import { until } from '../helpers/until.ts';

const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;
const KE = '+254712345678';

interface Store {
  label: string;
  skip: boolean;
  env: Record<string, string>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

function sqliteStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-instances-'));
  return {
    label: 'sqlite',
    skip: false,
    env: { SPARROW_DATA_DIR: dir },
    setup: async () => {},
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresStore(): Store {
  const schema = testSchemaName('inst');
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  const url = postgresUrl ? new URL(postgresUrl) : null;
  url?.searchParams.set('options', `-c search_path=${schema}`);
  return {
    label: postgresUrl ? 'postgres' : 'postgres (skipped: set SPARROW_TEST_DATABASE_URL to run)',
    skip: !postgresUrl,
    env: url ? { SPARROW_DATABASE_URL: url.toString() } : {},
    setup: () => admin(`create schema ${schema}`),
    teardown: async () => {}, // dropped after the whole run (test/helpers/global-setup.ts)
  };
}

/**
 * The kill switch reaches separate processes: a `sparrow worker` sends the outbox while
 * this test plays the web instance and an operator's CLI, all sharing one store.
 */
describe.each([sqliteStore(), postgresStore()])('kill switch across processes on $label', (store) => {
  let web: TestContext;
  let worker: ChildProcess;
  let workerOutput = '';

  beforeAll(async () => {
    if (store.skip) return;
    await store.setup();
    web = await contextWithStorage(configFor({ SPARROW_SMS_PROVIDER: 'console', ...store.env }));
    worker = spawn(process.execPath, ['bin/sparrow.js', 'worker'], {
      env: { ...process.env, ...store.env, SPARROW_SMS_PROVIDER: 'console', SPARROW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (c: Buffer) => {
      workerOutput += c.toString();
    });
    worker.stderr!.on('data', (c: Buffer) => {
      workerOutput += c.toString();
    });
    await until('worker start', async () => workerOutput.includes('worker running'), 20_000);
  }, 30_000);

  afterAll(async () => {
    if (store.skip) return;
    const exited = new Promise((resolve) => worker.on('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
    await web.close();
    await store.teardown();
  });

  const status = async (id: string) => (await web.sms.store.outboxMessage(id))?.status;
  const cli = (...argv: string[]) =>
    main(argv, {
      env: { ...store.env, SPARROW_LOG_LEVEL: 'silent', SPARROW_OPERATOR: 'ops-oncall' },
      stdout: { write: () => true },
      stderr: { write: () => true },
      stopSignal: new Promise(() => {}),
    });

  it.skipIf(store.skip)(
    'stops content SMS within 5 s on the worker while security codes keep going',
    async () => {
      expect(
        await cli('sms', 'policy', 'set', 'KE', '--posting', 'on', '--notifications', 'on', '--reason', 'test'),
      ).toBe(0);
      const [before] = await web.sms.outbox.enqueue([
        { to: KE, country: 'KE', text: 'before', messageClass: 'content', purpose: 'post_notification' },
      ]);
      await until('worker to send content', async () => (await status(before!)) === 'sent');

      expect(await cli('sms', 'kill-switch', 'on', '--reason', 'SMS pumping from a carrier')).toBe(0);
      const switchedAt = Date.now();
      // Policy state is cached for at most 2 s in each process; 5 s is the promise.
      await new Promise((r) => setTimeout(r, 2_500));
      const [content, code] = await web.sms.outbox.enqueue([
        { to: KE, country: 'KE', text: 'during', messageClass: 'content', purpose: 'post_notification' },
        {
          to: KE,
          country: 'KE',
          text: 'Your Sparrow code is 123456.',
          messageClass: 'security',
          purpose: 'phone_verification',
        },
      ]);
      await until(
        'worker to settle both',
        async () => (await status(content!)) === 'suppressed' && (await status(code!)) === 'sent',
      );
      expect(Date.now() - switchedAt).toBeLessThan(5_000);

      const [audit] = await web.audit.recent(operatorActor('test'), 1);
      expect(audit).toMatchObject({
        action: 'sms.kill_switch.on',
        actor: 'cli:ops-oncall',
        reason: 'SMS pumping from a carrier',
      });

      expect(await cli('sms', 'kill-switch', 'off', '--reason', 'resolved')).toBe(0);
      await new Promise((r) => setTimeout(r, 2_500));
      const [after] = await web.sms.outbox.enqueue([
        { to: KE, country: 'KE', text: 'after', messageClass: 'content', purpose: 'post_notification' },
      ]);
      await until('content to flow again', async () => (await status(after!)) === 'sent');
    },
    30_000,
  );
});
