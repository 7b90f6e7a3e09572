import type { AuditLog } from '../audit/index.ts';
import type { Account, Microblog, Page, PostView } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { Advertising, DEFAULT_ADS_OPTIONS, type AdsOptions, type AdsStore } from './ads/index.ts';
import { ContactPoints, consentedSource, type ContactPointStore } from './contact-points/index.ts';
import {
  ContactDiscovery,
  DEFAULT_DISCOVERY_OPTIONS,
  type DiscoveryOptions,
  type DiscoveryStore,
  type MatchInput,
  type ModerationStore,
} from './discovery/index.ts';

export * from './model.ts';
export {
  ContactPoints,
  type ContactPointView,
} from './contact-points/index.ts';
export {
  ContactDiscovery,
  type MatchInput,
} from './discovery/index.ts';
export {
  Advertising,
  type AudienceView,
  type Campaign,
} from './ads/index.ts';

interface PromotedPost {
  campaignId: string;
  view: PostView;
}

/** One page of the home timeline as shown, promoted posts placed among the viewer's own. */
export interface HomeTimelinePage {
  /** The viewer's timeline page itself; paging cursors come from these, never from promoted posts. */
  posts: PostView[];
  /** What to show, in order. */
  items: { view: PostView; promoted: boolean }[];
}

/** Promoted posts go after this many posts of the viewer's own timeline (or at its end when shorter). */
const PROMOTED_AFTER = 2;

export interface PrivacyDependencies {
  contactStore: ContactPointStore;
  discoveryStore: DiscoveryStore;
  moderationStore: ModerationStore;
  adsStore: AdsStore;
  microblog: Microblog;
  /** Staff actions (resolving reports, granting the advertiser role) are recorded here. */
  audit: AuditLog;
  clock: Clock;
  /** The instance's secret for keyed contact hashes. */
  secret: () => Promise<Buffer>;
  discovery?: Partial<DiscoveryOptions>;
  ads?: Partial<AdsOptions>;
}

/**
 * Purpose-bound personal data, contact discovery and advertising (SPEC 3.6, 3.7), as the
 * API and web UI use them.
 */
export class Privacy {
  readonly contactPoints: ContactPoints;
  readonly discovery: ContactDiscovery;
  readonly ads: Advertising;
  private readonly microblog: Microblog;

  constructor(deps: PrivacyDependencies) {
    this.microblog = deps.microblog;
    this.contactPoints = new ContactPoints(deps.contactStore, deps.clock, deps.secret);
    this.discovery = new ContactDiscovery(
      this.contactPoints,
      deps.discoveryStore,
      deps.moderationStore,
      async (ids) => new Map([...(await deps.microblog.accounts(ids)).values()].map((a) => [a.id, a.createdAt])),
      async (accountId, ids) =>
        new Set(
          (ids.length === 0 ? [] : await deps.microblog.relationships(accountId, ids))
            .filter((r) => r.following && r.followedBy)
            .map((r) => r.id),
        ),
      deps.audit,
      deps.clock,
      { ...DEFAULT_DISCOVERY_OPTIONS, ...deps.discovery },
    );
    this.ads = new Advertising(
      deps.adsStore,
      consentedSource(deps.contactStore, this.contactPoints),
      deps.audit,
      deps.clock,
      async (advertiserId, postId) => {
        try {
          const post = await deps.microblog.visiblePost(null, postId);
          return post.accountId === advertiserId && post.visibility === 'public' && post.reblogOfId === null;
        } catch (error) {
          if (error instanceof DomainError) return false;
          throw error;
        }
      },
      async (ids) => new Map([...(await deps.microblog.accounts(ids)).values()].map((a) => [a.id, a.createdAt])),
      { ...DEFAULT_ADS_OPTIONS, ...deps.ads },
    );
  }

  /** Contact matching: the discoverable accounts among the contacts, as accounts. */
  async match(accountId: string, ip: string, input: MatchInput): Promise<Account[]> {
    const ids = await this.discovery.match(accountId, ip, input);
    const accounts = await this.microblog.accounts(ids);
    return ids.map((id) => accounts.get(id)).filter((a): a is Account => a !== undefined && !a.suspended);
  }

  /**
   * The home timeline as the API and the web show it: promoted posts (labelled by each
   * interface, frequency-capped) appear on the newest page only, never when paging back.
   */
  async homeTimeline(viewerId: string, page: Page): Promise<HomeTimelinePage> {
    const posts = await this.microblog.homeTimeline(viewerId, page);
    const newest = !page.maxId && !page.minId && !page.sinceId;
    const promoted = newest ? await this.promotedFor(viewerId) : [];
    const items = posts.map((view) => ({ view, promoted: false }));
    if (promoted.length > 0)
      items.splice(
        Math.min(PROMOTED_AFTER, items.length),
        0,
        ...promoted.map((p) => ({ view: p.view, promoted: true })),
      );
    return { posts, items };
  }

  /**
   * Promoted posts to show this account now (at most `limit`), each counted against its
   * campaign's frequency cap. Empty unless the account allowed `advertising` on a contact
   * that an active campaign's audience holds.
   */
  private async promotedFor(accountId: string, limit = 1): Promise<PromotedPost[]> {
    const shown: PromotedPost[] = [];
    for (const { campaign, contactPointId } of await this.ads.candidates(accountId)) {
      if (shown.length >= limit) break;
      let view: PostView;
      try {
        // Shown in home: the reader's home filters apply to promoted posts too.
        view = await this.microblog.postView(accountId, campaign.postId, 'home');
      } catch (error) {
        if (error instanceof DomainError) continue;
        throw error;
      }
      const relationship = await this.microblog.relationship(accountId, campaign.advertiserId);
      if (relationship.blocking || relationship.blockedBy || relationship.muting) continue;
      await this.ads.shown(campaign, accountId, contactPointId);
      shown.push({ campaignId: campaign.id, view });
    }
    return shown;
  }
}
