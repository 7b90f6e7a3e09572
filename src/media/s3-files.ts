import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import type { MediaFiles, StoredFile } from './ports.ts';
import { contentTypeOfKey } from './keys.ts';

export interface S3Settings {
  bucket: string;
  /** e.g. https://s3.eu-central-1.amazonaws.com, or a MinIO / R2 / Garage endpoint. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** How long browsers and proxies may keep a file: keys are never reused, so a year. */
export const MEDIA_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * Media files in S3-compatible object storage, path-style (`endpoint/bucket/key`), every
 * request signed with AWS Signature Version 4 (aws4fetch). Objects carry their content type and
 * cache headers, so a public bucket URL (SPARROW_S3_PUBLIC_URL) serves them as Sparrow would.
 */
export class S3MediaFiles implements MediaFiles {
  private readonly client: AwsClient;
  private readonly base: string;
  constructor(settings: S3Settings) {
    this.client = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      region: settings.region,
      service: 's3',
      retries: 2,
    });
    this.base = `${settings.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(settings.bucket)}`;
  }

  private url(key: string): string {
    return `${this.base}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    const response = await this.client.fetch(this.url(key), {
      method: 'PUT',
      body: new Uint8Array(data),
      headers: {
        'content-type': contentType,
        'cache-control': MEDIA_CACHE_CONTROL,
        // The payload is signed too, so storage refuses a body changed on the way.
        'x-amz-content-sha256': createHash('sha256').update(data).digest('hex'),
      },
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`S3 PUT ${key} failed: HTTP ${response.status}`);
  }

  async get(key: string): Promise<StoredFile | null> {
    const contentType = contentTypeOfKey(key);
    if (!contentType) return null;
    const response = await this.client.fetch(this.url(key), { method: 'GET' });
    if (response.status === 404) {
      await response.arrayBuffer();
      return null;
    }
    if (!response.ok) throw new Error(`S3 GET ${key} failed: HTTP ${response.status}`);
    return { data: Buffer.from(await response.arrayBuffer()), contentType };
  }

  async delete(key: string): Promise<void> {
    const response = await this.client.fetch(this.url(key), { method: 'DELETE' });
    await response.arrayBuffer();
    if (!response.ok && response.status !== 404) throw new Error(`S3 DELETE ${key} failed: HTTP ${response.status}`);
  }
}
