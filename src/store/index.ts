export {
  openDatabase,
  migrateToLatest,
  DatabaseHealthProbe,
  type StoreConnection,
  type OpenOptions,
} from './database.ts';
export { KyselyMicroblogStore } from './microblog-store.ts';
export { EntityCache } from './entity-cache.ts';
export { KyselyCredentialStore, KyselyOAuthStore, KyselyRegistrationStore } from './security-store.ts';
export { KyselySmsStore, KyselyCodeStore, instanceSecret } from './sms-store.ts';
export { KyselyAuthStore, KyselyEventCounter } from './auth-store.ts';
export { KyselyAuditStore } from './audit-store.ts';
export { KyselyNoticeStore } from './notice-store.ts';
export {
  KyselyAdsStore,
  KyselyContactPointStore,
  KyselyDiscoveryStore,
  KyselyModerationStore,
} from './privacy-store.ts';
