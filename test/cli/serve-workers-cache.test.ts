import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../../src/config/config.ts';
import { contextWithStorage, type TestContext } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';

/**
 * The read caches of issue 14 (posts, accounts, per-viewer state, assembled JSON) under
 * `sparrow serve --workers 2` on one SQLite file: every change made through one process (or
 * by an operator's command on the same file) is seen by every process on the very next read,
 * though each had just served the old state from memory. Reads go over new connections, which
 * the kernel spreads over both workers.
 */
describe('read caches across `sparrow serve --workers 2` (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparrow-workers-cache-'));
  let url: string;
  let child: ChildProcess;
  let ctx: TestContext;
  let n = 0;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes
  type Json = any;
  const call = async (path: string, auth: Record<string, string>, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, {
      ...init,
      headers: { ...auth, connection: 'close', ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** The same read several times over new connections: every answer, from whichever worker. */
  const everywhere = async (path: string, auth: Record<string, string>) => {
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await call(path, auth));
    return answers;
  };
  const person = async (name: string) => {
    n += 1;
    const account = await ctx.microblog.createAccount({ username: `${name}${n}` });
    const token = await ctx.oauth.issueToken({
      appId: null,
      accountId: account.id,
      scopes: ['read', 'write', 'follow'],
    });
    return { id: account.id, auth: { authorization: `Bearer ${token.accessToken}` } };
  };
  const pair = async () => {
    const author = await person('author');
    const reader = await person('reader');
    await ctx.microblog.follow(reader.id, author.id);
    const id = (
      await call('/api/v1/statuses', author.auth, { method: 'POST', body: JSON.stringify({ status: 'First words' }) })
    ).body.id as string;
    // Every worker reads it once: posts, accounts, the reader's token and state are now in memory.
    for (const answer of await everywhere('/api/v1/timelines/home', reader.auth))
      expect(answer.body.map((s: { id: string }) => s.id)).toEqual([id]);
    return { author, reader, id };
  };
  const homeIdsEverywhere = async (auth: Record<string, string>) =>
    (await everywhere('/api/v1/timelines/home', auth)).map((a) =>
      a.status === 200 ? a.body.map((s: { id: string }) => s.id) : a.status,
    );

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['bin/sparrow.js', 'serve', '--workers', '2'], {
      env: {
        ...process.env,
        PORT: String(port),
        SPARROW_HOST: '127.0.0.1',
        SPARROW_PUBLIC_URL: url,
        SPARROW_DATA_DIR: dir,
        SPARROW_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    for (const end = Date.now() + 90_000; Date.now() < end && !stdout.includes('2 processes'); )
      await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain('2 processes');
    // An operator's command on the same file, as `sparrow accounts suspend …` is.
    ctx = await contextWithStorage(configFor({ SPARROW_DATA_DIR: dir }), { oneShot: true });
  }, 120_000);

  afterAll(async () => {
    await ctx?.dispose();
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves an edit and a deletion from every worker at once', async () => {
    const { author, reader, id } = await pair();
    expect(
      (
        await call(`/api/v1/statuses/${id}`, author.auth, {
          method: 'PUT',
          body: JSON.stringify({ status: 'Edited words' }),
        })
      ).status,
    ).toBe(200);
    for (const answer of await everywhere('/api/v1/timelines/home', reader.auth)) {
      expect(answer.body[0].content).toContain('Edited words');
      expect(answer.body[0].edited_at).not.toBeNull();
    }
    for (const answer of await everywhere(`/api/v1/accounts/${author.id}/statuses`, reader.auth))
      expect(answer.body[0].content).toContain('Edited words');
    expect((await call(`/api/v1/statuses/${id}`, author.auth, { method: 'DELETE' })).status).toBe(200);
    expect(await homeIdsEverywhere(reader.auth)).toEqual(Array(6).fill([]));
    for (const answer of await everywhere(`/api/v1/statuses/${id}/context`, reader.auth))
      expect(answer.status).toBe(404);
  }, 60_000);

  it('hides a blocked or muted author on every worker at once', async () => {
    const { author, reader, id } = await pair();
    await call(`/api/v1/accounts/${author.id}/mute`, reader.auth, { method: 'POST' });
    expect(await homeIdsEverywhere(reader.auth)).toEqual(Array(6).fill([]));
    await call(`/api/v1/accounts/${author.id}/unmute`, reader.auth, { method: 'POST' });
    expect(await homeIdsEverywhere(reader.auth)).toEqual(Array(6).fill([id]));
    await call(`/api/v1/accounts/${reader.id}/block`, author.auth, { method: 'POST' });
    expect(await homeIdsEverywhere(reader.auth)).toEqual(Array(6).fill([]));
    for (const answer of await everywhere(`/api/v1/accounts/${author.id}/statuses`, reader.auth))
      expect(answer.body).toEqual([]);
  }, 60_000);

  it('stops serving a suspended author and a revoked token from every worker at once', async () => {
    const { author, reader } = await pair();
    // Both by an operator's command on the same file, not through the workers.
    await ctx.microblog.setSuspended(author.id, true);
    expect(await homeIdsEverywhere(reader.auth)).toEqual(Array(6).fill([]));
    await ctx.oauth.revokeAllSessions(reader.id);
    expect(await homeIdsEverywhere(reader.auth)).toEqual(Array(6).fill(401));
  }, 60_000);

  it('shows a renamed author in the posts every worker had assembled', async () => {
    const { author, reader } = await pair();
    await call('/api/v1/accounts/update_credentials', author.auth, {
      method: 'PATCH',
      body: JSON.stringify({ display_name: 'Someone New' }),
    });
    for (const answer of await everywhere('/api/v1/timelines/home', reader.auth))
      expect(answer.body[0].account.display_name).toBe('Someone New');
  }, 60_000);
});
