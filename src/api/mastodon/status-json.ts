import type { FastifyReply } from 'fastify';
import fastJson from 'fast-json-stringify';
import type { Account, MediaAttachment, NotificationView, Post, PostView } from '../../core/index.ts';
import { notificationGroupKey } from '../../core/index.ts';
import { accountSchema, renderAccount, renderStatus, reportSchema, statusSchema, type Urls } from './entities.ts';
import { renderFilterResult } from './filter-entities.ts';
import { pollSchema, renderPoll } from './poll-entity.ts';

/**
 * Statuses, accounts and notifications as JSON text, assembled from cached pieces (issue 14).
 *
 * A status's JSON is two parts: what every viewer sees alike (text, author, mentions, media,
 * counts — everything `renderStatus` derives from the post, its accounts and its media), and
 * what is the viewer's own (favourited, reblogged, muted, bookmarked, pinned, their filter
 * matches, the poll with their votes, and the boosted status, itself assembled the same way).
 * The first part is rendered by `renderStatus` — the one home of the rendering rules — and
 * serialised by the status schema once per post, then kept beside the very post, author,
 * mention and media records it came from: those records are the store's cached ones, replaced
 * by new objects whenever any of them changes (src/store/entity-cache.ts), so a kept text is
 * reused only while every record it was built from is still the current one. The second part
 * is spliced in on every read. Only the schemas' fields are ever written, as before.
 */

type StatusProperties = typeof statusSchema.properties;
const PER_VIEWER = ['filtered', 'reblog', 'poll', 'favourited', 'reblogged', 'muted', 'bookmarked', 'pinned'] as const;
type PerViewer = (typeof PER_VIEWER)[number];

const sharedProperties = Object.fromEntries(
  Object.entries(statusSchema.properties).filter(([key]) => !(PER_VIEWER as readonly string[]).includes(key)),
) as Omit<StatusProperties, PerViewer>;
const stringifyShared = fastJson({ type: 'object', properties: sharedProperties });
const stringifyPoll = fastJson(pollSchema);
const stringifyAccount = fastJson(accountSchema);
const stringifyNotificationHead = fastJson({
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    created_at: { type: 'string' },
    group_key: { type: 'string' },
    report: reportSchema,
  },
});

interface SharedPart {
  post: Post;
  author: Account;
  mentions: readonly Account[];
  media: readonly MediaAttachment[];
  boost: boolean;
  /** The shared fields' JSON without its closing brace. */
  head: string;
  /** `head` as UTF-8, made the first time a list is written as bytes. */
  bytes?: Buffer;
}

/** Per set of URLs (one per app), per post record. */
const sharedParts = new WeakMap<Urls, WeakMap<Post, SharedPart>>();
const accountParts = new WeakMap<Urls, WeakMap<Account, string>>();

function sameRecords(part: SharedPart, view: PostView): boolean {
  if (part.author !== view.author || part.boost !== (view.reblog !== null)) return false;
  if (part.media !== view.media && (part.media.length > 0 || view.media.length > 0)) return false;
  if (part.mentions.length !== view.mentions.length) return false;
  for (let i = 0; i < part.mentions.length; i += 1) if (part.mentions[i] !== view.mentions[i]) return false;
  return true;
}

function sharedPart(view: PostView, urls: Urls): SharedPart {
  let parts = sharedParts.get(urls);
  if (!parts) sharedParts.set(urls, (parts = new WeakMap()));
  const kept = parts.get(view.post);
  if (kept && sameRecords(kept, view)) return kept;
  // Rendered as no viewer: nothing of anyone's own goes into the shared text.
  const json = stringifyShared({
    ...renderStatus({ ...view, reblog: null, filtered: undefined, poll: null }, urls),
    // A boost's own content and tags are empty (renderStatus), whoever reads it.
    ...(view.reblog ? { content: '', tags: [] } : {}),
  });
  const part: SharedPart = {
    post: view.post,
    author: view.author,
    mentions: view.mentions,
    media: view.media,
    boost: view.reblog !== null,
    head: json.slice(0, -1),
  };
  parts.set(view.post, part);
  return part;
}

function filteredJson(view: PostView): string {
  return view.filtered && view.filtered.length > 0 ? JSON.stringify(view.filtered.map(renderFilterResult)) : '[]';
}

/** The viewer's own fields after `reblog`, then `extra`, then the closing brace. */
function ownTail(view: PostView, extra: string): string {
  return (
    `,"poll":${view.poll ? stringifyPoll(renderPoll(view.poll)) : 'null'},"favourited":${view.favourited}` +
    `,"reblogged":${view.reblogged},"muted":${view.muted},"bookmarked":${view.bookmarked},"pinned":${view.pinned}${extra}}`
  );
}

/** A status as JSON text, the same fields as `renderStatus` under the status schema; `extra` is appended (`,"key":value`). */
function statusJson(view: PostView, urls: Urls, extra = ''): string {
  return (
    `${sharedPart(view, urls).head},"filtered":${filteredJson(view)},"reblog":` +
    `${view.reblog ? statusJson(view.reblog, urls) : 'null'}${ownTail(view, extra)}`
  );
}

/** A list of statuses as a JSON array, as text (to compose into a larger answer, e.g. a thread's context). */
export function statusesJson(views: readonly PostView[], urls: Urls): string {
  return `[${views.map((v) => statusJson(v, urls)).join(',')}]`;
}

/**
 * JSON written as UTF-8 bytes from pieces: the shared parts' bytes, kept beside their text,
 * are copied as they are, and only the short per-viewer text between them is encoded. A page
 * of ~31 KB built as one string was flattened and then encoded whole on every read.
 */
class JsonBytes {
  private readonly parts: (Buffer | string)[] = [];
  private text = '';
  private size = 0;

  write(text: string): void {
    this.text += text;
  }

  writeBytes(bytes: Buffer): void {
    this.flush();
    this.parts.push(bytes);
    this.size += bytes.byteLength;
  }

  toBuffer(): Buffer {
    this.flush();
    const out = Buffer.allocUnsafeSlow(this.size);
    let at = 0;
    for (const part of this.parts) {
      if (typeof part === 'string') at += out.write(part, at);
      else {
        // TypedArray#set: Buffer#copy's argument checks cost more than copying ~1 KB.
        out.set(part, at);
        at += part.byteLength;
      }
    }
    return out;
  }

  private flush(): void {
    if (this.text === '') return;
    this.parts.push(this.text);
    this.size += Buffer.byteLength(this.text);
    this.text = '';
  }
}

/** What most statuses carry between their shared part and their tail: no filter matched, no boost. */
const UNFILTERED_NO_REBLOG = Buffer.from(',"filtered":[],"reblog":null');
/** The tails of statuses without a poll or extra, per combination of the viewer's five flags, as bytes. */
const plainTails: Buffer[] = [];

/** The tail of a status without a poll or extra: one of 32, made once (by `ownTail`, the one home of its form). */
function plainTail(view: PostView): Buffer {
  const index =
    (view.favourited ? 1 : 0) |
    (view.reblogged ? 2 : 0) |
    (view.muted ? 4 : 0) |
    (view.bookmarked ? 8 : 0) |
    (view.pinned ? 16 : 0);
  return (plainTails[index] ??= Buffer.from(ownTail(view, '')));
}

function writeStatus(out: JsonBytes, view: PostView, urls: Urls, extra: string): void {
  const part = sharedPart(view, urls);
  out.writeBytes((part.bytes ??= Buffer.from(part.head)));
  // The common status (no filter match, no boost, no poll) is copied as bytes made once:
  // encoding its ~150 bytes of per-viewer text anew cost about as much as the rest of it.
  if (!view.reblog && !(view.filtered && view.filtered.length > 0)) out.writeBytes(UNFILTERED_NO_REBLOG);
  else {
    out.write(`,"filtered":${filteredJson(view)},"reblog":`);
    if (view.reblog) writeStatus(out, view.reblog, urls, '');
    else out.write('null');
  }
  if (!view.poll && extra === '') out.writeBytes(plainTail(view));
  else out.write(ownTail(view, extra));
}

/**
 * A list of statuses as a JSON array in UTF-8, the same bytes as `statusesJson`: what routes
 * that answer a list alone send. An item may be `{ view, extra }`, `extra` appended to its
 * status as in `statusJson` (home's promoted posts).
 */
export function statusesBytes(items: readonly (PostView | { view: PostView; extra: string })[], urls: Urls): Buffer {
  const out = new JsonBytes();
  out.write('[');
  for (let i = 0; i < items.length; i += 1) {
    if (i > 0) out.write(',');
    const item = items[i]!;
    if ('view' in item) writeStatus(out, item.view, urls, item.extra);
    else writeStatus(out, item, urls, '');
  }
  out.write(']');
  return out.toBuffer();
}

/** An account as JSON text (`renderAccount` under the account schema), kept per account record. */
function accountJson(account: Account, urls: Urls): string {
  let parts = accountParts.get(urls);
  if (!parts) accountParts.set(urls, (parts = new WeakMap()));
  let json = parts.get(account);
  if (json === undefined) {
    json = stringifyAccount(renderAccount(account, urls));
    parts.set(account, json);
  }
  return json;
}

/** A notification as JSON text (`renderNotification` under the notification schema), with its report if any. */
export function notificationJson(view: NotificationView, urls: Urls, report?: unknown): string {
  const head = stringifyNotificationHead({
    id: view.notification.id,
    type: view.notification.type,
    created_at: view.notification.createdAt.toISOString(),
    group_key: notificationGroupKey(view),
    ...(report === undefined ? {} : { report }),
  });
  return `${head.slice(0, -1)},"account":${accountJson(view.from, urls)},"status":${view.post ? statusJson(view.post, urls) : 'null'}}`;
}

/**
 * Answers with JSON text already made: Fastify sends the bytes as they are (the route's response
 * schema, which documents the fields, then plays no part; the text above was written under it).
 * Encoded here once: sent as a string, Fastify would first measure its UTF-8 length, a second
 * pass over ~30 KB.
 */
export function sendJson(reply: FastifyReply, json: string | Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(typeof json === 'string' ? Buffer.from(json) : json);
}
