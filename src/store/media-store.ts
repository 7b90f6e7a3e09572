import type { Kysely, Selectable } from 'kysely';
import type { MediaAttachment } from '../core/model.ts';
import type { MediaStore, ProcessingResult } from '../media/ports.ts';
import { chunks } from './paging.ts';
import type { Database, MediaAttachmentsTable } from './schema.ts';

/** A media row as the domain sees it; the stored JSON and "x,y" texts are read back here only. */
export function toMediaAttachment(row: Selectable<MediaAttachmentsTable>): MediaAttachment {
  const focus = row.focus?.split(',').map(Number);
  return {
    id: row.id,
    accountId: row.account_id,
    postId: row.post_id,
    type: row.type === 'video' || row.type === 'audio' ? row.type : 'image',
    state: row.state === 'ready' || row.state === 'failed' ? row.state : 'processing',
    fileKey: row.file_key,
    previewKey: row.preview_key,
    contentType: row.content_type,
    meta: row.meta ? (JSON.parse(row.meta) as MediaAttachment['meta']) : null,
    blurhash: row.blurhash,
    description: row.description,
    focus: focus && focus.length === 2 ? { x: focus[0]!, y: focus[1]! } : null,
    createdAt: new Date(row.created_at),
    remoteUrl: row.remote_url,
  };
}

const focusText = (focus: { x: number; y: number } | null) => (focus ? `${focus.x},${focus.y}` : null);

export class KyselyMediaStore implements MediaStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async create(media: MediaAttachment): Promise<void> {
    await this.db
      .insertInto('media_attachments')
      .values({
        id: media.id,
        account_id: media.accountId,
        post_id: null,
        position: null,
        type: media.type,
        state: media.state,
        file_key: null,
        preview_key: null,
        content_type: null,
        file_size: null,
        meta: null,
        blurhash: null,
        description: media.description,
        focus: focusText(media.focus),
        error: null,
        created_at: media.createdAt.toISOString(),
      })
      .execute();
  }

  async finish(id: string, result: ProcessingResult): Promise<boolean> {
    const update =
      result.state === 'ready'
        ? {
            state: 'ready',
            file_key: result.fileKey,
            preview_key: result.previewKey,
            content_type: result.contentType,
            file_size: result.size,
            meta: JSON.stringify(result.meta),
            blurhash: result.blurhash,
          }
        : { state: 'failed', error: result.error };
    const done = await this.db
      .updateTable('media_attachments')
      .set(update)
      .where('id', '=', id)
      .where('state', '=', 'processing')
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  async byId(id: string): Promise<MediaAttachment | null> {
    const row = await this.db.selectFrom('media_attachments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMediaAttachment(row) : null;
  }

  async describe(
    id: string,
    changes: { description?: string | null; focus?: { x: number; y: number } | null },
  ): Promise<void> {
    await this.db
      .updateTable('media_attachments')
      .set({
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.focus !== undefined ? { focus: focusText(changes.focus) } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async cacheRemote(id: string, copy: Extract<ProcessingResult, { state: 'ready' }>): Promise<boolean> {
    const done = await this.db
      .updateTable('media_attachments')
      .set({
        file_key: copy.fileKey,
        preview_key: copy.previewKey,
        content_type: copy.contentType,
        file_size: copy.size,
        meta: JSON.stringify(copy.meta),
        blurhash: copy.blurhash,
      })
      .where('id', '=', id)
      .where('remote_url', 'is not', null)
      .where('file_key', 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  async cachedRemoteOfDomain(domain: string): Promise<MediaAttachment[]> {
    const rows = await this.db
      .selectFrom('media_attachments as m')
      .innerJoin('accounts as a', 'a.id', 'm.account_id')
      .selectAll('m')
      .where('m.remote_url', 'is not', null)
      .where('m.file_key', 'is not', null)
      .where((eb) => eb.or([eb('a.domain', '=', domain), eb('a.domain', 'like', `%.${domain}`)]))
      .execute();
    return rows.map(toMediaAttachment);
  }

  async cacheRemoteProfileImage(
    accountId: string,
    kind: 'avatar' | 'header',
    url: string,
    key: string,
  ): Promise<boolean> {
    const done = await this.db
      .updateTable('accounts')
      .set(kind === 'avatar' ? { avatar_key: key } : { header_key: key })
      .where('id', '=', accountId)
      .where('domain', 'is not', null)
      .where(kind === 'avatar' ? 'avatar_remote_url' : 'header_remote_url', '=', url)
      .where(kind === 'avatar' ? 'avatar_key' : 'header_key', 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  async forgetRemoteProfileImagesOf(domain: string): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('accounts')
        .select(['id', 'avatar_key', 'header_key'])
        .where((eb) => eb.or([eb('domain', '=', domain), eb('domain', 'like', `%.${domain}`)]))
        .where((eb) => eb.or([eb('avatar_remote_url', 'is not', null), eb('header_remote_url', 'is not', null)]))
        .execute();
      for (const ids of chunks(
        rows.map((r) => r.id),
        500,
      ))
        await tx
          .updateTable('accounts')
          .set({ avatar_remote_url: null, header_remote_url: null, avatar_key: null, header_key: null })
          .where('id', 'in', ids)
          .execute();
      return rows.flatMap((r) => [r.avatar_key, r.header_key]).filter((k): k is string => k !== null);
    });
  }

  async uncacheRemote(id: string): Promise<void> {
    await this.db
      .updateTable('media_attachments')
      .set({ file_key: null, preview_key: null })
      .where('id', '=', id)
      .where('remote_url', 'is not', null)
      .execute();
  }

  async deleteUnattached(id: string): Promise<MediaAttachment | null> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('media_attachments')
        .selectAll()
        .where('id', '=', id)
        .where('post_id', 'is', null)
        .executeTakeFirst();
      if (!row) return null;
      await tx.deleteFrom('media_attachments').where('id', '=', id).execute();
      return toMediaAttachment(row);
    });
  }

  async deleteOfPost(postId: string): Promise<MediaAttachment[]> {
    const rows = await this.db.selectFrom('media_attachments').selectAll().where('post_id', '=', postId).execute();
    if (rows.length > 0) await this.db.deleteFrom('media_attachments').where('post_id', '=', postId).execute();
    return rows.map(toMediaAttachment);
  }

  async deleteAbandoned(unattachedBefore: Date, limit: number): Promise<MediaAttachment[]> {
    const rows = await this.db
      .selectFrom('media_attachments as m')
      .selectAll('m')
      .where((eb) =>
        eb.or([
          eb.and([eb('m.post_id', 'is', null), eb('m.created_at', '<', unattachedBefore.toISOString())]),
          // Attached to a post that is gone (its deletion's cleanup did not finish).
          eb.and([
            eb('m.post_id', 'is not', null),
            eb.not(eb.exists(eb.selectFrom('posts as p').select('p.id').whereRef('p.id', '=', 'm.post_id'))),
          ]),
        ]),
      )
      .limit(limit)
      .execute();
    for (const chunk of chunks(rows.map((r) => r.id)))
      await this.db.deleteFrom('media_attachments').where('id', 'in', chunk).execute();
    return rows.map(toMediaAttachment);
  }
}
