export {
  openDatabase,
  migrateToLatest,
  DatabaseHealthProbe,
  type StoreConnection,
  type OpenOptions,
} from './database.ts';
export { KyselyMicroblogStore } from './microblog-store.ts';
export { KyselyPostExtrasStore } from './post-extras-store.ts';
export { KyselyTagStore } from './tag-store.ts';
export { KyselySearchStore } from './search-store.ts';
export { EntityCache } from './entity-cache.ts';
export type { GroupCommit } from './group-commit.ts';
export { KyselyCredentialStore, KyselyOAuthStore, KyselyRegistrationStore } from './security-store.ts';
export { KyselySmsStore, KyselyCodeStore, instanceSecret } from './sms-store.ts';
export { KyselyAuthStore, KyselyEventCounter } from './auth-store.ts';
export { KyselyAuditStore } from './audit-store.ts';
export { KyselyNoticeStore } from './notice-store.ts';
export { KyselyFederationKv } from './federation-kv.ts';
export { KyselyFederationQueue } from './federation-queue.ts';
export { KyselyDeliveryStateStore } from './federation-operations-store.ts';
export { KyselyDomainBlockStore, KyselyFederationStore } from './federation-store.ts';
export {
  KyselyAdsStore,
  KyselyContactPointStore,
  KyselyDiscoveryStore,
  KyselyModerationStore,
} from './privacy-store.ts';
export { KyselyConversationStore, KyselyFilterStore, KyselyListStore, KyselyMarkerStore } from './reading-store.ts';
export { KyselyLanguageStore } from './language-store.ts';
export { KyselyMediaStore } from './media-store.ts';
export { KyselySafetyStore } from './safety-store.ts';
export { KyselyPushStore } from './push-store.ts';
