export interface Audience {
  id: string;
  advertiserId: string;
  name: string;
  /** How many hashes were uploaded (not how many matched). */
  hashCount: number;
  createdAt: Date;
  /** The answer fixed when the list was (last) uploaded; null until sized (audiences from before sizing was fixed). */
  sizing: AudienceSizing | null;
}

/** What the advertiser is told about an audience, decided once per upload (docs/privacy.md §3). */
export interface AudienceSizing {
  usable: boolean;
  /** The lower bound of the size bucket (100, 1 000, 10 000, …); null when not usable. */
  sizeFloor: number | null;
  at: Date;
}

export interface Campaign {
  id: string;
  advertiserId: string;
  audienceId: string;
  postId: string;
  /** Times one user may be shown the promoted post per UTC day. */
  frequencyCap: number;
  status: 'active' | 'stopped';
  createdAt: Date;
  stoppedAt: Date | null;
}

/** How much of an account's activity (follows, favourites, replies, boosts) goes to one advertiser. */
export interface InteractionShare {
  total: number;
  withAdvertiser: number;
}

/** Advertising's own storage: advertisers, uploaded hashes, campaigns and impressions. No contact data. */
export interface AdsStore {
  isAdvertiser(accountId: string): Promise<boolean>;
  setAdvertiser(accountId: string, on: boolean, by: string, at: Date): Promise<void>;
  createAudience(audience: Audience, hashes: readonly string[]): Promise<void>;
  /** Adds hashes (duplicates ignored); returns the new hash count. */
  addHashes(audienceId: string, hashes: readonly string[]): Promise<number>;
  /** Fixes the answer given for an audience until its next upload. */
  setSizing(audienceId: string, sizing: AudienceSizing): Promise<void>;
  audience(id: string): Promise<Audience | null>;
  /** The advertiser's audiences, newest first (at most 200). */
  audiences(advertiserId: string): Promise<Audience[]>;
  /** Remembers a network (keyed hash) the advertiser worked from. */
  recordAdvertiserNetwork(advertiserId: string, networkKey: string, at: Date): Promise<void>;
  advertiserNetworks(advertiserId: string): Promise<string[]>;
  /** Each account's interactions overall and with the advertiser (accounts without any are left out). */
  interactionShares(advertiserId: string, accountIds: readonly string[]): Promise<Map<string, InteractionShare>>;
  createCampaign(campaign: Campaign): Promise<void>;
  campaign(id: string): Promise<Campaign | null>;
  campaigns(advertiserId: string): Promise<Campaign[]>;
  stopCampaign(id: string, at: Date): Promise<void>;
  /** Active campaigns whose audience holds one of these hashes, newest first, with the hash that matched. */
  activeCampaignsMatching(hashes: readonly string[]): Promise<{ campaign: Campaign; hash: string }[]>;
  impressions(campaignId: string, accountId: string, day: string): Promise<number>;
  recordImpression(campaignId: string, accountId: string, day: string, at: Date): Promise<void>;
}
