import type { JsonWebKey } from 'node:crypto';

/** A key pair of a local account: the public key as a JSON Web Key, the private one sealed with the instance secret. */
export interface StoredKeyPair {
  algorithm: 'rsa' | 'ed25519';
  publicJwk: JsonWebKey;
  privateSealed: string;
}

/** Where to deliver to an account of another server. */
export interface RemoteEndpoints {
  inbox: string;
  sharedInbox: string | null;
  followersUrl: string | null;
}

/** A follower on another server of a local account, ready to deliver to. */
export interface RemoteFollower {
  accountId: string;
  uri: string;
  inbox: string;
  sharedInbox: string | null;
}

/** Federation's own storage: signing keys of local accounts and delivery endpoints of remote ones. */
export interface FederationStore {
  keyPairs(accountId: string): Promise<StoredKeyPair[]>;
  /** Keeps the first pair stored for each algorithm (two processes generating at once agree on one). */
  addKeyPairs(accountId: string, pairs: readonly StoredKeyPair[], now: Date): Promise<void>;
  /** Replaces an account's key pairs at once (key rotation). */
  replaceKeyPairs(accountId: string, pairs: readonly StoredKeyPair[], now: Date): Promise<void>;
  /** Local accounts that have signing keys (made on first federation use). */
  keyedAccounts(): Promise<string[]>;
  saveEndpoints(accountId: string, endpoints: RemoteEndpoints, now: Date): Promise<void>;
  endpoints(accountIds: readonly string[]): Promise<Map<string, RemoteEndpoints>>;
  /** When a remote account's actor document was last read (null: never). */
  endpointsFetchedAt(accountId: string): Promise<Date | null>;
  /** Followers of `accountId` on other servers, paged by follow id. */
  remoteFollowers(
    accountId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ items: RemoteFollower[]; next: string | null }>;
  /** Followers of an account (remote ones by ActivityPub id, local ones by username), paged by follow id. */
  followers(
    accountId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ items: { uri: string | null; username: string }[]; next: string | null }>;
}

/**
 * `suspend`: nothing comes in or goes out, its accounts are suspended here; `limit`: only what
 * local accounts follow gets in; `noop`: nothing but what `rejectMedia` says (Mastodon's names).
 */
export type DomainBlockSeverity = 'suspend' | 'limit' | 'noop';

export interface DomainBlock {
  id: string;
  domain: string;
  severity: DomainBlockSeverity;
  /** The media proxy never fetches this server's media, and its cached copies are deleted. */
  rejectMedia: boolean;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

export interface DomainBlockStore {
  saveDomainBlock(block: DomainBlock): Promise<DomainBlock>;
  removeDomainBlock(domain: string): Promise<DomainBlock | null>;
  domainBlocks(): Promise<DomainBlock[]>;
  /** Suspends (or lifts the suspension of) every account of a domain; returns how many changed. */
  setDomainSuspended(domain: string, at: Date | null): Promise<number>;
}
