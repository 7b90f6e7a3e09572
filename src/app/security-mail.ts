import type { OutgoingMail } from '../security/index.ts';
import type { AccountNotice } from '../notices/index.ts';
import { t, type Locale, type MessageId } from '../i18n/index.ts';

/** The SMS events, whose messages are shared with the SMS side of the catalogue. */
function translatedMail(
  event: AccountNotice,
  site: { instanceName: string; publicUrl: string; username: string; notMeUrl?: string | null },
  locale: Locale,
): [string, string] | null {
  const settings = `${site.publicUrl}/settings/sms`;
  const reason = typeof event.details.reason === 'string' ? event.details.reason.replace(/_/g, ' ') : 'none';
  const values = { username: site.username, settings, reason };
  switch (event.kind) {
    case 'sms_post':
      return [
        t(locale, 'mail.smsPost.subject'),
        site.notMeUrl
          ? t(locale, 'mail.smsPost.bodyWithLink', {
              ...values,
              events: `${site.publicUrl}/settings/events`,
              link: site.notMeUrl,
            })
          : t(locale, 'mail.smsPost.body', values),
      ];
    case 'sim_swap_detected':
      return [t(locale, 'mail.simSwap.subject'), t(locale, 'mail.simSwap.body', values)];
    case 'sms_message_held':
      return [t(locale, 'mail.held.subject'), t(locale, 'mail.held.body', values)];
    case 'sms_posting_locked':
      return [t(locale, 'mail.locked.subject'), t(locale, 'mail.locked.body', values)];
    default:
      return null;
  }
}

/** Other security events: each a subject and a body in `mail.*`; any other kind gets the general notice. */
const OTHER_MAILS: Record<string, [MessageId, MessageId]> = {
  sim_swap_check_failed: ['mail.checkFailed.subject', 'mail.checkFailed.body'],
  sms_not_me: ['mail.notMe.subject', 'mail.notMe.body'],
  sms_posting_unlocked: ['mail.unlocked.subject', 'mail.unlocked.body'],
  sign_in_code_withheld: ['mail.signInWithheld.subject', 'mail.signInWithheld.body'],
  reset_code_withheld: ['mail.resetWithheld.subject', 'mail.resetWithheld.body'],
  sms_codes_locked: ['mail.codesLocked.subject', 'mail.codesLocked.body'],
  password_reset: ['mail.passwordReset.subject', 'mail.passwordReset.body'],
  recovery_code_used: ['mail.recoveryUsed.subject', 'mail.recoveryUsed.body'],
  two_factor_changed: ['mail.twoFactor.subject', 'mail.twoFactor.body'],
  passkey_added: ['mail.passkeyAdded.subject', 'mail.passkeyAdded.body'],
  session_revoked: ['mail.sessionRevoked.subject', 'mail.sessionRevoked.body'],
};

/** The e-mail an owner gets for a security event: what happened, and the one step to take if it was not them. */
export function describeSecurityEvent(
  event: AccountNotice,
  site: { instanceName: string; publicUrl: string; username: string; notMeUrl?: string | null },
  locale: Locale = 'en',
): Omit<OutgoingMail, 'to'> {
  const translated = translatedMail(event, site, locale);
  if (translated) {
    return {
      subject: `${site.instanceName}: ${translated[0]}`,
      text: `${translated[1]}\n\n${t(locale, 'mail.footer', { instance: site.instanceName, web: site.publicUrl })}\n`,
    };
  }
  const security = `${site.publicUrl}/settings/security`;
  const d = event.details;
  const values = {
    username: site.username,
    settings: `${site.publicUrl}/settings/sms`,
    security,
    reset: `${site.publicUrl}/password_reset`,
    flood: d.reason === 'too_many_requests',
    until: typeof d.until === 'string' ? d.until : 'none',
    via: d.via === 'sms' || d.via === 'email' ? d.via : 'none',
    counted: typeof d.remaining === 'number',
    remaining: typeof d.remaining === 'number' ? d.remaining : 0,
    change: typeof d.change === 'string' ? d.change : 'none',
  };
  const [subjectId, bodyId] = OTHER_MAILS[event.kind] ?? ['mail.general.subject', 'mail.general.body'];
  const subject = t(locale, subjectId, values);
  const text = t(locale, bodyId, values);
  return {
    subject: `${site.instanceName}: ${subject}`,
    text: `${text}\n\n${t(locale, 'mail.footer', { instance: site.instanceName, web: site.publicUrl })}\n`,
  };
}
