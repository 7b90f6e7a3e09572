/** Every kind of account-wide notice the owner may get (in the app, and by e-mail). */
const NOTICE_KINDS = [
  // What happened through SMS.
  'sms_post',
  'sim_swap_detected',
  'sim_swap_check_failed',
  'sms_posting_locked',
  'sms_message_held',
  'sms_not_me',
  'sms_posting_unlocked',
  // Account security (sign-in, reset, factors).
  'sign_in_code_withheld',
  'reset_code_withheld',
  'sms_codes_locked',
  'password_reset',
  'recovery_code_used',
  'two_factor_changed',
  'passkey_added',
  'session_revoked',
] as const;

export type NoticeKind = (typeof NOTICE_KINDS)[number];

export function isNoticeKind(value: string): value is NoticeKind {
  return (NOTICE_KINDS as readonly string[]).includes(value);
}

/** Something the owner must hear about on their non-SMS channels. */
export interface AccountNotice {
  id: string;
  accountId: string;
  kind: NoticeKind;
  details: Record<string, unknown>;
  createdAt: Date;
  /** When the owner saw it (in the app or on the web); null while it is new. */
  readAt?: Date | null;
}
