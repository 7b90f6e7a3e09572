/**
 * Mastodon OAuth scopes: top-level `read`, `write`, `follow`, `push`, admin scopes and
 * granular `read:statuses` style scopes. A granted top-level scope covers its granular
 * children; `follow` is the legacy scope that also covers the relationship endpoints.
 */
const TOP_LEVEL = ['read', 'write', 'follow', 'push', 'profile', 'admin:read', 'admin:write'] as const;
const GRANULAR: Record<string, readonly string[]> = {
  read: [
    'accounts',
    'blocks',
    'bookmarks',
    'favourites',
    'filters',
    'follows',
    'lists',
    'mutes',
    'notifications',
    'search',
    'statuses',
  ],
  write: [
    'accounts',
    'blocks',
    'bookmarks',
    'conversations',
    'favourites',
    'filters',
    'follows',
    'lists',
    'media',
    'mutes',
    'notifications',
    'reports',
    'statuses',
  ],
  'admin:read': [
    'accounts',
    'reports',
    'domain_allows',
    'domain_blocks',
    'ip_blocks',
    'email_domain_blocks',
    'canonical_email_blocks',
  ],
  'admin:write': [
    'accounts',
    'reports',
    'domain_allows',
    'domain_blocks',
    'ip_blocks',
    'email_domain_blocks',
    'canonical_email_blocks',
  ],
};
const FOLLOW_COVERS = ['read:blocks', 'write:blocks', 'read:follows', 'write:follows', 'read:mutes', 'write:mutes'];

export const ALL_SCOPES: ReadonlySet<string> = new Set([
  ...TOP_LEVEL,
  ...Object.entries(GRANULAR).flatMap(([parent, children]) => children.map((c) => `${parent}:${c}`)),
]);

export const DEFAULT_SCOPES = 'read';

export function parseScopes(raw: string | null | undefined): string[] {
  return [...new Set((raw ?? '').split(/[\s+]+/).filter(Boolean))];
}

export function unknownScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !ALL_SCOPES.has(s));
}

/** Whether a token with `granted` scopes may use an endpoint that needs `required`. */
export function scopeAllows(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const cut = required.lastIndexOf(':');
  if (cut > 0) {
    const parent = required.slice(0, cut);
    if (granted.includes(parent)) return true;
  }
  return granted.includes('follow') && FOLLOW_COVERS.includes(required);
}

/** Scopes asked for must be a subset of what the app registered. */
export function isSubset(requested: readonly string[], registered: readonly string[]): boolean {
  return requested.every((s) => registered.includes(s) || scopeAllows(registered, s));
}
