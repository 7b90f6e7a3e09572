import type { NotificationType } from '../core/model.ts';

import type { ColumnType } from 'kysely';
/**
 * Table shapes shared by SQLite and PostgreSQL. Portable column types only: ids and
 * timestamps are text (ids are 18-digit time-ordered strings, timestamps ISO-8601 UTC,
 * both sort correctly as text), flags are 0/1 integers.
 */
export interface AccountsTable {
  id: string;
  username: string;
  /** Lower-cased username: handles are unique regardless of case. */
  username_key: string;
  display_name: string;
  note: string;
  role: 'user' | 'moderator' | 'admin';
  locked: number;
  bot: number;
  created_at: string;
  updated_at: string;
  suspended_at: string | null;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  last_status_at: string | null;
  /** IANA zone the owner reads times in; null = not chosen (pages show UTC). */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
  /** Federation (0020): the server of a remote account (null: this one), its actor id and profile page. */
  domain: ColumnType<string | null, string | null | undefined, string | null>;
  uri: ColumnType<string | null, string | null | undefined, string | null>;
  url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Storage keys of the processed profile images (0013_media); null = the placeholder. */
  avatar_key: ColumnType<string | null, string | null | undefined, string | null>;
  header_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** A remote account's `icon`/`image` URL (0028); its key columns then hold the proxy's copy. */
  avatar_remote_url: ColumnType<string | null, string | null | undefined, string | null>;
  header_remote_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Profile fields as JSON `[{"name","value"}]` (0017). */
  fields: ColumnType<string, string | undefined, string>;
  discoverable: ColumnType<number, number | undefined, number>;
}

interface CredentialsTable {
  account_id: string;
  email: string;
  email_key: string;
  password_hash: string;
  created_at: string;
}

/** Accounts that wait (or waited) for staff approval (registrations mode `approval`, or no puzzle solved). */
interface SignUpApplicationsTable {
  account_id: string;
  reason: string | null;
  status: string;
  created_at: string;
  decided_at: string | null;
}

export interface PostsTable {
  id: string;
  account_id: string;
  text: string;
  spoiler_text: string;
  sensitive: number;
  visibility: 'public' | 'unlisted' | 'private' | 'direct';
  language: string | null;
  source: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblog_of_id: string | null;
  created_at: string;
  edited_at: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  /** Federation (0020): a remote post's object id, page and sanitised HTML (null for local posts). */
  uri: ColumnType<string | null, string | null | undefined, string | null>;
  url: ColumnType<string | null, string | null | undefined, string | null>;
  remote_html: ColumnType<string | null, string | null | undefined, string | null>;
}

interface MentionsTable {
  post_id: string;
  account_id: string;
}

interface FavouritesTable {
  id: string;
  account_id: string;
  post_id: string;
  created_at: string;
}

/** A post the account saved for later (bookmarks) or shows first on its profile (pins). */
interface PostMarksTable {
  id: string;
  account_id: string;
  post_id: string;
  created_at: string;
}

interface FollowsTable {
  id: string;
  account_id: string;
  target_account_id: string;
  created_at: string;
}

/** Pending requests to follow a locked account (0006_follow_requests); accepted ones become follows. */
interface FollowRequestsTable {
  id: string;
  account_id: string;
  target_account_id: string;
  created_at: string;
}

interface BlocksTable {
  id: string;
  account_id: string;
  target_account_id: string;
  created_at: string;
}

interface MutesTable {
  id: string;
  account_id: string;
  target_account_id: string;
  hide_notifications: number;
  created_at: string;
  /** A timed mute ends here (0017); null = until undone. */
  expires_at: ColumnType<string | null, string | null | undefined, string | null>;
}

interface HomeFeedTable {
  account_id: string;
  post_id: string;
  /** Author of the entry (the reblogger for reblogs), so unfollow and block can remove it. */
  author_id: string;
}

export interface NotificationsTable {
  id: string;
  account_id: string;
  type: NotificationType;
  from_account_id: string;
  post_id: string | null;
  created_at: string;
  /** The report an `admin.report` notification is about (0017). */
  report_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OAuthAppsTable {
  id: string;
  name: string;
  website: string | null;
  redirect_uris: string;
  scopes: string;
  client_id: string;
  client_secret_hash: string;
  created_at: string;
}

interface OAuthCodesTable {
  code_hash: string;
  app_id: string;
  account_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

interface OAuthTokensTable {
  id: string;
  token_hash: string;
  app_id: string | null;
  account_id: string | null;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  session_ip: string | null;
  session_agent: string | null;
  session_kind: string | null;
}

interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  post_id: string;
  created_at: string;
}

/** Lists, filters, markers and conversations (migration 0016). */
interface ListsTable {
  id: string;
  account_id: string;
  title: string;
  replies_policy: string;
  exclusive: number;
  created_at: string;
}

interface ListAccountsTable {
  id: string;
  list_id: string;
  account_id: string;
  follow_id: string;
}

interface FiltersTable {
  id: string;
  account_id: string;
  title: string;
  context: string;
  action: string;
  expires_at: string | null;
  created_at: string;
}

interface FilterKeywordsTable {
  id: string;
  filter_id: string;
  keyword: string;
  whole_word: number;
}

interface FilterStatusesTable {
  id: string;
  filter_id: string;
  post_id: string;
}

interface MarkersTable {
  account_id: string;
  timeline: string;
  last_read_id: string;
  version: number;
  updated_at: string;
}

interface ConversationsTable {
  id: string;
  account_id: string;
  participants_key: string;
  participant_ids: string;
  last_post_id: string;
  unread: number;
}

interface ConversationPostsTable {
  conversation_id: string;
  post_id: string;
}

/** A hashtag: `name_key` (NFKC, lower case) is its identity, `name` the spelling first seen. */
interface TagsTable {
  id: string;
  name: string;
  name_key: string;
  created_at: string;
}

/** An original post's tag, with the post's author, visibility and time (for timelines and trends). */
interface PostTagsTable {
  post_id: string;
  tag_id: string;
  account_id: string;
  visibility: 'public' | 'unlisted' | 'private' | 'direct';
  created_at: string;
}

/** Tags an account follows (their public posts join its home timeline) or features on its profile. */
interface AccountTagsTable {
  id: string;
  account_id: string;
  tag_id: string;
  created_at: string;
}

export interface Database {
  lists: ListsTable;
  list_accounts: ListAccountsTable;
  filters: FiltersTable;
  filter_keywords: FilterKeywordsTable;
  filter_statuses: FilterStatusesTable;
  markers: MarkersTable;
  conversations: ConversationsTable;
  conversation_posts: ConversationPostsTable;
  tags: TagsTable;
  post_tags: PostTagsTable;
  followed_tags: AccountTagsTable;
  featured_tags: AccountTagsTable;
  accounts: AccountsTable;
  credentials: CredentialsTable;
  sign_up_applications: SignUpApplicationsTable;
  posts: PostsTable;
  mentions: MentionsTable;
  favourites: FavouritesTable;
  bookmarks: PostMarksTable;
  pins: PostMarksTable;
  follows: FollowsTable;
  follow_requests: FollowRequestsTable;
  blocks: BlocksTable;
  mutes: MutesTable;
  home_feed: HomeFeedTable;
  notifications: NotificationsTable;
  oauth_apps: OAuthAppsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  instance_secrets: InstanceSecretsTable;
  sms_phones: SmsPhonesTable;
  verification_codes: VerificationCodesTable;
  sms_settings: SmsSettingsTable;
  sms_subscriptions: SmsSubscriptionsTable;
  sms_opt_outs: SmsOptOutsTable;
  sms_inbound: SmsInboundTable;
  sms_outbox: SmsOutboxTable;
  // ── Languages (0019_reach) ──
  account_languages: LanguageChoiceTable & { account_id: string };
  number_languages: LanguageChoiceTable & { e164: string };
  sms_fanout_jobs: SmsFanoutJobsTable;
  sms_country_policy: SmsCountryPolicyTable;
  sms_switches: SmsSwitchesTable;
  audit_log: AuditLogTable;
  sms_reply_throttle: SmsReplyThrottleTable;
  sms_holds: SmsHoldsTable;
  account_security_events: AccountSecurityEventsTable;
  sms_early_receipts: SmsEarlyReceiptsTable;
  account_factors: AccountFactorsTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  auth_flows: AuthFlowsTable;
  security_alerts: SecurityAlertsTable;
  rate_limits: RateLimitsTable;
  // ── Privacy (0005_privacy) ──
  contact_points: ContactPointsTable;
  contact_point_purposes: ContactPointPurposesTable;
  consent_records: ConsentRecordsTable;
  contact_point_uses: ContactPointUsesTable;
  discovery_lookups: DiscoveryLookupsTable;
  discovery_blocks: DiscoveryBlocksTable;
  moderation_reports: ModerationReportsTable;
  advertisers: AdvertisersTable;
  ad_audiences: AdAudiencesTable;
  ad_audience_hashes: AdAudienceHashesTable;
  ad_campaigns: AdCampaignsTable;
  ad_impressions: AdImpressionsTable;
  ad_advertiser_networks: AdAdvertiserNetworksTable;
  // ── Safety and push (0017_safety_push) ──
  push_subscriptions: PushSubscriptionsTable;
  push_deliveries: PushDeliveriesTable;
  domain_blocks: DomainBlocksTable;
  reports: ReportsTable;
  instance_rules: InstanceRulesTable;
  suggestion_dismissals: SuggestionDismissalsTable;
  // ── Code abuse (0011_code_abuse) ──
  code_failures: CodeFailuresTable;
  security_event_counts: SecurityEventCountsTable;
  // ── Federation (0020_federation) ──
  federation_kv: FederationKvTable;
  federation_queue: FederationQueueTable;
  actor_keys: ActorKeysTable;
  remote_actors: RemoteActorsTable;
  instance_domain_blocks: InstanceDomainBlocksTable;
  // ── Federation operations (0023_federation_operations) ──
  federation_domains: FederationDomainsTable;
  // ── Edits, polls and scheduled posts (0015_edits_polls_scheduled) ──
  post_edits: PostEditsTable;
  polls: PollsTable;
  poll_voters: PollVotersTable;
  poll_votes: PollVotesTable;
  scheduled_posts: ScheduledPostsTable;
  // ── Media (0013_media) ──
  media_attachments: MediaAttachmentsTable;
}

interface InstanceDomainBlocksTable {
  id: string;
  domain: string;
  severity: string;
  reject_media: number;
  reason: string;
  created_by: string;
  created_at: string;
}

interface RemoteActorsTable {
  account_id: string;
  inbox_url: string;
  shared_inbox_url: string | null;
  followers_url: string | null;
  fetched_at: string;
}

/** Fedify's key-value state; `key` is the JSON array of the key's parts. */
interface FederationKvTable {
  key: string;
  value: string;
  expires_at: string | null;
}

/** Fedify's messages (deliveries, inbox work, fan-out), claimed with a lease. */
export interface FederationQueueTable {
  id: string;
  payload: string;
  ordering_key: string | null;
  ready_at: string;
  lease_until: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: string;
  /** The server an outgoing delivery is for (0023); null for inbox and fan-out work. */
  domain: ColumnType<string | null, string | null | undefined, string | null>;
}

interface FederationDomainsTable {
  domain: string;
  last_success_at: string | null;
  last_inbound_at: string | null;
  last_failure_at: string | null;
  last_failure: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  failing_since: string | null;
  unavailable_since: string | null;
}

interface ActorKeysTable {
  account_id: string;
  algorithm: string;
  public_jwk: string;
  private_jwk_sealed: string;
  created_at: string;
}

export interface PostEditsTable {
  id: string;
  post_id: string;
  text: string;
  spoiler_text: string;
  sensitive: number;
  language: string | null;
  /** JSON array of option titles, or null for a version without a poll. */
  poll_options: string | null;
  created_at: string;
}

export interface PollsTable {
  id: string;
  post_id: string;
  account_id: string;
  /** JSON array of option titles. */
  options: string;
  multiple: number;
  hide_totals: number;
  expires_at: string;
  expiry_notified_at: string | null;
  created_at: string;
}

interface PollVotersTable {
  poll_id: string;
  account_id: string;
  created_at: string;
}

interface PollVotesTable {
  id: string;
  poll_id: string;
  account_id: string;
  choice: number;
  created_at: string;
}

export interface ScheduledPostsTable {
  id: string;
  account_id: string;
  scheduled_at: string;
  /** The post's parameters as JSON (Mastodon's ScheduledStatus `params`). */
  params: string;
  source: string;
  lease_until: string | null;
  created_at: string;
}

export interface MediaAttachmentsTable {
  id: string;
  account_id: string;
  post_id: string | null;
  position: number | null;
  type: string;
  /** 'processing' | 'ready' | 'failed' */
  state: string;
  file_key: string | null;
  preview_key: string | null;
  content_type: string | null;
  file_size: number | null;
  /** JSON: { original, small } dimensions. */
  meta: string | null;
  blurhash: string | null;
  description: string | null;
  /** "x,y", each from -1 to 1. */
  focus: string | null;
  error: string | null;
  created_at: string;
  /** Where a remote post's attachment lives (0022); file/preview keys are then the proxy's cached copy. */
  remote_url: string | null;
}

interface SmsEarlyReceiptsTable {
  provider: string;
  provider_message_id: string;
  status: string;
  error: string | null;
  received_at: string;
}

interface InstanceSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

interface SmsPhonesTable {
  account_id: string;
  e164: string;
  country: string;
  verified_at: string;
}

export interface VerificationCodesTable {
  id: string;
  purpose: string;
  subject: string;
  target: string;
  code_hash: string;
  attempts: number;
  expires_at: string;
  consumed_at: string | null;
  created_at: string;
  country: string | null;
  prefix: string | null;
}

interface SmsSettingsTable {
  account_id: string;
  posting: number;
  notifications: number;
  updated_at: string;
  pin_hash: string | null;
  pin_failures: number;
  locked_at: string | null;
  lock_reason: string | null;
  /** Id of the newest SMS post the owner confirmed; "not me" removes those after it. */
  confirmed_until: string | null;
}

export interface SmsHoldsTable {
  id: string;
  account_id: string;
  inbound_id: string;
  text: string;
  reason: string;
  status: string;
  created_at: string;
  decided_at: string | null;
}

interface AccountSecurityEventsTable {
  id: string;
  account_id: string;
  kind: string;
  details: string;
  created_at: string;
  read_at: string | null;
}

interface SmsSubscriptionsTable {
  account_id: string;
  target_id: string;
  created_at: string;
}

interface SmsOptOutsTable {
  e164: string;
  opted_out_at: string;
}

interface SmsInboundTable {
  id: string;
  provider: string;
  provider_message_id: string;
  from_number: string;
  to_number: string;
  text: string;
  received_at: string;
  outcome: string;
  account_id: string | null;
  post_id: string | null;
}

export interface SmsOutboxTable {
  id: string;
  to_number: string;
  country: string;
  text: string;
  class: string;
  purpose: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  lease_owner: string | null;
  provider: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  encoding: string;
  segments: number;
  account_id: string | null;
  post_id: string | null;
  created_at: string;
  updated_at: string;
  /** Africa's Talking premium `linkId` of the text this answers (0019). */
  reply_link: ColumnType<string | null, string | null | undefined, string | null>;
}

interface SmsFanoutJobsTable {
  id: string;
  post_id: string;
  author_id: string;
  after_account_id: string | null;
  status: string;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

interface SmsCountryPolicyTable {
  country: string;
  posting: number;
  notifications: number;
  security: number | null;
  updated_at: string;
  updated_by: string;
}

interface SmsSwitchesTable {
  name: string;
  enabled: number;
  reason: string;
  updated_at: string;
  updated_by: string;
}

interface AuditLogTable {
  id: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  reason: string;
  created_at: string;
}

interface SmsReplyThrottleTable {
  number: string;
  kind: string;
  last_sent_at: string;
}

interface AccountFactorsTable {
  account_id: string;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: number | null;
  sms_two_factor: number;
  require_strong: number;
  updated_at: string;
}

interface RecoveryCodesTable {
  id: string;
  account_id: string;
  code_hash: string;
  used_at: string | null;
  created_at: string;
}

export interface PasskeysTable {
  id: string;
  account_id: string;
  public_key: string;
  counter: number;
  transports: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface AuthFlowsTable {
  id: string;
  secret_hash: string;
  kind: string;
  stage: string;
  account_id: string | null;
  target: string | null;
  challenge: string | null;
  attempts: number;
  ip: string | null;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
}

interface SecurityAlertsTable {
  id: string;
  kind: string;
  scope: string;
  details: string;
  created_at: string;
  acknowledged_at: string | null;
}

// ── Privacy: purpose-bound contact points, discovery, advertising (0005_privacy) ──────────

export interface ContactPointsTable {
  id: string;
  account_id: string;
  kind: string;
  value: string;
  /** Keyed HMAC of the contact, present only while `discovery` is on. */
  discovery_key: string | null;
  /** SHA-256 hex of the value, present only while `advertising` is on. */
  ad_hash: string | null;
  verified_at: string | null;
  created_at: string;
}

interface ContactPointPurposesTable {
  contact_point_id: string;
  purpose: string;
  since: string;
  /** Keyed hash of the network the purpose was granted from (advertising only; null when unknown). */
  network_key: string | null;
}

interface ConsentRecordsTable {
  id: string;
  account_id: string;
  contact_point_id: string;
  purpose: string;
  action: string;
  source: string;
  created_at: string;
}

interface ContactPointUsesTable {
  id: string;
  account_id: string;
  contact_point_id: string;
  purpose: string;
  kind: string;
  detail: string | null;
  created_at: string;
}

interface DiscoveryLookupsTable {
  account_id: string;
  contact_key: string;
  block_key: string | null;
  ip_key: string;
  /** 1 when the lookup was returned a match (a mutual, discoverable owner). */
  hit: number;
  /** 0 for a refused phone lookup kept only as evidence (it counts towards no limit and is not "seen"). */
  answered: number;
  /** The account returned for this contact, if any. */
  matched_account_id: string | null;
  created_at: string;
}

interface DiscoveryBlocksTable {
  account_id: string;
  reason: string;
  report_id: string;
  created_at: string;
}

export interface ModerationReportsTable {
  id: string;
  kind: string;
  summary: string;
  details: string;
  account_ids: string;
  status: string;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
}

interface AdvertisersTable {
  account_id: string;
  granted_by: string;
  created_at: string;
}

export interface AdAudiencesTable {
  id: string;
  advertiser_id: string;
  name: string;
  hash_count: number;
  created_at: string;
  /** The answer fixed when the list was uploaded (null until sized). */
  usable: number | null;
  size_floor: number | null;
  sized_at: string | null;
}

interface AdAdvertiserNetworksTable {
  advertiser_id: string;
  network_key: string;
  first_seen: string;
  last_seen: string;
}

interface AdAudienceHashesTable {
  audience_id: string;
  hash: string;
}

export interface AdCampaignsTable {
  id: string;
  advertiser_id: string;
  audience_id: string;
  post_id: string;
  frequency_cap: number;
  status: string;
  created_at: string;
  stopped_at: string | null;
}

interface AdImpressionsTable {
  id: string;
  campaign_id: string;
  account_id: string;
  day: string;
  created_at: string;
}

/** rate-limiter-flexible's own layout (counters of the security throttles without Redis). */
interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

interface CodeFailuresTable {
  key: string;
  failures: number;
  last_failure_at: string;
}

interface SecurityEventCountsTable {
  key: string;
  bucket: number;
  events: number;
  expires_at: number;
}

/** A language chosen for an account or learnt from a phone number (0019). */
interface LanguageChoiceTable {
  language: string;
  updated_at: string;
}
// ── Safety and push (0017_safety_push) ──────────────────────────────────────────

export interface PushSubscriptionsTable {
  id: string;
  token_id: string;
  account_id: string;
  endpoint: string;
  key_p256dh: string;
  key_auth: string;
  /** The access token itself, sealed: Mastodon's payload carries it so the app knows the account. */
  sealed_token: string;
  alerts: string;
  policy: string;
  created_at: string;
  updated_at: string;
}

interface PushDeliveriesTable {
  id: string;
  subscription_id: string;
  account_id: string;
  notification_id: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

interface DomainBlocksTable {
  id: string;
  account_id: string;
  domain: string;
  created_at: string;
}

export interface ReportsTable {
  id: string;
  account_id: string;
  target_account_id: string;
  status_ids: string;
  comment: string;
  category: string;
  rule_ids: string;
  forward: number;
  assigned_account_id: string | null;
  action_taken_at: string | null;
  action_taken_by: string | null;
  created_at: string;
  updated_at: string;
}

interface InstanceRulesTable {
  id: string;
  text: string;
  hint: string;
  created_at: string;
}

interface SuggestionDismissalsTable {
  account_id: string;
  target_account_id: string;
  created_at: string;
}
