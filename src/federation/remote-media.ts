import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import type { MediaAttachment } from '../core/index.ts';
import type { MediaLibrary } from '../media/index.ts';
import type { StoredFile } from '../media/ports.ts';
import { notFound } from '../shared/errors.ts';
import { isPublicAddress, publicOnlyLookup } from '../shared/network.ts';
import type { DomainBlocks } from './domain-blocks.ts';
import { profileImageTag } from '../http/media-urls.ts';

export interface RemoteMediaSettings {
  /** Largest remote file fetched, in bytes (the upload limit). */
  maxBytes: number;
  /** How long one fetch may take in all. */
  timeoutMs: number;
  /** Tests and labs only: lets the proxy fetch from loopback and private addresses. */
  allowPrivateAddresses: boolean;
}

/** Why the proxy could not bring a remote file (the answer is 502 with this message). */
class RemoteMediaUnavailable extends Error {
  readonly statusCode = 502;
}

/**
 * Sparrow's media proxy for other servers' attachments, which are stored by reference: on
 * first use the file is fetched (http(s) only, public addresses only unless the setting allows
 * private ones, a byte cap enforced while streaming, a timeout, an `image/*` type), then
 * checked and re-encoded like an upload (metadata stripped) and cached in the media storage.
 * Video and audio stay references (the proxy never fetches them). Remote avatars and headers
 * go the same way, resized like uploaded ones. A server whose media an
 * admin rejected is never fetched, and its cached copies are deleted when the block is made.
 */
export class RemoteMediaProxy {
  private readonly media: MediaLibrary;
  private readonly domainBlocks: DomainBlocks;
  private readonly settings: RemoteMediaSettings;
  private readonly logger: Logger;
  private readonly authorDomain: (accountId: string) => Promise<string | null>;

  constructor(deps: {
    media: MediaLibrary;
    domainBlocks: DomainBlocks;
    settings: RemoteMediaSettings;
    logger: Logger;
    /** The server an account belongs to (null for a local one). */
    authorDomain: (accountId: string) => Promise<string | null>;
  }) {
    this.media = deps.media;
    this.domainBlocks = deps.domainBlocks;
    this.settings = deps.settings;
    this.logger = deps.logger;
    this.authorDomain = deps.authorDomain;
    deps.domainBlocks.onMediaRejected(async (domain) => {
      const purged = await this.media.forgetRemoteOf(domain);
      this.logger.info({ domain, purged }, 'remote media of a server rejected: cached copies deleted');
    });
  }

  /** The cached or freshly fetched copy of a remote image attachment. */
  async file(id: string, variant: 'original' | 'small'): Promise<StoredFile> {
    const media = await this.media.remoteAttachment(id);
    if (!media?.remoteUrl || media.type !== 'image') throw notFound();
    if (await this.rejected(media)) throw notFound();
    return this.media.remoteCopy(media, variant, () => this.fetch(media.remoteUrl!));
  }

  /**
   * The cached or freshly fetched copy of a remote account's avatar or header; `tag` must name
   * the account's current URL (an old proxy URL is not found, never the stale copy).
   */
  async profileImage(accountId: string, kind: 'avatar' | 'header', tag: string): Promise<StoredFile> {
    const image = await this.media.remoteProfileImage(accountId, kind);
    if (!image || profileImageTag(image.url) !== tag) throw notFound();
    if (await this.rejectedHosts([new URL(image.url).host, image.domain])) throw notFound();
    return this.media.remoteProfileCopy(accountId, kind, image, () => this.fetch(image.url));
  }

  private async rejected(media: MediaAttachment): Promise<boolean> {
    return this.rejectedHosts([new URL(media.remoteUrl!).host, await this.authorDomain(media.accountId)]);
  }

  private async rejectedHosts(hosts: readonly (string | null)[]): Promise<boolean> {
    for (const host of hosts) {
      const block = host ? await this.domainBlocks.blockOf(host) : null;
      if (block && (block.rejectMedia || block.severity === 'suspend')) return true;
    }
    return false;
  }

  /** Fetches a remote image with the limits above; never holds more than the cap in memory. */
  private fetch(raw: string): Promise<Buffer> {
    const { maxBytes, timeoutMs, allowPrivateAddresses } = this.settings;
    return new Promise<Buffer>((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return reject(new RemoteMediaUnavailable('The remote media URL is not valid'));
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        return reject(new RemoteMediaUnavailable('Remote media is fetched over http(s) only'));
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (
        !allowPrivateAddresses &&
        (literal === 'localhost' || (/^[\d.:a-f]+$/i.test(literal) && !isPublicAddress(literal)))
      )
        return reject(new RemoteMediaUnavailable('The remote media is not on a public address'));
      const fail = (message: string) => {
        req.destroy();
        reject(new RemoteMediaUnavailable(message));
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'GET',
          headers: { accept: 'image/*', 'user-agent': 'Sparrow media proxy' },
          timeout: timeoutMs,
          ...(allowPrivateAddresses ? {} : { lookup: publicOnlyLookup }),
        },
        (res: IncomingMessage) => {
          if ((res.statusCode ?? 0) !== 200) return fail(`The remote server answered ${res.statusCode}`);
          const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (!type.startsWith('image/')) return fail('The remote file is not an image');
          if (Number(res.headers['content-length'] ?? 0) > maxBytes)
            return fail(`The remote file is larger than ${maxBytes} bytes`);
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            // Counted while streaming: a server that lies about (or omits) its length is cut off.
            if (size > maxBytes) return fail(`The remote file is larger than ${maxBytes} bytes`);
            chunks.push(chunk);
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', (error) => reject(new RemoteMediaUnavailable(error.message)));
        },
      );
      const deadline = setTimeout(() => fail('The remote server did not answer in time'), timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('timeout', () => fail('The remote server did not answer in time'));
      req.on('error', (error) =>
        reject(
          new RemoteMediaUnavailable(
            (error as { code?: string }).code === 'EPRIVATE'
              ? 'The remote media is not on a public address'
              : `The remote media could not be fetched: ${error.message}`,
          ),
        ),
      );
      req.end();
    });
  }
}
