import {
  Article,
  Create,
  Delete,
  EmojiReact,
  Move,
  Note,
  PUBLIC_COLLECTION,
  Person,
  Question,
  Tombstone,
  Undo,
  Update,
  type Activity,
} from '@fedify/fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/core/model.ts';
import { ENGINES } from '../helpers/context.ts';
import { startFedifyPeer } from '../helpers/fedify-peer.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { settles } from '../helpers/until.ts';

/**
 * Edits, profile updates, blocks, emoji reactions, polls and articles between two Sparrow
 * servers on loopback (docs/federation.md). Activities Sparrow itself never sends (EmojiReact,
 * Question, Article, forged edits) are sent by server B's own Fedify, signed with the key of a
 * real account there, exactly as another implementation would deliver them.
 */
const FEDERATION_ENV = {
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_LOG_LEVEL: process.env.FED_LOG ?? 'silent',
};

const eventually = <T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 45_000) =>
  settles(what, probe, ok, ms);

describe.each(ENGINES)('federated activities on $label', ({ name, skip }) => {
  let a: RunningServer;
  let b: RunningServer;
  const stops: { stop(): Promise<void> }[] = [];
  const domainOf = (server: RunningServer) => new URL(server.url).host;
  // Server A's clock runs with the wall clock, and can be moved ahead (the last test does).
  let aheadMs = 0;
  const clockA = { now: () => new Date(Date.now() + aheadMs) };

  beforeAll(async () => {
    if (skip) return;
    a = await startServer(name, FEDERATION_ENV, { clock: clockA });
    b = await startServer(name, FEDERATION_ENV);
    stops.push(await a.ctx.startBackgroundWork({ inProcessWithWeb: true }));
    stops.push(await b.ctx.startBackgroundWork({ inProcessWithWeb: true }));
  }, 60_000);

  afterAll(async () => {
    for (const s of stops) await s.stop();
    await a?.close();
    await b?.close();
  });

  const client = async (server: RunningServer, account: Account): Promise<mastodon.rest.Client> => {
    const issued = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: account.id,
      scopes: ['read', 'write', 'follow'],
    });
    return createRestAPIClient({ url: server.url, accessToken: issued.accessToken });
  };

  /** `local` on `from` follows `username` of `to`, and the Accept comes back; returns the remote account. */
  const follows = async (from: RunningServer, local: Account, to: RunningServer, username: string) => {
    const remote = (await from.ctx.microblog.resolve(`${username}@${domainOf(to)}`))!;
    await from.ctx.microblog.follow(local.id, remote.id);
    await eventually(
      () => from.ctx.microblog.relationship(local.id, remote.id),
      (r) => r.following,
      `${local.username} following ${username}`,
    );
    return remote;
  };

  /** Server B's Fedify delivers `activity` as `username` to the inbox of `target` on A, signed with its key. */
  const sendFromB = async (username: string, target: Account, activity: Activity) => {
    const ctx = b.ctx.federation!.federation.createContext(new URL(b.url), undefined);
    await ctx.sendActivity(
      { identifier: username },
      { id: new URL(`${a.url}/users/${target.username}`), inboxId: new URL(`${a.url}/users/${target.username}/inbox`) },
      activity,
    );
  };
  const onB = (path: string) => new URL(`${b.url}${path}`);

  it.skipIf(skip)(
    'edits travel both ways: new text, edited_at, history, update notifications and tags',
    async () => {
      const alice = await a.ctx.microblog.createAccount({ username: 'alice' });
      const bob = await b.ctx.microblog.createAccount({ username: 'bob' });
      const bobOnA = await follows(a, alice, b, 'bob');
      await follows(b, bob, a, 'alice');
      const aliceApi = await client(a, alice);
      const bobApi = await client(b, bob);

      // Bob posts on B; alice boosts the copy on A, so she is told of its edit.
      const original = await bobApi.v1.statuses.create({ status: 'first version #oldtag' });
      const copy = (await eventually(
        () => a.ctx.microblog.postByUri(`${b.url}/users/bob/statuses/${original.id}`),
        (p) => p !== null,
        'bob’s post on A',
      ))!;
      await aliceApi.v1.statuses.$select(copy.id).reblog();
      await bobApi.v1.statuses.$select(original.id).update({ status: 'second <b>version</b> #newtag' });

      const seen = await eventually(
        () => aliceApi.v1.statuses.$select(copy.id).fetch(),
        (s) => s.content.includes('second'),
        'the edit on A',
      );
      expect(seen.editedAt).not.toBeNull();
      expect(seen.account.id).toBe(bobOnA.id);
      expect(seen.content).toContain('&lt;b&gt;');
      expect(seen.content).not.toContain('<b>');
      const history = await aliceApi.v1.statuses.$select(copy.id).history.list();
      expect(history.map((v) => v.content.includes('second'))).toEqual([false, true]);
      const notes = await aliceApi.v1.notifications.list({ types: ['update'] });
      expect(notes.map((n) => n.status?.id)).toContain(copy.id);
      // Its hashtags follow the new text.
      const tagged = async (tag: string) =>
        (await aliceApi.v1.timelines.tag.$select(tag).list()).map((s) => s.id).includes(copy.id);
      await eventually(() => tagged('newtag'), Boolean, 'the new tag');
      expect(await tagged('oldtag')).toBe(false);

      // Alice edits on A (the same PUT); bob sees it on B.
      const hers = await aliceApi.v1.statuses.create({ status: 'from A, unedited' });
      const hersOnB = (await eventually(
        () => b.ctx.microblog.postByUri(`${a.url}/users/alice/statuses/${hers.id}`),
        (p) => p !== null,
        'alice’s post on B',
      ))!;
      await aliceApi.v1.statuses.$select(hers.id).update({ status: 'from A, edited' });
      const edited = await eventually(
        () => bobApi.v1.statuses.$select(hersOnB.id).fetch(),
        (s) => s.content.includes('edited') && !s.content.includes('unedited'),
        'the edit on B',
      );
      expect(edited.editedAt).not.toBeNull();
      // The Note A serves carries the same date.
      const note = (await (
        await fetch(`${a.url}/users/alice/statuses/${hers.id}`, { headers: { accept: 'application/activity+json' } })
      ).json()) as { updated?: string };
      expect(note.updated).toBeDefined();
    },
    90_000,
  );

  it.skipIf(skip)(
    'an edit is refused unless its sender wrote the post, on its own server',
    async () => {
      const ada = await a.ctx.microblog.createAccount({ username: 'ada' });
      const mallory = await b.ctx.microblog.createAccount({ username: 'mallory' });
      const carol = await b.ctx.microblog.createAccount({ username: 'carol' });
      await follows(a, ada, b, 'mallory');
      await follows(a, ada, b, 'carol');
      const carols = await b.ctx.microblog.post(carol.id, { text: 'carol wrote this', source: 'web' });
      const own = await b.ctx.microblog.post(mallory.id, { text: 'mallory wrote this', source: 'web' });
      const adas = await a.ctx.microblog.post(ada.id, { text: 'ada wrote this', source: 'web' });
      const carolsUri = `${b.url}/users/carol/statuses/${carols.id}`;
      const ownUri = `${b.url}/users/mallory/statuses/${own.id}`;
      await eventually(
        async () => (await a.ctx.microblog.postByUri(carolsUri)) && (await a.ctx.microblog.postByUri(ownUri)),
        (p) => Boolean(p),
        'both posts on A',
      );

      const mal = onB('/users/mallory');
      const forged = (id: string, attribution: URL, n: number) =>
        new Update({
          id: onB(`/users/mallory#forged/${n}`),
          actor: mal,
          object: new Note({
            id: new URL(id),
            attribution,
            content: '<p>hijacked</p>',
            tos: [PUBLIC_COLLECTION],
            updated: Temporal.Now.instant(),
          }),
        });
      // Someone else's post, said to be by its author; the same, said to be mallory's; a post of
      // server A itself, said to be mallory's.
      await sendFromB('mallory', ada, forged(carolsUri, onB('/users/carol'), 1));
      await sendFromB('mallory', ada, forged(carolsUri, mal, 2));
      await sendFromB('mallory', ada, forged(`${a.url}/users/ada/statuses/${adas.id}`, mal, 3));
      // Nor may she rewrite carol's profile, or move carol's followers.
      await sendFromB(
        'mallory',
        ada,
        new Update({
          id: onB('/users/mallory#forged/5'),
          actor: mal,
          object: new Person({
            id: onB('/users/carol'),
            preferredUsername: 'carol',
            name: 'Carol (hijacked)',
            inbox: onB('/users/mallory/inbox'),
          }),
        }),
      );
      await sendFromB(
        'mallory',
        ada,
        new Move({ id: onB('/users/mallory#forged/6'), actor: mal, object: onB('/users/carol'), target: mal }),
      );
      // And a genuine edit of her own post by the same path, so the refusals are not for another reason.
      await sendFromB('mallory', ada, forged(ownUri, mal, 4));
      await eventually(
        () => a.ctx.microblog.postByUri(ownUri),
        (p) => p?.text === 'hijacked',
        'mallory’s own edit',
      );
      await new Promise((r) => setTimeout(r, 1000));
      const carolsOnA = (await a.ctx.microblog.postByUri(carolsUri))!;
      expect(carolsOnA.text).toBe('carol wrote this');
      expect(carolsOnA.editedAt).toBeNull();
      const adasNow = await a.ctx.microblog.visiblePost(ada.id, adas.id);
      expect(adasNow.text).toBe('ada wrote this');
      expect(adasNow.editedAt).toBeNull();
      const carolOnA = (await a.ctx.microblog.accountByUri(`${b.url}/users/carol`))!;
      expect(carolOnA.displayName).toBe('carol');
      expect((await a.ctx.microblog.relationship(ada.id, carolOnA.id)).following).toBe(true);
    },
    90_000,
  );

  it.skipIf(skip)(
    'profile changes reach followers on the other server',
    async () => {
      const dora = await a.ctx.microblog.createAccount({ username: 'dora' });
      const eli = await b.ctx.microblog.createAccount({ username: 'eli' });
      const eliOnA = await follows(a, dora, b, 'eli');
      const doraOnB = await follows(b, eli, a, 'dora');

      const eliApi = await client(b, eli);
      await eliApi.v1.accounts.updateCredentials({
        displayName: 'Eli the Second',
        note: 'bio <script>x</script> here',
        locked: true,
        fieldsAttributes: [{ name: 'Site', value: 'https://eli.example' }],
      });
      const seen = await eventually(
        () => a.ctx.microblog.account(eliOnA.id),
        (acc) => acc.displayName === 'Eli the Second',
        'eli’s new profile on A',
      );
      // The bio stays plain text: markup typed into it is text, shown escaped.
      expect(seen.note).toBe('bio <script>x</script> here');
      expect(seen.locked).toBe(true);
      expect(seen.fields).toEqual([{ name: 'Site', value: 'https://eli.example' }]);

      await (await client(a, dora)).v1.accounts.updateCredentials({ displayName: 'Dora Renamed' });
      await eventually(
        () => b.ctx.microblog.account(doraOnB.id),
        (acc) => acc.displayName === 'Dora Renamed',
        'dora’s new name on B',
      );
    },
    90_000,
  );

  it.skipIf(skip)(
    'blocks travel both ways: follows cut on both servers, nothing more delivered',
    async () => {
      const fay = await a.ctx.microblog.createAccount({ username: 'fay' });
      const gil = await b.ctx.microblog.createAccount({ username: 'gil' });
      const gilOnA = await follows(a, fay, b, 'gil');
      const fayOnB = await follows(b, gil, a, 'fay');
      const fayApi = await client(a, fay);

      // Fay blocks gil on A: B cuts both follows and knows it is blocked.
      await fayApi.v1.accounts.$select(gilOnA.id).block();
      expect(await a.ctx.microblog.relationship(fay.id, gilOnA.id)).toMatchObject({
        following: false,
        followedBy: false,
      });
      await eventually(
        () => b.ctx.microblog.relationship(gil.id, fayOnB.id),
        (r) => r.blockedBy && !r.following && !r.followedBy,
        'the Block on B',
      );
      await a.ctx.microblog.post(fay.id, { text: 'after the block, from fay', source: 'web' });
      await b.ctx.microblog.post(gil.id, { text: 'after the block, from gil', source: 'web' });
      await new Promise((r) => setTimeout(r, 1500));
      expect(
        (await b.ctx.microblog.homeTimeline(gil.id, { limit: 20 })).some((v) => v.post.text.includes('from fay')),
      ).toBe(false);
      expect(
        (await a.ctx.microblog.homeTimeline(fay.id, { limit: 20 })).some((v) => v.post.text.includes('from gil')),
      ).toBe(false);

      // Lifting it is heard too.
      await fayApi.v1.accounts.$select(gilOnA.id).unblock();
      await eventually(
        () => b.ctx.microblog.relationship(gil.id, fayOnB.id),
        (r) => !r.blockedBy,
        'the Undo(Block) on B',
      );

      // Gil follows again, then blocks fay from B: A drops fay's follow of gil.
      await follows(a, fay, b, 'gil');
      await (await client(b, gil)).v1.accounts.$select(fayOnB.id).block();
      await eventually(
        () => a.ctx.microblog.relationship(fay.id, gilOnA.id),
        (r) => r.blockedBy && !r.following,
        'the Block on A',
      );
    },
    90_000,
  );

  it.skipIf(skip)(
    'an emoji reaction counts as a favourite, and its Undo takes it back',
    async () => {
      const hal = await a.ctx.microblog.createAccount({ username: 'hal' });
      await b.ctx.microblog.createAccount({ username: 'ivy' });
      const ivyOnA = (await a.ctx.microblog.resolve(`ivy@${domainOf(b)}`))!;
      const post = await a.ctx.microblog.post(hal.id, { text: 'react to me', source: 'web' });
      const react = new EmojiReact({
        id: onB('/users/ivy#reactions/1'),
        actor: onB('/users/ivy'),
        object: new URL(`${a.url}/users/hal/statuses/${post.id}`),
        content: '🔥',
      });
      await sendFromB('ivy', hal, react);
      await eventually(
        () => a.ctx.microblog.visiblePost(hal.id, post.id),
        (p) => p.favouritesCount === 1,
        'the reaction on A',
      );
      const notes = await a.ctx.microblog.notifications(hal.id, { limit: 10 });
      expect(notes.some((n) => n.notification.type === 'favourite' && n.from.id === ivyOnA.id)).toBe(true);
      await sendFromB(
        'ivy',
        hal,
        new Undo({ id: onB('/users/ivy#reactions/1/undo'), actor: onB('/users/ivy'), object: react }),
      );
      await eventually(
        () => a.ctx.microblog.visiblePost(hal.id, post.id),
        (p) => p.favouritesCount === 0,
        'the Undo on A',
      );
    },
    90_000,
  );

  it.skipIf(skip)(
    'a poll and an article arrive as posts with their text and a link, and a deleted account goes',
    async () => {
      const jo = await a.ctx.microblog.createAccount({ username: 'jo' });
      await b.ctx.microblog.createAccount({ username: 'kim' });
      const kimOnA = await follows(a, jo, b, 'kim');
      const kimUri = onB('/users/kim');
      const addressed = { tos: [PUBLIC_COLLECTION], ccs: [onB('/users/kim/followers')] };
      const question = new Question({
        id: onB('/users/kim/questions/1'),
        attribution: kimUri,
        content: '<p>Tea or coffee?</p>',
        url: onB('/@kim/questions/1'),
        exclusiveOptions: [new Note({ name: 'Tea' }), new Note({ name: 'Coffee <i>please</i>' })],
        published: Temporal.Now.instant(),
        ...addressed,
      });
      const article = new Article({
        id: onB('/users/kim/articles/1'),
        attribution: kimUri,
        name: 'On sparrows',
        content: '<p>A very long article body that is not shown.</p>',
        url: onB('/@kim/articles/on-sparrows'),
        published: Temporal.Now.instant(),
        ...addressed,
      });
      for (const [n, object] of [question, article].entries())
        await sendFromB(
          'kim',
          jo,
          new Create({ id: onB(`/users/kim/creates/${n}`), actor: kimUri, object, ...addressed }),
        );
      const api = await client(a, jo);
      const home = await eventually(
        async () => await api.v1.timelines.home.list(),
        (list) => list.filter((s) => s.account.id === kimOnA.id).length === 2,
        'both on A',
      );
      const poll = home.find((s) => s.content.includes('Tea or coffee?'))!;
      expect(poll.content).toContain('Tea');
      expect(poll.content).toContain('Coffee please');
      expect(poll.content).toContain(`href="${b.url}/@kim/questions/1"`);
      const link = home.find((s) => s.content.includes('On sparrows'))!;
      expect(link.content).toContain(`href="${b.url}/@kim/articles/on-sparrows"`);
      expect(link.content).not.toContain('very long article');

      // Kim's account is deleted on B: it and its posts go from A.
      await sendFromB(
        'kim',
        jo,
        new Delete({ id: onB('/users/kim#delete'), actor: kimUri, object: new Tombstone({ id: kimUri }) }),
      );
      await eventually(
        async () => await api.v1.timelines.home.list(),
        (list) => !list.some((s) => s.account.id === kimOnA.id),
        'kim gone from A',
      );
      await expect(a.ctx.microblog.account(kimOnA.id)).rejects.toThrow();
      await eventually(
        () => a.ctx.microblog.relationship(jo.id, kimOnA.id),
        (r) => !r.following,
        'jo no longer following kim',
      );
    },
    90_000,
  );

  it.skipIf(skip)(
    'an account that moves takes its followers here along, only to an account that names it',
    async () => {
      // Another implementation (Fedify alone), whose actors carry alsoKnownAs.
      const peer = await startFedifyPeer();
      try {
        peer.addActor('old');
        peer.addActor('new', [peer.actorUri('old')]);
        peer.addActor('stranger');
        const lea = await a.ctx.microblog.createAccount({ username: 'lea' });
        const max = await a.ctx.microblog.createAccount({ username: 'max' });
        const oldOnA = (await a.ctx.microblog.resolve(`old@${peer.domain}`))!;
        expect(oldOnA).not.toBeNull();
        for (const local of [lea, max]) {
          await a.ctx.microblog.follow(local.id, oldOnA.id);
          await eventually(
            () => a.ctx.microblog.relationship(local.id, oldOnA.id),
            (r) => r.following,
            'the Accept from the peer',
          );
        }
        const toLea = { id: new URL(`${a.url}/users/lea`), inbox: new URL(`${a.url}/inbox`) };
        // A move to an account that does not name the old one is refused: nobody moves.
        await peer.send(
          'old',
          toLea,
          new Move({
            id: new URL(`${peer.url}/@old#moves/1`),
            actor: peer.actorUri('old'),
            object: peer.actorUri('old'),
            target: peer.actorUri('stranger'),
          }),
        );
        await new Promise((r) => setTimeout(r, 1500));
        expect((await a.ctx.microblog.relationship(lea.id, oldOnA.id)).following).toBe(true);

        await peer.send(
          'old',
          toLea,
          new Move({
            id: new URL(`${peer.url}/@old#moves/2`),
            actor: peer.actorUri('old'),
            object: peer.actorUri('old'),
            target: peer.actorUri('new'),
          }),
        );
        const newOnA = await eventually(
          () => a.ctx.microblog.resolve(`new@${peer.domain}`),
          (acc) => acc !== null,
          'the target known on A',
        );
        for (const local of [lea, max]) {
          await eventually(
            () => a.ctx.microblog.relationship(local.id, newOnA!.id),
            (r) => r.following,
            `${local.username} following the new account`,
          );
          expect((await a.ctx.microblog.relationship(local.id, oldOnA.id)).following).toBe(false);
        }
      } finally {
        await peer.close();
      }
    },
    120_000,
  );

  it.skipIf(skip)(
    'a sender is fetched again only when its copy is a day old, or on its own Update',
    async () => {
      const nia = await a.ctx.microblog.createAccount({ username: 'nia' });
      const oto = await b.ctx.microblog.createAccount({ username: 'oto' });
      const otoOnA = await follows(a, nia, b, 'oto');
      const microblog = a.ctx.microblog;
      const remember = microblog.rememberRemoteAccount.bind(microblog);
      const refreshed: string[] = [];
      microblog.rememberRemoteAccount = async (profile) => {
        refreshed.push(profile.uri);
        return remember(profile);
      };
      try {
        const arrived = (text: string) =>
          eventually(
            () => microblog.homeTimeline(nia.id, { limit: 20 }),
            (views) => views.some((v) => v.post.text === text),
            text,
          );
        for (const text of ['one', 'two', 'three']) {
          await b.ctx.microblog.post(oto.id, { text, source: 'web' });
          await arrived(text);
        }
        expect(refreshed).toEqual([]);
        // Its own Update refreshes it at once.
        await b.ctx.microblog.updateProfile(oto.id, { displayName: 'Oto' });
        await eventually(
          () => microblog.account(otoOnA.id),
          (acc) => acc.displayName === 'Oto',
          'the Update',
        );
        expect(refreshed).toEqual([otoOnA.uri]);
        // A day later, the next activity fetches it again.
        aheadMs = 25 * 3600_000;
        await b.ctx.microblog.post(oto.id, { text: 'a day later', source: 'web' });
        await arrived('a day later');
        expect(refreshed).toEqual([otoOnA.uri, otoOnA.uri]);
      } finally {
        microblog.rememberRemoteAccount = remember;
      }
    },
    90_000,
  );
});
