import type { Context } from '@fedify/fedify';
import { Flag } from '@fedify/fedify/vocab';
import { INSTANCE_ACTOR } from './authorized-fetch.ts';

/** A report as it leaves: about whom, citing which posts, with the reporter's words (never their name). */
export interface OutgoingReport {
  id: string;
  comment: string;
  targetUri: string;
  postUris: readonly string[];
}

/** A report another server forwarded, resolved to this server's accounts and posts. */
export interface IncomingReport {
  /** The remote account that sent it (usually that server's instance actor). */
  reporterId: string;
  targetAccountId: string;
  statusIds: string[];
  comment: string;
}

/** The Flag for a forwarded report, in Mastodon's shape: the account and the posts as objects. */
export function flagOf(ctx: Context<void>, report: OutgoingReport): Flag {
  return new Flag({
    id: new URL(`${ctx.getActorUri(INSTANCE_ACTOR).href}#reports/${report.id}`),
    actor: ctx.getActorUri(INSTANCE_ACTOR),
    objects: [new URL(report.targetUri), ...report.postUris.map((uri) => new URL(uri))],
    content: report.comment,
  });
}
