import type { ConsentRecord, ContactKind, ContactPoint, ContactUse, Purpose } from '../model.ts';

/**
 * Contact-point storage. Only `src/privacy/contact-points/` may use this port (a
 * dependency-cruiser rule enforces it): every other module reads contact data through a
 * purpose-bound view (`ConsentedContactSource` for advertising, `ContactPoints` methods
 * for discovery and transparency).
 */

/** A phone or e-mail as the security side holds it (credentials, bound SMS phone). */
export interface SourceContact {
  kind: ContactKind;
  value: string;
  verifiedAt: Date | null;
}

export type NewContactPoint = Omit<ContactPoint, 'purposes'>;

/** Derived values that exist only while a purpose is on (cleared in the same transaction as the revocation). */
export interface PurposeKeys {
  /** Keyed HMAC of the contact, set only while `discovery` is on. */
  discoveryKey?: string | null;
  /** SHA-256 hex of the normalised contact, set only while `advertising` is on. */
  adHash?: string | null;
  /** Keyed hash of the network the purpose is being granted from (kept with the grant, gone with it). */
  grantNetwork?: string | null;
}

/** An advertising-consented contact point that an audience's hashes match, with its consent's when and where. */
export interface AudienceMatch {
  contactPointId: string;
  accountId: string;
  /** When `advertising` was (last) switched on. */
  consentedAt: Date;
  /** Keyed hash of the network it was switched on from; null when not known. */
  grantNetwork: string | null;
}

export interface ContactPointStore {
  /** The phones and e-mails the account holds today (credentials and verified SMS phone). */
  sourceContacts(accountId: string): Promise<SourceContact[]>;
  contactPoints(accountId: string): Promise<ContactPoint[]>;
  contactPoint(accountId: string, id: string): Promise<ContactPoint | null>;
  contactPointById(id: string): Promise<ContactPoint | null>;
  /** Inserts the contact point with its implied purposes; drops a stale copy held by another account. */
  createContactPoint(point: NewContactPoint, implied: readonly Purpose[], consentIds: readonly string[]): Promise<void>;
  setVerified(id: string, verifiedAt: Date | null): Promise<void>;
  /** Removes a contact point the account no longer holds (its consent and use history stay). */
  deleteContactPoint(id: string): Promise<void>;
  /** Switches one purpose and appends the consent record, atomically. */
  setPurpose(
    point: ContactPoint,
    purpose: Purpose,
    on: boolean,
    keys: PurposeKeys,
    record: ConsentRecord,
  ): Promise<void>;
  consents(contactPointId: string, limit: number): Promise<ConsentRecord[]>;
  recordUses(uses: readonly ContactUse[]): Promise<void>;
  uses(contactPointId: string, limit: number): Promise<ContactUse[]>;
  /** Number of uses per contact point and kind for one account. */
  useCounts(accountId: string): Promise<Map<string, Record<string, number>>>;
  /** Contact point ids of an account's current contacts with the given kind and value. */
  findByValue(accountId: string, kind: ContactKind, value: string): Promise<ContactPoint | null>;

  // ── Purpose-bound reads: each filters on its purpose's key, set only while consented ──

  /** Discoverable contact points among the given discovery keys, still held by their account. */
  discoverable(keys: readonly string[]): Promise<{ contactPointId: string; accountId: string; key: string }[]>;
  /** The advertising-consented contact points matching an audience's uploaded hashes, with their consent. */
  audienceMatches(audienceId: string): Promise<AudienceMatch[]>;
  /** The networks one account switched `advertising` on from, for its contacts where it is still on. */
  advertisingGrantNetworks(accountId: string): Promise<string[]>;
  /** The advertising-consented contact points matching an audience (for the owners' use logs). */
  audienceMembers(audienceId: string): Promise<{ contactPointId: string; accountId: string }[]>;
  /** One account's advertising-consented contact points and their SHA-256 hashes. */
  advertisingHashesOf(accountId: string): Promise<{ contactPointId: string; hash: string }[]>;
}
