export interface Audience {
  id: string;
  advertiserId: string;
  name: string;
  /** How many hashes were uploaded (not how many matched). */
  hashCount: number;
  createdAt: Date;
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

/** Advertising's own storage: advertisers, uploaded hashes, campaigns and impressions. No contact data. */
export interface AdsStore {
  isAdvertiser(accountId: string): Promise<boolean>;
  setAdvertiser(accountId: string, on: boolean, by: string, at: Date): Promise<void>;
  createAudience(audience: Audience, hashes: readonly string[]): Promise<void>;
  /** Adds hashes (duplicates ignored); returns the new hash count. */
  addHashes(audienceId: string, hashes: readonly string[]): Promise<number>;
  audience(id: string): Promise<Audience | null>;
  audiences(advertiserId: string): Promise<Audience[]>;
  createCampaign(campaign: Campaign): Promise<void>;
  campaign(id: string): Promise<Campaign | null>;
  campaigns(advertiserId: string): Promise<Campaign[]>;
  stopCampaign(id: string, at: Date): Promise<void>;
  /** Active campaigns whose audience holds one of these hashes, newest first, with the hash that matched. */
  activeCampaignsMatching(hashes: readonly string[]): Promise<{ campaign: Campaign; hash: string }[]>;
  impressions(campaignId: string, accountId: string, day: string): Promise<number>;
  recordImpression(campaignId: string, accountId: string, day: string, at: Date): Promise<void>;
}
