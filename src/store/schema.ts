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
}

export interface CredentialsTable {
  account_id: string;
  email: string;
  email_key: string;
  password_hash: string;
  created_at: string;
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
}

export interface MentionsTable {
  post_id: string;
  account_id: string;
}

export interface FavouritesTable {
  id: string;
  account_id: string;
  post_id: string;
  created_at: string;
}

export interface FollowsTable {
  id: string;
  account_id: string;
  target_account_id: string;
  created_at: string;
}

export interface BlocksTable {
  id: string;
  account_id: string;
  target_account_id: string;
  created_at: string;
}

export interface MutesTable {
  id: string;
  account_id: string;
  target_account_id: string;
  hide_notifications: number;
  created_at: string;
}

export interface HomeFeedTable {
  account_id: string;
  post_id: string;
  /** Author of the entry (the reblogger for reblogs), so unfollow and block can remove it. */
  author_id: string;
}

export interface NotificationsTable {
  id: string;
  account_id: string;
  type: 'mention' | 'status' | 'reblog' | 'follow' | 'favourite';
  from_account_id: string;
  post_id: string | null;
  created_at: string;
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

export interface OAuthCodesTable {
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

export interface OAuthTokensTable {
  id: string;
  token_hash: string;
  app_id: string | null;
  account_id: string | null;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  post_id: string;
  created_at: string;
}

export interface Database {
  accounts: AccountsTable;
  credentials: CredentialsTable;
  posts: PostsTable;
  mentions: MentionsTable;
  favourites: FavouritesTable;
  follows: FollowsTable;
  blocks: BlocksTable;
  mutes: MutesTable;
  home_feed: HomeFeedTable;
  notifications: NotificationsTable;
  oauth_apps: OAuthAppsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
  idempotency_keys: IdempotencyKeysTable;
}
