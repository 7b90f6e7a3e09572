import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { settles } from '../helpers/until.ts';

/**
 * Two Sparrow servers on loopback (distinct ports, so distinct domains) federating over
 * ActivityPub for real: WebFinger, signed deliveries through each side's durable queue.
 */
const FEDERATION_ENV = {
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_LOG_LEVEL: process.env.FED_LOG ?? 'silent',
};

const eventually = <T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 15_000) =>
  settles(what, probe, ok, ms);

describe.each(ENGINES)('two federating Sparrow servers on $label', ({ name, skip }) => {
  let a: RunningServer;
  let b: RunningServer;
  const stops: { stop(): Promise<void> }[] = [];
  const domainOf = (server: RunningServer) => new URL(server.url).host;

  beforeAll(async () => {
    if (skip) return;
    a = await startServer(name, FEDERATION_ENV);
    b = await startServer(name, FEDERATION_ENV);
    stops.push(await a.ctx.startBackgroundWork({ inProcessWithWeb: true }));
    stops.push(await b.ctx.startBackgroundWork({ inProcessWithWeb: true }));
  }, 60_000);

  afterAll(async () => {
    for (const s of stops) await s.stop();
    await a?.close();
    await b?.close();
  });

  it.skipIf(skip)(
    'follow, post, reply, delete and unfollow across servers',
    async () => {
      const alice = await a.ctx.microblog.createAccount({ username: 'alice' });
      const bob = await b.ctx.microblog.createAccount({ username: 'bob' });
      // A post before anyone on A follows: B keeps "bob has no followers elsewhere", which the
      // follow below must drop, or the next post would never leave B.
      await b.ctx.microblog.post(bob.id, { text: 'Before anyone on A followed', source: 'web' });

      // Alice finds bob by handle (WebFinger on B) and follows him; B accepts.
      const bobOnA = await a.ctx.microblog.resolve(`bob@${domainOf(b)}`);
      expect(bobOnA).not.toBeNull();
      expect(bobOnA!.domain).toBe(domainOf(b));
      const requested = await a.ctx.microblog.follow(alice.id, bobOnA!.id);
      expect(requested.requested || requested.following).toBe(true);
      await eventually(
        () => a.ctx.microblog.relationship(alice.id, bobOnA!.id),
        (r) => r.following,
        'the Accept',
      );
      const aliceOnB = await eventually(
        () => b.ctx.microblog.resolve(`alice@${domainOf(a)}`),
        (acc) => acc !== null,
        'alice known on B',
      );
      expect((await b.ctx.microblog.relationship(bob.id, aliceOnB!.id)).followedBy).toBe(true);

      // Bob posts; it reaches alice's home timeline on A.
      const post = await b.ctx.microblog.post(bob.id, { text: 'Hello from server B <b>bold?</b>', source: 'web' });
      const home = await eventually(
        () => a.ctx.microblog.homeTimeline(alice.id, { limit: 20 }),
        (views) => views.some((v) => v.post.text.includes('Hello from server B')),
        'the post on A',
      );
      const received = home.find((v) => v.post.text.includes('Hello from server B'))!;
      expect(received.author.id).toBe(bobOnA!.id);
      expect(received.post.uri).toBe(`${b.url}/users/bob/statuses/${post.id}`);
      // Markup typed by the author arrives escaped, never as live HTML.
      expect(received.post.remoteHtml).toContain('&lt;b&gt;');
      expect(received.post.remoteHtml).not.toContain('<b>');

      // Alice replies with a mention; bob is notified on B and the reply threads under his post.
      const reply = await a.ctx.microblog.post(alice.id, {
        text: `@bob@${domainOf(b)} hi back`,
        source: 'web',
        inReplyToId: received.post.id,
      });
      expect(reply.mentionIds).toContain(bobOnA!.id);
      const notifications = await eventually(
        () => b.ctx.microblog.notifications(bob.id, { limit: 20 }),
        (list) => list.some((n) => n.notification.type === 'mention'),
        'the mention on B',
      );
      const mention = notifications.find((n) => n.notification.type === 'mention')!;
      expect(mention.from.id).toBe(aliceOnB!.id);
      const replyOnB = await b.ctx.microblog.postView(bob.id, mention.notification.postId!);
      expect(replyOnB.post.inReplyToId).toBe(post.id);

      // Bob deletes his post: it disappears from A.
      await b.ctx.microblog.deletePost(bob.id, post.id);
      await eventually(
        () => a.ctx.microblog.postByUri(`${b.url}/users/bob/statuses/${post.id}`),
        (p) => p === null,
        'the delete on A',
      );

      // Alice unfollows: B no longer counts her as a follower, and new posts stay on B.
      await a.ctx.microblog.unfollow(alice.id, bobOnA!.id);
      await eventually(
        () => b.ctx.microblog.relationship(bob.id, aliceOnB!.id),
        (r) => !r.followedBy,
        'the Undo',
      );
    },
    60_000,
  );

  it.skipIf(skip)(
    'a locked account answers a remote request when its owner decides',
    async () => {
      const dan = await a.ctx.microblog.createAccount({ username: 'dan' });
      const carol = await b.ctx.microblog.createAccount({ username: 'carol' });
      await b.ctx.microblog.updateProfile(carol.id, { locked: true });
      const carolOnA = (await a.ctx.microblog.resolve(`carol@${domainOf(b)}`))!;
      expect(carolOnA.locked).toBe(true);
      await a.ctx.microblog.follow(dan.id, carolOnA.id);
      const danOnB = await eventually(
        () => b.ctx.microblog.resolve(`dan@${domainOf(a)}`),
        (x) => x !== null,
        'dan known on B',
      );
      await eventually(
        () => b.ctx.microblog.followRequests(carol.id, { limit: 10 }),
        (list) => list.some((r) => r.accountId === danOnB!.id),
        'the request on B',
      );
      expect((await a.ctx.microblog.relationship(dan.id, carolOnA.id)).requested).toBe(true);
      await b.ctx.microblog.authorizeFollowRequest(carol.id, danOnB!.id);
      await eventually(
        () => a.ctx.microblog.relationship(dan.id, carolOnA.id),
        (r) => r.following,
        'the Accept',
      );

      // A followers-only post reaches the accepted follower.
      await b.ctx.microblog.post(carol.id, { text: 'for my followers only', source: 'web', visibility: 'private' });
      const home = await eventually(
        () => a.ctx.microblog.homeTimeline(dan.id, { limit: 20 }),
        (views) => views.some((v) => v.post.text === 'for my followers only'),
        'the followers-only post on A',
      );
      expect(home.find((v) => v.post.text === 'for my followers only')!.post.visibility).toBe('private');
    },
    60_000,
  );

  it.skipIf(skip)(
    'likes and boosts travel both ways, and are taken back',
    async () => {
      const gina = await a.ctx.microblog.createAccount({ username: 'gina' });
      const hugo = await b.ctx.microblog.createAccount({ username: 'hugo' });
      const hugoOnA = (await a.ctx.microblog.resolve(`hugo@${domainOf(b)}`))!;
      const ginaOnB = (await b.ctx.microblog.resolve(`gina@${domainOf(a)}`))!;
      await a.ctx.microblog.follow(gina.id, hugoOnA.id);
      await b.ctx.microblog.follow(hugo.id, ginaOnB.id);
      await eventually(
        () => a.ctx.microblog.relationship(gina.id, hugoOnA.id),
        (r) => r.following,
        'the Accept on A',
      );
      await eventually(
        () => b.ctx.microblog.relationship(hugo.id, ginaOnB.id),
        (r) => r.following,
        'the Accept on B',
      );

      const original = await b.ctx.microblog.post(hugo.id, { text: 'like and boost me', source: 'web' });
      const copy = (await eventually(
        () => a.ctx.microblog.postByUri(`${b.url}/users/hugo/statuses/${original.id}`),
        (p) => p !== null,
        'the post on A',
      ))!;
      // Gina likes and boosts it on A: hugo's post on B counts both, and hugo is told.
      await a.ctx.microblog.favourite(gina.id, copy.id);
      await a.ctx.microblog.reblog(gina.id, copy.id, 'web');
      await eventually(
        () => b.ctx.microblog.visiblePost(hugo.id, original.id),
        (p) => p.favouritesCount === 1 && p.reblogsCount === 1,
        'the like and boost on B',
      );
      const types = (await b.ctx.microblog.notifications(hugo.id, { limit: 20 }))
        .filter((n) => n.from.id === ginaOnB.id)
        .map((n) => n.notification.type)
        .sort();
      expect(types).toEqual(['favourite', 'follow', 'reblog']);

      // …and takes both back.
      await a.ctx.microblog.unfavourite(gina.id, copy.id);
      await a.ctx.microblog.unreblog(gina.id, copy.id);
      await eventually(
        () => b.ctx.microblog.visiblePost(hugo.id, original.id),
        (p) => p.favouritesCount === 0 && p.reblogsCount === 0,
        'the Undo on B',
      );

      // Hugo boosts gina's post from B: A counts it, and gina's followers on B see the boost.
      const own = await a.ctx.microblog.post(gina.id, { text: 'boost me back', source: 'web' });
      const ownOnB = (await eventually(
        () => b.ctx.microblog.postByUri(`${a.url}/users/gina/statuses/${own.id}`),
        (p) => p !== null,
        'gina’s post on B',
      ))!;
      await b.ctx.microblog.reblog(hugo.id, ownOnB.id, 'web');
      await eventually(
        () => a.ctx.microblog.visiblePost(gina.id, own.id),
        (p) => p.reblogsCount === 1,
        'the boost on A',
      );
    },
    90_000,
  );

  it.skipIf(skip)(
    'a remote account follows a local one, which is told',
    async () => {
      const erin = await a.ctx.microblog.createAccount({ username: 'erin' });
      const frank = await b.ctx.microblog.createAccount({ username: 'frank' });
      const erinOnB = (await b.ctx.microblog.resolve(`erin@${domainOf(a)}`))!;
      await b.ctx.microblog.follow(frank.id, erinOnB.id);
      await eventually(
        () => b.ctx.microblog.relationship(frank.id, erinOnB.id),
        (r) => r.following,
        'the Accept',
      );
      const notifications = await a.ctx.microblog.notifications(erin.id, { limit: 10 });
      expect(notifications.some((n) => n.notification.type === 'follow')).toBe(true);
    },
    60_000,
  );
  it.skipIf(skip)(
    'an admin blocks a server: nothing from it gets in, its accounts vanish, lifting restores',
    async () => {
      const admin = await a.ctx.microblog.createAccount({ username: 'admin_a', role: 'admin' });
      const token = (
        await a.ctx.oauth.issueToken({ appId: null, accountId: admin.id, scopes: ['admin:read', 'admin:write'] })
      ).accessToken;
      const moe = await a.ctx.microblog.createAccount({ username: 'moe' });
      const noa = await b.ctx.microblog.createAccount({ username: 'noa' });
      const noaOnA = (await a.ctx.microblog.resolve(`noa@${domainOf(b)}`))!;
      await a.ctx.microblog.follow(moe.id, noaOnA.id);
      await eventually(
        () => a.ctx.microblog.relationship(moe.id, noaOnA.id),
        (r) => r.following,
        'the Accept',
      );

      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const blocked = await fetch(`${a.url}/api/v1/admin/domain_blocks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ domain: domainOf(b), severity: 'suspend', private_comment: 'spam wave' }),
      });
      expect(blocked.status).toBe(200);
      const block = (await blocked.json()) as { id: string; domain: string; severity: string };
      expect(block).toMatchObject({ domain: domainOf(b), severity: 'suspend' });
      // Its accounts are suspended here, and what it sends is refused.
      await expect(a.ctx.microblog.account(noaOnA.id)).rejects.toThrow();
      await b.ctx.microblog.post(noa.id, { text: 'sent into the block', source: 'web' });
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        (await a.ctx.microblog.homeTimeline(moe.id, { limit: 20 })).some((v) => v.post.text === 'sent into the block'),
      ).toBe(false);
      expect(await a.ctx.microblog.resolve(`someone@${domainOf(b)}`)).toBeNull();
      // Moderators may read the list but not change it; users neither.
      const list = await fetch(`${a.url}/api/v1/admin/domain_blocks`, { headers });
      expect(((await list.json()) as unknown[]).length).toBe(1);

      const lifted = await fetch(`${a.url}/api/v1/admin/domain_blocks/${block.id}`, {
        method: 'DELETE',
        headers,
        body: JSON.stringify({ reason: 'wave over' }),
      });
      expect(lifted.status).toBe(200);
      expect((await a.ctx.microblog.account(noaOnA.id)).id).toBe(noaOnA.id);
      const audit = await a.ctx.audit.recent({ kind: 'operator', name: 'test' }, 10);
      expect(audit.map((e) => e.action)).toEqual(
        expect.arrayContaining(['federation.domain_block', 'federation.domain_unblock']),
      );
    },
    60_000,
  );
  it.skipIf(skip)(
    'an app finds an account of the other server with search and resolve=true',
    async () => {
      const pat = await a.ctx.microblog.createAccount({ username: 'pat' });
      await b.ctx.microblog.createAccount({ username: 'quinn' });
      const token = (await a.ctx.oauth.issueToken({ appId: null, accountId: pat.id, scopes: ['read'] })).accessToken;
      const search = (resolve: boolean) =>
        fetch(
          `${a.url}/api/v2/search?type=accounts&resolve=${resolve}&q=${encodeURIComponent(`@quinn@${domainOf(b)}`)}`,
          {
            headers: { authorization: `Bearer ${token}` },
          },
        ).then((r) => r.json() as Promise<{ accounts: { acct: string; url: string }[] }>);
      // Not known yet, and not fetched without resolve.
      expect((await search(false)).accounts).toEqual([]);
      const found = (await search(true)).accounts;
      expect(found.map((x) => x.acct)).toEqual([`quinn@${domainOf(b)}`]);
      expect(found[0]!.url).toBe(`${b.url}/@quinn`);
      // Known now: found without resolve too.
      expect((await search(false)).accounts.map((x) => x.acct)).toEqual([`quinn@${domainOf(b)}`]);
    },
    60_000,
  );
});
