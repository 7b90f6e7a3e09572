import type { Migration, MigrationProvider } from 'kysely/migration';
import * as core from './0001_core.ts';
import * as sms from './0002_sms.ts';
import * as trust from './0003_trust.ts';
import * as auth from './0004_auth.ts';
import * as privacy from './0005_privacy.ts';
import * as followRequests from './0006_follow_requests.ts';
import * as discoveryMutual from './0007_discovery_mutual.ts';
import * as adsFloor from './0008_ads_floor.ts';
import * as signUpApplications from './0009_sign_up_applications.ts';
import * as codeAbuse from './0011_code_abuse.ts';
import * as timeZone from './0010_time_zone.ts';
import * as bookmarksPins from './0012_bookmarks_pins.ts';
import * as federation from './0020_federation.ts';
import * as listsFiltersMarkers from './0016_lists_filters_markers_conversations.ts';
import * as editsPollsScheduled from './0015_edits_polls_scheduled.ts';
import * as searchTags from './0014_search_tags.ts';
import * as reach from './0019_reach.ts';
import * as media from './0013_media.ts';
import * as safetyPush from './0017_safety_push.ts';
import * as federationOperations from './0023_federation_operations.ts';
import * as remoteMedia from './0022_remote_media.ts';
import * as remoteProfileImages from './0028_remote_profile_images.ts';
import * as accountSearch from './0029_account_search.ts';
import * as reblogsByAccount from './0030_reblogs_by_account.ts';

/** Every migration, in order. Names sort by their numeric prefix; never rename one that shipped. */
const migrations: Record<string, Migration> = {
  '0001_core': core,
  '0002_sms': sms,
  '0003_trust': trust,
  '0004_auth': auth,
  '0005_privacy': privacy,
  '0006_follow_requests': followRequests,
  '0007_discovery_mutual': discoveryMutual,
  '0008_ads_floor': adsFloor,
  '0009_sign_up_applications': signUpApplications,
  '0011_code_abuse': codeAbuse,
  '0010_time_zone': timeZone,
  '0012_bookmarks_pins': bookmarksPins,
  '0020_federation': federation,
  '0016_lists_filters_markers_conversations': listsFiltersMarkers,
  '0015_edits_polls_scheduled': editsPollsScheduled,
  '0014_search_tags': searchTags,
  '0019_reach': reach,
  '0013_media': media,
  '0017_safety_push': safetyPush,
  '0023_federation_operations': federationOperations,
  '0022_remote_media': remoteMedia,
  '0028_remote_profile_images': remoteProfileImages,
  '0029_account_search': accountSearch,
  '0030_reblogs_by_account': reblogsByAccount,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
