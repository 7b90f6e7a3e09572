export {
  Advertising,
  DEFAULT_ADS_OPTIONS,
  type AccountsCreated,
  type AdsOptions,
  type AdsRequester,
  type AudienceView,
  type PromotablePost,
} from './service.ts';
export type { Exclusion } from './eligibility.ts';
export type { AdsStore, Audience, AudienceSizing, Campaign, InteractionShare } from './ports.ts';
