import type { webcrypto } from 'node:crypto';
import {
  createFederation,
  exportJwk,
  generateCryptoKeyPair,
  importJwk,
  type Context,
  type Federation,
  type KvStore,
  type MessageQueue,
} from '@fedify/fedify';
import {
  Accept,
  Announce,
  Application,
  Create,
  Delete,
  Endpoints,
  Flag,
  Follow,
  Hashtag,
  Like,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  Person,
  Reject,
  Tombstone,
  Undo,
  isActor,
  type Activity,
  type Actor,
  type Recipient,
} from '@fedify/fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import type { Logger } from 'pino';
import type { Account, Post } from '../core/model.ts';
import type { Microblog } from '../core/microblog.ts';
import { renderNoteHtml, renderPostHtml } from '../core/post-html.ts';
import { extractHashtags } from '../core/text.ts';
import type { SecretBox } from '../security/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { FederationStore, RemoteFollower, StoredKeyPair } from './ports.ts';
import { htmlToText } from './remote-html.ts';
import type { DomainBlocks } from './domain-blocks.ts';
import {
  FederatedActivities,
  fieldsOf,
  isPostObject,
  postHtmlOf,
  profileExtras,
  type PostObject,
} from './activities.ts';
import { flagOf, type IncomingReport } from './reports.ts';
import type { InboxLimits } from './inbox-limits.ts';
import { sendActorUpdate } from './actor-update.ts';
import { attachmentsIn, attachmentsOut } from './attachments.ts';
import { profileImagesOf } from './profile-images.ts';
import { FetchAuthorizer, INSTANCE_ACTOR, InstanceKeyStore } from './authorized-fetch.ts';

export interface FederationSettings {
  publicUrl: string;
  domain: string;
  /** Tests and labs only: lets Fedify fetch from and deliver to loopback/private addresses. */
  allowPrivateAddresses: boolean;
  /** Where profile images are served (avatars and headers in actor documents). */
  mediaBaseUrl?: string;
  /** Posts, collections and full actors only for signed fetches (src/federation/authorized-fetch.ts). */
  authorizedFetch: boolean;
  /** How many missing parents of a received reply are fetched, one after the other. */
  threadFetchDepth: number;
  /** Where local media files are reached (attachments of outgoing Notes). */
  media: { baseUrl: string };
}

export interface FederationDeps {
  microblog: Microblog;
  domainBlocks: DomainBlocks;
  store: FederationStore;
  kv: KvStore;
  queue: MessageQueue;
  secretBox: SecretBox;
  clock: Clock;
  logger: Logger;
  /** Told of each failed delivery attempt (metrics, per-server delivery state). */
  deliveryFailed?: (error: unknown) => void;
  /** Per remote domain limits on the inbox (src/federation/inbox-limits.ts). */
  inboxLimits: InboxLimits;
  /** Deletes stored media files (the proxy's copies of remote avatars and headers replaced). */
  forgetMediaFiles?: (keys: readonly (string | null | undefined)[]) => Promise<void>;
}

/** Remote followers fetched per delivery page. */
const FOLLOWERS_PAGE = 200;

/** The time budget for fetching the missing parents of one received reply. */
const THREAD_FETCH_MS = 10_000;

/** How much of a thread may still be fetched above a received post. */
interface ThreadFetch {
  depth: number;
  /** Epoch milliseconds after which nothing more is fetched. */
  deadline: number;
  /** The post being stored was fetched as a parent (not delivered). */
  fetched: boolean;
}

/**
 * Sparrow on the fediverse (ActivityPub, through Fedify): local accounts as actors with
 * signing keys, their followers collections and public posts as objects; an inbox that turns
 * remote activities into calls on the one microblog domain (follows, posts, deletes); and
 * delivery of local activity to remote followers through the durable queue.
 *
 * What leaves the server is built here and only here, from accounts and posts: never phone
 * numbers, e-mail addresses or SMS settings (the core's Account holds none of them).
 */
export class Federator {
  readonly federation: Federation<void>;
  private readonly settings: FederationSettings;
  private readonly deps: FederationDeps;
  private readonly activities: FederatedActivities;
  private reportReceived: (report: IncomingReport) => Promise<unknown> = async () => {};
  private readonly authorizer: FetchAuthorizer;
  private readonly instanceKeys: InstanceKeyStore;

  constructor(settings: FederationSettings, deps: FederationDeps) {
    this.settings = settings;
    this.deps = deps;
    this.authorizer = new FetchAuthorizer(settings.authorizedFetch, deps.domainBlocks);
    this.instanceKeys = new InstanceKeyStore(deps.kv);
    this.federation = createFederation<void>({
      kv: deps.kv,
      queue: deps.queue,
      manuallyStartQueue: true,
      origin: settings.publicUrl,
      allowPrivateAddress: settings.allowPrivateAddresses,
      userAgent: { software: 'Sparrow', url: new URL(settings.publicUrl) },
      onOutboxError: (error, activity) => {
        deps.deliveryFailed?.(error);
        deps.logger.warn({ err: error, activity: activity?.id?.href }, 'ActivityPub delivery failed');
      },
    });
    this.activities = new FederatedActivities({
      ...deps,
      context: () => this.context(),
      noteOf: (ctx, author, post) => this.noteOf(ctx, author, post),
      deliverToFollowersAndMentions: (ctx, author, post, activity) =>
        this.deliverToFollowersAndMentions(ctx, author, post, activity),
      sendTo: (ctx, sender, recipients, activity) => this.sendTo(ctx, sender, recipients, activity),
      remoteFollowers: (accountId) => this.remoteFollowers(accountId),
      rememberActor: (actor) => this.rememberActor(actor),
      localAccountOfUri: (ctx, uri) => this.localAccountOfUri(ctx, uri),
      postNamed: (ctx, id) => this.postNamed(ctx, id),
      mentionIdsOf: (ctx, object) => this.mentionIdsOf(ctx, object),
      personOf: (ctx, account) => this.personOf(ctx, account),
    });
    this.activities.listenToTheDomain();
    this.registerActors();
    this.registerCollections();
    this.registerObjects();
    this.registerInbox();
    this.listenToTheDomain();
  }

  get inboxLimits(): InboxLimits {
    return this.deps.inboxLimits;
  }

  /** Messages waiting in the federation queue (deliveries, inbox work), for status and metrics. */
  async queueDepth(): Promise<{ queued: number; ready: number; delayed: number }> {
    const depth = (await this.deps.queue.getDepth?.()) ?? { queued: 0 };
    const ready = depth.ready ?? depth.queued;
    return { queued: depth.queued, ready, delayed: depth.delayed ?? depth.queued - ready };
  }

  /** Starts handling queued deliveries and inbox work until the signal aborts. */
  startQueue(signal: AbortSignal): Promise<void> {
    return this.federation.startQueue(undefined, { signal });
  }

  /** Answers an ActivityPub request, or null when it is not one (the web or API answers it). */
  async handle(request: Request): Promise<Response | null> {
    if (request.method === 'POST') {
      // A suspended server's deliveries are refused before any signature work is spent on them.
      const host = await senderHost(request.clone());
      if (host && (await this.deps.domainBlocks.isSuspended(host)))
        return new Response(JSON.stringify({ error: 'This server does not accept activities from your domain' }), {
          status: 403,
          headers: { 'content-type': 'application/json' },
        });
    }
    let passed = false;
    const response = await this.federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => {
        passed = true;
        return new Response(null, { status: 404 });
      },
      onNotAcceptable: () => {
        passed = true;
        return new Response(null, { status: 406 });
      },
    });
    return passed ? null : response;
  }

  private context(): Context<void> {
    return this.federation.createContext(new URL(this.settings.publicUrl), undefined);
  }

  /** Finds `user@domain` on its server (WebFinger, then the actor) and remembers it. */
  async resolveRemote(username: string, domain: string): Promise<Account | null> {
    if (await this.deps.domainBlocks.isSuspended(domain)) return null;
    const ctx = this.context();
    try {
      // Signed with the instance actor's key: a server in authorized-fetch mode answers it.
      const documentLoader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
      let found = await ctx.lookupObject(`acct:${username}@${domain}`, { documentLoader });
      if (!found && this.settings.allowPrivateAddresses) {
        // WebFinger on an acct: handle is always https; a lab or test server on plain http
        // answers for its profile URL instead (Sparrow's WebFinger accepts both).
        const descriptor = await ctx.lookupWebFinger(`http://${domain}/@${username}`);
        const self = descriptor?.links?.find(
          (link) => link.rel === 'self' && link.type === 'application/activity+json' && link.href,
        );
        if (self?.href) found = await ctx.lookupObject(self.href, { documentLoader });
      }
      if (!found || !isActor(found) || !found.id) return null;
      return await this.rememberActor(found);
    } catch (error) {
      this.deps.logger.info({ err: error, handle: `${username}@${domain}` }, 'Could not resolve a remote account');
      return null;
    }
  }

  // ── Actors and keys ─────────────────────────────────────────────────────────

  private async localAccount(identifier: string): Promise<Account | null> {
    const account = await this.deps.microblog.lookup(identifier);
    return account && account.domain === null ? account : null;
  }

  private registerActors(): void {
    this.federation
      .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
        if (identifier === INSTANCE_ACTOR) {
          const pairs = await ctx.getActorKeyPairs(identifier);
          return new Application({
            id: ctx.getActorUri(identifier),
            preferredUsername: INSTANCE_ACTOR,
            name: this.settings.domain,
            url: new URL(this.settings.publicUrl),
            inbox: ctx.getInboxUri(identifier),
            endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
            manuallyApprovesFollowers: true,
            publicKey: pairs[0]?.cryptographicKey ?? null,
            assertionMethods: pairs.map((key) => key.multikey),
          });
        }
        const account = await this.localAccount(identifier);
        if (!account) return null;
        // Authorized fetch: an unsigned request gets what checking a signature needs, no more.
        return this.personOf(ctx, account, await this.authorizer.minimal(ctx));
      })
      .authorize(this.authorizer.actorFetch)
      .setKeyPairsDispatcher(async (_ctx, identifier) => {
        if (identifier === INSTANCE_ACTOR) return this.keyPairsOf(this.instanceKeys);
        const account = await this.localAccount(identifier);
        if (!account) return [];
        return this.keyPairsOf({
          keyPairs: () => this.deps.store.keyPairs(account.id),
          addKeyPairs: (pairs) => this.deps.store.addKeyPairs(account.id, pairs, this.deps.clock.now()),
        });
      });
  }

  /** A local account as an ActivityPub actor; `minimal`: its keys and inbox only. */
  private async personOf(ctx: Context<void>, account: Account, minimal = false): Promise<Person> {
    const identifier = account.username;
    const pairs = await ctx.getActorKeyPairs(identifier);
    const identity = {
      id: ctx.getActorUri(identifier),
      preferredUsername: account.username,
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pairs[0]?.cryptographicKey ?? null,
      assertionMethods: pairs.map((key) => key.multikey),
    };
    if (minimal) return new Person(identity);
    return new Person({
      ...identity,
      name: account.displayName,
      summary: account.note === '' ? null : renderNoteHtml(account.note),
      url: new URL(`${this.settings.publicUrl}/@${account.username}`),
      published: Temporal.Instant.fromEpochMilliseconds(account.createdAt.getTime()),
      manuallyApprovesFollowers: account.locked,
      discoverable: true,
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      ...profileExtras(account, this.settings.mediaBaseUrl),
    });
  }

  /**
   * New RSA and Ed25519 keys for a local account (`sparrow federation rotate-keys`), then an
   * `Update` of the actor to its followers' servers so they fetch the new key. Peers that
   * cached the old key also refetch it when a signature fails to verify with it.
   * Returns how many remote followers were told, or null when there is no such local account.
   */
  async rotateKeys(username: string): Promise<number | null> {
    const account = await this.localAccount(username);
    if (!account) return null;
    await this.deps.store.replaceKeyPairs(account.id, await this.newKeyPairs([]), this.deps.clock.now());
    const ctx = this.context();
    const followers = await this.remoteFollowers(account.id);
    const recipients: Recipient[] = [];
    for (const follower of followers) {
      if (await this.deps.domainBlocks.isSuspended(new URL(follower.uri).host)) continue;
      recipients.push({
        id: new URL(follower.uri),
        inboxId: new URL(follower.inbox),
        endpoints: { sharedInbox: follower.sharedInbox ? new URL(follower.sharedInbox) : null },
      });
    }
    await sendActorUpdate(ctx, account.username, await this.personOf(ctx, account, false), recipients);
    return recipients.length;
  }

  /** Usernames of the local accounts that have keys (those `rotate-keys --all` renews). */
  async keyedUsernames(): Promise<string[]> {
    const accounts = await this.deps.microblog.accounts(await this.deps.store.keyedAccounts());
    return [...accounts.values()].filter((a) => a.domain === null).map((a) => a.username);
  }

  /**
   * An account's key pairs: RSA (what Mastodon verifies) first, then Ed25519 (object proofs).
   * Made on first use; when two processes race, the store keeps the first and both use it.
   */
  private async keyPairsOf(keys: {
    keyPairs(): Promise<StoredKeyPair[]>;
    addKeyPairs(pairs: StoredKeyPair[]): Promise<void>;
  }): Promise<webcrypto.CryptoKeyPair[]> {
    let stored = await keys.keyPairs();
    if (stored.length < 2) {
      await keys.addKeyPairs(await this.newKeyPairs(stored));
      stored = await keys.keyPairs();
    }
    const ordered = [...stored].sort((a, b) => (a.algorithm === 'rsa' ? -1 : b.algorithm === 'rsa' ? 1 : 0));
    return Promise.all(
      ordered.map(async (pair) => ({
        publicKey: await importJwk(pair.publicJwk as Parameters<typeof importJwk>[0], 'public'),
        privateKey: await importJwk(
          JSON.parse(await this.deps.secretBox.open(pair.privateSealed)) as Parameters<typeof importJwk>[0],
          'private',
        ),
      })),
    );
  }

  /** Fresh key pairs (private halves sealed) for the algorithms `existing` lacks. */
  private async newKeyPairs(existing: readonly StoredKeyPair[]): Promise<StoredKeyPair[]> {
    const made: StoredKeyPair[] = [];
    for (const [algorithm, name] of [
      ['rsa', 'RSASSA-PKCS1-v1_5'],
      ['ed25519', 'Ed25519'],
    ] as const) {
      if (existing.some((pair) => pair.algorithm === algorithm)) continue;
      const pair = await generateCryptoKeyPair(name);
      made.push({
        algorithm,
        publicJwk: (await exportJwk(pair.publicKey)) as StoredKeyPair['publicJwk'],
        privateSealed: await this.deps.secretBox.seal(JSON.stringify(await exportJwk(pair.privateKey))),
      });
    }
    return made;
  }

  // ── Collections and objects ─────────────────────────────────────────────────

  private registerCollections(): void {
    this.federation
      .setFollowersDispatcher('/users/{identifier}/followers', async (ctx, identifier, cursor) => {
        const account = await this.localAccount(identifier);
        if (!account) return null;
        const page = await this.deps.store.followers(account.id, cursor, FOLLOWERS_PAGE);
        const items: Recipient[] = page.items.map((item) =>
          item.uri
            ? { id: new URL(item.uri), inboxId: null }
            : { id: ctx.getActorUri(item.username), inboxId: ctx.getInboxUri(item.username) },
        );
        return { items, nextCursor: page.next };
      })
      .setCounter(async (_ctx, identifier) => (await this.localAccount(identifier))?.followersCount ?? null)
      .setFirstCursor(() => '')
      .authorize(this.authorizer.signedFetch);

    this.federation
      .setFollowingDispatcher('/users/{identifier}/following', async (_ctx, identifier) => {
        const account = await this.localAccount(identifier);
        if (!account) return null;
        // The accounts a person follows are theirs to know; the collection says how many only.
        return { items: [] };
      })
      .setCounter(async (_ctx, identifier) => (await this.localAccount(identifier))?.followingCount ?? null)
      .authorize(this.authorizer.signedFetch);

    this.federation
      .setOutboxDispatcher('/users/{identifier}/outbox', async (_ctx, identifier) => {
        const account = await this.localAccount(identifier);
        if (!account) return null;
        // Public posts are fetched one by one through their ids; the outbox gives the count.
        return { items: [] };
      })
      .setCounter(async (_ctx, identifier) => (await this.localAccount(identifier))?.statusesCount ?? null)
      .authorize(this.authorizer.signedFetch);
  }

  private registerObjects(): void {
    this.federation
      .setObjectDispatcher(Note, '/users/{identifier}/statuses/{id}', async (ctx, values) => {
        const account = await this.localAccount(values.identifier);
        if (!account) return null;
        const post = await this.deps.microblog.visiblePost(null, values.id).catch(() => null);
        // Only what anyone may read is served to anyone; followers-only and direct posts
        // reach their audience by delivery, never by fetch.
        if (!post || post.accountId !== account.id || post.reblogOfId !== null) return null;
        return this.noteOf(ctx, account, post);
      })
      .authorize(this.authorizer.signedFetch);
  }

  private noteUri(ctx: Context<void>, account: Account, post: Post): URL {
    return post.uri ? new URL(post.uri) : ctx.getObjectUri(Note, { identifier: account.username, id: post.id });
  }

  /** The Note for a local post, addressed as Mastodon addresses each visibility. */
  private async noteOf(ctx: Context<void>, author: Account, post: Post): Promise<Note> {
    const mentioned = await this.deps.microblog.accounts(post.mentionIds);
    const mentions = [...mentioned.values()].map((account) => ({
      account,
      uri: account.uri ? new URL(account.uri) : ctx.getActorUri(account.username),
    }));
    const followers = ctx.getFollowersUri(author.username);
    const mentionUris = mentions.map((m) => m.uri);
    const addressing =
      post.visibility === 'public'
        ? { tos: [PUBLIC_COLLECTION], ccs: [followers, ...mentionUris] }
        : post.visibility === 'unlisted'
          ? { tos: [followers], ccs: [PUBLIC_COLLECTION, ...mentionUris] }
          : post.visibility === 'private'
            ? { tos: [followers], ccs: mentionUris }
            : { tos: mentionUris, ccs: [] };
    const parent = post.inReplyToId ? await this.deps.microblog.postAndAuthor(post.inReplyToId) : null;
    return new Note({
      id: this.noteUri(ctx, author, post),
      attribution: ctx.getActorUri(author.username),
      // Links in content are absolute: other servers show it under their own origin.
      content: renderPostHtml(
        post.text,
        mentions.map((m) => ({ username: m.account.username, url: m.account.url ?? m.uri.href })),
        this.settings.publicUrl,
      ),
      summary: post.spoilerText === '' ? null : post.spoilerText,
      sensitive: post.sensitive,
      published: Temporal.Instant.fromEpochMilliseconds(post.createdAt.getTime()),
      updated: post.editedAt ? Temporal.Instant.fromEpochMilliseconds(post.editedAt.getTime()) : null,
      url: new URL(`${this.settings.publicUrl}/@${author.username}/${post.id}`),
      replyTarget: parent ? this.noteUri(ctx, parent.author, parent.post) : null,
      attachments: attachmentsOut(await this.deps.microblog.attachments(post.id), this.settings),
      tags: [
        ...mentions.map(
          (m) =>
            new Mention({
              href: m.uri,
              name: `@${m.account.username}${m.account.domain ? `@${m.account.domain}` : `@${this.settings.domain}`}`,
            }),
        ),
        // As Mastodon tags them, so other servers index and link the post's hashtags.
        ...extractHashtags(post.text).map(
          (name) =>
            new Hashtag({
              href: new URL(`${this.settings.publicUrl}/tags/${encodeURIComponent(name)}`),
              name: `#${name}`,
            }),
        ),
      ],
      ...addressing,
    });
  }

  // ── Inbox ───────────────────────────────────────────────────────────────────

  /** Creates or refreshes the account behind a remote actor, with where to deliver to it. */
  private async rememberActor(actor: Actor): Promise<Account | null> {
    if (!actor.id || !actor.inboxId) return null;
    const domain = actor.id.host.toLowerCase();
    if (domain === this.settings.domain.toLowerCase()) return null;
    if (await this.deps.domainBlocks.isSuspended(domain)) return null;
    const username = (actor.preferredUsername?.toString() ?? '').trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(username)) return null;
    const before = await this.deps.microblog.accountByUri(actor.id.href);
    const account = await this.deps.microblog.rememberRemoteAccount({
      uri: actor.id.href,
      url: actor.url instanceof URL ? actor.url.href : actor.id.href,
      username,
      domain,
      displayName: (actor.name?.toString() ?? username).slice(0, 100),
      note: htmlToText(actor.summary?.toString() ?? '').slice(0, 2000),
      locked: actor.manuallyApprovesFollowers ?? false,
      bot: actor.constructor.name === 'Service' || actor.constructor.name === 'Application',
      fields: await fieldsOf(actor),
      ...(await profileImagesOf(actor, this.deps.domainBlocks)),
    });
    // The proxy's copy of an avatar or header the actor replaced is deleted (never served again).
    await this.deps.forgetMediaFiles?.(
      [before?.avatar, before?.header].filter((key) => key && key !== account.avatar && key !== account.header),
    );
    await this.deps.store.saveEndpoints(
      account.id,
      {
        inbox: actor.inboxId.href,
        sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
        followersUrl: actor.followersId?.href ?? null,
      },
      this.deps.clock.now(),
    );
    return account;
  }

  /** The local account an actor URI of this server names, or null. */
  private async localAccountOfUri(ctx: Context<void>, uri: URL | null): Promise<Account | null> {
    if (!uri) return null;
    const parsed = ctx.parseUri(uri);
    if (parsed?.type !== 'actor') return null;
    return this.localAccount(parsed.identifier);
  }

  private registerInbox(): void {
    const inbox = this.federation
      .setInboxListeners('/users/{identifier}/inbox', '/inbox')
      // What the shared inbox fetches (actors, posts) is signed by the instance actor.
      .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }));
    inbox
      .on(Follow, async (ctx, follow) => {
        if (!follow.id || !follow.actorId || !follow.objectId) return;
        const target = await this.localAccountOfUri(ctx, follow.objectId);
        if (!target) return;
        const follower = await this.activities.senderOf(ctx, follow);
        if (!follower) return;
        // The Follow's own id is what the eventual Accept or Reject must name.
        await this.deps.kv.set(['sparrow', 'follow', follower.id, target.id], follow.id.href);
        const relationship = await this.deps.microblog.follow(follower.id, target.id).catch(() => null);
        if (!relationship) {
          await this.answerFollow(ctx, target, follower, 'reject');
        } else if (relationship.following) {
          await this.answerFollow(ctx, target, follower, 'accept');
        }
        // Otherwise the account is locked: the answer goes out when its owner decides.
      })
      .on(Like, async (ctx, like) => {
        const sender = like.actorId ? await this.deps.microblog.accountByUri(like.actorId.href) : null;
        const post = sender ? await this.postNamed(ctx, like.objectId) : null;
        if (sender && post) await this.deps.microblog.favourite(sender.id, post.id).catch(() => {});
      })
      .on(Announce, async (ctx, announce) => {
        if (!announce.actorId || !announce.objectId) return;
        const booster = await this.activities.senderOf(ctx, announce);
        if (!booster) return;
        const post =
          (await this.postNamed(ctx, announce.objectId)) ?? (await this.fetchRemoteNote(ctx, announce.objectId));
        if (!post) return;
        const visibility = announce.toIds.some((id) => id.href === PUBLIC_COLLECTION.href) ? 'public' : 'unlisted';
        // A boost of something its booster may not see (a followers-only post) is refused by the core.
        await this.deps.microblog.reblog(booster.id, post.id, 'federation', visibility).catch(() => {});
      })
      .on(Undo, async (ctx, undo) => {
        const object = await undo.getObject({
          documentLoader: ctx.documentLoader,
          contextLoader: ctx.contextLoader,
          crossOrigin: 'trust',
        });
        const undoer = undo.actorId ? await this.deps.microblog.accountByUri(undo.actorId.href) : null;
        // Only the actor who did something may undo it.
        if (!undoer) return;
        if (await this.activities.undo(ctx, undoer, object)) return;
        if (
          (object instanceof Like || object instanceof Announce || object instanceof Follow) &&
          object.actorId?.href !== undoer.uri
        )
          return;
        if (object instanceof Like) {
          const post = await this.postNamed(ctx, object.objectId);
          if (post) await this.deps.microblog.unfavourite(undoer.id, post.id).catch(() => {});
          return;
        }
        if (object instanceof Announce) {
          const post = await this.postNamed(ctx, object.objectId);
          if (post) await this.deps.microblog.unreblog(undoer.id, post.id).catch(() => {});
          return;
        }
        if (object instanceof Follow) {
          const sender = undo.actorId ? await this.deps.microblog.accountByUri(undo.actorId.href) : null;
          const target = await this.localAccountOfUri(ctx, object.objectId);
          if (!sender || !target || object.actorId?.href !== sender.uri) return;
          await this.deps.microblog.unfollow(sender.id, target.id);
        }
      })
      .on(Accept, async (ctx, accept) => {
        const sender = accept.actorId ? await this.deps.microblog.accountByUri(accept.actorId.href) : null;
        const follower = sender ? await this.followerNamedBy(ctx, accept) : null;
        // Only a pending request of ours to this very sender becomes a follow.
        if (sender && follower) await this.deps.microblog.remoteFollowAccepted(follower.id, sender.id);
      })
      .on(Reject, async (ctx, reject) => {
        const sender = reject.actorId ? await this.deps.microblog.accountByUri(reject.actorId.href) : null;
        const follower = sender ? await this.followerNamedBy(ctx, reject) : null;
        if (sender && follower) await this.deps.microblog.remoteFollowRejected(follower.id, sender.id);
      })
      .on(Create, async (ctx, create) => {
        const object = await create.getObject(ctx);
        if (!isPostObject(object) || !object.id || !create.actorId) return;
        // A post is accepted only from its own author.
        if (object.attributionId?.href !== create.actorId.href) return;
        const author = await this.activities.senderOf(ctx, create);
        if (!author) return;
        await this.receiveNote(ctx, author, object);
      })
      .on(Delete, async (_ctx, del) => {
        if (!del.actorId || !del.objectId) return;
        if (del.objectId.href === del.actorId.href) return this.activities.actorDeleted(del.actorId);
        const author = await this.deps.microblog.accountByUri(del.actorId.href);
        if (!author) return;
        await this.deps.microblog.deleteRemotePost(author.id, del.objectId.href);
      })
      .on(Flag, (ctx, flag) => this.receiveFlag(ctx, flag))
      .onError((_ctx, error) => this.deps.logger.warn({ err: error }, 'ActivityPub inbox error'));
    this.activities.registerInbox(inbox);
  }

  // ── Reports ─────────────────────────────────────────────────────────────────

  /** Where reports forwarded by other servers go (the safety domain files them for staff). */
  onReportReceived(handler: (report: IncomingReport) => Promise<unknown>): void {
    this.reportReceived = handler;
  }

  /** Forwards a report about an account of another server to it, in the name of this server (never the reporter's). */
  async forwardReport(report: { id: string; targetAccountId: string; statusIds: readonly string[]; comment: string }) {
    const target = (await this.deps.microblog.accounts([report.targetAccountId])).get(report.targetAccountId);
    if (!target || target.domain === null || !target.uri) return;
    if (await this.deps.domainBlocks.isSuspended(target.domain)) return;
    const endpoints = (await this.deps.store.endpoints([target.id])).get(target.id);
    if (!endpoints) return;
    const postUris: string[] = [];
    for (const id of report.statusIds) {
      const found = await this.deps.microblog.postAndAuthor(id);
      if (found?.post.uri && found.post.accountId === target.id) postUris.push(found.post.uri);
    }
    const ctx = this.context();
    await ctx.sendActivity(
      { identifier: INSTANCE_ACTOR },
      { id: new URL(target.uri), inboxId: new URL(endpoints.inbox) },
      flagOf(ctx, { id: report.id, comment: report.comment, targetUri: target.uri, postUris }),
    );
  }

  /** A report another server forwarded: about an account here, citing its posts. */
  private async receiveFlag(ctx: Context<void>, flag: Flag): Promise<void> {
    const actor = await flag.getActor(ctx);
    if (!actor || !isActor(actor)) return;
    const reporter = await this.rememberActor(actor);
    if (!reporter) return;
    let target: Account | null = null;
    const posts: Post[] = [];
    for (const id of flag.objectIds.slice(0, 50)) {
      const account = await this.localAccountOfUri(ctx, id);
      if (account) target ??= account;
      else {
        const post = await this.postNamed(ctx, id);
        if (post) posts.push(post);
      }
    }
    target ??= posts[0]
      ? ((await this.deps.microblog.accounts([posts[0].accountId])).get(posts[0].accountId) ?? null)
      : null;
    if (!target || target.domain !== null) return;
    const targetId = target.id;
    await this.reportReceived({
      reporterId: reporter.id,
      targetAccountId: targetId,
      statusIds: posts.filter((p) => p.accountId === targetId).map((p) => p.id),
      comment: htmlToText(flag.content?.toString() ?? '').slice(0, 1000),
    });
  }

  /**
   * The local follower an Accept or Reject answers. The Follow's id is one Sparrow made
   * (`/users/<name>#follows/…`); when a server names the Follow only by its content, the
   * embedded Follow's actor says who (embedded objects of our origin sent by another server
   * are not refetched: the answer is only used if that account has a request pending).
   */
  private async followerNamedBy(ctx: Context<void>, answer: Accept | Reject): Promise<Account | null> {
    const id = answer.objectId;
    if (id && id.origin === new URL(this.settings.publicUrl).origin) {
      const match = /^\/users\/([^/]+)#follows\//.exec(id.pathname + id.hash);
      if (match) return this.localAccount(decodeURIComponent(match[1]!));
    }
    const follow = await answer
      .getObject({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, crossOrigin: 'trust' })
      .catch(() => null);
    return follow instanceof Follow ? this.localAccountOfUri(ctx, follow.actorId) : null;
  }

  /** A post this server knows by an object id: a local Note URI or a remote post's id. */
  private async postNamed(ctx: Context<void>, id: URL | null): Promise<Post | null> {
    if (!id) return null;
    const parsed = ctx.parseUri(id);
    if (parsed?.type === 'object' && parsed.class === Note) {
      const found = await this.deps.microblog.postAndAuthor(parsed.values.id ?? '');
      return found && found.author.username === parsed.values.identifier ? found.post : null;
    }
    return this.deps.microblog.postByUri(id.href);
  }

  /** Fetches a Note of another server (a boosted post not seen before) and stores it. */
  private async fetchRemoteNote(ctx: Context<void>, id: URL, thread?: ThreadFetch): Promise<Post | null> {
    if (thread && (thread.depth <= 0 || Date.now() > thread.deadline)) return null;
    if (id.origin === new URL(this.settings.publicUrl).origin) return null;
    if (await this.deps.domainBlocks.isSuspended(id.host)) return null;
    const signal = AbortSignal.timeout(Math.max(1, (thread?.deadline ?? Date.now() + THREAD_FETCH_MS) - Date.now()));
    const note = await ctx.lookupObject(id, { signal }).catch(() => null);
    if (!isPostObject(note) || !note.id || note.id.origin !== id.origin || !note.attributionId) return null;
    const actor = await note.getAttribution(ctx).catch(() => null);
    if (!actor || !isActor(actor) || actor.id?.origin !== note.id.origin) return null;
    const author = await this.rememberActor(actor);
    if (!author) return null;
    await this.receiveNote(ctx, author, note, thread && { ...thread, depth: thread.depth - 1, fetched: true });
    return this.deps.microblog.postByUri(note.id.href);
  }

  private async receiveNote(
    ctx: Context<void>,
    author: Account,
    note: PostObject,
    thread: ThreadFetch = {
      depth: this.settings.threadFetchDepth,
      deadline: Date.now() + THREAD_FETCH_MS,
      fetched: false,
    },
  ): Promise<void> {
    // A limited server gets in only through accounts someone here chose to follow.
    const block = author.domain ? await this.deps.domainBlocks.blockOf(author.domain) : null;
    if (block?.severity === 'limit' && author.followersCount === 0) return;
    const html = await postHtmlOf(ctx, note);
    const text = htmlToText(html);
    const tos = note.toIds.map((u) => u.href);
    const ccs = note.ccIds.map((u) => u.href);
    const publicId = PUBLIC_COLLECTION.href;
    const followersUrl = (await this.deps.store.endpoints([author.id])).get(author.id)?.followersUrl ?? null;
    const visibility = tos.includes(publicId)
      ? 'public'
      : ccs.includes(publicId)
        ? 'unlisted'
        : followersUrl && (tos.includes(followersUrl) || ccs.includes(followersUrl))
          ? 'private'
          : 'direct';
    const mentionIds = await this.mentionIdsOf(ctx, note);
    const open = visibility === 'public' || visibility === 'unlisted';
    // A parent fetched for a thread is kept only if anyone may read it.
    if (thread.fetched && !open) return;
    let inReplyToId: string | null = null;
    if (note.replyTargetId) {
      // A public or unlisted reply to a post not seen yet: its parents are fetched (from the
      // queue worker running this listener, never in the inbox request), within the limits.
      const parent =
        (await this.postNamed(ctx, note.replyTargetId)) ??
        (open ? await this.fetchRemoteNote(ctx, note.replyTargetId, thread) : null);
      inReplyToId = parent?.id ?? null;
    }
    await this.deps.microblog.receiveRemotePost(author.id, {
      uri: note.id!.href,
      url: note.url instanceof URL ? note.url.href : note.id!.href,
      html,
      text,
      // An article's summary is its abstract, not a content warning.
      spoilerText: note instanceof Note ? htmlToText(note.summary?.toString() ?? '') : '',
      sensitive: note instanceof Note ? (note.sensitive ?? false) : false,
      visibility,
      language: note.content instanceof Object && 'language' in note.content ? String(note.content.language) : null,
      inReplyToId,
      mentionIds,
      createdAt: note.published ? new Date(note.published.epochMilliseconds) : this.deps.clock.now(),
      attachments: await attachmentsIn(ctx, note),
    });
  }

  /** The accounts known here that a post's Mention tags name. */
  private async mentionIdsOf(ctx: Context<void>, note: PostObject): Promise<string[]> {
    const mentionIds: string[] = [];
    for await (const tag of note.getTags(ctx)) {
      if (!(tag instanceof Mention) || !tag.href) continue;
      const local = await this.localAccountOfUri(ctx, tag.href);
      const known = local ?? (await this.deps.microblog.accountByUri(tag.href.href));
      if (known) mentionIds.push(known.id);
    }
    return mentionIds;
  }

  // ── Delivery ────────────────────────────────────────────────────────────────

  private async answerFollow(ctx: Context<void>, target: Account, follower: Account, answer: 'accept' | 'reject') {
    const endpoints = (await this.deps.store.endpoints([follower.id])).get(follower.id);
    if (!endpoints || !follower.uri) return;
    const followId = await this.deps.kv.get<string>(['sparrow', 'follow', follower.id, target.id]);
    const follow = new Follow({
      id: followId ? new URL(followId) : null,
      actor: new URL(follower.uri),
      object: ctx.getActorUri(target.username),
    });
    const Activity = answer === 'accept' ? Accept : Reject;
    await ctx.sendActivity(
      { identifier: target.username },
      { id: new URL(follower.uri), inboxId: new URL(endpoints.inbox) },
      new Activity({
        id: new URL(`${ctx.getActorUri(target.username).href}#${answer}s/${follower.id}/${Date.now()}`),
        actor: ctx.getActorUri(target.username),
        object: follow,
      }),
    );
    if (answer === 'reject') await this.deps.kv.delete(['sparrow', 'follow', follower.id, target.id]);
  }

  private followActivity(ctx: Context<void>, follower: Account, target: Account, id?: URL): Follow {
    return new Follow({
      // Unique per request: a repeated id would be dropped as a duplicate (following again after an unfollow).
      id: id ?? new URL(`${ctx.getActorUri(follower.username).href}#follows/${target.id}/${Date.now()}`),
      actor: ctx.getActorUri(follower.username),
      object: new URL(target.uri!),
    });
  }

  private async sendTo(
    ctx: Context<void>,
    sender: Account,
    recipients: readonly Account[],
    activity: Parameters<Context<void>['sendActivity']>[2],
  ) {
    const remote: Account[] = [];
    for (const account of recipients) {
      if (account.domain === null || account.uri === null) continue;
      if (!(await this.deps.domainBlocks.isSuspended(account.domain))) remote.push(account);
    }
    if (remote.length === 0) return;
    const endpoints = await this.deps.store.endpoints(remote.map((a) => a.id));
    const targets: Recipient[] = remote.flatMap((account) => {
      const known = endpoints.get(account.id);
      return known
        ? [
            {
              id: new URL(account.uri!),
              inboxId: new URL(known.inbox),
              endpoints: { sharedInbox: known.sharedInbox ? new URL(known.sharedInbox) : null },
            },
          ]
        : [];
    });
    if (targets.length > 0)
      await ctx.sendActivity({ identifier: sender.username }, targets, activity, { preferSharedInbox: true });
  }

  /** Every remote follower of `accountId`, page by page. */
  private async remoteFollowers(accountId: string): Promise<RemoteFollower[]> {
    const all: RemoteFollower[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.deps.store.remoteFollowers(accountId, cursor, FOLLOWERS_PAGE);
      all.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return all;
  }

  private async deliverToFollowersAndMentions(
    ctx: Context<void>,
    author: Account,
    post: Post,
    activity: Activity,
    known?: Recipient[],
  ) {
    const recipients = known ?? (await this.recipientsOf(author.id, post));
    if (recipients.length === 0) return;
    await ctx.sendActivity({ identifier: author.username }, recipients, activity, {
      // A direct or followers-only post goes to each addressee's own inbox, never a shared one
      // that would hand it to the whole server.
      preferSharedInbox: post.visibility === 'public' || post.visibility === 'unlisted',
    });
  }

  /** The remote followers and mentioned remote accounts a local post goes to (not on suspended servers). */
  private async recipientsOf(authorId: string, post: Post): Promise<Recipient[]> {
    const followers = post.visibility === 'direct' ? [] : await this.remoteFollowers(authorId);
    const mentioned = [...(await this.deps.microblog.accounts(post.mentionIds)).values()].filter(
      (a) => a.domain !== null,
    );
    const recipients = new Map<string, Recipient>();
    for (const follower of followers) {
      recipients.set(follower.uri, {
        id: new URL(follower.uri),
        inboxId: new URL(follower.inbox),
        endpoints: { sharedInbox: follower.sharedInbox ? new URL(follower.sharedInbox) : null },
      });
    }
    const endpoints = await this.deps.store.endpoints(mentioned.map((a) => a.id));
    for (const account of mentioned) {
      const known = endpoints.get(account.id);
      if (!known || !account.uri) continue;
      recipients.set(account.uri, {
        id: new URL(account.uri),
        inboxId: new URL(known.inbox),
        endpoints: { sharedInbox: known.sharedInbox ? new URL(known.sharedInbox) : null },
      });
    }
    for (const [uri] of recipients) {
      if (await this.deps.domainBlocks.isSuspended(new URL(uri).host)) recipients.delete(uri);
    }
    return [...recipients.values()];
  }

  /** Local activity that other servers must hear of, from the domain's listeners. */
  private listenToTheDomain(): void {
    const { microblog } = this.deps;
    const report = (what: string) => (error: unknown) =>
      this.deps.logger.warn({ err: error }, `ActivityPub: could not send ${what}`);

    microblog.onFollowRequested(async ({ accountId, targetId }) => {
      const accounts = await microblog.accounts([accountId, targetId]);
      const follower = accounts.get(accountId);
      const target = accounts.get(targetId);
      if (!follower || !target || follower.domain !== null || target.domain === null || !target.uri) return;
      const ctx = this.context();
      const follow = this.followActivity(ctx, follower, target);
      // The Undo must name this very Follow: peers such as Hollo match an unfollow by its id.
      await this.deps.kv.set(['sparrow', 'sent-follow', follower.id, target.id], follow.id!.href);
      await this.sendTo(ctx, follower, [target], follow).catch(report('a follow'));
    });

    const undoFollow = async (accountId: string, targetId: string) => {
      const accounts = await microblog.accounts([accountId, targetId]);
      const follower = accounts.get(accountId);
      const target = accounts.get(targetId);
      if (!follower || !target || follower.domain !== null || target.domain === null || !target.uri) return;
      const ctx = this.context();
      const sentKey = ['sparrow', 'sent-follow', follower.id, target.id] as const;
      const sentId = await this.deps.kv.get<string>(sentKey);
      const follow = this.followActivity(ctx, follower, target, sentId ? new URL(sentId) : undefined);
      await this.deps.kv.delete(sentKey);
      await this.sendTo(
        ctx,
        follower,
        [target],
        new Undo({ id: new URL(`${follow.id!.href}/undo/${Date.now()}`), actor: follow.actorId, object: follow }),
      ).catch(report('an unfollow'));
    };
    microblog.onUnfollowed(async ({ accountId, targetId }) => undoFollow(accountId, targetId));

    microblog.onFollowRequestClosed(async ({ accountId, targetId }, outcome) => {
      if (outcome === 'withdrawn') return undoFollow(accountId, targetId);
      // A local locked account answered a remote account's request.
      const accounts = await microblog.accounts([accountId, targetId]);
      const requester = accounts.get(accountId);
      const target = accounts.get(targetId);
      if (!requester || !target || requester.domain === null || target.domain !== null) return;
      await this.answerFollow(this.context(), target, requester, outcome === 'authorized' ? 'accept' : 'reject').catch(
        report('a follow answer'),
      );
    });

    microblog.onFavourited(async ({ accountId, post, added }) => {
      const accounts = await microblog.accounts([accountId, post.accountId]);
      const liker = accounts.get(accountId);
      const author = accounts.get(post.accountId);
      if (!liker || !author || liker.domain !== null || author.domain === null || !post.uri) return;
      const ctx = this.context();
      const like = new Like({
        id: new URL(`${ctx.getActorUri(liker.username).href}#likes/${post.id}`),
        actor: ctx.getActorUri(liker.username),
        object: new URL(post.uri),
      });
      const activity = added
        ? like
        : new Undo({ id: new URL(`${like.id!.href}/undo/${Date.now()}`), actor: like.actorId, object: like });
      await this.sendTo(ctx, liker, [author], activity).catch(report('a like'));
    });

    const announceOf = async (ctx: Context<void>, booster: Account, reblog: Post) => {
      const found = await microblog.postAndAuthor(reblog.reblogOfId!);
      if (!found) return null;
      const originalAuthor = found.author.uri ? new URL(found.author.uri) : ctx.getActorUri(found.author.username);
      return {
        original: found,
        announce: new Announce({
          id: new URL(`${ctx.getActorUri(booster.username).href}/statuses/${reblog.id}/activity`),
          actor: ctx.getActorUri(booster.username),
          object: this.noteUri(ctx, found.author, found.post),
          published: Temporal.Instant.fromEpochMilliseconds(reblog.createdAt.getTime()),
          tos: [reblog.visibility === 'public' ? PUBLIC_COLLECTION : ctx.getFollowersUri(booster.username)],
          ccs: [
            reblog.visibility === 'public' ? ctx.getFollowersUri(booster.username) : PUBLIC_COLLECTION,
            originalAuthor,
          ],
        }),
      };
    };
    const deliverBoost = async (reblog: Post, undo: boolean) => {
      const booster = (await microblog.accounts([reblog.accountId])).get(reblog.accountId);
      if (!booster || booster.domain !== null) return;
      const ctx = this.context();
      const built = await announceOf(ctx, booster, reblog);
      if (!built) return;
      const activity = undo
        ? new Undo({
            id: new URL(`${built.announce.id!.href}/undo`),
            actor: ctx.getActorUri(booster.username),
            object: built.announce,
          })
        : built.announce;
      // The booster's followers elsewhere, and the boosted post's author if remote.
      await this.deliverToFollowersAndMentions(
        ctx,
        booster,
        { ...reblog, mentionIds: built.original.author.domain ? [built.original.author.id] : [] },
        activity,
      ).catch(report('a boost'));
    };

    microblog.onPublished(async (post) => {
      if (post.reblogOfId !== null && post.source !== 'federation') return deliverBoost(post, false);
      if (post.reblogOfId !== null || post.uri !== null) return;
      // Most posts of most servers reach no other server: nothing to read or build then.
      const recipients = await this.recipientsOf(post.accountId, post);
      if (recipients.length === 0) return;
      const author = (await microblog.accounts([post.accountId])).get(post.accountId);
      if (!author || author.domain !== null) return;
      const ctx = this.context();
      const note = await this.noteOf(ctx, author, post);
      const create = new Create({
        id: new URL(`${note.id!.href}/activity`),
        actor: ctx.getActorUri(author.username),
        object: note,
        tos: note.toIds,
        ccs: note.ccIds,
        published: note.published,
      });
      await this.deliverToFollowersAndMentions(ctx, author, post, create, recipients).catch(report('a post'));
    });

    microblog.onDeleted(async (post) => {
      if (post.reblogOfId !== null && post.source !== 'federation') return deliverBoost(post, true);
      if (post.reblogOfId !== null || post.uri !== null) return;
      const author = (await microblog.accounts([post.accountId])).get(post.accountId);
      if (!author || author.domain !== null) return;
      const ctx = this.context();
      const id = this.noteUri(ctx, author, post);
      const del = new Delete({
        id: new URL(`${id.href}#delete`),
        actor: ctx.getActorUri(author.username),
        object: new Tombstone({ id }),
        tos: [PUBLIC_COLLECTION],
      });
      await this.deliverToFollowersAndMentions(ctx, author, post, del).catch(report('a delete'));
    });
  }
}

/** The host of the actor an incoming activity claims, read without trusting it (for blocks only). */
async function senderHost(request: Request): Promise<string | null> {
  try {
    const body = (await request.json()) as { actor?: unknown };
    const actor = typeof body.actor === 'string' ? body.actor : (body.actor as { id?: unknown } | undefined)?.id;
    return typeof actor === 'string' ? new URL(actor).host.toLowerCase() : null;
  } catch {
    return null;
  }
}
