import type { Clock } from '../shared/clock.ts';
import { invalid, notFound } from '../shared/errors.ts';
import { DESCRIPTION_CHARACTERS } from '../shared/field-limits.ts';
import { newId } from '../shared/ids.ts';
import type { MediaAttachment, Microblog, Post } from '../core/index.ts';
import type { MediaFiles, MediaStore, ProcessingResult, StoredFile } from './ports.ts';
import { inspectImage, processAttachment, processProfileImage } from './images.ts';
import { newFileName } from './keys.ts';

export interface MediaOptions {
  /** Largest image file taken, in bytes. */
  imageSizeLimit: number;
  /** Unattached uploads older than this are deleted by housekeeping. */
  unattachedLifetimeMs: number;
  /** How long an upload that may finish later (API v2) waits for processing before answering. */
  asyncWaitMs: number;
}

export interface Upload {
  data: Buffer;
  /** A custom preview image (Mastodon's `thumbnail`). */
  thumbnail?: Buffer | undefined;
  description?: string | undefined;
  /** "x,y", each from -1.0 to 1.0. */
  focus?: string | undefined;
}

/** Alt text, as long as Mastodon's `description_limit`. */
export const DESCRIPTION_LIMIT = DESCRIPTION_CHARACTERS;
const CLEANUP_BATCH = 200;

/**
 * Media attachments and profile images, for every interface (API, web): uploads are checked
 * (size, type sniffed from the bytes, pixel count), processed with sharp into a full-size file
 * and a preview with metadata stripped, and kept in the media storage. An upload belongs to
 * its uploader: anyone else asking for it gets "not found".
 */
export class MediaLibrary {
  private readonly store: MediaStore;
  private readonly files: MediaFiles;
  private readonly microblog: Microblog;
  private readonly clock: Clock;
  private readonly options: MediaOptions;
  private readonly runInBackground: (label: string, work: () => Promise<void>) => void;
  private readonly reportError: (error: unknown, context: string) => void;
  constructor(deps: {
    /** Where failures the uploader cannot fix go (storage refusing a write). */
    reportError: (error: unknown, context: string) => void;
    store: MediaStore;
    files: MediaFiles;
    microblog: Microblog;
    clock: Clock;
    options: MediaOptions;
    /** Runs processing after the answer when a client does not wait for it. */
    runInBackground: (label: string, work: () => Promise<void>) => void;
  }) {
    this.store = deps.store;
    this.files = deps.files;
    this.microblog = deps.microblog;
    this.clock = deps.clock;
    this.options = deps.options;
    this.runInBackground = deps.runInBackground;
    this.reportError = deps.reportError;
  }

  /**
   * Takes an upload: checks it at once (a wrong type, corrupt or oversize file is refused before
   * anything is stored) and processes it. `may_finish_later` waits at most `asyncWaitMs` for
   * processing (Mastodon's v2 answers 202 when it is not done); the row says `processing` until
   * it is, on every instance.
   */
  async upload(accountId: string, upload: Upload, mode: 'wait' | 'may_finish_later'): Promise<MediaAttachment> {
    const waitMs = mode === 'wait' ? Number.POSITIVE_INFINITY : this.options.asyncWaitMs;
    await this.microblog.account(accountId);
    const description = this.checkDescription(upload.description);
    const focus = upload.focus === undefined ? null : parseFocus(upload.focus);
    this.checkSize(upload.data, 'file');
    const image = await inspectImage(upload.data, 'file');
    let thumbnail: { data: Buffer; image: Awaited<ReturnType<typeof inspectImage>> } | undefined;
    if (upload.thumbnail) {
      this.checkSize(upload.thumbnail, 'thumbnail');
      thumbnail = { data: upload.thumbnail, image: await inspectImage(upload.thumbnail, 'thumbnail') };
    }
    const media: MediaAttachment = {
      id: newId(this.clock.now().getTime()),
      accountId,
      postId: null,
      type: 'image',
      state: 'processing',
      fileKey: null,
      previewKey: null,
      contentType: null,
      meta: null,
      blurhash: null,
      description,
      focus,
      createdAt: this.clock.now(),
    };
    await this.store.create(media);
    const processing = this.process(media.id, upload.data, image, thumbnail);
    let waited = false;
    if (Number.isFinite(waitMs)) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      });
      await Promise.race([processing.then(() => (waited = true)), timeout]);
      clearTimeout(timer);
      if (!waited) this.runInBackground('media processing', () => processing);
    } else {
      await processing;
    }
    return (await this.store.byId(media.id)) ?? media;
  }

  private async process(
    id: string,
    data: Buffer,
    image: Awaited<ReturnType<typeof inspectImage>>,
    thumbnail?: { data: Buffer; image: Awaited<ReturnType<typeof inspectImage>> },
  ): Promise<void> {
    let result: ProcessingResult;
    const written: string[] = [];
    try {
      result = await this.processAndStore('attachments', data, image, written, thumbnail);
    } catch (error) {
      const stage = (error as { stage?: string }).stage ?? 'processing';
      result = {
        state: 'failed',
        error: `${stage}: ${error instanceof Error ? error.message.slice(0, 300) : 'failed'}`,
      };
    }
    // Deleted while processing: its files go too.
    if (!(await this.store.finish(id, result))) await this.deleteFiles(written);
  }

  /** Re-encodes an image (metadata stripped) into a full-size file and a preview, and stores both. */
  private async processAndStore(
    kind: 'attachments' | 'remote',
    data: Buffer,
    image: Awaited<ReturnType<typeof inspectImage>>,
    written: string[],
    thumbnail?: { data: Buffer; image: Awaited<ReturnType<typeof inspectImage>> },
  ): Promise<Extract<ProcessingResult, { state: 'ready' }>> {
    const processed = await processAttachment(data, image, thumbnail);
    const name = newFileName(kind);
    const fileKey = `${name}.${processed.full.extension}`;
    const previewKey = `${name}-small.${processed.preview.extension}`;
    try {
      await this.files.put(fileKey, processed.full.data, processed.full.contentType);
      written.push(fileKey);
      await this.files.put(previewKey, processed.preview.data, processed.preview.contentType);
      written.push(previewKey);
    } catch (error) {
      this.reportError(error, 'media storage refused a file');
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), { stage: 'storing' });
    }
    return {
      state: 'ready',
      fileKey,
      previewKey,
      contentType: processed.full.contentType,
      size: processed.full.data.length,
      meta: { original: processed.full.size, small: processed.preview.size },
      blurhash: processed.blurhash,
    };
  }

  /** A remote post's attachment (a reference to another server's file), or null. */
  async remoteAttachment(id: string): Promise<MediaAttachment | null> {
    const media = await this.store.byId(id);
    return media?.remoteUrl && media.postId ? media : null;
  }

  /**
   * The media proxy's copy of a remote image: made on first use from the bytes `fetch` brings
   * (size, type and pixel checks, then re-encoded with metadata stripped, exactly as an
   * upload), kept in the media storage and reused afterwards.
   */
  async remoteCopy(media: MediaAttachment, variant: 'original' | 'small', fetch: () => Promise<Buffer>) {
    let keys = { fileKey: media.fileKey, previewKey: media.previewKey };
    if (!keys.fileKey || !keys.previewKey) {
      const data = await fetch();
      this.checkSize(data, 'file');
      const image = await inspectImage(data, 'file');
      const written: string[] = [];
      const copy = await this.processAndStore('remote', data, image, written);
      if (!(await this.store.cacheRemote(media.id, copy))) {
        // Another request cached it first (or it is gone): keep theirs.
        await this.deleteFiles(written);
        const current = await this.store.byId(media.id);
        keys = { fileKey: current?.fileKey ?? null, previewKey: current?.previewKey ?? null };
      } else keys = copy;
    }
    const key = variant === 'original' ? keys.fileKey : keys.previewKey;
    const file = key ? await this.files.get(key) : null;
    if (!file) throw notFound();
    return file;
  }

  /**
   * Deletes the proxy's copies of a server's media (an admin rejected its media), attachments
   * and profile images; its accounts' avatars and headers are forgotten (the placeholder is
   * shown). Returns how many files were deleted.
   */
  async forgetRemoteOf(domain: string): Promise<number> {
    const cached = await this.store.cachedRemoteOfDomain(domain);
    for (const media of cached) {
      await this.store.uncacheRemote(media.id);
      await this.deleteFiles([media.fileKey, media.previewKey]);
    }
    const profileImages = await this.store.forgetRemoteProfileImagesOf(domain);
    await this.deleteFiles(profileImages);
    return cached.length * 2 + profileImages.length;
  }

  /** A remote account's avatar or header reference, with the proxy's copy if there is one. */
  async remoteProfileImage(
    accountId: string,
    kind: 'avatar' | 'header',
  ): Promise<{ url: string; domain: string; key: string | null } | null> {
    const account = (await this.microblog.accounts([accountId])).get(accountId);
    const url = kind === 'avatar' ? account?.avatarRemoteUrl : account?.headerRemoteUrl;
    if (!account?.domain || !url || account.suspended) return null;
    return { url, domain: account.domain, key: (kind === 'avatar' ? account.avatar : account.header) ?? null };
  }

  /**
   * The proxy's copy of a remote avatar or header: made on first use from the bytes `fetch`
   * brings (size, type and pixel checks, then resized and re-encoded like an uploaded one,
   * metadata stripped), kept in the media storage while the account still names that URL.
   */
  async remoteProfileCopy(
    accountId: string,
    kind: 'avatar' | 'header',
    image: { url: string; key: string | null },
    fetch: () => Promise<Buffer>,
  ): Promise<StoredFile> {
    const kept = image.key ? await this.files.get(image.key) : null;
    if (kept) return kept;
    const data = await fetch();
    this.checkSize(data, 'file');
    await inspectImage(data, 'file');
    const processed = await processProfileImage(data, kind);
    const key = `${newFileName('remote')}.webp`;
    await this.files.put(key, processed, 'image/webp');
    // Another request cached one first, or the account moved on to another URL: not kept.
    if (!(await this.store.cacheRemoteProfileImage(accountId, kind, image.url, key))) await this.deleteFiles([key]);
    return { data: processed, contentType: 'image/webp' };
  }

  /** Deletes stored files no row names any more (a remote avatar replaced by a new URL). */
  async forgetFiles(keys: readonly (string | null | undefined)[]): Promise<void> {
    await this.deleteFiles(keys);
  }

  /** The owner's upload; anyone else's is "not found". */
  async get(accountId: string, id: string): Promise<MediaAttachment> {
    const media = await this.store.byId(id);
    if (!media || media.accountId !== accountId) throw notFound();
    return media;
  }

  /** Alt text and focal point, while the upload is on no post yet. */
  async update(
    accountId: string,
    id: string,
    changes: { description?: string | undefined; focus?: string | undefined },
  ): Promise<MediaAttachment> {
    const media = await this.get(accountId, id);
    if (media.postId !== null)
      throw invalid('This media is on a post already; edit the post instead').coded('media.on_post_edit');
    await this.store.describe(id, {
      ...(changes.description !== undefined ? { description: this.checkDescription(changes.description) } : {}),
      ...(changes.focus !== undefined ? { focus: parseFocus(changes.focus) } : {}),
    });
    return this.get(accountId, id);
  }

  /** Deletes an upload that is on no post (a post's media goes with the post). */
  async delete(accountId: string, id: string): Promise<MediaAttachment> {
    const media = await this.get(accountId, id);
    if (media.postId !== null)
      throw invalid('This media is on a post; delete the post instead').coded('media.on_post_delete');
    const deleted = await this.store.deleteUnattached(id);
    if (!deleted) throw invalid('This media is on a post; delete the post instead').coded('media.on_post_delete');
    await this.deleteFiles([deleted.fileKey, deleted.previewKey]);
    return media;
  }

  /** A deleted post's media goes with it (listener of Microblog.onDeleted). */
  readonly postDeleted = async (post: Post): Promise<void> => {
    if (post.reblogOfId) return;
    const gone = await this.store.deleteOfPost(post.id);
    await this.deleteFiles(gone.flatMap((m) => [m.fileKey, m.previewKey]));
  };

  /** Housekeeping: uploads never attached within the lifetime, and media of posts that are gone. */
  async cleanUp(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.options.unattachedLifetimeMs);
    let total = 0;
    for (;;) {
      const gone = await this.store.deleteAbandoned(before, CLEANUP_BATCH);
      await this.deleteFiles(gone.flatMap((m) => [m.fileKey, m.previewKey]));
      total += gone.length;
      if (gone.length < CLEANUP_BATCH) return total;
    }
  }

  /** Stores a new avatar or header (cropped to 400×400 / 1500×500) and drops the previous one. */
  async setProfileImage(accountId: string, kind: 'avatar' | 'header', data: Buffer): Promise<void> {
    await this.microblog.account(accountId);
    this.checkSize(data, kind);
    await inspectImage(data, kind);
    const processed = await processProfileImage(data, kind);
    const key = `${newFileName(kind === 'avatar' ? 'avatars' : 'headers')}.webp`;
    await this.files.put(key, processed, 'image/webp');
    const previous = await this.microblog.setProfileImage(accountId, kind, key);
    await this.deleteFiles([previous]);
  }

  /** Back to the placeholder. */
  async removeProfileImage(accountId: string, kind: 'avatar' | 'header'): Promise<void> {
    const previous = await this.microblog.setProfileImage(accountId, kind, null);
    await this.deleteFiles([previous]);
  }

  /** A stored file, for serving it (local storage, or S3 without a public URL). */
  async file(key: string) {
    return this.files.get(key);
  }

  private checkSize(data: Buffer, field: string): void {
    if (data.length === 0) throw invalid('The file is empty', { field }).coded('media.empty');
    if (data.length > this.options.imageSizeLimit)
      throw invalid(`The file is too large: images may be at most ${formatBytes(this.options.imageSizeLimit)}`, {
        field,
      }).coded('media.too_large', { size: formatBytes(this.options.imageSizeLimit) });
  }

  private checkDescription(description: string | undefined): string | null {
    if (description === undefined) return null;
    const trimmed = description.trim();
    if ([...trimmed].length > DESCRIPTION_LIMIT)
      throw invalid(`Description is too long: at most ${DESCRIPTION_LIMIT} characters`, { field: 'description' }).coded(
        'media.description_too_long',
        { max: DESCRIPTION_LIMIT },
      );
    return trimmed === '' ? null : trimmed;
  }

  private async deleteFiles(keys: readonly (string | null | undefined)[]): Promise<void> {
    for (const key of keys) if (key) await this.files.delete(key);
  }
}

function parseFocus(text: string): { x: number; y: number } | null {
  if (text.trim() === '') return null;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  const x = Number(match?.[1]);
  const y = Number(match?.[2]);
  if (!match || Math.abs(x) > 1 || Math.abs(y) > 1)
    throw invalid('Focus must be two numbers from -1.0 to 1.0, as "x,y"', { field: 'focus' }).coded('media.focus');
  return { x, y };
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}
