export {
  Advertising,
  DEFAULT_ADS_OPTIONS,
  type AdsOptions,
  type AudienceView,
  type PromotablePost,
} from './service.ts';
export type { AdsStore, Audience, Campaign } from './ports.ts';
