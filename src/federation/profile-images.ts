import { Image, Link, type Actor } from '@fedify/fedify/vocab';
import type { DomainBlocks } from './domain-blocks.ts';

/** Longest image URL kept. */
const MAX_URL = 2048;

/**
 * A remote actor's avatar (`icon`) and header (`image`), as references for the media proxy:
 * an embedded image's http(s) URL whose media type, when given, is an image. Nothing is
 * fetched here. A server whose media an admin rejected (the actor's or the image's host)
 * gets none: the placeholder is shown.
 */
export async function profileImagesOf(
  actor: Actor,
  domainBlocks: DomainBlocks,
): Promise<{ avatarUrl: string | null; headerUrl: string | null }> {
  const read = async (get: () => Promise<Image | null>): Promise<string | null> => {
    const image = await get().catch(() => null);
    if (!(image instanceof Image)) return null;
    const mediaType = image.mediaType?.toLowerCase() ?? null;
    if (mediaType !== null && !mediaType.startsWith('image/')) return null;
    const first = image.urls[0];
    const url = first instanceof Link ? first.href : first;
    if (!(url instanceof URL) || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
    if (url.href.length > MAX_URL || (await mediaRejected(domainBlocks, url.host))) return null;
    return url.href;
  };
  if (actor.id && (await mediaRejected(domainBlocks, actor.id.host))) return { avatarUrl: null, headerUrl: null };
  // Embedded images only: an image given by reference is not fetched (it counts as none).
  const options = { documentLoader: notFetched, suppressError: true };
  return {
    avatarUrl: await read(() => actor.getIcon(options)),
    headerUrl: await read(() => actor.getImage(options)),
  };
}

function notFetched(): Promise<never> {
  return Promise.reject(new Error('An actor’s images are read as embedded, never fetched'));
}

async function mediaRejected(domainBlocks: DomainBlocks, host: string): Promise<boolean> {
  const block = await domainBlocks.blockOf(host);
  return block !== null && (block.rejectMedia || block.severity === 'suspend');
}
