import { randomBytes } from 'node:crypto';

/**
 * Names of media files: a kind, 128 random bits and an extension. Nobody can guess one, each is
 * written once, and the pattern is what the file route accepts (so no path can escape it).
 */
/** `remote`: the media proxy's copies of other servers' attachments. */
export type FileKind = 'attachments' | 'avatars' | 'headers' | 'remote';

const KEY = /^(attachments|avatars|headers|remote)\/[0-9a-f]{32}(-small)?\.(jpg|png|webp|gif)$/;

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

export function newFileName(kind: FileKind): string {
  return `${kind}/${randomBytes(16).toString('hex')}`;
}

/** The content type a well-formed key is served as; null for anything that is not a media key. */
export function contentTypeOfKey(key: string): string | null {
  const match = KEY.exec(key);
  return match ? (CONTENT_TYPES[match[3]!] ?? null) : null;
}
