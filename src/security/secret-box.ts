import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) for secrets the server must be able to read back,
 * such as TOTP seeds: a copy of the database alone does not yield them.
 */
export class SecretBox {
  private key: Promise<Buffer> | null = null;

  private readonly loadKey: () => Promise<string>;
  constructor(loadKey: () => Promise<string>) {
    this.loadKey = loadKey;
  }

  async seal(plain: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.keyBytes(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  async open(sealed: string): Promise<string> {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || body === undefined || !tag) throw new Error('Sealed secret has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', await this.keyBytes(), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  private keyBytes(): Promise<Buffer> {
    this.key ??= this.loadKey().then((secret) => createHash('sha256').update(secret).digest());
    return this.key;
  }
}
