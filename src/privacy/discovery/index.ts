export {
  ContactDiscovery,
  DEFAULT_DISCOVERY_OPTIONS,
  type DiscoveryOptions,
  type MatchInput,
} from './service.ts';
export type { DiscoveryStore, ModerationStore, LookupActivity, LookupRecord, LookupScope } from './ports.ts';
