import type { Context } from '@fedify/fedify';
import { Document, Image, Link } from '@fedify/fedify/vocab';
import type { PostObject } from './activities.ts';
import type { MediaAttachment, RemoteAttachment } from '../core/index.ts';
import { attachmentUrls } from '../http/media-urls.ts';

/** A local post's images as ActivityPub attachments (`Document`s with type, alt text and size). */
export function attachmentsOut(
  media: readonly MediaAttachment[],
  urls: { publicUrl: string; media: { baseUrl: string } },
) {
  return media.flatMap((m) => {
    const shown = m.remoteUrl ? null : attachmentUrls(urls, m);
    if (!shown) return [];
    return [
      new Document({
        url: new URL(shown.url),
        mediaType: m.contentType,
        name: m.description,
        width: m.meta?.original.width ?? null,
        height: m.meta?.original.height ?? null,
      }),
    ];
  });
}

const TYPES = ['image', 'video', 'audio'] as const;

/**
 * A remote Note's attachments, as references: http(s) URLs only, the type from the media
 * type (image, video, audio; anything else is left out), alt text and size as given.
 * Embedded attachments only: nothing is fetched here (the media proxy fetches on first use).
 */
export async function attachmentsIn(ctx: Context<void>, note: PostObject): Promise<RemoteAttachment[]> {
  const found: RemoteAttachment[] = [];
  try {
    for await (const item of note.getAttachments({
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
      suppressError: true,
    })) {
      if (!(item instanceof Document) && !(item instanceof Image)) continue;
      const raw = item.url instanceof Link ? item.url.href : item.url;
      if (!(raw instanceof URL) || (raw.protocol !== 'https:' && raw.protocol !== 'http:')) continue;
      const mediaType = item.mediaType?.toLowerCase() ?? (item instanceof Image ? 'image/*' : '');
      const type = TYPES.find((t) => mediaType.startsWith(`${t}/`));
      if (!type) continue;
      const width = Number(item.width ?? 0);
      const height = Number(item.height ?? 0);
      found.push({
        url: raw.href,
        type,
        contentType: mediaType === 'image/*' ? null : mediaType.slice(0, 100),
        description: item.name?.toString() ?? null,
        blurhash: null,
        width: Number.isInteger(width) && width > 0 && width < 100_000 ? width : null,
        height: Number.isInteger(height) && height > 0 && height < 100_000 ? height : null,
      });
    }
  } catch {
    // An attachment that cannot be read is left out; the post still arrives.
  }
  return found;
}
