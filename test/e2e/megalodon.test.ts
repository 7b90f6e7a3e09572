/**
 * megalodon (the client library behind Whalebird and other desktop and CLI apps) drives a
 * real Sparrow server over HTTP and WebSocket, on both engines. One `describe` block per
 * area of the client API, so each area's flows sit together and new areas are added as
 * blocks of their own.
 */
import generator, { type Entity, type MegalodonInterface, type WebSocketInterface } from 'megalodon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const PASSWORD = 'correct horse battery';

/** Plays the person's part of the OAuth code flow: sign in on the consent page, approve, catch the redirect. */
async function approveOnConsentPage(server: RunningServer, authorizeUrl: string, login: string): Promise<string> {
  const url = new URL(authorizeUrl);
  expect(url.origin).toBe(server.url);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(
      match[1]!,
      match[2]!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
  }
  form.set('login', login);
  form.set('password', PASSWORD);
  form.set('decision', 'approve');
  const approved = await fetch(`${server.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  expect(approved.status).toBe(302);
  const location = new URL(approved.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(REDIRECT_URI);
  return location.searchParams.get('code')!;
}

/** The next event of one kind from a megalodon stream, or a timeout naming what was awaited. */
function nextEvent<T>(stream: WebSocketInterface, event: string, accept: (value: T) => boolean = () => true) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within 5 s`)), 5000);
    const listener = (value: T) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      stream.removeListener(event, listener);
      resolve(value);
    };
    stream.on(event, listener);
  });
}

describe.each(ENGINES)('megalodon drives Sparrow on $label', ({ name, skip }) => {
  let server: RunningServer;
  /** ada signs in through OAuth in the first test; the others get tokens from the server. */
  let ada: MegalodonInterface;
  let grace: MegalodonInterface;
  let graceId: string;
  let hopper: MegalodonInterface;
  let hopperId: string;

  const tokenFor = async (accountId: string) =>
    (await server.ctx.oauth.issueToken({ appId: null, accountId, scopes: ['read', 'write', 'follow', 'push'] }))
      .accessToken;

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
    await server.ctx.identity.register({ username: 'ada', email: 'ada@example.org', password: PASSWORD });
    const graceAccount = await server.ctx.identity.register({
      username: 'grace',
      email: 'grace@example.org',
      password: PASSWORD,
    });
    graceId = graceAccount.id;
    grace = generator('mastodon', server.url, await tokenFor(graceId));
    const hopperAccount = await server.ctx.microblog.createAccount({ username: 'hopper' });
    hopperId = hopperAccount.id;
    hopper = generator('mastodon', server.url, await tokenFor(hopperId));
  });
  afterAll(async () => server?.close());

  describe('apps and OAuth', () => {
    it.skipIf(skip)('registers an app, signs in with the code flow and verifies the credentials', async () => {
      // megalodon has no PKCE: a confidential client exchanging the code with its secret.
      const anonymous = generator('mastodon', server.url);
      const app = await anonymous.registerApp('megalodon e2e', {
        scopes: ['read', 'write', 'follow'],
        redirect_uris: REDIRECT_URI,
        website: 'https://example.org',
      });
      expect(app.client_id).toBeTruthy();
      expect(app.client_secret).toBeTruthy();
      expect(app.url).toContain('/oauth/authorize');

      const code = await approveOnConsentPage(server, app.url!, 'ada@example.org');
      await expect(
        anonymous.fetchAccessToken(
          app.client_id,
          'not the secret',
          await approveOnConsentPage(server, app.url!, 'ada@example.org'),
          REDIRECT_URI,
        ),
      ).rejects.toThrow();
      const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, REDIRECT_URI);
      // A code is good for one exchange.
      await expect(anonymous.fetchAccessToken(app.client_id, app.client_secret, code, REDIRECT_URI)).rejects.toThrow();
      expect(token.access_token).toBeTruthy();
      expect(token.scope).toBe('read write follow');

      ada = generator('mastodon', server.url, token.access_token);
      const me = await ada.verifyAccountCredentials();
      expect(me.data.username).toBe('ada');
      expect(me.data.acct).toBe('ada');
      const verified = await ada.verifyAppCredentials();
      expect(verified.data.name).toBe('megalodon e2e');

      // Revoking the token ends it.
      const spare = await anonymous.fetchAccessToken(
        app.client_id,
        app.client_secret,
        await approveOnConsentPage(server, app.url!, 'ada@example.org'),
        REDIRECT_URI,
      );
      await anonymous.revokeToken(app.client_id, app.client_secret, spare.access_token);
      await expect(generator('mastodon', server.url, spare.access_token).verifyAccountCredentials()).rejects.toThrow();
    });

    it.skipIf(skip)('reads the instance', async () => {
      const instance = await ada.getInstance();
      expect(instance.data.uri).toBe(new URL(server.url).host);
      expect(instance.data.urls?.streaming_api).toBe(server.url.replace(/^http/, 'ws'));
      expect(instance.data.configuration.statuses.max_characters).toBe(280);
    });
  });

  describe('accounts and relationships', () => {
    it.skipIf(skip)('looks up, follows, lists and unfollows', async () => {
      const found = await ada.lookupAccount('grace');
      expect(found.data.id).toBe(graceId);
      expect((await ada.getAccount(graceId)).data.username).toBe('grace');
      await expect(ada.lookupAccount('nobody-here')).rejects.toThrow();

      const followed = await ada.followAccount(graceId);
      expect(followed.data.following).toBe(true);
      const [relationship] = (await ada.getRelationships([graceId, hopperId])).data;
      expect(relationship).toMatchObject({ id: graceId, following: true, followed_by: false });
      const me = (await ada.verifyAccountCredentials()).data;
      expect((await grace.getRelationship(me.id)).data.followed_by).toBe(true);
      expect((await grace.getAccountFollowers(graceId)).data.map((a) => a.id)).toEqual([me.id]);
      expect((await ada.getAccountFollowing(me.id)).data.map((a) => a.id)).toEqual([graceId]);

      const unfollowed = await hopper.followAccount(graceId).then(() => hopper.unfollowAccount(graceId));
      expect(unfollowed.data.following).toBe(false);
    });

    it.skipIf(skip)('a locked account gets a follow request it lists, accepts and rejects', async () => {
      await grace.updateCredentials({ locked: true });
      const requested = await hopper.followAccount(graceId);
      expect(requested.data).toMatchObject({ following: false, requested: true });
      const outsider = await server.ctx.microblog.createAccount({ username: 'lovelace' });
      const lovelace = generator('mastodon', server.url, await tokenFor(outsider.id));
      await lovelace.followAccount(graceId);

      const requests = (await grace.getFollowRequests()).data.map((a) => a.id);
      expect(requests.sort()).toEqual([hopperId, outsider.id].sort());
      // Only the owner decides on requests to them.
      await expect(hopper.acceptFollowRequest(outsider.id)).rejects.toThrow();

      expect((await grace.acceptFollowRequest(hopperId)).data.followed_by).toBe(true);
      expect((await grace.rejectFollowRequest(outsider.id)).data.followed_by).toBe(false);
      expect((await grace.getFollowRequests()).data).toEqual([]);
      expect((await hopper.getRelationship(graceId)).data.following).toBe(true);
      await grace.updateCredentials({ locked: false });
    });

    it.skipIf(skip)('blocks and mutes show in relationships and keep posts away', async () => {
      const lovelaceAccount = await server.ctx.microblog.createAccount({ username: 'babbage' });
      const babbage = generator('mastodon', server.url, await tokenFor(lovelaceAccount.id));
      await babbage.followAccount(graceId);

      const blocked = await grace.blockAccount(lovelaceAccount.id);
      expect(blocked.data).toMatchObject({ blocking: true });
      expect((await babbage.getRelationship(graceId)).data.following).toBe(false);
      // A blocked account cannot follow again.
      await expect(babbage.followAccount(graceId)).rejects.toThrow();
      const post = await grace.postStatus('only for people I have not blocked');
      await expect(babbage.getStatus((post.data as Entity.Status).id)).rejects.toThrow();
      expect((await grace.unblockAccount(lovelaceAccount.id)).data.blocking).toBe(false);

      const muted = await ada.muteAccount(hopperId, true);
      expect(muted.data).toMatchObject({ muting: true, muting_notifications: true });
      await hopper.postStatus('muted chatter');
      expect((await ada.getPublicTimeline()).data.map((s) => s.content).join()).not.toContain('muted chatter');
      expect((await ada.unmuteAccount(hopperId)).data.muting).toBe(false);
    });
  });

  describe('statuses', () => {
    it.skipIf(skip)('posts, reads, replies in a thread and deletes', async () => {
      const posted = (await ada.postStatus('Hello from megalodon', { visibility: 'public' })).data as Entity.Status;
      expect(posted.content).toContain('Hello from megalodon');
      expect(posted.application?.name).toBe('megalodon e2e');
      expect((await grace.getStatus(posted.id)).data.account.username).toBe('ada');

      const reply = (await grace.postStatus('@ada welcome', { in_reply_to_id: posted.id })).data as Entity.Status;
      expect(reply.in_reply_to_id).toBe(posted.id);
      const context = (await ada.getStatusContext(posted.id)).data;
      expect(context.descendants.map((s) => s.id)).toEqual([reply.id]);
      expect((await ada.getStatusContext(reply.id)).data.ancestors.map((s) => s.id)).toEqual([posted.id]);

      // Only the author deletes.
      await expect(grace.deleteStatus(posted.id)).rejects.toThrow();
      await ada.deleteStatus(posted.id);
      await expect(ada.getStatus(posted.id)).rejects.toThrow();
    });

    it.skipIf(skip)('a private post stays with followers', async () => {
      const secret = (await grace.postStatus('followers only', { visibility: 'private' })).data as Entity.Status;
      expect(secret.visibility).toBe('private');
      expect((await ada.getStatus(secret.id)).data.id).toBe(secret.id); // ada follows grace
      const stranger = await server.ctx.microblog.createAccount({ username: 'stranger' });
      const outsider = generator('mastodon', server.url, await tokenFor(stranger.id));
      await expect(outsider.getStatus(secret.id)).rejects.toThrow();
      await expect(outsider.favouriteStatus(secret.id)).rejects.toThrow();
    });

    it.skipIf(skip)('favourites, boosts, bookmarks and pins, and undoes each', async () => {
      const post = (await grace.postStatus('a post worth keeping')).data as Entity.Status;

      const liked = await ada.favouriteStatus(post.id);
      expect(liked.data).toMatchObject({ favourited: true, favourites_count: 1 });
      expect((await grace.getStatusFavouritedBy(post.id)).data.map((a) => a.username)).toEqual(['ada']);

      const boost = await ada.reblogStatus(post.id);
      expect(boost.data.reblog?.id).toBe(post.id);
      expect(boost.data.reblog?.reblogged).toBe(true);
      expect((await grace.getStatusRebloggedBy(post.id)).data.map((a) => a.username)).toEqual(['ada']);

      const bookmarked = await ada.bookmarkStatus(post.id);
      expect(bookmarked.data.bookmarked).toBe(true);
      expect((await ada.getBookmarks()).data.map((s) => s.id)).toEqual([post.id]);
      // Bookmarks are private to their owner.
      expect((await grace.getBookmarks()).data).toEqual([]);

      const own = (await ada.postStatus('pin me')).data as Entity.Status;
      expect((await ada.pinStatus(own.id)).data.pinned).toBe(true);
      await expect(ada.pinStatus(post.id)).rejects.toThrow(); // someone else's post
      const me = (await ada.verifyAccountCredentials()).data;
      expect((await grace.getAccountStatuses(me.id, { pinned: true })).data.map((s) => s.id)).toEqual([own.id]);

      expect((await ada.unfavouriteStatus(post.id)).data.favourited).toBe(false);
      expect((await ada.unreblogStatus(post.id)).data.reblogged).toBe(false);
      expect((await ada.unbookmarkStatus(post.id)).data.bookmarked).toBe(false);
      expect((await ada.unpinStatus(own.id)).data.pinned).toBe(false);
      expect((await ada.getBookmarks()).data).toEqual([]);
    });
    it.skipIf(skip)(
      'lists my favourites newest favourite first, paged, without posts I may no longer see',
      async () => {
        const older = (await grace.postStatus('an older post to like')).data as Entity.Status;
        const newer = (await grace.postStatus('a newer post to like')).data as Entity.Status;
        const hoppers = (await hopper.postStatus('hopper wants likes')).data as Entity.Status;
        for (const post of [newer, older, hoppers]) await ada.favouriteStatus(post.id);

        const first = await ada.getFavourites({ limit: 2 });
        expect(first.data.map((s) => s.id)).toEqual([hoppers.id, older.id]);
        expect(first.data.every((s) => s.favourited)).toBe(true);
        // Paged by when the post was liked, not by the post's id.
        const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1];
        expect(next).toBeTruthy();
        const maxId = new URL(next!).searchParams.get('max_id')!;
        expect((await ada.getFavourites({ limit: 1, max_id: maxId })).data.map((s) => s.id)).toEqual([newer.id]);

        // My favourites are mine: someone else sees their own.
        expect((await grace.getFavourites()).data.map((s) => s.id)).not.toContain(older.id);
        // A post whose author now blocks me drops out; unliking removes one.
        await hopper.blockAccount((await ada.verifyAccountCredentials()).data.id);
        await ada.unfavouriteStatus(older.id);
        const after = (await ada.getFavourites({ limit: 40 })).data.map((s) => s.id);
        expect(after).toContain(newer.id);
        expect(after).not.toContain(hoppers.id);
        expect(after).not.toContain(older.id);
        await hopper.unblockAccount((await ada.verifyAccountCredentials()).data.id);
        await ada.unfavouriteStatus(newer.id);
      },
    );
  });

  describe('timelines', () => {
    it.skipIf(skip)('pages the home and public timelines with max_id, since_id and min_id', async () => {
      const posts: string[] = [];
      for (let i = 0; i < 5; i++) posts.push(((await grace.postStatus(`paging ${i}`)).data as Entity.Status).id);
      const newestFirst = [...posts].reverse();

      const first = await ada.getHomeTimeline({ limit: 2 });
      expect(first.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 2));
      expect(String(first.headers.link)).toContain('max_id=');
      const second = await ada.getHomeTimeline({ limit: 2, max_id: first.data.at(-1)!.id });
      expect(second.data.map((s) => s.id)).toEqual(newestFirst.slice(2, 4));

      const newer = await ada.getHomeTimeline({ since_id: posts[2]! });
      expect(newer.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 2));
      const justAfter = await ada.getHomeTimeline({ min_id: posts[0]!, limit: 2 });
      expect(justAfter.data.map((s) => s.id)).toEqual([posts[2], posts[1]]);

      const publicPage = await hopper.getPublicTimeline({ limit: 3 });
      expect(publicPage.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 3));
      const local = await hopper.getLocalTimeline({ limit: 1 });
      expect(local.data.map((s) => s.id)).toEqual([newestFirst[0]]);
    });
  });

  describe('notifications', () => {
    it.skipIf(skip)('lists mention, favourite, boost and follow notifications, reads one and dismisses', async () => {
      const liked = (await grace.postStatus('notify me')).data as Entity.Status;
      await ada.favouriteStatus(liked.id);
      await ada.reblogStatus(liked.id);
      const before = (await grace.getNotifications({ limit: 40 })).data;
      const kinds = new Set(before.map((n) => n.type));
      for (const kind of ['follow', 'favourite', 'reblog']) expect(kinds).toContain(kind);
      const boosted = before.find((n) => n.type === 'reblog')!;
      // The boost's notification carries the boosted post, not the boost.
      expect(boosted.status?.id).toBe(liked.id);
      expect(boosted.status?.reblog).toBeNull();
      expect(boosted.account?.username).toBe('ada');

      const mention = (await ada.postStatus('@grace are you there?')).data as Entity.Status;
      const latest = (await grace.getNotifications({ limit: 1 })).data[0]!;
      expect([latest.type, latest.status?.id]).toEqual(['mention', mention.id]);
      expect((await grace.getNotification(latest.id)).data.id).toBe(latest.id);
      await expect(ada.getNotification(latest.id)).rejects.toThrow(); // someone else's

      const withoutMentions = (await grace.getNotifications({ exclude_types: ['mention'] as never })).data;
      expect(withoutMentions.some((n) => n.type === 'mention')).toBe(false);
      const paged = await grace.getNotifications({ limit: 2, max_id: latest.id });
      expect(paged.data.every((n) => BigInt(n.id) < BigInt(latest.id))).toBe(true);

      await grace.dismissNotification(latest.id);
      await expect(grace.getNotification(latest.id)).rejects.toThrow();
      await grace.dismissNotifications();
      expect((await grace.getNotifications()).data).toEqual([]);
    });
  });

  describe('streaming', () => {
    it.skipIf(skip)('the user stream over WebSocket delivers new posts, notifications and deletes', async () => {
      const stream = await ada.userStreaming();
      try {
        await nextEvent(stream, 'connect');
        const update = nextEvent<Entity.Status>(stream, 'update', (s) => s.content.includes('streamed hello'));
        const posted = (await grace.postStatus('streamed hello')).data as Entity.Status;
        expect((await update).id).toBe(posted.id);

        const notification = nextEvent<Entity.Notification>(stream, 'notification');
        await grace.favouriteStatus(((await ada.postStatus('like this')).data as Entity.Status).id);
        expect(await notification).toMatchObject({ type: 'favourite', account: { username: 'grace' } });

        const deleted = nextEvent<string>(stream, 'delete', (id) => id === posted.id);
        await grace.deleteStatus(posted.id);
        expect(await deleted).toBe(posted.id);
      } finally {
        stream.stop();
      }
    });

    it.skipIf(skip)('the public stream delivers public posts but not followers-only ones', async () => {
      const stream = await hopper.publicStreaming();
      try {
        await nextEvent(stream, 'connect');
        const seen: string[] = [];
        stream.on('update', (s: Entity.Status) => seen.push(s.content));
        await grace.postStatus('quiet one', { visibility: 'private' });
        const loud = nextEvent<Entity.Status>(stream, 'update', (s) => s.content.includes('loud one'));
        await grace.postStatus('loud one');
        await loud;
        expect(seen.join()).not.toContain('quiet one');
      } finally {
        stream.stop();
      }
    });
  });
});
