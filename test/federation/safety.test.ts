import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { operatorActor } from '../../src/security/index.ts';
import { until } from '../helpers/until.ts';

/**
 * Safety of federation between two real Sparrow servers on loopback: per-domain inbox limits
 * (body size, rate) and authorized fetch (signed GETs, both servers in that mode).
 */
const BASE_ENV = {
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_LOG_LEVEL: process.env.FED_LOG ?? 'silent',
};
const AUTHORIZED_ENV = { ...BASE_ENV, SPARROW_FEDERATION_AUTHORIZED_FETCH: 'true' };
const AP = { accept: 'application/activity+json' };
const operator = (reason: string) => ({ actor: operatorActor('test'), reason });

/** Generous: in authorized-fetch mode a first follow takes several signed round trips, slow on a loaded machine. */
const eventually = (what: string, probe: () => Promise<boolean>, ms = 45_000) => until(what, probe, ms);

/** A delivery whose signature names a key on `host` (a closed port: it can never verify). */
function fakeDelivery(host: string, body = '{"type":"Create","actor":"x"}'): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/activity+json',
      date: new Date().toUTCString(),
      signature: `keyId="http://${host}/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`,
    },
    body,
  };
}

describe.each(ENGINES)('federation safety on $label', ({ name, skip }) => {
  let a: RunningServer;
  let b: RunningServer;
  const stops: { stop(): Promise<void> }[] = [];
  const domainOf = (server: RunningServer) => new URL(server.url).host;

  beforeAll(async () => {
    if (skip) return;
    a = await startServer(name, {
      ...AUTHORIZED_ENV,
      SPARROW_FEDERATION_INBOX_RATE_LIMIT: '8',
      SPARROW_FEDERATION_INBOX_BODY_LIMIT: '8192',
      SPARROW_FEDERATION_THREAD_FETCH_DEPTH: '2',
    });
    b = await startServer(name, AUTHORIZED_ENV);
    stops.push(await a.ctx.startBackgroundWork({ inProcessWithWeb: true }));
    stops.push(await b.ctx.startBackgroundWork({ inProcessWithWeb: true }));
  }, 60_000);

  afterAll(async () => {
    for (const s of stops) await s.stop();
    await a?.close();
    await b?.close();
  });

  it.skipIf(skip)(
    'two servers both in authorized-fetch mode follow, post and reply; unsigned fetches get 401 or a bare actor',
    async () => {
      const ada = await a.ctx.microblog.createAccount({ username: 'ada', displayName: 'Ada Lovelace' });
      const bea = await b.ctx.microblog.createAccount({ username: 'bea', displayName: 'Bea Signed' });

      // Signed lookups (WebFinger, then the actor signed by the instance actor) see the full profile.
      const beaOnA = (await a.ctx.microblog.resolve(`bea@${domainOf(b)}`))!;
      expect(beaOnA.displayName).toBe('Bea Signed');
      await a.ctx.microblog.follow(ada.id, beaOnA.id);
      await eventually('the Accept', async () => (await a.ctx.microblog.relationship(ada.id, beaOnA.id)).following);
      const post = await b.ctx.microblog.post(bea.id, { text: 'signed all the way', source: 'web' });
      await eventually('the post on A', async () =>
        (await a.ctx.microblog.homeTimeline(ada.id, { limit: 10 })).some((v) => v.post.text === 'signed all the way'),
      );
      const onA = (await a.ctx.microblog.postByUri(`${b.url}/users/bea/statuses/${post.id}`))!;
      await a.ctx.microblog.post(ada.id, { text: 'a reply', source: 'web', inReplyToId: onA.id });
      await eventually('the reply on B', async () =>
        (await b.ctx.microblog.notifications(bea.id, { limit: 10 })).some((n) => n.notification.type === 'mention'),
      );

      // Unsigned: a post and the collections are 401, the actor shows its key and inbox only.
      const note = await fetch(`${b.url}/users/bea/statuses/${post.id}`, { headers: AP });
      expect(note.status).toBe(401);
      for (const path of ['followers', 'following', 'outbox'])
        expect((await fetch(`${b.url}/users/bea/${path}`, { headers: AP })).status).toBe(401);
      const bare = (await (await fetch(`${b.url}/users/bea`, { headers: AP })).json()) as Record<string, unknown>;
      expect(bare.publicKey).toBeTruthy();
      expect(bare.inbox).toBeTruthy();
      expect(bare.name).toBeUndefined();
      expect(bare.summary).toBeUndefined();
      // The instance actor is always served, with its key.
      const instance = (await (await fetch(`${b.url}/users/sparrow.instance`, { headers: AP })).json()) as Record<
        string,
        unknown
      >;
      expect(instance.type).toBe('Application');
      expect(instance.publicKey).toBeTruthy();

      // Signed by the peer's instance actor: the post is served.
      const loader = await a.ctx
        .federation!.federation.createContext(new URL(a.url))
        .getDocumentLoader({ identifier: 'sparrow.instance' });
      const signed = await loader(`${b.url}/users/bea/statuses/${post.id}`);
      expect((signed.document as { content?: string }).content).toContain('signed all the way');
      const signedActor = await loader(`${b.url}/users/bea`);
      expect((signedActor.document as { name?: string }).name).toBe('Bea Signed');

      // Once B suspends A, A's signed fetches are refused.
      await b.ctx.domainBlocks.block(domainOf(a), { severity: 'suspend' }, operator('blocking A in a test'));
      await expect(loader(`${b.url}/users/bea/statuses/${post.id}?again`)).rejects.toThrow(/401/);
      await b.ctx.domainBlocks.unblock(domainOf(a), operator('lifting it'));
    },
    150_000,
  );

  it.skipIf(skip)(
    'after rotate-keys the peer is told and accepts activities signed with the new key',
    async () => {
      const ada = (await a.ctx.microblog.lookup('ada'))!;
      const bea = (await b.ctx.microblog.lookup('bea'))!;
      const loader = await a.ctx
        .federation!.federation.createContext(new URL(a.url))
        .getDocumentLoader({ identifier: 'sparrow.instance' });
      const keyOf = async () =>
        ((await loader(`${b.url}/users/bea`)).document as { publicKey?: { publicKeyPem?: string } }).publicKey
          ?.publicKeyPem;
      const before = await keyOf();
      // A has seen bea's key already (the first test's deliveries); now B rotates it.
      expect(await b.ctx.federation!.rotateKeys('bea')).toBe(1);
      expect(await b.ctx.federation!.rotateKeys('nobody')).toBeNull();
      const after = await keyOf();
      expect(after).toBeTruthy();
      expect(after).not.toBe(before);
      await b.ctx.microblog.post(bea.id, { text: 'signed with the new key', source: 'web' });
      await eventually('the post signed with the new key', async () =>
        (await a.ctx.microblog.homeTimeline(ada.id, { limit: 10 })).some(
          (v) => v.post.text === 'signed with the new key',
        ),
      );
    },
    120_000,
  );

  it.skipIf(skip)(
    'the missing parents of a received reply are fetched afterwards, up to the depth limit',
    async () => {
      const ada = (await a.ctx.microblog.lookup('ada'))!;
      const cid = await b.ctx.microblog.createAccount({ username: 'cid' });
      const dee = await b.ctx.microblog.createAccount({ username: 'dee' });
      const deeOnA = (await a.ctx.microblog.resolve(`dee@${domainOf(b)}`))!;
      await a.ctx.microblog.follow(ada.id, deeOnA.id);
      await eventually('following dee', async () => (await a.ctx.microblog.relationship(ada.id, deeOnA.id)).following);
      // Nobody on A follows cid: A sees none of these until dee answers.
      const p0 = await b.ctx.microblog.post(cid.id, { text: 'the root', source: 'web' });
      const p1 = await b.ctx.microblog.post(cid.id, { text: 'first answer', source: 'web', inReplyToId: p0.id });
      const r1 = await b.ctx.microblog.post(cid.id, { text: 'second answer', source: 'web', inReplyToId: p1.id });
      const r2 = await b.ctx.microblog.post(dee.id, { text: 'dee joins in', source: 'web', inReplyToId: r1.id });
      const uri = (id: string, who = 'cid') => `${b.url}/users/${who}/statuses/${id}`;
      // (A reply to someone ada does not follow is kept from her home timeline, as on Mastodon.)
      await eventually('the reply on A', async () => (await a.ctx.microblog.postByUri(uri(r2.id, 'dee'))) !== null);
      const reply = { post: (await a.ctx.microblog.postByUri(uri(r2.id, 'dee')))! };
      const r1OnA = (await a.ctx.microblog.postByUri(uri(r1.id)))!;
      const p1OnA = (await a.ctx.microblog.postByUri(uri(p1.id)))!;
      expect(reply.post.inReplyToId).toBe(r1OnA.id);
      expect(r1OnA.inReplyToId).toBe(p1OnA.id);
      // Depth 2 on A: the root stays unfetched.
      expect(await a.ctx.microblog.postByUri(uri(p0.id))).toBeNull();
      expect(p1OnA.inReplyToId).toBeNull();
    },
    120_000,
  );

  it.skipIf(skip)('an oversized delivery is 413, declared or streamed', async () => {
    const big = JSON.stringify({ type: 'Create', actor: `http://127.0.0.1:9/x`, content: 'x'.repeat(20_000) });
    const declared = await fetch(`${a.url}/inbox`, fakeDelivery('127.0.0.1:9', big));
    expect(declared.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const streamed = await fetch(`${a.url}/users/ada/inbox`, {
      ...fakeDelivery('127.0.0.1:9'),
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/sparrow_federation_inbox_refused_total\{reason="too_large"\} [1-9]/);
  });

  it.skipIf(skip)('a flood from one domain is 429 with Retry-After while another domain still gets in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await fetch(`${a.url}/inbox`, fakeDelivery('127.0.0.1:7'))).status);
    // Not refused for the rate at first (the signature cannot verify: 401), then 429.
    expect(statuses.slice(0, 8).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(8).every((s) => s === 429)).toBe(true);
    const limited = await fetch(`${a.url}/inbox`, fakeDelivery('127.0.0.1:7'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another domain is not affected, and neither is the real server B.
    expect((await fetch(`${a.url}/inbox`, fakeDelivery('127.0.0.1:8'))).status).not.toBe(429);
    const ada = (await a.ctx.microblog.lookup('ada'))!;
    const bea = (await b.ctx.microblog.lookup('bea'))!;
    await b.ctx.microblog.post(bea.id, { text: 'still arriving', source: 'web' });
    await eventually('the post after the flood', async () =>
      (await a.ctx.microblog.homeTimeline(ada.id, { limit: 10 })).some((v) => v.post.text === 'still arriving'),
    );
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/sparrow_federation_inbox_refused_total\{reason="rate_limited"\} [1-9]/);
  });
});

describe('sparrow federation rotate-keys', () => {
  it('renews one account, every keyed account, and refuses what it cannot do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparrow-rotate-'));
    const run = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(argv, {
        env: { SPARROW_LOG_LEVEL: 'silent', SPARROW_DATA_DIR: dir, SPARROW_PUBLIC_URL: 'https://sparrow.test' },
        stdout: { write: (t: string) => void (stdout += t) },
        stderr: { write: (t: string) => void (stderr += t) },
        stopSignal: new Promise(() => {}),
      });
      return { code, stdout, stderr };
    };
    try {
      expect((await run('federation', 'rotate-keys')).code).toBe(2);
      expect((await run('federation', 'rotate-keys', 'ada', '--all')).code).toBe(2);
      expect(
        (await run('users', 'create', 'ada', '--email', 'ada@example.org', '--password', 'a long password')).code,
      ).toBe(0);
      expect((await run('federation', 'rotate-keys', '--all')).stdout).toContain('No account has keys yet');
      const one = await run('federation', 'rotate-keys', '@ada');
      expect(one).toMatchObject({ code: 0 });
      expect(one.stdout).toContain('ada: new keys; Update sent to 0 followers elsewhere');
      expect((await run('federation', 'rotate-keys', '--all')).stdout).toContain('ada: new keys');
      const missing = await run('federation', 'rotate-keys', 'ghost');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('No local account named ghost');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
