import type { AuditLog } from '../../audit/index.ts';
import { authorize, checkedReason, type Acting } from '../../security/permissions.ts';
import type { Clock } from '../../shared/clock.ts';
import { forbidden, invalid, notFound } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { ConsentedContactSource } from '../contact-points/consented-source.ts';
import { bucketFloor, byAccount, difference, exclusions, type EligibilityRule, type Exclusion } from './eligibility.ts';
import type { AdsStore, Audience, AudienceSizing, Campaign } from './ports.ts';

export interface AdsOptions {
  /**
   * The floor: audiences with fewer eligible people cannot be used and their size is not
   * disclosed, and a campaign whose eligible reach falls under it reaches nobody (SPEC: 100, never lower).
   */
  minAudienceSize: number;
  maxFrequencyCap: number;
  /** How long a computed eligible reach may be reused when serving promoted posts. */
  reachCacheMs: number;
  /** Matched accounts younger than this do not count and are not served. */
  minAccountAgeDays: number;
  /** This many matched accounts created, or granting advertising consent, within one burst window do not count. */
  burstSize: number;
  burstWindowHours: number;
  /** This many matched accounts granting advertising consent from one network within a week do not count. */
  networkClusterSize: number;
}

export const DEFAULT_ADS_OPTIONS: AdsOptions = {
  minAudienceSize: 100,
  maxFrequencyCap: 10,
  reachCacheMs: 60_000,
  minAccountAgeDays: 30,
  burstSize: 5,
  burstWindowHours: 24,
  networkClusterSize: 3,
};

export interface AudienceView {
  audience: Audience;
  usable: boolean;
  /** The lower bound of the eligible size's bucket (100 = 100–999), fixed per upload; null when not usable. */
  size: number | null;
}

/** Where an advertiser's request came from (its network is remembered, as a keyed hash, to recognise their accounts). */
export interface AdsRequester {
  ip?: string | null;
}

/** Earlier uploads are compared with a new one for this long (differencing defence). */
const COMPARE_WITH_DAYS = 90;
/** …and at most this many of them. */
const COMPARE_WITH_AUDIENCES = 20;
const DAY_MS = 24 * 3600 * 1000;

/** Whether the advertiser may promote this post (their own, public). */
export type PromotablePost = (advertiserId: string, postId: string) => Promise<boolean>;

/** When each account was created (accounts that no longer exist are left out). */
export type AccountsCreated = (accountIds: readonly string[]) => Promise<Map<string, Date>>;

const HASH = /^[0-9a-f]{64}$/;

/**
 * Tailored audiences and promoted posts (SPEC 3.7; threat model in docs/privacy.md §3).
 * Advertisers upload SHA-256 hashes; matching goes only through the consent-filtered
 * source, so only contact points whose owner allowed `advertising` ever match, and
 * withdrawing that consent takes the person out of every campaign at once.
 *
 * Only *eligible* people count and are served: plausibly real and not linked to the
 * advertiser (see `exclusions`). What the advertiser is told (usable, a bucketed size) is
 * decided once per upload and stored, so consent changes cannot be watched through it, and
 * an upload whose eligible people differ from an earlier upload's by fewer than the floor
 * gets that earlier answer, so lists cannot be differenced down to one person. Serving
 * checks the live eligible reach against the floor: under it, a campaign reaches nobody.
 */
export class Advertising {
  private readonly reaches = new Map<string, { members: Set<string>; at: number }>();

  private readonly store: AdsStore;
  private readonly source: ConsentedContactSource;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly promotable: PromotablePost;
  private readonly accountsCreated: AccountsCreated;
  private readonly options: AdsOptions;
  private readonly rule: EligibilityRule;
  constructor(
    store: AdsStore,
    source: ConsentedContactSource,
    audit: AuditLog,
    clock: Clock,
    promotable: PromotablePost,
    accountsCreated: AccountsCreated,
    options: AdsOptions = DEFAULT_ADS_OPTIONS,
  ) {
    this.store = store;
    this.audit = audit;
    this.source = source;
    this.clock = clock;
    this.promotable = promotable;
    this.accountsCreated = accountsCreated;
    this.options = options;
    this.rule = {
      minAccountAgeMs: options.minAccountAgeDays * DAY_MS,
      burstSize: options.burstSize,
      burstWindowMs: options.burstWindowHours * 3600 * 1000,
      networkClusterSize: options.networkClusterSize,
    };
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

  async createAudience(
    advertiserId: string,
    name: string,
    hashes: readonly unknown[],
    from: AdsRequester = {},
  ): Promise<AudienceView> {
    await this.requireAdvertiser(advertiserId);
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200) throw invalid('name must be 1 to 200 characters', { field: 'name' });
    const clean = Advertising.checkHashes(hashes);
    await this.recordNetwork(advertiserId, from);
    const earlier = await this.earlierUploads(advertiserId, null);
    const now = this.clock.now();
    const audience: Audience = {
      id: newId(now.getTime()),
      advertiserId,
      name: trimmed,
      hashCount: clean.length,
      createdAt: now,
      sizing: null,
    };
    await this.store.createAudience(audience, clean);
    await this.source.recordAudienceMatches(audience.id);
    return this.size(audience, earlier);
  }

  async addToAudience(
    advertiserId: string,
    audienceId: string,
    hashes: readonly unknown[],
    from: AdsRequester = {},
  ): Promise<AudienceView> {
    const audience = await this.ownAudience(advertiserId, audienceId);
    const clean = Advertising.checkHashes(hashes);
    await this.recordNetwork(advertiserId, from);
    // The audience as it was counts as an earlier upload: adding a handful of hashes gets its answer back.
    const earlier = await this.earlierUploads(advertiserId, audience);
    audience.hashCount = await this.store.addHashes(audience.id, clean);
    await this.source.recordAudienceMatches(audience.id);
    return this.size(audience, earlier);
  }

  async audience(advertiserId: string, audienceId: string): Promise<AudienceView> {
    return this.view(await this.ownAudience(advertiserId, audienceId));
  }

  async audiences(advertiserId: string): Promise<AudienceView[]> {
    await this.requireAdvertiser(advertiserId);
    const list = await this.store.audiences(advertiserId);
    const views: AudienceView[] = [];
    for (const audience of list) views.push(await this.view(audience));
    return views;
  }

  private async ownAudience(advertiserId: string, audienceId: string): Promise<Audience> {
    await this.requireAdvertiser(advertiserId);
    const audience = await this.store.audience(audienceId);
    if (!audience || audience.advertiserId !== advertiserId) throw notFound();
    return audience;
  }

  private async recordNetwork(advertiserId: string, from: AdsRequester): Promise<void> {
    const key = from.ip ? await this.source.networkKey(from.ip) : null;
    if (key !== null) await this.store.recordAdvertiserNetwork(advertiserId, key, this.clock.now());
  }

  /**
   * The accounts that count towards an audience and may be shown its campaigns now: matched
   * through advertising-consented contacts, plausibly real, not linked to the advertiser.
   */
  async eligible(advertiserId: string, audienceId: string): Promise<Set<string>> {
    return new Set((await this.eligibility(advertiserId, audienceId)).eligible);
  }

  /** Eligible accounts and, for each matched account left out, why (tests and docs; never shown to advertisers). */
  async eligibility(
    advertiserId: string,
    audienceId: string,
  ): Promise<{ eligible: string[]; excluded: Map<string, Exclusion> }> {
    const matches = await this.source.audienceMatches(audienceId);
    if (matches.length === 0) return { eligible: [], excluded: new Map() };
    const ids = [...new Set(matches.map((m) => m.accountId))];
    const accounts = byAccount(matches, await this.accountsCreated(ids));
    const [stored, own, interactions] = await Promise.all([
      this.store.advertiserNetworks(advertiserId),
      this.source.advertisingGrantNetworks(advertiserId),
      this.store.interactionShares(advertiserId, ids),
    ]);
    const excluded = exclusions(
      advertiserId,
      accounts,
      { now: this.clock.now(), advertiserNetworks: new Set([...stored, ...own]), interactions },
      this.rule,
    );
    return { eligible: accounts.map((a) => a.accountId).filter((id) => !excluded.has(id)), excluded };
  }

  /** The advertiser's recent uploads with their fixed answers and their eligible people as of now. */
  private async earlierUploads(
    advertiserId: string,
    itself: Audience | null,
  ): Promise<{ sizing: AudienceSizing; eligible: Set<string> }[]> {
    const since = this.clock.now().getTime() - COMPARE_WITH_DAYS * DAY_MS;
    const recent = (await this.store.audiences(advertiserId))
      .filter((a) => a.id !== itself?.id && a.sizing !== null && a.sizing.at.getTime() >= since)
      .slice(0, COMPARE_WITH_AUDIENCES);
    if (itself?.sizing) recent.unshift(itself);
    const out: { sizing: AudienceSizing; eligible: Set<string> }[] = [];
    for (const a of recent) out.push({ sizing: a.sizing!, eligible: await this.eligible(advertiserId, a.id) });
    return out;
  }

  /**
   * Fixes the answer for this upload. A fresh answer only when its eligible people differ from
   * every earlier upload's by at least the floor; otherwise the nearest earlier answer stands.
   */
  private async size(
    audience: Audience,
    earlier: readonly { sizing: AudienceSizing; eligible: Set<string> }[],
  ): Promise<AudienceView> {
    const floor = this.options.minAudienceSize;
    const eligible = await this.eligible(audience.advertiserId, audience.id);
    let nearest: { sizing: AudienceSizing; distance: number } | null = null;
    for (const e of earlier) {
      const distance = difference(eligible, e.eligible);
      if (distance < floor && (nearest === null || distance < nearest.distance))
        nearest = { sizing: e.sizing, distance };
    }
    const usable = nearest ? nearest.sizing.usable : eligible.size >= floor;
    const sizing: AudienceSizing = {
      usable,
      sizeFloor: nearest ? nearest.sizing.sizeFloor : usable ? bucketFloor(eligible.size, floor) : null,
      at: this.clock.now(),
    };
    await this.store.setSizing(audience.id, sizing);
    audience.sizing = sizing;
    return this.view(audience);
  }

  private async view(audience: Audience): Promise<AudienceView> {
    // Audiences uploaded before answers were fixed are sized once, now.
    if (!audience.sizing) return this.size(audience, []);
    return {
      audience,
      usable: audience.sizing.usable,
      size: audience.sizing.usable ? audience.sizing.sizeFloor : null,
    };
  }

  /** Eligible reach for serving, reused for a short while (the viewer's own consent is always checked live). */
  private async reach(advertiserId: string, audienceId: string): Promise<Set<string>> {
    const now = this.clock.now().getTime();
    const cached = this.reaches.get(audienceId);
    if (cached && now - cached.at < this.options.reachCacheMs) return cached.members;
    const members = await this.eligible(advertiserId, audienceId);
    this.reaches.set(audienceId, { members, at: now });
    return members;
  }

  async createCampaign(
    advertiserId: string,
    input: { audienceId: string; postId: string; frequencyCap?: number },
    from: AdsRequester = {},
  ): Promise<Campaign> {
    const audience = await this.ownAudience(advertiserId, input.audienceId);
    await this.recordNetwork(advertiserId, from);
    const cap = input.frequencyCap ?? 1;
    if (!Number.isInteger(cap) || cap < 1 || cap > this.options.maxFrequencyCap) {
      throw invalid(`frequency_cap must be a whole number from 1 to ${this.options.maxFrequencyCap}`, {
        field: 'frequency_cap',
      });
    }
    // The answer fixed at upload decides, never a live count (which would show consent changes).
    if (!(await this.view(audience)).usable) {
      throw invalid(`This audience cannot be used (fewer than ${this.options.minAudienceSize} eligible people)`, {
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
   * Campaigns that may be shown to this account now: it holds an advertising-consented
   * contact the audience matches (checked live), it is among the audience's eligible people,
   * the eligible reach is at least the floor (else the campaign reaches nobody), and today's
   * frequency cap is not reached. Nothing is recorded.
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
      const reach = await this.reach(campaign.advertiserId, campaign.audienceId);
      if (reach.size < this.options.minAudienceSize || !reach.has(accountId)) continue;
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
