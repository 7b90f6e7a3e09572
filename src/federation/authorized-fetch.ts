import type { KvStore, RequestContext } from '@fedify/fedify';
import type { DomainBlocks } from './domain-blocks.ts';
import { claimedSenderDomain } from './inbox-limits.ts';
import type { StoredKeyPair } from './ports.ts';

/**
 * The instance actor's identifier (`/users/sparrow.instance`): a dot is never in a username,
 * so no account can take it. Sparrow signs its own fetches with this actor's key, and serves
 * it to anyone, signed or not, so a server checking a signature can always get the key.
 */
export const INSTANCE_ACTOR = 'sparrow.instance';

const INSTANCE_KEYS = ['sparrow', 'instance-actor-keys'] as const;

/** The instance actor's key pairs, kept in the federation key-value store (it has no account row). */
export class InstanceKeyStore {
  private readonly kv: KvStore;
  constructor(kv: KvStore) {
    this.kv = kv;
  }

  async keyPairs(): Promise<StoredKeyPair[]> {
    return (await this.kv.get<StoredKeyPair[]>(INSTANCE_KEYS)) ?? [];
  }

  /** Keeps the first pairs stored (two processes generating at once agree on one set). */
  async addKeyPairs(pairs: readonly StoredKeyPair[]): Promise<void> {
    if (pairs.length === 0) return;
    const current = await this.keyPairs();
    const merged = [...current, ...pairs.filter((pair) => !current.some((c) => c.algorithm === pair.algorithm))];
    if (this.kv.cas) await this.kv.cas(INSTANCE_KEYS, current.length === 0 ? undefined : current, merged);
    else if (current.length === 0) await this.kv.set(INSTANCE_KEYS, merged);
  }
}

/**
 * Who may fetch actors, posts and collections. A fetch signed by a suspended server is
 * refused (Fedify answers 401) whatever the setting; with authorized fetch on, posts and
 * collections need a valid signature, and actors answered without one show only what
 * checking a signature needs (`minimal`).
 */
export class FetchAuthorizer {
  readonly required: boolean;
  private readonly domainBlocks: DomainBlocks;
  constructor(required: boolean, domainBlocks: DomainBlocks) {
    this.required = required;
    this.domainBlocks = domainBlocks;
  }

  /** The predicate for posts and collections. */
  readonly signedFetch = async (ctx: RequestContext<void>): Promise<boolean> => {
    const key = await this.signedKey(ctx);
    if (key === 'blocked') return false;
    return key !== null || !this.required;
  };

  /** The predicate for actors: only suspended servers are refused. */
  readonly actorFetch = async (ctx: RequestContext<void>, identifier: string): Promise<boolean> => {
    if (identifier === INSTANCE_ACTOR) return true;
    return (await this.signedKey(ctx)) !== 'blocked';
  };

  /** Whether an actor answered to this request shows only its keys and inbox. */
  async minimal(ctx: RequestContext<void>): Promise<boolean> {
    return this.required && (await this.signedKey(ctx)) === null;
  }

  private async signedKey(ctx: RequestContext<void>): Promise<'signed' | 'blocked' | null> {
    // Without a signature header there is nothing to verify (and nothing to fetch).
    if (!ctx.request.headers.has('signature') && !ctx.request.headers.has('signature-input')) return null;
    if (!this.required) {
      // Everything served is public then: the claimed server is enough to refuse a suspended
      // one, without fetching its key back for every GET (claiming one only gets a refusal).
      const host = claimedSenderDomain(ctx.request.headers, undefined);
      return host && (await this.domainBlocks.isSuspended(host)) ? 'blocked' : null;
    }
    const key = await ctx.getSignedKey().catch(() => null);
    if (!key?.id) return null;
    return (await this.domainBlocks.isSuspended(key.id.host)) ? 'blocked' : 'signed';
  }
}
