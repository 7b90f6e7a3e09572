/**
 * Purpose-bound contact data (SPEC 3.7). A contact point is one phone number or e-mail
 * address of an account; it carries the purposes its owner allowed, each since a time.
 */
export const PURPOSES = ['authentication', 'sms_channel', 'discovery', 'advertising'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Purposes the owner may switch on and off; `authentication` comes with adding the contact for security. */
export const CHOOSABLE_PURPOSES: readonly Purpose[] = ['sms_channel', 'discovery', 'advertising'];

export type ContactKind = 'phone' | 'email';

export interface ContactPoint {
  id: string;
  accountId: string;
  kind: ContactKind;
  /** E.164 for phones, trimmed and lower-cased for e-mails. */
  value: string;
  verifiedAt: Date | null;
  createdAt: Date;
  /** Purposes that are on, each with the time it was (last) switched on. */
  purposes: Partial<Record<Purpose, Date>>;
}

/** Who made a consent decision: the owner, or the security flow that added the contact. */
type ConsentSource = 'owner' | 'implied' | 'moderation';

export interface ConsentRecord {
  id: string;
  contactPointId: string;
  accountId: string;
  purpose: Purpose;
  action: 'grant' | 'revoke';
  source: ConsentSource;
  createdAt: Date;
}

/** What a contact point was used for (what its owner sees on the transparency page). */
export type UseKind =
  | 'verification_code_sent'
  | 'security_message_sent'
  | 'sms_sent'
  | 'discovery_match'
  | 'audience_match'
  | 'promoted_post_shown';

export interface ContactUse {
  id: string;
  contactPointId: string;
  accountId: string;
  purpose: Purpose;
  kind: UseKind;
  detail: string | null;
  createdAt: Date;
}

export interface ModerationReport {
  id: string;
  kind: 'contact_discovery_abuse';
  summary: string;
  details: Record<string, unknown>;
  accountIds: string[];
  status: 'open' | 'resolved';
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

/** Shows enough of a contact for its owner to recognise it, not the whole of it. */
export function maskContact(kind: ContactKind, value: string): string {
  if (kind === 'phone')
    return value.length <= 6 ? value : `${value.slice(0, 4)}${'•'.repeat(value.length - 6)}${value.slice(-2)}`;
  const at = value.lastIndexOf('@');
  if (at <= 0) return '•••';
  const local = value.slice(0, at);
  return `${local.slice(0, 1)}${'•'.repeat(Math.max(local.length - 1, 2))}${value.slice(at)}`;
}
