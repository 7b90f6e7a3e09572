import { networkOf } from '../../shared/network.ts';
import type { AudienceMatch, ContactPointStore } from './ports.ts';

export type { AudienceMatch };
import type { ContactPoints } from './service.ts';

/**
 * The consent-filtered source of contact data for advertising (SPEC 3.7). It is the only
 * way the advertising module reaches contact data (a dependency-cruiser rule fails the
 * build otherwise), and everything it offers is bound to the `advertising` purpose: the
 * hashes it matches on exist only while that consent is on, so withdrawing consent takes
 * a contact out of every audience at once. Raw phone numbers and e-mails never leave it.
 */
export interface ConsentedContactSource {
  /** The advertising-consented contacts matching the audience's hashes now, with when and where each consented. */
  audienceMatches(audienceId: string): Promise<AudienceMatch[]>;
  /** The networks (keyed hashes) an account granted advertising consent from. */
  advertisingGrantNetworks(accountId: string): Promise<string[]>;
  /** The keyed hash of an address's network, comparable with consents' networks; null for a non-address. */
  networkKey(ip: string): Promise<string | null>;
  /** The SHA-256 hashes of one account's advertising-consented contacts (none without consent). */
  advertisingHashesOf(accountId: string): Promise<{ contactPointId: string; hash: string }[]>;
  /** Logs an audience match on each matching contact point (owners see it); returns how many. */
  recordAudienceMatches(audienceId: string): Promise<number>;
  /** Logs that a promoted post was shown because of this contact point. */
  recordPromotedShown(contactPointId: string, campaignId: string): Promise<void>;
}

export function consentedSource(store: ContactPointStore, points: ContactPoints): ConsentedContactSource {
  return {
    audienceMatches: (audienceId) => store.audienceMatches(audienceId),
    advertisingGrantNetworks: (accountId) => store.advertisingGrantNetworks(accountId),
    async networkKey(ip) {
      const network = networkOf(ip);
      return network === null ? null : points.keyOf('network', network);
    },
    advertisingHashesOf: (accountId) => store.advertisingHashesOf(accountId),
    async recordAudienceMatches(audienceId) {
      const members = await store.audienceMembers(audienceId);
      await points.recordUses(members, 'advertising', 'audience_match', `audience:${audienceId}`);
      return members.length;
    },
    recordPromotedShown: (contactPointId, campaignId) =>
      points.recordUse(contactPointId, 'advertising', 'promoted_post_shown', `campaign:${campaignId}`),
  };
}
