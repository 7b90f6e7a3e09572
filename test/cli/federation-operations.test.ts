import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { configFor } from '../../src/config/config.ts';
import { operatorActor } from '../../src/security/index.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { KyselyFederationQueue } from '../../src/store/index.ts';
import { contextWithStorage, testSchemaName, type TestContext } from '../helpers/context.ts';

/**
 * `sparrow federation queue|domains|retry` (issue 13, operations): the queue by state, kind and
 * server, per-server delivery state, and making delayed deliveries due now — results on
 * stdout (JSON with --json), nothing else there.
 */
const postgresUrl = process.env.SPARROW_TEST_DATABASE_URL;

async function run(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env: { SPARROW_LOG_LEVEL: 'silent', SPARROW_OPERATOR: 'ops-ola', ...env },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stopSignal: new Promise(() => {}),
  });
  return { code, stdout, stderr };
}

const TARGETS = [
  { label: 'sqlite', skip: false },
  {
    label: postgresUrl ? 'postgres' : 'postgres (skipped: set SPARROW_TEST_DATABASE_URL to run)',
    skip: !postgresUrl,
  },
];

/** A Fedify outbox message as Fedify enqueues it (the fields Sparrow reads; the rest is opaque). */
const delivery = (inbox: string, attempt = 0) => ({
  type: 'outbox',
  id: crypto.randomUUID(),
  inbox,
  activity: { type: 'Create' },
  activityType: 'https://www.w3.org/ns/activitystreams#Create',
  attempt,
  started: new Date().toISOString(),
});

describe.each(TARGETS)('sparrow federation queue, domains and retry on $label', ({ label, skip }) => {
  let env: Record<string, string> = {};
  let dir = '';
  let ctx: TestContext;

  beforeAll(async () => {
    if (skip) return;
    if (label === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'sparrow-cli-fed-'));
      env = { SPARROW_DATA_DIR: dir };
    } else {
      const schema = testSchemaName('clifed');
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const url = new URL(postgresUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      env = { SPARROW_DATABASE_URL: url.toString() };
    }
    expect((await run(['migrate'], env)).code).toBe(0);
    ctx = await contextWithStorage(configFor({ SPARROW_LOG_LEVEL: 'silent', ...env }));
    // What Fedify would have queued: deliveries to two servers, one of them retrying later.
    const queue = new KyselyFederationQueue(ctx.store.db, ctx.store.engine, systemClock);
    await queue.enqueue(delivery('https://up.example/inbox'));
    await queue.enqueueMany(
      [delivery('https://down.example/inbox', 1), delivery('https://down.example/users/x/inbox', 2)],
      {
        delay: { hours: 1 } as never,
      },
    );
    await queue.enqueue({ type: 'inbox', id: 'x', activity: { actor: 'https://up.example/users/u' } });
    await ctx.federationOperations.failed(
      'down.example',
      Object.assign(new Error('Bad gateway: secret-body'), { statusCode: 502 }),
    );
    await ctx.federationOperations.failed(
      'down.example',
      new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }),
    );
    await ctx.federationOperations.delivered('up.example');
  }, 60_000);

  afterAll(async () => {
    await ctx?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('shows the queue by state, kind and server', async () => {
    const json = await run(['federation', 'queue', '--json'], env);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const overview = JSON.parse(json.stdout);
    expect(overview).toMatchObject({
      total: 4,
      ready: 2,
      delayed: 2,
      inProgress: 0,
      byKind: { outbox: 3, inbox: 1, other: 0 },
    });
    expect(overview.oldestCreatedAt).toMatch(/^\d{4}-/);
    expect(overview.domains).toEqual([
      { domain: 'down.example', queued: 2, ready: 0, delayed: 2 },
      { domain: 'up.example', queued: 1, ready: 1, delayed: 0 },
    ]);
    const text = await run(['federation', 'queue'], env);
    expect(text.stdout).toContain('Queued:        4 (2 due, 2 retrying later, 0 being handled)');
    expect(text.stdout).toMatch(/down\.example\s+2 queued\s+2 later/);
  });

  it.skipIf(skip)('shows each server’s delivery state, failures without their bodies', async () => {
    const json = await run(['federation', 'domains', '--json'], env);
    expect(json.code).toBe(0);
    const domains = JSON.parse(json.stdout) as {
      domain: string;
      status: string;
      consecutiveFailures: number;
      lastFailure: string;
      queued: number;
      lastSuccessAt: string | null;
    }[];
    const down = domains.find((d) => d.domain === 'down.example')!;
    expect(down).toMatchObject({
      status: 'failing',
      consecutiveFailures: 2,
      lastFailure: 'TypeError ECONNREFUSED',
      queued: 2,
    });
    expect(domains.find((d) => d.domain === 'up.example')).toMatchObject({
      status: 'ok',
      consecutiveFailures: 0,
      queued: 1,
    });
    expect(json.stdout).not.toContain('secret-body');
    expect(domains[0]!.domain).toBe('down.example');
    const text = await run(['federation', 'domains'], env);
    expect(text.stdout).toMatch(/down\.example\s+failing\s+2\s+2/);
  });

  it.skipIf(skip)('retry makes one server’s delayed deliveries due now, audited', async () => {
    const bad = await run(['federation', 'retry', '--domain', 'not a domain'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Domain must be a host name');
    const other = await run(['federation', 'retry', '--domain', 'up.example', '--json'], env);
    expect(JSON.parse(other.stdout)).toEqual({ domain: 'up.example', messages: 0, domainsRestored: 0 });
    const retried = await run(
      ['federation', 'retry', '--domain', 'down.example', '--reason', 'the server is back'],
      env,
    );
    expect(retried).toMatchObject({ code: 0, stderr: '' });
    expect(retried.stdout).toBe('2 message(s) due now for down.example; 0 server(s) no longer unavailable (audited)\n');
    const after = JSON.parse((await run(['federation', 'queue', '--json'], env)).stdout);
    expect(after).toMatchObject({ total: 4, ready: 4, delayed: 0 });
    const audit = await ctx.audit.recent(operatorActor('ops'), 50, 'federation.retry');
    expect(
      audit.some(
        (e) =>
          e.action === 'federation.retry' &&
          e.subject === 'down.example' &&
          e.actor === 'cli:ops-ola' &&
          e.reason === 'the server is back',
      ),
    ).toBe(true);
  });

  it.skipIf(skip)('rejects bad command lines with the usage', async () => {
    const extra = await run(['federation', 'queue', 'now'], env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('sparrow federation retry [--domain <domain>]');
    const unknown = await run(['federation', 'domains', '--all'], env);
    expect(unknown.code).toBe(2);
  });
});
