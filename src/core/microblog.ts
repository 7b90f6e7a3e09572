import { idFloorForTime, newId } from '../shared/ids.ts';
import { canonicalTimeZone } from '../shared/time-zone.ts';
import type { Clock } from '../shared/clock.ts';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.ts';
import type {
  Account,
  FilterContext,
  FollowRequestOutcome,
  MediaAttachment,
  Notification,
  NotificationType,
  NotificationView,
  Page,
  Post,
  PostSource,
  PostView,
  ReadPolicy,
  ProfileField,
  Relationship,
  RemoteAttachment,
  Role,
  Visibility,
} from './model.ts';
import { VISIBILITIES } from './model.ts';
import type {
  FanoutPlan,
  FeedEntry,
  InstanceStatistics,
  MicroblogStore,
  NewAccount,
  NewNotification,
  RemoteAccountProfile,
} from './ports.ts';
import { USERNAME_PATTERN, countGraphemes, extractHashtags, extractMentions, postLength } from './text.ts';
import {
  checkPoll,
  pollView,
  type NewPoll,
  type PollChange,
  type PollInput,
  type PostExtrasStore,
  type PostVersion,
} from './post-extras.ts';
import {
  NotificationGrouper,
  notificationGroupKey,
  parseNotificationGroupKey,
  type NotificationGroupPage,
} from './notification-groups.ts';

export interface MicroblogOptions {
  /** This server's host, so `@user@thishost` resolves to a local account. */
  domain: string;
  maxPostLength: number;
  /** Authors above this follower count are merged into home timelines at read time. */
  fanoutMaxFollowers: number;
  /** Recent posts copied into a home feed when someone follows an account. */
  followBackfill?: number;
  /** Where failures of publication listeners go; they never fail the post itself. */
  reportError?: (error: unknown, context: string) => void;
}

/** Called once for each new post or reblog, after it is stored. */
export type PublishedListener = (post: Post) => Promise<void>;
/**
 * Called after notifications may have been stored, with their ids and recipients; a
 * notification the store did not keep (a repeated favourite) is simply not found later.
 */
export type NotifiedListener = (notifications: readonly { id: string; accountId: string }[]) => Promise<void>;
/** Called once for each edit of a post, after it is stored. */
export type EditedListener = (post: Post) => Promise<void>;
/**
 * Posts merged into a home timeline at read time besides the materialised feed and large
 * accounts (followed hashtags, src/core/hashtags.ts): newest first, paged like the feed.
 */
export type HomeSource = (viewerId: string, page: Page) => Promise<FeedEntry[]>;
/** Called once for each deleted post, after it is gone. */
export type DeletedListener = (post: Post) => Promise<void>;
/** Called once when a follow request ends: `accountId` asked to follow `targetId`. */
export type FollowRequestListener = (
  request: { accountId: string; targetId: string },
  outcome: FollowRequestOutcome,
) => Promise<void>;

/** Called when `accountId` starts or stops following `targetId`, or asks to (federation tells the other server). */
export type FollowListener = (follow: { accountId: string; targetId: string }) => Promise<void>;

/** Called when `accountId` favourites a post (`added`) or takes the favourite back. */
export type FavouriteListener = (favourite: { accountId: string; post: Post; added: boolean }) => Promise<void>;

/** Called when a local account's public profile changes (federation tells the account's followers elsewhere). */
export type ProfileListener = (account: Account) => Promise<void>;

/** Called when `accountId` blocks `targetId` (`added`) or lifts the block. */
export type BlockListener = (block: { accountId: string; targetId: string; added: boolean }) => Promise<void>;

/** Finds an account of another server by its handle (`user@domain`), fetching it when unknown. */
export type RemoteAccountResolver = (username: string, domain: string) => Promise<Account | null>;

/** A new version of a remote post, sent by its author's server (already checked and sanitised by federation). */
export interface RemoteEditInput {
  uri: string;
  html: string;
  text: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  mentionIds: string[];
  editedAt: Date;
}

/** A post received from another server, already checked and sanitised by federation. */
export interface RemotePostInput {
  uri: string;
  url: string | null;
  html: string;
  /** The same content as plain text, for SMS, search and length checks. */
  text: string;
  spoilerText: string;
  sensitive: boolean;
  visibility: Visibility;
  language: string | null;
  inReplyToId: string | null;
  mentionIds: string[];
  createdAt: Date;
  /** Attachments by reference (shown through the media proxy), in order. */
  attachments?: readonly RemoteAttachment[];
}

/** Attachments taken per remote post (as many as a post here may have). */
const REMOTE_ATTACHMENTS = 4;

export interface NewAccountInput {
  username: string;
  displayName?: string;
  note?: string;
  role?: Role;
}

export interface PostInput {
  text: string;
  source: PostSource;
  visibility?: Visibility;
  spoilerText?: string;
  sensitive?: boolean;
  language?: string | null;
  inReplyToId?: string | null;
  idempotencyKey?: string | null;
  poll?: PollInput | null;
  /** Uploads of the author to attach (processed, not attached elsewhere), in order. */
  mediaIds?: readonly string[];
}

/** A new version of a post (Mastodon's `PUT /api/v1/statuses/:id`): what is left out is cleared, as there. */
export interface EditInput {
  text: string;
  spoilerText?: string;
  sensitive?: boolean;
  language?: string | null;
  /** The new poll; null or absent removes it (as Mastodon); 'keep' leaves it as it is (the web's edit form). */
  poll?: PollInput | null | 'keep';
}

const MAX_DISPLAY_NAME = 30;
const MAX_NOTE = 500;
const CELEBRITY_CACHE_MS = 30_000;
/** Notifications read per slice, and at most per page, when grouping them. */
const GROUP_WALK_SLICE = 80;
const GROUP_WALK_MAX = 2000;
/** Posts an account may pin to its profile, as Mastodon's default. */
const MAX_PINS = 5;
/** Media attachments per post, as Mastodon's `max_media_attachments`. */
export const MAX_MEDIA_ATTACHMENTS = 4;

/**
 * The microblog: accounts, posts, the social graph and timelines. Every channel (web,
 * client API, SMS) goes through here, so the rules are the same whichever way a person
 * takes part. It knows nothing of HTTP or SQL; storage is the MicroblogStore port.
 *
 * Home timelines use fan-out on write into a materialised feed per account, with a
 * read-time merge for accounts above `fanoutMaxFollowers` (see docs/timelines.md).
 */
export class Microblog {
  private celebrities: { ids: string[]; fetchedAt: number } | null = null;
  private readonly publishedListeners: PublishedListener[] = [];
  private readonly deletedListeners: DeletedListener[] = [];
  private readonly editedListeners: EditedListener[] = [];
  private readonly followRequestListeners: FollowRequestListener[] = [];
  private readonly notifiedListeners: NotifiedListener[] = [];
  private readonly followRequestedListeners: FollowListener[] = [];
  private readonly unfollowedListeners: FollowListener[] = [];
  private readonly favouriteListeners: FavouriteListener[] = [];
  private readonly profileListeners: ProfileListener[] = [];
  private readonly blockListeners: BlockListener[] = [];
  private remoteResolver: RemoteAccountResolver | null = null;
  private readPolicy: ReadPolicy | null = null;
  private readonly homeSources: HomeSource[] = [];

  private readonly store: MicroblogStore;
  private readonly options: MicroblogOptions;
  private readonly clock: Clock;
  private readonly extras: PostExtrasStore;
  constructor(store: MicroblogStore, options: MicroblogOptions, clock: Clock, extras: PostExtrasStore) {
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.extras = extras;
  }

  // ── Accounts ────────────────────────────────────────────────────────────────

  async createAccount(input: NewAccountInput): Promise<Account> {
    return this.store.createAccount(await this.prepareAccount(input));
  }

  /** Validates a new account without storing it, for callers that store it with more (credentials). */
  async prepareAccount(input: NewAccountInput): Promise<NewAccount> {
    const username = input.username.trim();
    if (!USERNAME_PATTERN.test(username)) {
      throw invalid('Username must be 1 to 30 letters (A–Z), digits or underscores', { field: 'username' }).coded(
        'account.username_format',
      );
    }
    const displayName = (input.displayName ?? username).trim();
    this.checkProfileText(displayName, input.note ?? '');
    if (await this.store.accountByUsername(username))
      throw conflict('Username is already taken').coded('account.username_taken');
    return {
      id: newId(this.clock.now().getTime()),
      username,
      displayName,
      note: (input.note ?? '').trim(),
      role: input.role ?? 'user',
      createdAt: this.clock.now(),
    };
  }

  async account(id: string): Promise<Account> {
    const account = await this.store.accountById(id);
    if (!account || account.suspended) throw notFound();
    return account;
  }

  async accounts(ids: readonly string[]): Promise<Map<string, Account>> {
    return this.store.accountsByIds(ids);
  }

  /** Resolves `user`, `@user`, `user@thisdomain`, or a known account of another server; never fetches. */
  async lookup(acct: string): Promise<Account | null> {
    const trimmed = acct.trim().replace(/^@/, '');
    const [username, domain] = trimmed.split('@');
    if (!username || !USERNAME_PATTERN.test(username)) return null;
    if (domain !== undefined && domain.toLowerCase() !== this.options.domain.toLowerCase()) {
      // An account of another server this one already knows (never fetched here: see `resolve`).
      const [known] = await this.store.accountsByUsernames([`${username}@${domain.toLowerCase()}`]);
      return known && !known.suspended ? known : null;
    }
    const account = await this.store.accountByUsername(username);
    return account && !account.suspended ? account : null;
  }

  /**
   * Moderation: a suspended account disappears (profile, posts in timelines, sign-in) but
   * nothing is deleted, so lifting the suspension restores it. Returns the account as it is now.
   */
  async setSuspended(idOrUsername: string, suspended: boolean): Promise<Account> {
    const account = await this.accountForModeration(idOrUsername);
    if (!account) throw notFound();
    await this.store.setSuspended(account.id, suspended ? this.clock.now() : null);
    return { ...account, suspended };
  }

  /** Finds an account by id or username whether or not it is suspended (moderators only). */
  async accountForModeration(idOrUsername: string): Promise<Account | null> {
    const key = idOrUsername.trim().replace(/^@/, '');
    if (/^[0-9]{1,20}$/.test(key)) {
      const byId = await this.store.accountById(key);
      if (byId) return byId;
    }
    return USERNAME_PATTERN.test(key) ? this.store.accountByUsername(key) : null;
  }

  async updateProfile(
    id: string,
    changes: {
      displayName?: string;
      note?: string;
      locked?: boolean;
      bot?: boolean;
      fields?: ProfileField[];
      discoverable?: boolean;
    },
  ): Promise<Account> {
    const current = await this.account(id);
    const displayName = changes.displayName?.trim() ?? current.displayName;
    const note = changes.note?.trim() ?? current.note;
    this.checkProfileText(displayName, note);
    const fields = changes.fields === undefined ? undefined : checkedFields(changes.fields);
    const updated = await this.store.updateProfile(id, {
      ...changes,
      displayName,
      note,
      ...(fields !== undefined ? { fields } : {}),
    });
    // As on Mastodon, unlocking says yes to everyone still waiting: nobody stays pending on an open account.
    if (current.locked && !updated.locked) await this.authorizeAllFollowRequests(id);
    await this.announce(this.profileListeners, updated);
    return updated;
  }

  /**
   * Points the profile's avatar or header at a stored image (null: back to the placeholder).
   * Returns the key it replaced, which the caller's storage may now delete.
   */
  async setProfileImage(id: string, kind: 'avatar' | 'header', key: string | null): Promise<string | null> {
    const current = await this.account(id);
    await this.store.setProfileImage(id, kind, key);
    await this.announce(this.profileListeners, await this.account(id));
    return current[kind] ?? null;
  }

  /**
   * The zone the owner reads times in: an IANA name (stored in its canonical spelling), or
   * null for none chosen, which pages show as UTC.
   */
  async setTimeZone(id: string, zone: string | null): Promise<Account> {
    if (zone === null) return this.store.updateProfile(id, { timeZone: null });
    const canonical = canonicalTimeZone(zone);
    if (!canonical)
      throw invalid('Time zone must be an IANA name such as Africa/Nairobi, Europe/Berlin or UTC', {
        field: 'time_zone',
      }).coded('profile.time_zone');
    return this.store.updateProfile(id, { timeZone: canonical });
  }

  private checkProfileText(displayName: string, note: string): void {
    if (countGraphemes(displayName) > MAX_DISPLAY_NAME) {
      throw invalid(`Display name must be at most ${MAX_DISPLAY_NAME} characters`, { field: 'display_name' }).coded(
        'profile.name_too_long',
        { max: MAX_DISPLAY_NAME },
      );
    }
    if (countGraphemes(note) > MAX_NOTE)
      throw invalid(`Bio must be at most ${MAX_NOTE} characters`, { field: 'note' }).coded('profile.bio_too_long', {
        max: MAX_NOTE,
      });
  }

  // ── Reading policy (filters, exclusive lists) ──────────────────────────────

  /** Filters and exclusive lists plug in here; every read path below applies them. */
  useReadPolicy(policy: ReadPolicy): void {
    this.readPolicy = policy;
  }

  /** The one place the viewer's filters are applied: hide matches dropped, warn/blur matches noted. */
  private async filtered(viewerId: string | null, context: FilterContext, views: PostView[]): Promise<PostView[]> {
    if (!viewerId || !this.readPolicy || views.length === 0) return views;
    return this.readPolicy.applyFilters(viewerId, context, views);
  }

  // ── Posts ───────────────────────────────────────────────────────────────────

  /** Other channels (SMS notifications) learn of new posts here without the core knowing them. */
  onPublished(listener: PublishedListener): void {
    this.publishedListeners.push(listener);
  }

  /** Streaming (and later push) learns of new notifications here. */
  onNotified(listener: NotifiedListener): void {
    this.notifiedListeners.push(listener);
  }

  /** Notifications stored by another domain (reports to staff) reach streaming and push the same way. */
  async notificationsStored(notifications: readonly { id: string; accountId: string }[]): Promise<void> {
    if (notifications.length > 0) await this.announce(this.notifiedListeners, notifications);
  }

  private async announceNotifications(notifications: readonly (NewNotification | null)[]): Promise<void> {
    const stored = notifications.filter((n): n is NewNotification => n !== null);
    if (stored.length === 0) return;
    await this.announce(
      this.notifiedListeners,
      stored.map((n) => ({ id: n.id, accountId: n.accountId })),
    );
  }

  /** Streaming learns of edits here (`status.update`). */
  onEdited(listener: EditedListener): void {
    this.editedListeners.push(listener);
  }

  onDeleted(listener: DeletedListener): void {
    this.deletedListeners.push(listener);
  }

  /** Other channels (SMS subscriptions) learn here when a follow request is answered or withdrawn. */
  onFollowRequestClosed(listener: FollowRequestListener): void {
    this.followRequestListeners.push(listener);
  }

  private async announce<T>(listeners: readonly ((value: T) => Promise<void>)[], value: T): Promise<void> {
    for (const listener of listeners) {
      await listener(value).catch((error: unknown) => this.options.reportError?.(error, 'post listener'));
    }
  }

  async post(authorId: string, input: PostInput): Promise<Post> {
    return (await this.writePost(authorId, input)).post;
  }

  /**
   * Posts, and answers with the new post as its author sees it, built mostly from what was just
   * written: nobody can have favourited, boosted, bookmarked or pinned it before this answer,
   * and it has a poll or media only if it was written with them; only its author (whose counts
   * changed) and the accounts it mentions are read. A replay of an idempotency key answers
   * the stored post as `postView` does.
   */
  async postAndView(authorId: string, input: PostInput): Promise<PostView> {
    const { post, created, withPoll, withMedia, author } = await this.writePost(authorId, input);
    if (!created) return this.postView(authorId, post.id);
    const [view] = await this.hydrate(authorId, [post], { withPoll, withMedia, author });
    if (!view) throw notFound();
    return view;
  }

  private async writePost(
    authorId: string,
    input: PostInput,
  ): Promise<{ post: Post; created: boolean; withPoll: boolean; withMedia: boolean; author: Account | null }> {
    const author = await this.account(authorId);
    if (input.idempotencyKey) {
      const existing = await this.store.postIdForIdempotencyKey(authorId, input.idempotencyKey);
      if (existing)
        return {
          post: await this.requirePost(existing),
          created: false,
          withPoll: true,
          withMedia: true,
          author: null,
        };
    }
    const mediaIds = await this.attachableMedia(authorId, input.mediaIds ?? []);
    // A post of images alone needs no text, as on Mastodon.
    const { text, spoilerText, poll } = this.checkPostInput(input, mediaIds.length > 0);
    let visibility = input.visibility ?? 'public';

    let inReplyTo: Post | null = null;
    if (input.inReplyToId) {
      inReplyTo = await this.store.postById(input.inReplyToId);
      if (!inReplyTo || inReplyTo.reblogOfId || !(await this.canView(authorId, inReplyTo))) {
        throw notFound('The post you are replying to does not exist').coded('post.reply_missing');
      }
      if (await this.store.isBlockedEitherWay(authorId, inReplyTo.accountId))
        throw notFound('The post you are replying to does not exist').coded('post.reply_missing');
      // A reply never widens the audience of a restricted conversation.
      if (inReplyTo.visibility === 'direct') visibility = 'direct';
    }

    const mentioned = await this.resolveMentions(text);
    const mentionIds = mentioned.map((a) => a.id);
    if (inReplyTo && inReplyTo.accountId !== authorId && !mentionIds.includes(inReplyTo.accountId)) {
      mentionIds.push(inReplyTo.accountId);
    }

    const now = this.clock.now();
    const id = newId(now.getTime());
    const notifiable = await this.notifiableMentions(authorId, mentionIds);
    const notifications: NewNotification[] = notifiable.map((accountId) => ({
      id: newId(now.getTime()),
      accountId,
      type: 'mention',
      fromAccountId: authorId,
      postId: id,
    }));

    const fanout: FanoutPlan = { followersOf: null, alsoFollowing: null, accounts: [authorId] };
    if (visibility === 'direct') {
      fanout.accounts.push(...notifiable);
    } else if (author.followersCount <= this.options.fanoutMaxFollowers) {
      fanout.followersOf = authorId;
      if (inReplyTo && inReplyTo.accountId !== authorId) fanout.alsoFollowing = inReplyTo.accountId;
    }

    const newPoll: NewPoll | undefined = poll
      ? {
          ...poll,
          id: newId(now.getTime()),
          postId: id,
          accountId: authorId,
          expiresAt: new Date(now.getTime() + poll.expiresInSeconds * 1000),
          createdAt: now,
        }
      : undefined;
    const {
      postId,
      created,
      post: written,
      author: writtenAuthor,
    } = await this.store.publish({
      poll: newPoll,
      post: {
        id,
        accountId: authorId,
        text,
        spoilerText,
        sensitive: input.sensitive ?? false,
        visibility,
        language: normaliseLanguage(input.language),
        source: input.source,
        inReplyToId: inReplyTo?.id ?? null,
        inReplyToAccountId: inReplyTo?.accountId ?? null,
        reblogOfId: null,
        createdAt: now,
        mentionIds,
        tags: extractHashtags(text),
      },
      fanout,
      notifications,
      idempotency: input.idempotencyKey ? { key: input.idempotencyKey, createdAt: now } : undefined,
      mediaIds,
    });
    const stored = written ?? (await this.requirePost(postId));
    if (created) {
      await this.announce(this.publishedListeners, stored);
      await this.announceNotifications(notifications);
    }
    return {
      post: stored,
      created,
      withPoll: newPoll !== undefined,
      withMedia: mediaIds.length > 0,
      author: writtenAuthor ?? null,
    };
  }

  async reblog(
    accountId: string,
    postId: string,
    source: PostSource,
    visibility: Visibility = 'public',
  ): Promise<Post> {
    const actor = await this.account(accountId);
    const original = await this.visiblePost(accountId, postId);
    const target = original.reblogOfId ? await this.requirePost(original.reblogOfId) : original;
    if (target.visibility === 'direct' || (target.visibility === 'private' && target.accountId !== accountId)) {
      throw forbidden('This post can’t be boosted').coded('post.no_boost');
    }
    const existing = await this.store.reblogOf(accountId, target.id);
    if (existing) return existing;
    const now = this.clock.now();
    const id = newId(now.getTime());
    const notify =
      target.accountId !== accountId && !(await this.store.isBlockedEitherWay(accountId, target.accountId));
    const reblogVisibility: Visibility =
      visibility === 'private' || target.visibility === 'private'
        ? 'private'
        : visibility === 'unlisted'
          ? 'unlisted'
          : 'public';
    const reblogNotification: NewNotification | null = notify
      ? { id: newId(now.getTime()), accountId: target.accountId, type: 'reblog', fromAccountId: accountId, postId: id }
      : null;
    const { created } = await this.store.publish({
      post: {
        id,
        accountId,
        text: '',
        spoilerText: '',
        sensitive: false,
        visibility: reblogVisibility,
        language: null,
        source,
        inReplyToId: null,
        inReplyToAccountId: null,
        reblogOfId: target.id,
        createdAt: now,
        mentionIds: [],
      },
      fanout: {
        followersOf: actor.followersCount <= this.options.fanoutMaxFollowers ? accountId : null,
        alsoFollowing: null,
        accounts: [accountId],
      },
      notifications: reblogNotification ? [reblogNotification] : [],
    });
    const reblog = await this.requirePost(id);
    await this.announce(this.publishedListeners, reblog);
    if (created) await this.announceNotifications([reblogNotification]);
    return reblog;
  }

  async unreblog(accountId: string, postId: string): Promise<Post> {
    const target = await this.visiblePost(accountId, postId);
    const reblog = await this.store.reblogOf(accountId, target.reblogOfId ?? target.id);
    if (reblog) {
      await this.store.deletePost(reblog.id);
      await this.announce(this.deletedListeners, reblog);
    }
    return this.requirePost(target.reblogOfId ?? target.id);
  }

  async favourite(accountId: string, postId: string): Promise<Post> {
    await this.account(accountId);
    const post = await this.visiblePost(accountId, postId);
    const target = post.reblogOfId ? await this.requirePost(post.reblogOfId) : post;
    const notify =
      target.accountId !== accountId && !(await this.store.isBlockedEitherWay(accountId, target.accountId));
    const notification: NewNotification | null = notify
      ? {
          id: newId(this.clock.now().getTime()),
          accountId: target.accountId,
          type: 'favourite',
          fromAccountId: accountId,
          postId: target.id,
        }
      : null;
    if (await this.store.addFavourite(newId(this.clock.now().getTime()), accountId, target.id, notification)) {
      await this.announceNotifications([notification]);
      await this.announce(this.favouriteListeners, { accountId, post: target, added: true });
    }
    return this.requirePost(target.id);
  }

  async unfavourite(accountId: string, postId: string): Promise<Post> {
    const post = await this.visiblePost(accountId, postId);
    const targetId = post.reblogOfId ?? post.id;
    if (await this.store.removeFavourite(accountId, targetId)) {
      const target = await this.requirePost(targetId);
      await this.announce(this.favouriteListeners, { accountId, post: target, added: false });
    }
    return this.requirePost(targetId);
  }

  /**
   * The checks every new post passes (text, length, visibility, language, poll), shared by
   * posting now and scheduling for later so a scheduled post is refused when it is written.
   */
  checkPostInput(
    input: {
      text: string;
      spoilerText?: string | null;
      visibility?: Visibility | null;
      language?: string | null;
      poll?: PollInput | null;
    },
    hasMedia = false,
  ): { text: string; spoilerText: string; poll: Required<PollInput> | null } {
    const text = input.text.replace(/\r\n?/g, '\n').trim();
    const spoilerText = (input.spoilerText ?? '').trim();
    if (text === '' && !hasMedia) throw invalid('Text can’t be blank', { field: 'status' }).coded('post.blank');
    const length = postLength(text) + countGraphemes(spoilerText);
    if (length > this.options.maxPostLength) {
      throw invalid(`Text is too long: ${length} characters, at most ${this.options.maxPostLength}`, {
        field: 'status',
        length,
      }).coded('post.too_long', { length, max: this.options.maxPostLength });
    }
    if (input.visibility && !VISIBILITIES.includes(input.visibility))
      throw invalid('Unknown visibility', { field: 'visibility' }).coded('post.visibility');
    normaliseLanguage(input.language);
    return { text, spoilerText, poll: input.poll ? checkPoll(input.poll) : null };
  }

  // ── Edits ───────────────────────────────────────────────────────────────────

  /**
   * Edits a post, as Mastodon's `PUT /api/v1/statuses/:id`: only its author may (anyone else
   * is told it does not exist), the audience stays, the same limits as a new post apply.
   * Mentions are parsed again (only newly mentioned people are notified), a poll whose
   * options change starts again with no votes, and everyone who boosted the post gets an
   * `update` notification. Every version, the original included, stays in the history.
   */
  async edit(actorId: string, postId: string, input: EditInput): Promise<Post> {
    await this.account(actorId);
    const post = await this.store.postById(postId);
    if (!post || post.reblogOfId || post.accountId !== actorId) throw notFound();
    const { text, spoilerText, poll } = this.checkPostInput({
      ...input,
      poll: input.poll === 'keep' ? null : input.poll,
      visibility: post.visibility,
    });
    const language = input.language === undefined ? post.language : normaliseLanguage(input.language);
    const sensitive = input.sensitive ?? false;
    const now = this.clock.now();

    const mentionIds = (await this.resolveMentions(text)).map((a) => a.id);
    if (post.inReplyToAccountId && post.inReplyToAccountId !== actorId && !mentionIds.includes(post.inReplyToAccountId))
      mentionIds.push(post.inReplyToAccountId);
    // A direct post keeps everyone it reached: an edit never takes a message back from its recipients.
    if (post.visibility === 'direct')
      for (const id of post.mentionIds) if (!mentionIds.includes(id)) mentionIds.push(id);

    const current = (await this.extras.pollStates([post.id], null)).get(post.id)?.poll ?? null;
    let pollChange: PollChange = { kind: 'none' };
    if (poll) {
      const expiresAt = new Date(now.getTime() + poll.expiresInSeconds * 1000);
      const same =
        current !== null &&
        current.multiple === poll.multiple &&
        current.options.length === poll.options.length &&
        current.options.every((o, i) => o === poll.options[i]);
      pollChange = same
        ? { kind: 'update', pollId: current.id, hideTotals: poll.hideTotals, expiresAt }
        : {
            kind: 'replace',
            poll: {
              id: newId(now.getTime()),
              postId: post.id,
              accountId: actorId,
              options: poll.options,
              multiple: poll.multiple,
              hideTotals: poll.hideTotals,
              expiresAt,
              createdAt: now,
            },
          };
    } else if (current && input.poll !== 'keep') pollChange = { kind: 'remove' };

    const unchanged =
      text === post.text &&
      spoilerText === post.spoilerText &&
      sensitive === post.sensitive &&
      language === post.language &&
      (pollChange.kind === 'none' ||
        (pollChange.kind === 'update' &&
          pollChange.hideTotals === current?.hideTotals &&
          Math.abs(pollChange.expiresAt.getTime() - current.expiresAt.getTime()) < 1000));
    if (unchanged) return post;

    return this.recordEdit(
      post,
      actorId,
      { text, spoilerText, sensitive, language, mentionIds },
      current,
      pollChange,
      now,
    );
  }

  /**
   * Stores a new version of a post (local or remote): the history (the original on the first
   * edit), newly mentioned people and everyone who boosted it notified (`update`), its hashtags
   * and search entry re-indexed, and the edit announced (streaming, federation).
   */
  private async recordEdit(
    post: Post,
    actorId: string,
    next: { text: string; spoilerText: string; sensitive: boolean; language: string | null; mentionIds: string[] },
    current: { options: string[] } | null,
    pollChange: PollChange,
    now: Date,
    remoteHtml?: string,
  ): Promise<Post> {
    const { text, spoilerText, sensitive, language, mentionIds } = next;
    const versions: PostVersion[] = [];
    if ((await this.extras.postVersions(post.id)).length === 0)
      versions.push({
        id: newId(post.createdAt.getTime()),
        postId: post.id,
        text: post.text,
        spoilerText: post.spoilerText,
        sensitive: post.sensitive,
        language: post.language,
        pollOptions: current?.options ?? null,
        createdAt: post.createdAt,
      });
    const pollOptions =
      pollChange.kind === 'replace'
        ? pollChange.poll.options
        : pollChange.kind === 'remove'
          ? null
          : (current?.options ?? null);
    versions.push({
      id: newId(now.getTime()),
      postId: post.id,
      text,
      spoilerText,
      sensitive,
      language,
      pollOptions,
      createdAt: now,
    });

    const mentionedNow = await this.notifiableMentions(
      actorId,
      mentionIds.filter((id) => !post.mentionIds.includes(id)),
    );
    const boostersNow = (await this.extras.boostersOf(post.id)).filter((id) => id !== actorId);
    // An edit from another server notifies people of this one only (their servers tell the others).
    const known = remoteHtml === undefined ? null : await this.store.accountsByIds([...mentionedNow, ...boostersNow]);
    const here = (id: string) => known === null || known.get(id)?.domain === null;
    const newlyMentioned = mentionedNow.filter(here);
    const boosters = boostersNow.filter(here);
    const blocked = await this.blockedEitherWay(actorId, boosters);
    const notifications: NewNotification[] = [
      ...newlyMentioned.map((accountId) => ({
        id: newId(now.getTime()),
        accountId,
        type: 'mention' as const,
        fromAccountId: actorId,
        postId: post.id,
      })),
      ...boosters
        .filter((id) => !blocked.has(id))
        .map((accountId) => ({
          id: newId(now.getTime()),
          accountId,
          type: 'update' as const,
          fromAccountId: actorId,
          postId: post.id,
        })),
    ];
    await this.extras.applyEdit({
      postId: post.id,
      authorId: actorId,
      text,
      spoilerText,
      sensitive,
      language,
      editedAt: now,
      mentionIds,
      poll: pollChange,
      deliverTo: post.visibility === 'direct' ? newlyMentioned : [],
      versions,
      notifications,
      ...(remoteHtml !== undefined ? { remoteHtml } : {}),
    });
    // The post's hashtags and search entry follow its new text.
    await this.store.reindexPost(post.id, extractHashtags(text));
    const edited = await this.requirePost(post.id);
    await this.announce(this.editedListeners, edited);
    await this.announceNotifications(notifications);
    return edited;
  }

  /** Every version of a post the viewer can see, oldest first, the original included. */
  async editHistory(viewerId: string | null, postId: string): Promise<{ versions: PostVersion[]; author: Account }> {
    const post = await this.visibleOriginal(viewerId, postId);
    const author = await this.account(post.accountId);
    const versions = await this.extras.postVersions(post.id);
    if (versions.length > 0) return { versions, author };
    const poll = (await this.extras.pollStates([post.id], null)).get(post.id)?.poll;
    return {
      author,
      versions: [
        {
          id: post.id,
          postId: post.id,
          text: post.text,
          spoilerText: post.spoilerText,
          sensitive: post.sensitive,
          language: post.language,
          pollOptions: poll?.options ?? null,
          createdAt: post.createdAt,
        },
      ],
    };
  }

  // ── Bookmarks, pins, and who favourited or boosted ─────────────────────────

  /** Saves a post the account can see (a boost saves the boosted post); returns the saved post. */
  async bookmark(accountId: string, postId: string): Promise<Post> {
    await this.account(accountId);
    const post = await this.visiblePost(accountId, postId);
    const target = post.reblogOfId ? await this.visiblePost(accountId, post.reblogOfId) : post;
    await this.store.addBookmark(newId(this.clock.now().getTime()), accountId, target.id);
    return target;
  }

  /**
   * Removes a bookmark. One whose post the account can no longer see (blocked since, follow
   * ended) still goes, but the post is not shown again: that answer is "not found".
   */
  async unbookmark(accountId: string, postId: string): Promise<Post> {
    if (await this.store.removeBookmark(accountId, postId)) return this.visiblePost(accountId, postId);
    const post = await this.visiblePost(accountId, postId);
    const targetId = post.reblogOfId ?? post.id;
    await this.store.removeBookmark(accountId, targetId);
    return this.visiblePost(accountId, targetId);
  }

  /**
   * The account's bookmarks, newest bookmark first, each with its bookmark id (the paging
   * cursor). Posts it may no longer see (blocked either way, follow ended) are left out;
   * mutes are not applied, since the account chose to keep these.
   */
  async bookmarks(accountId: string, page: Page): Promise<{ view: PostView; cursor: string }[]> {
    return this.markedPosts(accountId, page, (slice) => this.store.bookmarks(accountId, slice));
  }

  /** The posts the account favourited, newest favourite first, kept as bookmarks are. */
  async favourites(accountId: string, page: Page): Promise<{ view: PostView; cursor: string }[]> {
    return this.markedPosts(accountId, page, (slice) => this.store.favourites(accountId, slice));
  }

  private async markedPosts(
    accountId: string,
    page: Page,
    marks: (slice: Page) => Promise<{ postId: string; cursor: string }[]>,
  ): Promise<{ view: PostView; cursor: string }[]> {
    await this.account(accountId);
    return fillPage(page, async (slice) => {
      const rows = await marks(slice);
      const posts = await this.store.postsByIds(rows.map((r) => r.postId));
      const blocked = await this.blockedEitherWay(
        accountId,
        [...posts.values()].map((p) => p.accountId),
      );
      const kept = rows.flatMap((r) => {
        const post = posts.get(r.postId);
        return post && !blocked.has(post.accountId) ? [post] : [];
      });
      const views = await this.hydrate(accountId, await this.withinAudience(accountId, kept));
      const cursorOf = new Map(rows.map((r) => [r.postId, r.cursor]));
      return {
        ids: rows.map((r) => r.cursor),
        items: views.map((view) => ({ view, cursor: cursorOf.get(view.post.id)! })),
      };
    });
  }

  /** Who favourited a post the viewer can see, newest first, without accounts blocked either way or suspended. */
  async favouritedBy(
    viewerId: string | null,
    postId: string,
    page: Page,
  ): Promise<{ account: Account; cursor: string }[]> {
    const target = await this.visibleOriginal(viewerId, postId);
    return fillPage(page, async (slice) => {
      const rows = await this.store.favouritedBy(target.id, slice);
      return { ids: rows.map((r) => r.cursor), items: await this.listedAccounts(viewerId, rows) };
    });
  }

  /**
   * Who boosted a post the viewer can see, newest first. A followers-only boost is listed
   * only to its booster's followers (and to the booster and the post's author), as the
   * boost itself is.
   */
  async rebloggedBy(
    viewerId: string | null,
    postId: string,
    page: Page,
  ): Promise<{ account: Account; cursor: string }[]> {
    const target = await this.visibleOriginal(viewerId, postId);
    return fillPage(page, async (slice) => {
      const rows = await this.store.rebloggedBy(target.id, slice);
      const privateBoosters = rows
        .filter((r) => r.visibility !== 'public' && r.visibility !== 'unlisted')
        .map((r) => r.accountId)
        .filter((id) => id !== viewerId && viewerId !== target.accountId);
      const followed =
        viewerId && privateBoosters.length > 0
          ? new Set(await this.store.followedAmong(viewerId, privateBoosters))
          : new Set<string>();
      const audible = rows.filter(
        (r) =>
          r.visibility === 'public' ||
          r.visibility === 'unlisted' ||
          (viewerId !== null &&
            (r.accountId === viewerId || viewerId === target.accountId || followed.has(r.accountId))),
      );
      return { ids: rows.map((r) => r.cursor), items: await this.listedAccounts(viewerId, audible) };
    });
  }

  /** Pins one of the account's own public or unlisted posts to its profile, at most MAX_PINS. */
  async pin(accountId: string, postId: string): Promise<Post> {
    await this.account(accountId);
    const post = await this.visiblePost(accountId, postId);
    if (post.accountId !== accountId)
      throw invalid('You can only pin your own posts', { field: 'id' }).coded('pin.own');
    if (post.reblogOfId) throw invalid('Boosts cannot be pinned', { field: 'id' }).coded('pin.boost');
    if (post.visibility !== 'public' && post.visibility !== 'unlisted')
      throw invalid('Only public and unlisted posts can be pinned', { field: 'id' }).coded('pin.visibility');
    const outcome = await this.store.addPin(newId(this.clock.now().getTime()), accountId, post.id, MAX_PINS);
    if (outcome === 'full')
      throw invalid(`You can pin at most ${MAX_PINS} posts`, { field: 'id' }).coded('pin.full', { max: MAX_PINS });
    return post;
  }

  async unpin(accountId: string, postId: string): Promise<Post> {
    const post = await this.visiblePost(accountId, postId);
    await this.store.removePin(accountId, post.id);
    return post;
  }

  /** The account's pinned posts as the viewer may see them, newest pin first. */
  async pinnedPosts(viewerId: string | null, accountId: string): Promise<PostView[]> {
    await this.account(accountId);
    if (viewerId && viewerId !== accountId && (await this.store.isBlockedEitherWay(viewerId, accountId))) return [];
    return this.filtered(
      viewerId,
      'account',
      await this.viewsFor(viewerId, await this.store.pinnedPosts(accountId), accountId),
    );
  }

  private async visibleOriginal(viewerId: string | null, postId: string): Promise<Post> {
    const post = await this.visiblePost(viewerId, postId);
    return post.reblogOfId ? this.visiblePost(viewerId, post.reblogOfId) : post;
  }

  private async blockedEitherWay(viewerId: string, accountIds: readonly string[]): Promise<Set<string>> {
    const others = [...new Set(accountIds)].filter((id) => id !== viewerId);
    if (others.length === 0) return new Set();
    const rel = await this.store.relationships(viewerId, others);
    return new Set(others.filter((id) => rel.blocking.has(id) || rel.blockedBy.has(id)));
  }

  /** Accounts for a list shown to the viewer, in order, without suspended ones or ones blocked either way. */
  private async listedAccounts(
    viewerId: string | null,
    rows: readonly { accountId: string; cursor: string }[],
  ): Promise<{ account: Account; cursor: string }[]> {
    const ids = rows.map((r) => r.accountId);
    const [accounts, blocked] = await Promise.all([
      this.store.accountsByIds(ids),
      viewerId ? this.blockedEitherWay(viewerId, ids) : Promise.resolve(new Set<string>()),
    ]);
    return rows.flatMap((r) => {
      const account = accounts.get(r.accountId);
      return account && !account.suspended && !blocked.has(account.id) ? [{ account, cursor: r.cursor }] : [];
    });
  }

  /** Deletes a post. Owners delete their own; moderators and admins any. Returns what was deleted. */
  async deletePost(actorId: string, postId: string): Promise<Post> {
    const actor = await this.account(actorId);
    const post = await this.store.postById(postId);
    if (!post) throw notFound();
    if (post.accountId !== actorId) {
      if (actor.role === 'user')
        throw (await this.canView(actorId, post))
          ? forbidden('You can only delete your own posts').coded('post.delete_own')
          : notFound();
    }
    await this.store.deletePost(postId);
    await this.announce(this.deletedListeners, post);
    return post;
  }

  /** The images on a post, in order (channels that cannot show them say so and link to it). */
  async attachments(postId: string): Promise<MediaAttachment[]> {
    return (await this.store.mediaOfPosts([postId])).get(postId) ?? [];
  }

  /** The newest post an account made through one channel (used by SMS `UNDO`). */
  async lastPostFrom(accountId: string, source: PostSource): Promise<Post | null> {
    return this.store.lastPostBySource(accountId, source);
  }

  async visiblePost(viewerId: string | null, postId: string): Promise<Post> {
    const post = await this.store.postById(postId);
    if (!post || !(await this.canView(viewerId, post))) throw notFound();
    return post;
  }

  /** One post as the viewer sees it; with a filter context, the viewer's filters apply (a hide match: not found). */
  async postView(viewerId: string | null, postId: string, context?: FilterContext): Promise<PostView> {
    const post = await this.visiblePost(viewerId, postId);
    const views = await this.hydrate(viewerId, [post]);
    const [view] = context ? await this.filtered(viewerId, context, views) : views;
    if (!view) throw notFound();
    return view;
  }

  async context(viewerId: string | null, postId: string): Promise<{ ancestors: PostView[]; descendants: PostView[] }> {
    const post = await this.visiblePost(viewerId, postId);
    const ancestors: Post[] = [];
    let parentId = post.inReplyToId;
    while (parentId && ancestors.length < 40) {
      const parent = await this.store.postById(parentId);
      if (!parent) break;
      if (await this.canView(viewerId, parent)) ancestors.unshift(parent);
      parentId = parent.inReplyToId;
    }
    // Gather the reply tree level by level (bounded), then list it depth-first, each
    // branch in reply order, as Mastodon does: clients indent a thread from that order.
    const children = new Map<string, Post[]>();
    let gathered = 0;
    const queue = [post.id];
    while (queue.length > 0 && gathered < 200) {
      const parentId = queue.shift()!;
      const ids = await this.store.replies(parentId);
      const posts = await this.store.postsByIds(ids);
      const visibleReplies: Post[] = [];
      for (const id of ids) {
        const reply = posts.get(id);
        if (reply && gathered < 200 && (await this.canView(viewerId, reply))) {
          visibleReplies.push(reply);
          gathered += 1;
          queue.push(reply.id);
        }
      }
      children.set(
        parentId,
        visibleReplies.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)),
      );
    }
    const descendants: Post[] = [];
    const walk = (parentId: string) => {
      for (const reply of children.get(parentId) ?? []) {
        descendants.push(reply);
        walk(reply.id);
      }
    };
    walk(post.id);
    const hidden = viewerId ? await this.store.hiddenAuthors(viewerId) : new Set<string>();
    const visible = (p: Post) => !hidden.has(p.accountId);
    return {
      ancestors: await this.filtered(viewerId, 'thread', await this.hydrate(viewerId, ancestors.filter(visible))),
      descendants: await this.filtered(viewerId, 'thread', await this.hydrate(viewerId, descendants.filter(visible))),
    };
  }

  // ── Social graph ────────────────────────────────────────────────────────────

  /**
   * Follows an account, or, when it is locked, asks to: the request waits for the target to
   * authorize it, and until then the requester is not a follower anywhere (timelines, threads,
   * SMS, streaming all key on accepted follows only).
   */
  async follow(accountId: string, targetId: string): Promise<Relationship> {
    if (accountId === targetId) throw invalid('You can’t follow yourself').coded('follow.self');
    await this.account(accountId);
    const target = await this.account(targetId);
    if (await this.store.isBlockedEitherWay(accountId, targetId))
      throw forbidden('You can’t follow this account').coded('follow.blocked');
    if (await this.store.isFollowing(accountId, targetId)) return this.relationship(accountId, targetId);
    const now = this.clock.now();
    // An account of another server is followed once its server accepts (federation sends the
    // Follow and brings the Accept); until then it is a pending request, as with a locked one.
    if (target.locked || target.domain !== null) {
      const notification: NewNotification | null =
        target.domain === null
          ? {
              id: newId(now.getTime()),
              accountId: targetId,
              type: 'follow_request',
              fromAccountId: accountId,
              postId: null,
            }
          : null;
      if (await this.store.requestFollow({ id: newId(now.getTime()), accountId, targetId, notification })) {
        await this.announceNotifications([notification]);
        await this.announce(this.followRequestedListeners, { accountId, targetId });
      }
      return this.relationship(accountId, targetId);
    }
    const notification: NewNotification = {
      id: newId(now.getTime()),
      accountId: targetId,
      type: 'follow',
      fromAccountId: accountId,
      postId: null,
    };
    const followed = await this.store.follow({
      id: newId(now.getTime()),
      accountId,
      targetId,
      backfill: this.options.followBackfill ?? 40,
      notification,
    });
    if (followed) {
      await this.announceNotifications([notification]);
      await this.announce(this.followRequestedListeners, { accountId, targetId });
    }
    return this.relationship(accountId, targetId);
  }

  /** Stops following, or withdraws a pending request (Mastodon cancels a request by unfollowing). */
  async unfollow(accountId: string, targetId: string): Promise<Relationship> {
    await this.account(targetId);
    if (await this.store.unfollow(accountId, targetId))
      await this.announce(this.unfollowedListeners, { accountId, targetId });
    if (await this.store.removeFollowRequest(accountId, targetId))
      await this.closeFollowRequest(accountId, targetId, 'withdrawn');
    return this.relationship(accountId, targetId);
  }

  /** Requests waiting for `accountId` to answer, oldest cursor last (newest first). */
  async followRequests(accountId: string, page: Page): Promise<{ accountId: string; cursor: string }[]> {
    await this.account(accountId);
    return this.store.followRequests(accountId, page);
  }

  async followRequestCount(accountId: string): Promise<number> {
    return this.store.followRequestCount(accountId);
  }

  /**
   * The locked account `accountId` accepts `requesterId` as a follower. Answers the
   * relationship from `accountId` to the requester (now `followed_by`), as Mastodon does.
   */
  async authorizeFollowRequest(accountId: string, requesterId: string): Promise<Relationship> {
    await this.account(accountId);
    const accepted = await this.acceptRequest(requesterId, accountId);
    if (!accepted) throw notFound('There is no follow request from this account').coded('follow.no_request');
    return this.relationship(accountId, requesterId);
  }

  async rejectFollowRequest(accountId: string, requesterId: string): Promise<Relationship> {
    await this.account(accountId);
    if (!(await this.store.removeFollowRequest(requesterId, accountId)))
      throw notFound('There is no follow request from this account').coded('follow.no_request');
    await this.closeFollowRequest(requesterId, accountId, 'rejected');
    return this.relationship(accountId, requesterId);
  }

  private async acceptRequest(requesterId: string, targetId: string): Promise<boolean> {
    const now = this.clock.now();
    const requester = await this.store.accountById(requesterId);
    const target = await this.store.accountById(targetId);
    // A suspended requester becomes a follower (lifting the suspension restores it) but sends
    // no notification; nor does anyone notify an account of another server (its server does).
    const notification: NewNotification | null =
      requester && !requester.suspended && target?.domain === null
        ? { id: newId(now.getTime()), accountId: targetId, type: 'follow', fromAccountId: requesterId, postId: null }
        : null;
    const accepted = await this.store.acceptFollowRequest({
      followId: newId(now.getTime()),
      accountId: requesterId,
      targetId,
      backfill: this.options.followBackfill ?? 40,
      notification,
    });
    if (accepted) {
      await this.closeFollowRequest(requesterId, targetId, 'authorized');
      await this.announceNotifications([notification]);
    }
    return accepted;
  }

  private async authorizeAllFollowRequests(accountId: string): Promise<void> {
    for (;;) {
      const batch = await this.store.followRequests(accountId, { limit: 100 });
      if (batch.length === 0) return;
      for (const request of batch) {
        // A request that vanished meanwhile (withdrawn) is simply gone; drop it either way so the loop ends.
        if (!(await this.acceptRequest(request.accountId, accountId)))
          await this.store.removeFollowRequest(request.accountId, accountId);
      }
    }
  }

  private async closeFollowRequest(accountId: string, targetId: string, outcome: FollowRequestOutcome) {
    for (const listener of this.followRequestListeners) {
      await listener({ accountId, targetId }, outcome).catch((error: unknown) =>
        this.options.reportError?.(error, 'follow request listener'),
      );
    }
  }

  async block(accountId: string, targetId: string): Promise<Relationship> {
    if (accountId === targetId) throw invalid('You can’t block yourself').coded('block.self');
    await this.account(targetId);
    const before = await this.relationship(accountId, targetId);
    await this.store.block({ id: newId(this.clock.now().getTime()), accountId, targetId });
    if (!before.blocking) await this.announce(this.blockListeners, { accountId, targetId, added: true });
    return this.relationship(accountId, targetId);
  }

  async unblock(accountId: string, targetId: string): Promise<Relationship> {
    await this.account(targetId);
    const before = await this.relationship(accountId, targetId);
    await this.store.unblock(accountId, targetId);
    if (before.blocking) await this.announce(this.blockListeners, { accountId, targetId, added: false });
    return this.relationship(accountId, targetId);
  }

  /** Mutes an account, until undone or, with `durationSeconds` (Mastodon's `duration`; 0 = forever), for that long. */
  async mute(
    accountId: string,
    targetId: string,
    hideNotifications = true,
    durationSeconds = 0,
  ): Promise<Relationship> {
    if (accountId === targetId) throw invalid('You can’t mute yourself').coded('mute.self');
    await this.account(targetId);
    const now = this.clock.now();
    const expiresAt = durationSeconds > 0 ? new Date(now.getTime() + durationSeconds * 1000) : null;
    await this.store.mute({ id: newId(now.getTime()), accountId, targetId, hideNotifications, expiresAt });
    return this.relationship(accountId, targetId);
  }

  async unmute(accountId: string, targetId: string): Promise<Relationship> {
    await this.account(targetId);
    await this.store.unmute(accountId, targetId);
    return this.relationship(accountId, targetId);
  }

  async relationship(accountId: string, targetId: string): Promise<Relationship> {
    const [rel] = await this.relationships(accountId, [targetId]);
    return rel!;
  }

  async relationships(accountId: string, targetIds: readonly string[]): Promise<Relationship[]> {
    const r = await this.store.relationships(accountId, targetIds);
    return targetIds.map((id) => ({
      id,
      following: r.following.has(id),
      followedBy: r.followedBy.has(id),
      blocking: r.blocking.has(id),
      blockedBy: r.blockedBy.has(id),
      muting: r.muting.has(id),
      mutingNotifications: r.muting.get(id)?.hideNotifications ?? false,
      requested: r.requested.has(id),
      requestedBy: r.requestedBy.has(id),
    }));
  }

  async isFollowing(accountId: string, targetId: string): Promise<boolean> {
    return this.store.isFollowing(accountId, targetId);
  }

  async followers(accountId: string, page: Page) {
    await this.account(accountId);
    return this.store.followers(accountId, page);
  }

  async following(accountId: string, page: Page) {
    await this.account(accountId);
    return this.store.following(accountId, page);
  }

  /** Instance-wide counts; "active" means posted within the last 30 days. */
  async instanceStatistics(): Promise<InstanceStatistics> {
    return this.store.instanceCounts(new Date(this.clock.now().getTime() - 30 * 24 * 3600_000));
  }

  // ── Timelines ───────────────────────────────────────────────────────────────

  /** Adds a source of posts merged into every home timeline at read time (see `HomeSource`). */
  addHomeSource(source: HomeSource): void {
    this.homeSources.push(source);
  }

  async homeTimeline(viewerId: string, page: Page): Promise<PostView[]> {
    // Independent per-viewer lookups, asked together (each is a memo hit on a warm read).
    const [celebrities, hidden, excluded] = await Promise.all([
      this.followedCelebrities(viewerId),
      this.store.hiddenAuthors(viewerId),
      this.readPolicy ? this.readPolicy.homeExclusions(viewerId) : null,
    ]);
    const sources = this.homeSources;
    return fillPage(page, async (slice) => {
      let entries: FeedEntry[];
      if (celebrities.length === 0 && sources.length === 0) entries = await this.store.homeFeed(viewerId, slice);
      else {
        const [fanned, pulled, ...merged] = await Promise.all([
          this.store.homeFeed(viewerId, slice),
          celebrities.length > 0
            ? this.store.postsByAuthors(celebrities, ['public', 'unlisted', 'private'], slice)
            : Promise.resolve([]),
          ...sources.map((source) => source(viewerId, slice)),
        ]);
        entries = merged.reduce(
          (all, more) => mergeNewestFirst(all, more, slice),
          mergeNewestFirst(fanned, pulled, slice),
        );
      }
      const ids = entries.map((e) => e.postId);
      const posts = await this.store.postsByIds(ids);
      const kept: Post[] = [];
      for (const id of ids) {
        const post = posts.get(id);
        if (post && !hidden.has(post.accountId) && !excluded?.has(post.accountId)) kept.push(post);
      }
      const views = await this.hydrate(viewerId, await this.withinAudience(viewerId, kept));
      return { ids, items: await this.filtered(viewerId, 'home', withoutBoostsOf(views, hidden)) };
    });
  }

  async publicTimeline(viewerId: string | null, page: Page): Promise<PostView[]> {
    return fillPage(page, async (slice) => {
      const ids = await this.store.publicTimeline(slice);
      return { ids, items: await this.filtered(viewerId, 'public', await this.viewsFor(viewerId, ids)) };
    });
  }

  async accountTimeline(
    viewerId: string | null,
    accountId: string,
    page: Page,
    options: { excludeReplies?: boolean; excludeReblogs?: boolean; onlyMedia?: boolean } = {},
  ): Promise<PostView[]> {
    await this.account(accountId);
    if (viewerId && viewerId !== accountId && (await this.store.isBlockedEitherWay(viewerId, accountId))) return [];
    const visibilities: Visibility[] = ['public', 'unlisted'];
    if (viewerId === accountId || (viewerId && (await this.store.isFollowing(viewerId, accountId))))
      visibilities.push('private');
    const ids = await this.store.accountPosts(accountId, visibilities, page, {
      excludeReplies: options.excludeReplies ?? false,
      excludeReblogs: options.excludeReblogs ?? false,
      onlyMedia: options.onlyMedia ?? false,
    });
    return this.filtered(viewerId, 'account', await this.viewsFor(viewerId, ids, accountId));
  }

  /**
   * A timeline read at request time from the posts (and boosts) of a set of authors, as list
   * timelines are (docs/timelines.md): audience, blocks and mutes as in home, `keep` deciding
   * which of the authors' posts belong (a list's replies policy), and the viewer's `home` filters.
   */
  async authorsTimeline(
    viewerId: string,
    authorIds: readonly string[],
    page: Page,
    keep: (posts: readonly Post[]) => Promise<Post[]>,
  ): Promise<PostView[]> {
    if (authorIds.length === 0) return [];
    const hidden = await this.store.hiddenAuthors(viewerId);
    const authors = authorIds.filter((id) => !hidden.has(id));
    if (authors.length === 0) return [];
    return fillPage(page, async (slice) => {
      const entries = await this.store.postsByAuthors(authors, ['public', 'unlisted', 'private'], slice);
      const posts = await this.store.postsByIds(entries.map((e) => e.postId));
      const candidates = entries.flatMap((e) => {
        const post = posts.get(e.postId);
        return post ? [post] : [];
      });
      const views = await this.hydrate(viewerId, await this.withinAudience(viewerId, await keep(candidates)));
      return {
        ids: entries.map((e) => e.postId),
        items: await this.filtered(viewerId, 'home', withoutBoostsOf(views, hidden)),
      };
    });
  }

  /**
   * One post as it reaches the viewer live (streaming), in a filter context: null when a
   * filter hides it or it cannot be shown.
   */
  async streamView(viewerId: string | null, post: Post, context: FilterContext | null): Promise<PostView | null> {
    const views = await this.hydrate(viewerId, [post]);
    const [view] = context ? await this.filtered(viewerId, context, views) : views;
    return view ?? null;
  }

  /** Posts by id as the viewer may see them (audience, blocks, mutes), in the order given; unfiltered. */
  async postViews(viewerId: string, ids: readonly string[]): Promise<PostView[]> {
    return this.viewsFor(viewerId, ids);
  }

  /** Direct messages sent or received by the account, newest first. */
  async directMessages(accountId: string, page: Page): Promise<PostView[]> {
    const ids = await this.store.directPosts(accountId, page);
    return this.viewsFor(accountId, ids);
  }

  async notifications(
    accountId: string,
    page: Page,
    types: readonly NotificationType[] | null = null,
  ): Promise<NotificationView[]> {
    const list = await this.store.notifications(accountId, page, types);
    return this.notificationViews(accountId, list);
  }

  /**
   * One page of grouped notifications (Mastodon's `GET /api/v2/notifications`): walks the
   * notifications away from the cursor in slices until `page.limit` groups are complete, the
   * notifications run out, or a bounded number were read (a page then simply ends early; its
   * range says where the next one starts).
   */
  async groupedNotifications(
    accountId: string,
    page: Page,
    options: {
      types: readonly NotificationType[] | null;
      groupedTypes: readonly NotificationType[];
      fromAccountId?: string | null;
    },
  ): Promise<NotificationGroupPage> {
    const grouper = new NotificationGrouper(page.limit, options.groupedTypes);
    const upwards = page.minId !== undefined;
    const sliceSize = Math.max(page.limit * 2, GROUP_WALK_SLICE);
    let slice: Page = { ...page, limit: sliceSize };
    let read = 0;
    walk: while (read < GROUP_WALK_MAX) {
      const raw = await this.store.notifications(accountId, slice, options.types);
      if (raw.length === 0) break;
      read += raw.length;
      // The store answers newest first; walking up (min_id) takes the slice oldest first.
      const ordered = upwards ? [...raw].reverse() : raw;
      const views = await this.notificationViews(accountId, ordered);
      for (const view of views) {
        if (options.fromAccountId && view.from.id !== options.fromAccountId) continue;
        if (!grouper.add(view)) break walk;
      }
      if (raw.length < slice.limit) break;
      slice = upwards ? { ...slice, minId: raw[0]!.id } : { ...slice, maxId: raw.at(-1)!.id };
    }
    return grouper.page();
  }

  /**
   * Every notification of one group (by the key the lists gave), newest first. Grouped keys
   * name a 12-hour window, so only that window's notifications are read. Not found when the
   * key is not one Sparrow issues or the group is empty (dismissed, or hidden by a mute).
   */
  async notificationGroupMembers(accountId: string, key: string): Promise<NotificationView[]> {
    const parsed = parseNotificationGroupKey(key);
    if (!parsed) throw notFound();
    if ('notificationId' in parsed) return [await this.notification(accountId, parsed.notificationId)];
    const members: NotificationView[] = [];
    // A minute either side: a notification's time and its id's time may differ by a few milliseconds.
    let slice: Page = {
      maxId: idFloorForTime(parsed.windowEnd + 60_000),
      sinceId: idFloorForTime(parsed.windowStart - 60_000),
      limit: GROUP_WALK_SLICE,
    };
    for (let read = 0; read < GROUP_WALK_MAX; ) {
      const raw = await this.store.notifications(accountId, slice, [parsed.type]);
      read += raw.length;
      for (const view of await this.notificationViews(accountId, raw))
        if (notificationGroupKey(view) === key) members.push(view);
      if (raw.length < slice.limit) break;
      slice = { ...slice, maxId: raw.at(-1)!.id };
    }
    if (members.length === 0) throw notFound();
    return members;
  }

  /** One group as a page of its own (every member counted). */
  async notificationGroup(accountId: string, key: string): Promise<NotificationGroupPage> {
    return NotificationGrouper.whole(await this.notificationGroupMembers(accountId, key));
  }

  /** Dismisses every notification of a group. */
  async dismissNotificationGroup(accountId: string, key: string): Promise<void> {
    for (const member of await this.notificationGroupMembers(accountId, key))
      await this.store.dismissNotification(accountId, member.notification.id);
  }

  async notification(accountId: string, id: string): Promise<NotificationView> {
    const n = await this.store.notificationById(accountId, id);
    if (!n) throw notFound();
    const [view] = await this.notificationViews(accountId, [n]);
    if (!view) throw notFound();
    return view;
  }

  async dismissNotification(accountId: string, id: string): Promise<void> {
    if (!(await this.store.dismissNotification(accountId, id))) throw notFound();
  }

  async clearNotifications(accountId: string): Promise<void> {
    await this.store.clearNotifications(accountId);
  }

  private async notificationViews(accountId: string, list: Notification[]): Promise<NotificationView[]> {
    const hidden = await this.store.hiddenAuthors(accountId);
    // A mute that keeps notifications (`notifications: false`) hides posts, not notifications;
    // the store has already left out those of mutes that hide them. Blocks hide everything.
    const mutedSenders = [...new Set(list.map((n) => n.fromAccountId))].filter((id) => hidden.has(id));
    if (mutedSenders.length > 0) {
      const rel = await this.store.relationships(accountId, mutedSenders);
      for (const id of mutedSenders) {
        if (!rel.blocking.has(id) && !rel.blockedBy.has(id) && rel.muting.get(id)?.hideNotifications === false)
          hidden.delete(id);
      }
    }
    const kept = list.filter((n) => !hidden.has(n.fromAccountId));
    const accounts = await this.store.accountsByIds(kept.map((n) => n.fromAccountId));
    const postIds = kept.flatMap((n) => (n.postId ? [n.postId] : []));
    const views = new Map(
      (await this.filtered(accountId, 'notifications', await this.viewsFor(accountId, postIds, null, hidden))).map(
        (v) => [v.post.id, v],
      ),
    );
    const result: NotificationView[] = [];
    for (const notification of kept) {
      const from = accounts.get(notification.fromAccountId);
      if (!from || from.suspended) continue;
      const post = notification.postId ? (views.get(notification.postId) ?? null) : null;
      if (notification.postId && !post) continue;
      // A reblog notification is stored against the boost (undoing the boost removes it) but
      // is about the boosted post, which is what every client shows (Mastodon's `status`).
      const about = notification.type === 'reblog' && post?.reblog ? post.reblog : post;
      result.push({ notification, from, post: about });
    }
    return result;
  }

  // ── Visibility and hydration ───────────────────────────────────────────────

  async canView(viewerId: string | null, post: Post): Promise<boolean> {
    if (viewerId === post.accountId) return true;
    if (viewerId && (await this.store.isBlockedEitherWay(viewerId, post.accountId))) return false;
    switch (post.visibility) {
      case 'public':
      case 'unlisted':
        return true;
      case 'private':
        return (
          viewerId !== null &&
          (post.mentionIds.includes(viewerId) || (await this.store.isFollowing(viewerId, post.accountId)))
        );
      case 'direct':
        return viewerId !== null && post.mentionIds.includes(viewerId);
    }
  }

  /**
   * Posts for a viewer, without authors they blocked, who blocked them, or (except on the
   * muted account's own profile, where the viewer went looking) whom they muted.
   */
  private async viewsFor(
    viewerId: string | null,
    ids: readonly string[],
    showMutedAuthor: string | null = null,
    hiddenAuthors?: Set<string>,
  ): Promise<PostView[]> {
    const posts = await this.store.postsByIds(ids);
    const hidden = hiddenAuthors
      ? new Set(hiddenAuthors)
      : viewerId
        ? await this.store.hiddenAuthors(viewerId)
        : new Set<string>();
    if (showMutedAuthor && viewerId && !(await this.store.isBlockedEitherWay(viewerId, showMutedAuthor)))
      hidden.delete(showMutedAuthor);
    const ordered: Post[] = [];
    for (const id of ids) {
      const post = posts.get(id);
      if (post && !hidden.has(post.accountId)) ordered.push(post);
    }
    return this.hydrate(viewerId, await this.withinAudience(viewerId, ordered));
  }

  /**
   * The posts whose audience includes the viewer, as `canView` decides it, for a whole list
   * in one round trip: followers-only posts reach their author, the people they mention and
   * accepted followers; direct posts their author and the people they mention. Lists stored
   * earlier (materialised home feeds, notifications) are filtered through this at read time,
   * so an entry written before a follow ended, or under an older rule, never shows a post
   * its viewer may not see now. Blocks and mutes are the callers' (hiddenAuthors).
   */
  private async withinAudience(viewerId: string | null, posts: readonly Post[]): Promise<readonly Post[]> {
    let needsFollow: Set<string> | null = null;
    for (const post of posts) {
      if (post.visibility === 'private' && post.accountId !== viewerId && !post.mentionIds.includes(viewerId ?? ''))
        (needsFollow ??= new Set()).add(post.accountId);
    }
    const followed =
      viewerId && needsFollow ? new Set(await this.store.followedAmong(viewerId, [...needsFollow])) : null;
    let outside: Post[] | null = null;
    for (const post of posts) {
      if (!inAudience(post, viewerId, followed)) (outside ??= []).push(post);
    }
    // The common case (every post within its audience) answers the list it was given.
    if (!outside) return posts;
    // A followers-only boost of your own post still reaches you (its `reblog` notification).
    const boostsOutside = outside.filter((p) => p.reblogOfId).map((p) => p.reblogOfId!);
    const originals = boostsOutside.length > 0 ? await this.store.postsByIds(boostsOutside) : new Map<string, Post>();
    const dropped = new Set(
      outside.filter(
        (post) =>
          !(viewerId !== null && post.reblogOfId !== null && originals.get(post.reblogOfId)?.accountId === viewerId),
      ),
    );
    return dropped.size === 0 ? posts : posts.filter((post) => !dropped.has(post));
  }

  /**
   * Re-derives a post's hashtags and search index from its current text: the edit path calls
   * this after changing a post's text (creation and deletion keep them in step on their own).
   */
  async reindexPost(postId: string): Promise<void> {
    const post = await this.requirePost(postId);
    await this.store.reindexPost(post.id, post.reblogOfId ? [] : extractHashtags(post.text));
  }

  /**
   * Posts by id as the viewer may see them, in the given order: outside their audience,
   * by authors blocked either way or muted, or by suspended authors, they are left out.
   * For lists found elsewhere (search, tag timelines, trends).
   */
  async visibleViews(viewerId: string | null, ids: readonly string[]): Promise<PostView[]> {
    return this.viewsFor(viewerId, ids);
  }

  /**
   * Turns posts into views with as few store round trips as possible (one per kind of data).
   * `justWritten`: the posts were written by the viewer a moment ago (see `postAndView`), so
   * the viewer's flags are all unset, polls and media are read only if written with them, and
   * the author is the one the write left (when the store gave it back).
   */
  async hydrate(
    viewerId: string | null,
    posts: readonly Post[],
    justWritten?: { withPoll: boolean; withMedia: boolean; author: Account | null },
  ): Promise<PostView[]> {
    const reblogIds: string[] = [];
    for (const p of posts) if (p.reblogOfId) reblogIds.push(p.reblogOfId);
    const originals = reblogIds.length > 0 ? await this.store.postsByIds(reblogIds) : null;
    // Without boosts (most pages), the posts are all there is, and all of them are originals.
    const all = originals ? [...posts, ...originals.values()] : posts;
    const ids = all.map((p) => p.id);
    const accountIds = new Set<string>();
    for (const p of all) {
      accountIds.add(p.accountId);
      for (const m of p.mentionIds) accountIds.add(m);
    }
    const known = justWritten?.author ?? null;
    if (known) accountIds.delete(known.id);
    const [read, flags, polls, media] = await Promise.all([
      accountIds.size > 0 || !known ? this.store.accountsByIds([...accountIds]) : new Map<string, Account>(),
      viewerId && !justWritten ? this.store.viewerFlags(viewerId, ids) : null,
      justWritten?.withPoll === false ? new Map<string, never>() : this.extras.pollStates(ids, viewerId),
      justWritten?.withMedia === false
        ? new Map<string, MediaAttachment[]>()
        : this.store.mediaOfPosts(originals ? all.filter((p) => !p.reblogOfId).map((p) => p.id) : ids, viewerId),
    ]);
    const accounts = known ? new Map([...read, [known.id, known]]) : read;
    const now = this.clock.now();
    const build = (post: Post, reblog: PostView | null): PostView | null => {
      const author = accounts.get(post.accountId);
      if (!author || author.suspended) return null;
      const mentions: Account[] = [];
      for (const id of post.mentionIds) {
        const a = accounts.get(id);
        if (a) mentions.push(a);
      }
      const poll = polls.get(post.id);
      return {
        post,
        author,
        mentions,
        inReplyTo: post.inReplyToId ? { id: post.inReplyToId, accountId: post.inReplyToAccountId ?? '' } : null,
        reblog,
        favourited: flags?.favourited.has(post.id) ?? false,
        reblogged: flags?.reblogged.has(post.id) ?? false,
        bookmarked: flags?.bookmarked.has(post.id) ?? false,
        pinned: flags?.pinned.has(post.id) ?? false,
        muted: false,
        poll: poll ? pollView(poll, now, viewerId) : null,
        media: media.get(post.id) ?? [],
      };
    };
    const views: PostView[] = [];
    for (const post of posts) {
      if (post.reblogOfId) {
        const original = originals?.get(post.reblogOfId);
        const inner = original ? build(original, null) : null;
        if (!inner) continue;
        const outer = build(post, inner);
        if (outer) views.push(outer);
      } else {
        const view = build(post, null);
        if (view) views.push(view);
      }
    }
    return views;
  }

  // ── Internals ───────────────────────────────────────────────────────────────

  /**
   * The uploads a new post may carry: at most four, each the author's own (anyone else's is
   * "not found", never confirmed), processed, and on no other post yet.
   */
  private async attachableMedia(authorId: string, requested: readonly string[]): Promise<string[]> {
    const ids = [...new Set(requested)];
    if (ids.length === 0) return [];
    if (ids.length > MAX_MEDIA_ATTACHMENTS)
      throw invalid(`A post can have at most ${MAX_MEDIA_ATTACHMENTS} media attachments`, { field: 'media_ids' }).coded(
        'post.media_full',
        { max: MAX_MEDIA_ATTACHMENTS },
      );
    const found = new Map((await this.store.mediaByIds(ids)).map((m) => [m.id, m]));
    for (const id of ids) {
      const media = found.get(id);
      if (!media || media.accountId !== authorId)
        throw invalid(`Media attachment ${id} was not found`, { field: 'media_ids' }).coded('post.media_missing', {
          id,
        });
      if (media.postId !== null)
        throw invalid('A media attachment is already on another post', { field: 'media_ids' }).coded(
          'post.media_taken',
        );
      if (media.state === 'processing')
        throw invalid('Cannot attach files that have not finished processing. Try again in a moment!', {
          field: 'media_ids',
        }).coded('post.media_processing');
      if (media.state !== 'ready')
        throw invalid('A media attachment could not be processed', { field: 'media_ids' }).coded('post.media_failed');
    }
    return ids;
  }

  private async requirePost(id: string): Promise<Post> {
    const post = await this.store.postById(id);
    if (!post) throw notFound();
    return post;
  }

  /** Mentioned accounts: local ones by username, known accounts of other servers by `user@domain`. */
  private async resolveMentions(text: string): Promise<Account[]> {
    const local = this.options.domain.toLowerCase();
    const tokens = extractMentions(text);
    if (tokens.length === 0) return [];
    const keys = tokens.map((t) =>
      t.domain === null || t.domain === local ? t.username : `${t.username}@${t.domain}`,
    );
    const accounts = await this.store.accountsByUsernames(keys);
    return accounts.filter((a) => !a.suspended);
  }

  /** Mentioned accounts that want to hear about it: not the author, not blocking or muting them. */
  private async notifiableMentions(authorId: string, mentionIds: readonly string[]): Promise<string[]> {
    const targets = mentionIds.filter((id) => id !== authorId);
    if (targets.length === 0) return [];
    const rel = await this.store.relationships(authorId, targets);
    return targets.filter((id) => !rel.blocking.has(id) && !rel.blockedBy.has(id));
  }

  private async followedCelebrities(viewerId: string): Promise<string[]> {
    const now = this.clock.now().getTime();
    if (!this.celebrities || now - this.celebrities.fetchedAt > CELEBRITY_CACHE_MS) {
      this.celebrities = {
        ids: await this.store.accountsWithFollowersAbove(this.options.fanoutMaxFollowers),
        fetchedAt: now,
      };
    }
    if (this.celebrities.ids.length === 0) return [];
    return this.store.followedAmong(viewerId, this.celebrities.ids);
  }

  // ── Federation: accounts and posts of other servers ──────────────────────────

  /** Federation tells other servers when someone starts following one of their accounts or asks to. */
  onFollowRequested(listener: FollowListener): void {
    this.followRequestedListeners.push(listener);
  }

  onUnfollowed(listener: FollowListener): void {
    this.unfollowedListeners.push(listener);
  }

  onFavourited(listener: FavouriteListener): void {
    this.favouriteListeners.push(listener);
  }

  /** Federation tells followers elsewhere when a local profile changes. */
  onProfileUpdated(listener: ProfileListener): void {
    this.profileListeners.push(listener);
  }

  /** Federation tells the other server when a local account blocks one of its accounts, or lifts the block. */
  onBlocked(listener: BlockListener): void {
    this.blockListeners.push(listener);
  }

  /** Federation lets lookups reach other servers (WebFinger); without it they stay local. */
  setRemoteResolver(resolver: RemoteAccountResolver): void {
    this.remoteResolver = resolver;
  }

  /**
   * Resolves `user`, `@user`, `user@thisdomain` or, when federation is on, `user@otherdomain`
   * (fetching the account from its server the first time). Suspended accounts are not found.
   */
  async resolve(acct: string): Promise<Account | null> {
    const trimmed = acct.trim().replace(/^@/, '');
    const [username, domain, extra] = trimmed.split('@');
    if (extra !== undefined || !username) return null;
    if (domain === undefined || domain.toLowerCase() === this.options.domain.toLowerCase()) return this.lookup(trimmed);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(username) || !/^[a-z0-9.-]+(:[0-9]{1,5})?$/i.test(domain)) return null;
    const known = await this.store.accountsByUsernames([`${username}@${domain.toLowerCase()}`]);
    const found = known[0] ?? (this.remoteResolver ? await this.remoteResolver(username, domain.toLowerCase()) : null);
    return found && !found.suspended ? found : null;
  }

  /** Creates or refreshes an account of another server from its actor document. */
  async rememberRemoteAccount(profile: RemoteAccountProfile): Promise<Account> {
    if (profile.domain.toLowerCase() === this.options.domain.toLowerCase())
      throw invalid('An account of this server is not remote');
    const now = this.clock.now();
    return this.store.upsertRemoteAccount(newId(now.getTime()), profile, now);
  }

  async accountByUri(uri: string): Promise<Account | null> {
    return this.store.accountByUri(uri);
  }

  async postByUri(uri: string): Promise<Post | null> {
    return this.store.postByUri(uri);
  }

  /** A post and its author whoever may see it: for addressing replies, never shown as is. */
  async postAndAuthor(postId: string): Promise<{ post: Post; author: Account } | null> {
    const post = await this.store.postById(postId);
    const author = post ? await this.store.accountById(post.accountId) : null;
    return post && author ? { post, author } : null;
  }

  /** The other server accepted `localId`'s request to follow its account `remoteId`. */
  async remoteFollowAccepted(localId: string, remoteId: string): Promise<void> {
    await this.acceptRequest(localId, remoteId);
  }

  /** The other server refused `localId`'s request, or stopped letting it follow. */
  async remoteFollowRejected(localId: string, remoteId: string): Promise<void> {
    await this.store.unfollow(localId, remoteId);
    if (await this.store.removeFollowRequest(localId, remoteId))
      await this.closeFollowRequest(localId, remoteId, 'rejected');
  }

  /**
   * Stores a post received from another server (once: a repeated delivery returns the stored
   * one) and delivers it like a local post: to its author's followers here, mentions notified,
   * SMS subscribers told through the published listeners.
   */
  async receiveRemotePost(authorId: string, input: RemotePostInput): Promise<Post> {
    const existing = await this.store.postByUri(input.uri);
    if (existing) return existing;
    const author = await this.account(authorId);
    if (author.domain === null) throw invalid('Only accounts of other servers send remote posts');
    const inReplyTo = input.inReplyToId ? await this.store.postById(input.inReplyToId) : null;
    const now = this.clock.now();
    const createdAt = input.createdAt.getTime() > now.getTime() ? now : input.createdAt;
    const id = newId(createdAt.getTime());
    const mentionIds = [...new Set(input.mentionIds)];
    const notifiable = (await this.notifiableMentions(authorId, mentionIds)).filter(
      (accountId) => accountId !== authorId,
    );
    const accounts = await this.store.accountsByIds(notifiable);
    const localNotifiable = notifiable.filter((accountId) => accounts.get(accountId)?.domain === null);
    const notifications: NewNotification[] = localNotifiable.map((accountId) => ({
      id: newId(now.getTime()),
      accountId,
      type: 'mention',
      fromAccountId: authorId,
      postId: id,
    }));
    const fanout: FanoutPlan = { followersOf: null, alsoFollowing: null, accounts: [] };
    if (input.visibility === 'direct') fanout.accounts.push(...localNotifiable);
    else {
      fanout.followersOf = authorId;
      if (inReplyTo && inReplyTo.accountId !== authorId) fanout.alsoFollowing = inReplyTo.accountId;
    }
    const { postId, created } = await this.store.publish({
      post: {
        id,
        accountId: authorId,
        text: input.text,
        spoilerText: input.spoilerText,
        sensitive: input.sensitive,
        visibility: input.visibility,
        language: normaliseLanguage(input.language),
        source: 'federation',
        inReplyToId: inReplyTo?.id ?? null,
        inReplyToAccountId: inReplyTo?.accountId ?? null,
        reblogOfId: null,
        createdAt,
        mentionIds,
        // Indexed as a local post is, so tag timelines and search find posts of other servers too.
        tags: extractHashtags(input.text),
        remote: { uri: input.uri, url: input.url, html: input.html },
      },
      fanout,
      notifications,
      remoteMedia: (input.attachments ?? []).slice(0, REMOTE_ATTACHMENTS).map((a, position) => ({
        id: newId(now.getTime()),
        position,
        ...a,
        description: a.description ? [...a.description.trim()].slice(0, 1500).join('') || null : null,
      })),
    });
    const stored = await this.requirePost(postId);
    if (created) {
      await this.announce(this.publishedListeners, stored);
      await this.announceNotifications(notifications);
    }
    return stored;
  }

  /**
   * A new version of a remote post from its author's server: only the post's own author may
   * change it (null otherwise, or when the post is unknown). The audience stays; the history,
   * `edited_at`, notifications to people here who boosted it, hashtags and search follow.
   */
  async receiveRemoteEdit(authorId: string, input: RemoteEditInput): Promise<Post | null> {
    const post = await this.store.postByUri(input.uri);
    if (!post || post.accountId !== authorId || post.reblogOfId !== null || post.uri === null) return null;
    const author = await this.account(authorId);
    if (author.domain === null) throw invalid('Only accounts of other servers send remote edits');
    if (
      input.html === post.remoteHtml &&
      input.spoilerText === post.spoilerText &&
      input.sensitive === post.sensitive &&
      input.text === post.text
    )
      return post;
    const now = this.clock.now();
    // A version is never dated in the future nor before the post it changes.
    const at = Math.min(Math.max(input.editedAt.getTime(), post.createdAt.getTime()), now.getTime());
    const mentionIds = [...new Set(input.mentionIds)];
    if (post.visibility === 'direct')
      for (const id of post.mentionIds) if (!mentionIds.includes(id)) mentionIds.push(id);
    const current = (await this.extras.pollStates([post.id], null)).get(post.id)?.poll ?? null;
    return this.recordEdit(
      post,
      authorId,
      {
        text: input.text,
        spoilerText: input.spoilerText,
        sensitive: input.sensitive,
        language: normaliseLanguage(input.language),
        mentionIds,
      },
      current,
      { kind: 'none' },
      new Date(at),
      input.html,
    );
  }

  /**
   * An account of another server was deleted there: its posts go, it follows and is followed by
   * nobody here any more, and it is suspended (it cannot come back under the same id).
   */
  async removeRemoteAccount(accountId: string): Promise<void> {
    const account = await this.store.accountById(accountId);
    if (!account || account.domain === null) return;
    await this.store.setSuspended(accountId, this.clock.now());
    const seen = new Set<string>();
    for (;;) {
      const ids = await this.store.accountPosts(
        accountId,
        VISIBILITIES,
        { limit: 100 },
        { excludeReplies: false, excludeReblogs: false },
      );
      // A post that could not be deleted ends the loop rather than repeating it.
      if (ids.length === 0 || ids.every((id) => seen.has(id))) break;
      for (const id of ids) {
        seen.add(id);
        const post = await this.store.postById(id);
        await this.store.deletePost(id);
        if (post) await this.announce(this.deletedListeners, post);
      }
    }
    for (const other of await this.allOf((page) => this.store.followers(accountId, page)))
      await this.store.unfollow(other, accountId);
    for (const other of await this.allOf((page) => this.store.following(accountId, page)))
      await this.store.unfollow(accountId, other);
  }

  /**
   * An account of another server moved to `targetId` (its server vouched for it: the target
   * names the old account among its aliases). Everyone here who followed it now follows the
   * target instead (a request, where the target must accept), unless they block each other.
   * Returns how many followers were moved.
   */
  async remoteAccountMoved(oldId: string, targetId: string): Promise<number> {
    const old = await this.store.accountById(oldId);
    if (!old || old.domain === null || old.suspended || oldId === targetId) return 0;
    await this.account(targetId);
    let moved = 0;
    for (const followerId of await this.allOf((page) => this.store.followers(oldId, page))) {
      const follower = await this.store.accountById(followerId);
      if (!follower || follower.domain !== null || follower.suspended) continue;
      await this.unfollow(followerId, oldId);
      if (followerId === targetId || (await this.store.isBlockedEitherWay(followerId, targetId))) continue;
      await this.follow(followerId, targetId).catch((error: unknown) =>
        this.options.reportError?.(error, 'moving a follower'),
      );
      moved += 1;
    }
    return moved;
  }

  /** Every account of a follower/following list, page by page. */
  private async allOf(read: (page: Page) => Promise<{ accountId: string; cursor: string }[]>): Promise<string[]> {
    const all: string[] = [];
    let maxId: string | undefined;
    for (;;) {
      const page = await read({ limit: 200, ...(maxId ? { maxId } : {}) });
      all.push(...page.map((entry) => entry.accountId));
      if (page.length < 200) return all;
      maxId = page.at(-1)!.cursor;
    }
  }

  /** Deletes a remote post at its author's request (the sender must be the author). */
  async deleteRemotePost(authorId: string, uri: string): Promise<boolean> {
    const post = await this.store.postByUri(uri);
    if (!post || post.accountId !== authorId) return false;
    await this.store.deletePost(post.id);
    await this.announce(this.deletedListeners, post);
    return true;
  }
}

/** Mastodon's limits: four fields, each name and value at most 255 characters. */
const MAX_PROFILE_FIELDS = 4;
const MAX_FIELD_TEXT = 255;

/** Trims the fields, drops rows left entirely empty (a form's blank rows) and checks the limits. */
function checkedFields(fields: readonly ProfileField[]): ProfileField[] {
  const kept = fields
    .map((f) => ({ name: f.name.trim(), value: f.value.trim() }))
    .filter((f) => f.name !== '' || f.value !== '');
  if (kept.length > MAX_PROFILE_FIELDS)
    throw invalid(`A profile has at most ${MAX_PROFILE_FIELDS} fields`, { field: 'fields_attributes' }).coded(
      'profile.fields_full',
      { max: MAX_PROFILE_FIELDS },
    );
  for (const field of kept) {
    if (field.name === '')
      throw invalid('Every profile field needs a label', { field: 'fields_attributes' }).coded('profile.field_label');
    if (countGraphemes(field.name) > MAX_FIELD_TEXT || countGraphemes(field.value) > MAX_FIELD_TEXT)
      throw invalid(`Profile field labels and contents must be at most ${MAX_FIELD_TEXT} characters`, {
        field: 'fields_attributes',
      }).coded('profile.field_too_long', { max: MAX_FIELD_TEXT });
  }
  return kept;
}

function normaliseLanguage(language: string | null | undefined): string | null {
  if (!language) return null;
  const trimmed = language.trim().toLowerCase();
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/.test(trimmed))
    throw invalid('Language must be an ISO 639 code', { field: 'language' }).coded('post.language');
  return trimmed;
}

/** Further slices fetched to fill a page whose first slice was partly hidden; bounds the work per request. */
const MAX_FILL_ROUNDS = 10;
const FILL_SLICE = 40;

/**
 * Fills a page from a source whose items may be dropped after loading (mutes and blocks are
 * applied at read time): while items were dropped and the source has more, it loads the
 * next slice, so that a stretch of hidden posts never looks like the end of the timeline
 * to a client paging with max_id / min_id. `load` returns the ids it read (newest first,
 * as the store pages them) and the items kept, in the same order.
 */
export async function fillPage<T>(
  page: Page,
  load: (slice: Page) => Promise<{ ids: string[]; items: T[] }>,
): Promise<T[]> {
  const collected: T[] = [];
  let slice = page;
  for (let round = 0; round < MAX_FILL_ROUNDS; round += 1) {
    const { ids, items } = await load(slice);
    // With min_id each slice is newer than the one before; otherwise older.
    if (page.minId) collected.unshift(...items);
    else collected.push(...items);
    if (ids.length < slice.limit || collected.length >= page.limit) break;
    const limit = Math.max(page.limit, FILL_SLICE);
    slice = page.minId ? { ...slice, minId: ids[0], limit } : { ...slice, maxId: ids.at(-1), limit };
  }
  // min_id pages are the oldest `limit` items above the cursor; the others the newest below it.
  return page.minId ? collected.slice(-page.limit) : collected.slice(0, page.limit);
}

/**
 * Whether a post's audience includes the viewer, as `canView` decides it; `followed`: the
 * authors of the followers-only posts asked about whom the viewer follows.
 */
function inAudience(post: Post, viewerId: string | null, followed: ReadonlySet<string> | null): boolean {
  if (post.accountId === viewerId) return true;
  switch (post.visibility) {
    case 'public':
    case 'unlisted':
      return true;
    case 'private':
      return viewerId !== null && (post.mentionIds.includes(viewerId) || (followed?.has(post.accountId) ?? false));
    case 'direct':
      return viewerId !== null && post.mentionIds.includes(viewerId);
  }
}

/** Views without boosts of posts by hidden authors (the booster is not hidden, the boosted author is). */
function withoutBoostsOf(views: PostView[], hidden: ReadonlySet<string>): PostView[] {
  if (hidden.size === 0) return views;
  for (const view of views) {
    if (view.reblog && hidden.has(view.reblog.author.id))
      return views.filter((v) => !v.reblog || !hidden.has(v.reblog.author.id));
  }
  return views;
}

function strictlyNewestFirst(entries: readonly FeedEntry[]): boolean {
  for (let i = 1; i < entries.length; i += 1) if (!(entries[i - 1]!.postId > entries[i]!.postId)) return false;
  return true;
}

/** Merges two newest-first lists, dropping duplicates, honouring the page direction and limit. */
function mergeNewestFirst(a: FeedEntry[], b: FeedEntry[], page: Page): FeedEntry[] {
  if (b.length === 0) return a;
  let sorted: FeedEntry[];
  if (strictlyNewestFirst(a) && strictlyNewestFirst(b)) {
    // The stores page newest first: one pass, an entry in both kept once (b's, as below).
    sorted = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const x = a[i];
      const y = b[j];
      if (y === undefined || (x !== undefined && x.postId > y.postId)) {
        sorted.push(x!);
        i += 1;
      } else {
        if (x !== undefined && x.postId === y.postId) i += 1;
        sorted.push(y);
        j += 1;
      }
    }
  } else {
    const byId = new Map<string, FeedEntry>();
    for (const entry of [...a, ...b]) byId.set(entry.postId, entry);
    sorted = [...byId.values()].sort((x, y) => (x.postId < y.postId ? 1 : x.postId > y.postId ? -1 : 0));
  }
  // With min_id the page is the oldest `limit` entries above the cursor, still returned newest first.
  return page.minId ? sorted.slice(-page.limit) : sorted.slice(0, page.limit);
}
