import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { databaseFor, eventually, startNode, type FederationNode } from '../helpers/federation-nodes.ts';
import { freePort } from '../helpers/server.ts';

/**
 * Operating federation (issue 13): a server that keeps failing is recorded, given up on
 * (nothing more is attempted there), shown in /metrics, and taken back the moment it writes
 * again.
 */
const GIVE_UP = {
  SPARROW_FEDERATION_UNAVAILABLE_AFTER_FAILURES: '2',
  SPARROW_FEDERATION_UNAVAILABLE_AFTER_DAYS: '0',
};
const ops = operatorActor('test');

describe.each(ENGINES)('federation delivery state on $label', ({ name, skip }) => {
  let a: FederationNode;
  let b: FederationNode;
  let bPort: number;
  let bDatabase: { url: string; schema?: string };

  beforeAll(async () => {
    if (skip) return;
    a = await startNode(await freePort(), await databaseFor(name), GIVE_UP);
    bPort = await freePort();
    bDatabase = await databaseFor(name);
    b = await startNode(bPort, bDatabase, GIVE_UP);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const stateOfB = async () => (await a.ctx.federationOperations.domains(ops)).find((d) => d.domain === b.host);

  it.skipIf(skip)(
    'records deliveries, gives up on a server that keeps failing, and takes it back when it writes',
    async () => {
      const kim = await a.ctx.microblog.createAccount({ username: 'kim' });
      const lee = await b.ctx.microblog.createAccount({ username: 'lee' });
      const leeOnA = (await a.ctx.microblog.resolve(`lee@${b.host}`))!;
      const kimOnB = (await b.ctx.microblog.resolve(`kim@${a.host}`))!;
      await a.ctx.microblog.follow(kim.id, leeOnA.id);
      await b.ctx.microblog.follow(lee.id, kimOnB.id);
      await eventually('the follows', async () => (await b.ctx.microblog.relationship(lee.id, kimOnB.id)).following);
      await eventually('a delivery recorded', async () => (await stateOfB())?.lastSuccessAt instanceof Date);
      expect(await stateOfB()).toMatchObject({ status: 'ok', consecutiveFailures: 0, lastFailure: null });

      await b.stop();
      await a.ctx.microblog.post(kim.id, { text: 'while B is down', source: 'web' });
      await eventually('B given up on', async () => (await stateOfB())?.status === 'unavailable');
      const down = (await stateOfB())!;
      expect(down.consecutiveFailures).toBeGreaterThanOrEqual(2);
      expect(down.lastFailure).toMatch(/ECONNREFUSED|TypeError/);
      expect(down.unavailableSince).not.toBeNull();

      // Nothing more is attempted: a new post's delivery is dropped, not failed again.
      const failuresBefore = down.consecutiveFailures;
      await a.ctx.microblog.post(kim.id, { text: 'not even tried', source: 'web' });
      await eventually('the queue for B empty', async () =>
        (await a.ctx.federationOperations.queueOverview(ops)).domains.every((d) => d.domain !== b.host),
      );
      expect((await stateOfB())!.consecutiveFailures).toBe(failuresBefore);

      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      expect(metrics).toContain('sparrow_federation_unavailable_domains 1');
      expect(metrics).toContain(`sparrow_federation_domain_consecutive_failures{domain="${b.host}"} ${failuresBefore}`);
      expect(metrics).toMatch(
        new RegExp(`sparrow_federation_domain_queue_messages\\{domain="${b.host.replace('.', '\\.')}"\\} 0`),
      );

      // B comes back and writes: A hears from it and delivers there again.
      b = await startNode(bPort, bDatabase, GIVE_UP);
      await b.ctx.microblog.post(lee.id, { text: 'I am back', source: 'web' });
      await eventually('B taken back', async () => (await stateOfB())?.status === 'ok');
      expect((await stateOfB())!.lastInboundAt).not.toBeNull();
      const post = await a.ctx.microblog.post(kim.id, { text: 'welcome back', source: 'web' });
      await eventually(
        'the post on B',
        async () => (await b.ctx.microblog.postByUri(`${a.url}/users/kim/statuses/${post.id}`)) !== null,
      );
    },
    120_000,
  );

  it.skipIf(skip)('caps per-server series in /metrics at 50 plus other', async () => {
    for (let i = 0; i < 55; i += 1) await a.ctx.federationOperations.failed(`s${i}.example`, { statusCode: 500 });
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    const series = metrics.split('\n').filter((l) => l.startsWith('sparrow_federation_domain_consecutive_failures{'));
    expect(series).toHaveLength(51);
    expect(series.some((l) => l.includes('domain="other"'))).toBe(true);
  });
});
