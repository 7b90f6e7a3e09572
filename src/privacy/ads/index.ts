export {
  Advertising,
  DEFAULT_ADS_OPTIONS,
  type AdsOptions,
  type AudienceView,
} from './service.ts';
export type { AdsStore, Audience, AudienceSizing, Campaign, InteractionShare } from './ports.ts';
