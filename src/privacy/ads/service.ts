import type { AuditLog } from '../../audit/index.ts';
import { authorize, checkedReason, type Acting } from '../../security/permissions.ts';
import type { Clock } from '../../shared/clock.ts';
import { forbidden, invalid, notFound } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { ConsentedContactSource } from '../contact-points/consented-source.ts';
import type { AdsStore, Audience, Campaign } from './ports.ts';

export interface AdsOptions {
  /** Audiences with fewer matches cannot be used and their size is not disclosed (SPEC: 100, never lower). */
  minAudienceSize: number;
  maxFrequencyCap: number;
  /** How long a computed audience size may be reused when serving promoted posts. */
  sizeCacheMs: number;
}

export const DEFAULT_ADS_OPTIONS: AdsOptions = { minAudienceSize: 100, maxFrequencyCap: 10, sizeCacheMs: 60_000 };

export interface AudienceView {
  audience: Audience;
  usable: boolean;
  /** Matching accounts, or null while under the minimum (never disclosed then). */
  size: number | null;
}

/** Whether the advertiser may promote this post (their own, public). */
export type PromotablePost = (advertiserId: string, postId: string) => Promise<boolean>;

const HASH = /^[0-9a-f]{64}$/;

/**
 * Tailored audiences and promoted posts (SPEC 3.7). Advertisers upload SHA-256 hashes;
 * matching goes only through the consent-filtered source, so only contact points whose
 * owner allowed `advertising` ever match, and withdrawing that consent takes effect at the
 * next read (membership is evaluated at read time, never copied).
 */
export class Advertising {
  private readonly sizes = new Map<string, { size: number; at: number }>();

  private readonly store: AdsStore;
  private readonly source: ConsentedContactSource;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly promotable: PromotablePost;
  private readonly options: AdsOptions;
  constructor(
    store: AdsStore,
    source: ConsentedContactSource,
    audit: AuditLog,
    clock: Clock,
    promotable: PromotablePost,
    options: AdsOptions = DEFAULT_ADS_OPTIONS,
  ) {
    this.store = store;
    this.audit = audit;
    this.source = source;
    this.clock = clock;
    this.promotable = promotable;
    this.options = options;
  }

  async isAdvertiser(accountId: string): Promise<boolean> {
    return this.store.isAdvertiser(accountId);
  }

  /** Administrators grant or revoke the advertiser role (SPEC §2), with a reason for the audit log. */
  async setAdvertiser(accountId: string, on: boolean, acting: Acting): Promise<void> {
    authorize(acting.actor, 'advertisers.manage');
    const reason = checkedReason(acting.reason);
    const by = acting.actor.kind === 'account' ? acting.actor.account.id : `cli:${acting.actor.name}`;
    await this.store.setAdvertiser(accountId, on, by, this.clock.now());
    await this.audit.record(acting.actor, reason, on ? 'advertiser.grant' : 'advertiser.revoke', accountId);
  }

  private async requireAdvertiser(accountId: string): Promise<void> {
    if (!(await this.store.isAdvertiser(accountId))) throw forbidden('This account is not an advertiser');
  }

  static checkHashes(hashes: readonly unknown[]): string[] {
    return [
      ...new Set(
        hashes.map((hash, index) => {
          const value = typeof hash === 'string' ? hash.trim().toLowerCase() : '';
          if (!HASH.test(value)) throw invalid(`hashes[${index}] is not a SHA-256 hex digest`, { field: 'hashes' });
          return value;
        }),
      ),
    ];
  }

  async createAudience(advertiserId: string, name: string, hashes: readonly unknown[]): Promise<AudienceView> {
    await this.requireAdvertiser(advertiserId);
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200) throw invalid('name must be 1 to 200 characters', { field: 'name' });
    const clean = Advertising.checkHashes(hashes);
    const now = this.clock.now();
    const audience: Audience = {
      id: newId(now.getTime()),
      advertiserId,
      name: trimmed,
      hashCount: clean.length,
      createdAt: now,
    };
    await this.store.createAudience(audience, clean);
    await this.source.recordAudienceMatches(audience.id);
    return this.view(audience, true);
  }

  async addToAudience(advertiserId: string, audienceId: string, hashes: readonly unknown[]): Promise<AudienceView> {
    const audience = await this.ownAudience(advertiserId, audienceId);
    const clean = Advertising.checkHashes(hashes);
    audience.hashCount = await this.store.addHashes(audience.id, clean);
    await this.source.recordAudienceMatches(audience.id);
    return this.view(audience, true);
  }

  async audience(advertiserId: string, audienceId: string): Promise<AudienceView> {
    return this.view(await this.ownAudience(advertiserId, audienceId), true);
  }

  async audiences(advertiserId: string): Promise<AudienceView[]> {
    await this.requireAdvertiser(advertiserId);
    const list = await this.store.audiences(advertiserId);
    return Promise.all(list.map((a) => this.view(a, true)));
  }

  private async ownAudience(advertiserId: string, audienceId: string): Promise<Audience> {
    await this.requireAdvertiser(advertiserId);
    const audience = await this.store.audience(audienceId);
    if (!audience || audience.advertiserId !== advertiserId) throw notFound();
    return audience;
  }

  private async size(audienceId: string, fresh: boolean): Promise<number> {
    const cached = this.sizes.get(audienceId);
    const now = Date.now();
    if (!fresh && cached && now - cached.at < this.options.sizeCacheMs) return cached.size;
    const size = await this.source.audienceSize(audienceId);
    this.sizes.set(audienceId, { size, at: now });
    return size;
  }

  private async view(audience: Audience, fresh: boolean): Promise<AudienceView> {
    const size = await this.size(audience.id, fresh);
    const usable = size >= this.options.minAudienceSize;
    return { audience, usable, size: usable ? size : null };
  }

  async createCampaign(
    advertiserId: string,
    input: { audienceId: string; postId: string; frequencyCap?: number },
  ): Promise<Campaign> {
    const audience = await this.ownAudience(advertiserId, input.audienceId);
    const cap = input.frequencyCap ?? 1;
    if (!Number.isInteger(cap) || cap < 1 || cap > this.options.maxFrequencyCap) {
      throw invalid(`frequency_cap must be a whole number from 1 to ${this.options.maxFrequencyCap}`, {
        field: 'frequency_cap',
      });
    }
    if (!(await this.view(audience, true)).usable) {
      throw invalid(`This audience cannot be used (fewer than ${this.options.minAudienceSize} matches)`, {
        field: 'audience_id',
      });
    }
    if (!(await this.promotable(advertiserId, input.postId)))
      throw invalid('Only your own public posts can be promoted', { field: 'status_id' });
    const now = this.clock.now();
    const campaign: Campaign = {
      id: newId(now.getTime()),
      advertiserId,
      audienceId: audience.id,
      postId: input.postId,
      frequencyCap: cap,
      status: 'active',
      createdAt: now,
      stoppedAt: null,
    };
    await this.store.createCampaign(campaign);
    return campaign;
  }

  async campaigns(advertiserId: string): Promise<Campaign[]> {
    await this.requireAdvertiser(advertiserId);
    return this.store.campaigns(advertiserId);
  }

  async stopCampaign(advertiserId: string, campaignId: string): Promise<Campaign> {
    await this.requireAdvertiser(advertiserId);
    const campaign = await this.store.campaign(campaignId);
    if (!campaign || campaign.advertiserId !== advertiserId) throw notFound();
    if (campaign.status === 'active') await this.store.stopCampaign(campaign.id, this.clock.now());
    return (await this.store.campaign(campaignId))!;
  }

  /**
   * Campaigns that may be shown to this account now: its audience membership is
   * evaluated from advertising-consented contacts at this moment, the audience is still
   * large enough, and today's frequency cap is not reached. Nothing is recorded.
   */
  async candidates(accountId: string): Promise<{ campaign: Campaign; contactPointId: string }[]> {
    const hashes = await this.source.advertisingHashesOf(accountId);
    if (hashes.length === 0) return [];
    const pointOf = new Map(hashes.map((h) => [h.hash, h.contactPointId]));
    const matches = await this.store.activeCampaignsMatching([...pointOf.keys()]);
    const day = this.day();
    const result: { campaign: Campaign; contactPointId: string }[] = [];
    const seen = new Set<string>();
    for (const { campaign, hash } of matches) {
      if (seen.has(campaign.id) || campaign.advertiserId === accountId) continue;
      seen.add(campaign.id);
      if ((await this.size(campaign.audienceId, false)) < this.options.minAudienceSize) continue;
      if ((await this.store.impressions(campaign.id, accountId, day)) >= campaign.frequencyCap) continue;
      result.push({ campaign, contactPointId: pointOf.get(hash)! });
    }
    return result;
  }

  /** Counts one showing against the frequency cap and logs it on the contact point that matched. */
  async shown(campaign: Campaign, accountId: string, contactPointId: string): Promise<void> {
    await this.store.recordImpression(campaign.id, accountId, this.day(), this.clock.now());
    await this.source.recordPromotedShown(contactPointId, campaign.id);
  }

  private day(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }
}
