import { createHash } from 'node:crypto';
import type { Account, MediaAttachment } from '../core/model.ts';

/** The public URL of a stored media file: under the S3 public URL, or Sparrow's own `/media`. */
function mediaFileUrl(urls: { media: { baseUrl: string } }, key: string): string {
  return `${urls.media.baseUrl}/${key}`;
}

/**
 * Where an attachment is shown from: a local upload's stored files; another server's image
 * through Sparrow's media proxy (`/media_proxy/<id>/original|small`, fetched and cached on
 * first use); another server's video or audio by its own URL (never proxied). Null while
 * an upload is not ready.
 */
export function attachmentUrls(
  urls: { publicUrl: string; media: { baseUrl: string } },
  media: MediaAttachment,
): { url: string; previewUrl: string | null } | null {
  if (media.remoteUrl) {
    if (media.type !== 'image') return { url: media.remoteUrl, previewUrl: null };
    const base = `${urls.publicUrl}/media_proxy/${media.id}`;
    return { url: `${base}/original`, previewUrl: `${base}/small` };
  }
  if (media.state !== 'ready' || !media.fileKey || !media.previewKey) return null;
  return { url: mediaFileUrl(urls, media.fileKey), previewUrl: mediaFileUrl(urls, media.previewKey) };
}

/** A short digest of a remote profile image's URL: a new URL makes a new proxy URL. */
export function profileImageTag(remoteUrl: string): string {
  return createHash('sha256').update(remoteUrl).digest('base64url').slice(0, 16);
}

/**
 * Where an account's avatar or header is shown from, or null for the placeholder: a local
 * account's stored file; a remote account's image through Sparrow's media proxy
 * (`/media_proxy/accounts/<id>/avatar|header/<tag of its URL>`, fetched and cached on first
 * use), so a changed image is a new URL that no cache holds the old copy under.
 */
export function profileImageUrl(
  urls: { publicUrl: string; media: { baseUrl: string } },
  account: Account,
  kind: 'avatar' | 'header',
): string | null {
  if (account.domain !== null) {
    const remote = kind === 'avatar' ? account.avatarRemoteUrl : account.headerRemoteUrl;
    return remote ? `${urls.publicUrl}/media_proxy/accounts/${account.id}/${kind}/${profileImageTag(remote)}` : null;
  }
  const key = kind === 'avatar' ? account.avatar : account.header;
  return key ? mediaFileUrl(urls, key) : null;
}
