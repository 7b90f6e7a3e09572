import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';

/**
 * `sparrow serve --workers 3` on one SQLite file: three processes on one port, one leader
 * (SMS and housekeeping) at any time, writes from all of them safe, caches that never serve a
 * deleted post through any of them, and a dead leader replaced once it ended.
 */
describe('sparrow serve --workers 3 (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-workers-'));
  let port: number;
  let url: string;
  let child: ChildProcess;
  let stderr = '';
  let ctx: TestContext;
  let auth: { authorization: string };
  let accountId: string;

  const leaderLines = () =>
    stderr
      .split('\n')
      .filter((line) => line.includes('this worker sends SMS and runs housekeeping'))
      .map((line) => (JSON.parse(line) as { pid: number }).pid);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitFor = async (what: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end && !what(); ) await new Promise((r) => setTimeout(r, 100));
    return what();
  };

  beforeAll(async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      PORT: String(port),
      SPARROW_HOST: '127.0.0.1',
      SPARROW_PUBLIC_URL: url,
      SPARROW_DATA_DIR: dir,
      SPARROW_LOG_LEVEL: 'info',
    };
    child = spawn(process.execPath, ['bin/sparrow.js', 'serve', '--workers', '3'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await waitFor(() => stdout.includes('3 processes'), 90_000)).toBe(true);
    // Another process on the same file sets up an account, as an operator's CLI command would.
    ctx = await contextWithStorage(configFor({ SPARROW_DATA_DIR: dir }), { oneShot: true });
    const account = await ctx.microblog.createAccount({ username: 'busy' });
    accountId = account.id;
    const token = await ctx.oauth.issueToken({ appId: null, accountId, scopes: ['read', 'write'] });
    auth = { authorization: `Bearer ${token.accessToken}` };
  }, 120_000);

  afterAll(async () => {
    await ctx?.dispose();
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('has exactly one leader', () => {
    expect(leaderLines()).toHaveLength(1);
  });

  it('takes writes from all processes at once without losing one', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        fetch(`${url}/api/v1/statuses`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ status: `post ${i}` }),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    const account = (await (await fetch(`${url}/api/v1/accounts/${accountId}`)).json()) as { statuses_count: number };
    expect(account.statuses_count).toBe(60);
  }, 60_000);

  it('never serves a deleted post from any process, though every one had it cached', async () => {
    const id = (
      (await (
        await fetch(`${url}/api/v1/statuses`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'read me everywhere' }),
        })
      ).json()) as { id: string }
    ).id;
    // New connections each time, so the kernel spreads them over the processes.
    const read = () => fetch(`${url}/api/v1/statuses/${id}`, { headers: { ...auth, connection: 'close' } });
    for (let i = 0; i < 12; i += 1) expect((await read()).status).toBe(200);
    expect((await fetch(`${url}/api/v1/statuses/${id}`, { method: 'DELETE', headers: auth })).status).toBe(200);
    for (let i = 0; i < 12; i += 1) expect((await read()).status).toBe(404);
  }, 60_000);

  it('replaces a killed leader only after it ended, and keeps serving meanwhile', async () => {
    const [first] = leaderLines();
    process.kill(first!, 'SIGKILL');
    // The other processes keep answering (a connection the kernel had already queued on the
    // killed one is reset, as with any crashed server; the next one lands on a live process).
    let answered = 0;
    for (let i = 0; i < 10; i += 1) {
      const status = await fetch(`${url}/healthz`, { headers: { connection: 'close' } }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) answered += 1;
    }
    expect(answered).toBeGreaterThanOrEqual(5);
    expect(await waitFor(() => leaderLines().length === 2, 60_000)).toBe(true);
    const [, second] = leaderLines();
    expect(second).not.toBe(first);
    expect(alive(first!)).toBe(false);
    expect(alive(second!)).toBe(true);
  }, 90_000);

  it('stops every process on SIGTERM', async () => {
    const leader = leaderLines().at(-1)!;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(await waitFor(() => !alive(leader), 10_000)).toBe(true);
  }, 60_000);
});
