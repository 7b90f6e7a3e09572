import type { webcrypto } from 'node:crypto';
import { exportJwk, generateCryptoKeyPair, importJwk, type Context, type KvStore } from '@fedify/fedify';
import { Application, Endpoints, Flag } from '@fedify/fedify/vocab';
import type { SecretBox } from '../security/index.ts';

/**
 * The instance actor's identifier (`/users/instance.actor`): the server itself, in whose name
 * reports are forwarded so that the person who reported stays anonymous to the other server.
 * Local usernames are letters, digits and `_` only, so it can never be someone's account.
 */
export const INSTANCE_ACTOR = 'instance.actor';

const KEY = ['sparrow', 'instance-actor', 'rsa'] as const;

/** A report as it leaves: about whom, citing which posts, with the reporter's words (never their name). */
export interface OutgoingReport {
  id: string;
  comment: string;
  targetUri: string;
  postUris: readonly string[];
}

/** A report another server forwarded, resolved to this server's accounts and posts. */
export interface IncomingReport {
  /** The remote account that sent it (usually that server's instance actor). */
  reporterId: string;
  targetAccountId: string;
  statusIds: string[];
  comment: string;
}

/**
 * The instance actor's key: one RSA pair (what Mastodon verifies), made on first use and kept
 * sealed in the federation key-value store; when two processes race, the first one stored wins.
 */
export class InstanceActorKeys {
  private readonly kv: KvStore;
  private readonly box: SecretBox;
  private loaded: Promise<webcrypto.CryptoKeyPair[]> | null = null;
  constructor(kv: KvStore, box: SecretBox) {
    this.kv = kv;
    this.box = box;
  }

  pairs(): Promise<webcrypto.CryptoKeyPair[]> {
    this.loaded ??= this.load().catch((error: unknown) => {
      this.loaded = null;
      throw error;
    });
    return this.loaded;
  }

  private async load(): Promise<webcrypto.CryptoKeyPair[]> {
    let sealed = await this.kv.get<string>([...KEY]);
    if (!sealed) {
      const pair = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
      const made = await this.box.seal(
        JSON.stringify({ publicKey: await exportJwk(pair.publicKey), privateKey: await exportJwk(pair.privateKey) }),
      );
      if (this.kv.cas) await this.kv.cas([...KEY], undefined, made);
      else await this.kv.set([...KEY], made);
      sealed = (await this.kv.get<string>([...KEY])) ?? made;
    }
    const jwks = JSON.parse(await this.box.open(sealed)) as Record<'publicKey' | 'privateKey', unknown>;
    return [
      {
        publicKey: await importJwk(jwks.publicKey as Parameters<typeof importJwk>[0], 'public'),
        privateKey: await importJwk(jwks.privateKey as Parameters<typeof importJwk>[0], 'private'),
      },
    ];
  }
}

/** The instance actor's document: an Application with its key and inbox, nothing about anyone. */
export async function instanceActorDocument(ctx: Context<void>, publicUrl: string, domain: string) {
  const keys = await ctx.getActorKeyPairs(INSTANCE_ACTOR);
  return new Application({
    id: ctx.getActorUri(INSTANCE_ACTOR),
    preferredUsername: INSTANCE_ACTOR,
    name: domain,
    url: new URL(publicUrl),
    manuallyApprovesFollowers: true,
    inbox: ctx.getInboxUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: keys[0]?.cryptographicKey ?? null,
    assertionMethods: keys.map((key) => key.multikey),
  });
}

/** The Flag for a forwarded report, in Mastodon's shape: the account and the posts as objects. */
export function flagOf(ctx: Context<void>, report: OutgoingReport): Flag {
  return new Flag({
    id: new URL(`${ctx.getActorUri(INSTANCE_ACTOR).href}#reports/${report.id}`),
    actor: ctx.getActorUri(INSTANCE_ACTOR),
    objects: [new URL(report.targetUri), ...report.postUris.map((uri) => new URL(uri))],
    content: report.comment,
  });
}
