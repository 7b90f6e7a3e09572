import type { ImageSize, MediaAttachment } from '../../core/index.ts';
import { attachmentUrls } from '../../http/media-urls.ts';

/** Where media files are reached (the S3 public URL, or Sparrow's `/media`; the proxy under the public URL). */
export interface MediaUrls {
  publicUrl: string;
  media: { baseUrl: string };
}

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const size = {
  type: 'object',
  properties: { width: { type: 'integer' }, height: { type: 'integer' }, size: str, aspect: { type: 'number' } },
} as const;

/** Mastodon's MediaAttachment entity (images only: Sparrow processes no video or audio). */
export const mediaAttachmentSchema = {
  type: 'object',
  properties: {
    id: str,
    type: str,
    url: nullableStr,
    preview_url: nullableStr,
    remote_url: nullableStr,
    preview_remote_url: nullableStr,
    text_url: nullableStr,
    meta: {
      type: ['object', 'null'],
      properties: {
        original: size,
        small: size,
        focus: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } },
      },
    },
    description: nullableStr,
    blurhash: nullableStr,
  },
} as const;

function renderSize({ width, height }: ImageSize) {
  return { width, height, size: `${width}x${height}`, aspect: Math.round((width / height) * 10_000) / 10_000 };
}

export function renderMediaAttachment(media: MediaAttachment, urls: MediaUrls) {
  const ready = media.state === 'ready';
  const shown = attachmentUrls(urls, media);
  const meta = {
    ...(ready && media.meta ? { original: renderSize(media.meta.original), small: renderSize(media.meta.small) } : {}),
    ...(media.focus ? { focus: media.focus } : {}),
  };
  return {
    id: media.id,
    type: media.type,
    url: shown?.url ?? null,
    preview_url: shown?.previewUrl ?? null,
    remote_url: media.remoteUrl ?? null,
    preview_remote_url: null,
    text_url: null,
    meta: Object.keys(meta).length > 0 ? meta : null,
    description: media.description,
    blurhash: media.blurhash,
  };
}
