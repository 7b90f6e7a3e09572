import { Flag } from '@fedify/fedify/vocab';
import { createRestAPIClient } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountActor, operatorActor } from '../../src/security/index.ts';
import { ENGINES } from '../helpers/context.ts';
import { databaseFor, eventually, startNode, type FederationNode } from '../helpers/federation-nodes.ts';
import { freePort } from '../helpers/server.ts';

/**
 * Reports across servers (issue 13): a person reports an account of another server through the
 * Mastodon API; staff here get the report, and with forward=true the other server gets a Flag
 * from this server's instance actor — never naming the reporter — which files a report for its
 * own staff about its own account and posts.
 */
describe.each(ENGINES)('reports between two servers on $label', ({ name, skip }) => {
  let a: FederationNode;
  let b: FederationNode;
  const realFetch = globalThis.fetch;
  const flags: string[] = [];

  beforeAll(async () => {
    if (skip) return;
    a = await startNode(await freePort(), await databaseFor(name));
    b = await startNode(await freePort(), await databaseFor(name));
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.method === 'POST') {
        const body = await request.clone().text();
        if (body.includes('"Flag"')) flags.push(body);
      }
      return realFetch(request);
    };
  }, 60_000);

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await a?.stop();
    await b?.stop();
  });

  async function tokenFor(node: FederationNode, accountId: string): Promise<string> {
    const registered = await node.ctx.oauth.registerApp({
      name: 'Reports test',
      redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read write follow',
    });
    const token = await node.ctx.oauth.issueToken({
      appId: registered.app.id,
      accountId,
      scopes: ['read', 'write', 'follow'],
    });
    return token.accessToken;
  }

  it.skipIf(skip)(
    'a forwarded report reaches the other server’s staff as a Flag from the instance, the reporter unnamed',
    async () => {
      const rita = await a.ctx.identity.register({
        username: 'rita',
        email: 'rita.reporter@example.org',
        password: 'a long password for rita',
      });
      await a.ctx.identity.register({
        username: 'amod',
        email: 'amod@example.org',
        password: 'a long password for amod',
        role: 'moderator',
      });
      const bmod = await b.ctx.identity.register({
        username: 'bmod',
        email: 'bmod@example.org',
        password: 'a long password for bmod',
        role: 'moderator',
      });
      const troll = await b.ctx.microblog.createAccount({ username: 'troll' });
      const trollOnA = (await a.ctx.microblog.resolve(`troll@${b.host}`))!;
      await a.ctx.microblog.follow(rita.id, trollOnA.id);
      await eventually('the follow', async () => (await a.ctx.microblog.relationship(rita.id, trollOnA.id)).following);
      const bad = await b.ctx.microblog.post(troll.id, { text: 'buy followers now', source: 'web' });
      await b.ctx.microblog.post(troll.id, { text: 'an innocent post', source: 'web' });
      const badUri = `${b.url}/users/troll/statuses/${bad.id}`;
      await eventually('the post on A', async () => (await a.ctx.microblog.postByUri(badUri)) !== null);
      const badOnA = (await a.ctx.microblog.postByUri(badUri))!;

      const masto = createRestAPIClient({ url: a.url, accessToken: await tokenFor(a, rita.id) });
      const filed = await masto.v1.reports.create({
        accountId: trollOnA.id,
        statusIds: [badOnA.id],
        comment: 'spam wave from this account',
        forward: true,
        category: 'spam',
      });
      expect(filed.forwarded).toBe(true);

      // Staff here have it, about the remote account.
      const here = await a.ctx.safety.reports(operatorActor('t'), {}, { limit: 10 });
      expect(here).toHaveLength(1);
      expect(here[0]).toMatchObject({ accountId: rita.id, targetAccountId: trollOnA.id, statusIds: [badOnA.id] });

      // B's staff get a report about their own account and post, filed by A's instance actor.
      const bStaff = accountActor(bmod);
      await eventually(
        'the report on B',
        async () => (await b.ctx.safety.reports(bStaff, {}, { limit: 10 })).length > 0,
      );
      const [there] = await b.ctx.safety.reports(bStaff, {}, { limit: 10 });
      expect(there).toMatchObject({
        targetAccountId: troll.id,
        statusIds: [bad.id],
        comment: 'spam wave from this account',
      });
      const reporterOnB = (await b.ctx.microblog.accounts([there!.accountId])).get(there!.accountId)!;
      expect(reporterOnB).toMatchObject({ username: 'sparrow.instance', domain: a.host });
      expect(
        (await b.ctx.microblog.notifications(bmod.id, { limit: 10 })).some(
          (n) => n.notification.type === 'admin.report',
        ),
      ).toBe(true);

      // What crossed: one Flag, from the instance actor, not naming rita in any way.
      expect(flags).toHaveLength(1);
      const flag = JSON.parse(flags[0]!) as Record<string, unknown>;
      expect(flag).toMatchObject({ type: 'Flag', actor: `${a.url}/users/sparrow.instance` });
      expect(flag.object).toEqual([`${b.url}/users/troll`, badUri]);
      expect(flags[0]).not.toContain('rita');
      // The instance actor's document says nothing about anyone.
      const actor = await (
        await realFetch(`${a.url}/users/sparrow.instance`, { headers: { accept: 'application/activity+json' } })
      ).json();
      expect(actor).toMatchObject({ type: 'Application', preferredUsername: 'sparrow.instance' });
    },
    90_000,
  );

  it.skipIf(skip)(
    'a report without forward stays here, and reports the other way round work too',
    async () => {
      const sam = await b.ctx.microblog.createAccount({ username: 'sam' });
      const mallory = await a.ctx.microblog.createAccount({ username: 'mallory' });
      const amod = (await a.ctx.microblog.lookup('amod'))!;
      const malloryOnB = (await b.ctx.microblog.resolve(`mallory@${a.host}`))!;
      const before = flags.length;
      const client = createRestAPIClient({ url: b.url, accessToken: await tokenFor(b, sam.id) });
      await client.v1.reports.create({ accountId: malloryOnB.id, comment: 'kept here' });
      await new Promise((r) => setTimeout(r, 1000));
      expect(flags.length).toBe(before);

      await client.v1.reports.create({ accountId: malloryOnB.id, comment: 'impersonating me', forward: true });
      const aStaff = accountActor(amod);
      await eventually('the report on A', async () =>
        (await a.ctx.safety.reports(aStaff, {}, { limit: 10 })).some((r) => r.targetAccountId === mallory.id),
      );
      const report = (await a.ctx.safety.reports(aStaff, {}, { limit: 10 })).find(
        (r) => r.targetAccountId === mallory.id,
      )!;
      expect(report).toMatchObject({ comment: 'impersonating me', statusIds: [] });
      expect(flags.slice(before).join('')).not.toContain('sam');
    },
    60_000,
  );

  it.skipIf(skip)(
    'a Flag is only about this server’s own accounts and their own posts',
    async () => {
      const victim = await a.ctx.microblog.createAccount({ username: 'victim' });
      const bystander = await a.ctx.microblog.createAccount({ username: 'bystander' });
      const theirPost = await a.ctx.microblog.post(bystander.id, { text: 'not the reported account', source: 'web' });
      const amod = (await a.ctx.microblog.lookup('amod'))!;
      const before = (await a.ctx.safety.reports(accountActor(amod), {}, { limit: 50 })).length;
      // B's instance actor sends hand-made Flags to A's shared inbox.
      const fed = b.ctx.federation!.federation;
      const ctx = fed.createContext(new URL(b.url), undefined);
      const send = (objects: URL[], id: string) =>
        ctx.sendActivity(
          { identifier: 'sparrow.instance' },
          { id: new URL(`${a.url}/users/victim`), inboxId: new URL(`${a.url}/inbox`) },
          new Flag({
            id: new URL(`${b.url}/users/sparrow.instance#reports/${id}`),
            actor: ctx.getActorUri('sparrow.instance'),
            objects,
            content: id,
          }),
        );
      // About an account of B itself: nothing for A's staff.
      await send([new URL(`${b.url}/users/someone_on_b`)], 'about-a-remote-account');
      // About victim, citing a post of someone else here: the report names victim only, without that post.
      await send(
        [new URL(`${a.url}/users/victim`), new URL(`${a.url}/users/bystander/statuses/${theirPost.id}`)],
        'mixed',
      );
      await eventually('the mixed report', async () =>
        (await a.ctx.safety.reports(accountActor(amod), {}, { limit: 50 })).some((r) => r.comment === 'mixed'),
      );
      const reports = await a.ctx.safety.reports(accountActor(amod), {}, { limit: 50 });
      expect(reports.find((r) => r.comment === 'mixed')).toMatchObject({ targetAccountId: victim.id, statusIds: [] });
      expect(reports.some((r) => r.comment === 'about-a-remote-account')).toBe(false);
      expect(reports.length).toBe(before + 1);
    },
    60_000,
  );
});
