import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { MediaFiles, StoredFile } from './ports.ts';
import { contentTypeOfKey } from './keys.ts';

/**
 * Media files on the local disk, under `$SPARROW_DATA_DIR/media` by default. Several instances
 * must share this directory (a shared volume), or use S3-compatible storage instead.
 */
export class LocalMediaFiles implements MediaFiles {
  private readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    // Written beside and renamed, so a reader never sees half a file.
    const partial = `${path}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, data, { mode: 0o640 });
    await rename(partial, path);
  }

  async get(key: string): Promise<StoredFile | null> {
    const contentType = contentTypeOfKey(key);
    if (!contentType) return null;
    try {
      return { data: await readFile(join(this.root, key)), contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.root, key), { force: true });
  }
}
