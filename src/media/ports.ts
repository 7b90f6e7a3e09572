import type { MediaAttachment } from '../core/index.ts';

/** A stored file and what to serve it as. */
export interface StoredFile {
  data: Buffer;
  contentType: string;
}

/**
 * Where media files live: the local disk under the data directory, or S3-compatible object
 * storage. Keys are unguessable and never reused, so a file never changes once written.
 */
export interface MediaFiles {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The file, or null when there is none under that key. */
  get(key: string): Promise<StoredFile | null>;
  /** Deletes the file; a missing file is not an error. */
  delete(key: string): Promise<void>;
}

export type ProcessingResult =
  | {
      state: 'ready';
      fileKey: string;
      previewKey: string;
      contentType: string;
      size: number;
      meta: NonNullable<MediaAttachment['meta']>;
      blurhash: string;
    }
  | { state: 'failed'; error: string };

/** The media rows (who uploaded what, its processing state and the keys of its files). */
export interface MediaStore {
  create(media: MediaAttachment): Promise<void>;
  /** Records how processing ended; false when the row is gone or was finished already. */
  finish(id: string, result: ProcessingResult): Promise<boolean>;
  byId(id: string): Promise<MediaAttachment | null>;
  describe(
    id: string,
    changes: { description?: string | null; focus?: { x: number; y: number } | null },
  ): Promise<void>;
  /** Deletes the row if no post has it; returns what was deleted. */
  deleteUnattached(id: string): Promise<MediaAttachment | null>;
  /** Deletes the rows of a post (after the post is deleted); returns them. */
  deleteOfPost(postId: string): Promise<MediaAttachment[]>;
  /** Records the proxy's copy of a remote attachment (once; false when one is recorded already). */
  cacheRemote(id: string, copy: Extract<ProcessingResult, { state: 'ready' }>): Promise<boolean>;
  /** Remote attachments with a cached copy whose author is on `domain` or one of its subdomains. */
  cachedRemoteOfDomain(domain: string): Promise<MediaAttachment[]>;
  /** Forgets the cached copy of a remote attachment (its reference stays). */
  uncacheRemote(id: string): Promise<void>;
  /** Records the proxy's copy of a remote avatar or header, if `url` is still the account's one and none is recorded. */
  cacheRemoteProfileImage(accountId: string, kind: 'avatar' | 'header', url: string, key: string): Promise<boolean>;
  /**
   * Forgets the avatars and headers of the accounts on `domain` or its subdomains (their
   * references too: the placeholder is shown); returns the keys of the copies that were cached.
   */
  forgetRemoteProfileImagesOf(domain: string): Promise<string[]>;
  /** Deletes up to `limit` uploads never attached since before the date, or whose post is gone. */
  deleteAbandoned(unattachedBefore: Date, limit: number): Promise<MediaAttachment[]>;
}
