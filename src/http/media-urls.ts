import type { MediaAttachment } from '../core/model.ts';

/** The public URL of a stored media file: under the S3 public URL, or Sparrow's own `/media`. */
export function mediaFileUrl(urls: { media: { baseUrl: string } }, key: string): string {
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
