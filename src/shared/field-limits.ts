/**
 * The longest value any interface reads for each input field, in UTF-16 code units: one
 * number per field, used by the API's request schemas and the web's form readers alike, so
 * the same field cannot be capped at 1024 in one place and 2048 in another. These are caps on
 * what the edge is willing to read; the domain still enforces its own rules (graphemes in a
 * display name, the configured post length, password strength) with its own messages, so each
 * cap is at least the domain's limit.
 */
export const FIELD_LIMITS = {
  // Accounts and sign-in
  username: 60,
  login: 320,
  email: 320,
  password: 1024,
  display_name: 400,
  note: 5000,
  code: 40,
  authorization_code: 2000,
  number: 40,
  pin: 20,
  flow_id: 100,
  // The sign-up puzzle: a signed challenge and the nonce that solves it.
  pow_challenge: 200,
  pow_nonce: 20,
  method: 20,
  credential: 50_000,
  token: 2000,
  // Posts
  status: 20_000,
  spoiler_text: 2000,
  visibility: 20,
  language: 20,
  date: 40,
  id: 40,
  limit: 10,
  acct: 300,
  // Polls: an option's text (the domain allows 50 characters) and a vote's option number.
  poll_option: 200,
  choice: 10,
  // Media: alt text (twice DESCRIPTION_CHARACTERS: a character may take two code units) and the focal point "x,y"
  description: 3000,
  focus: 40,
  // Profile fields (the domain allows 255 characters each)
  field_name: 1000,
  field_value: 1000,
  // OAuth clients
  client_id: 200,
  client_secret: 200,
  client_name: 200,
  redirect_uri: 2000,
  redirect_uris: 4000,
  website: 2000,
  scope: 1000,
  state: 1000,
  response_type: 50,
  grant_type: 100,
  code_challenge: 200,
  code_challenge_method: 20,
  code_verifier: 200,
  decision: 20,
  // Moderation and messages
  reason: 600,
  message: 1600,
  name: 200,
  type: 20,
  country: 10,
  query: 200,
  // Search and hashtags: a search query (longer ones are refused, not cut), a tag name.
  q: 500,
  hashtag: 100,
  offset: 10,
  next: 500,
  // Lists, filters and markers
  title: 1000,
  keyword: 1000,
  replies_policy: 20,
  filter_context: 20,
} as const;

/** Alt text of an image, in characters: Mastodon's `description_limit`. */
export const DESCRIPTION_CHARACTERS = 1500;

export type LimitedField = keyof typeof FIELD_LIMITS;
