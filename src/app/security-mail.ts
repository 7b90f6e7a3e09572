import type { OutgoingMail } from '../security/index.ts';
import type { AccountNotice } from '../notices/index.ts';
import { t, type Locale } from '../i18n/index.ts';

/** Events whose e-mail comes from the catalogues (every language); the others are English for now. */
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
  const settings = `${site.publicUrl}/settings/sms`;
  const security = `${site.publicUrl}/settings/security`;
  const d = event.details;
  const lines: Record<string, [string, string]> = {
    sim_swap_check_failed: [
      'An SMS was held',
      `We could not check your number with your carrier, so a text was held. Review it at ${settings}.`,
    ],
    sms_not_me: [
      'SMS posts removed',
      `You reported SMS posts as not yours. They were removed and SMS posting is locked.`,
    ],
    sms_posting_unlocked: [
      'SMS posting unlocked',
      `SMS posting for @${site.username} was unlocked. If this was not you, change your password at ${security}.`,
    ],
    sign_in_code_withheld: [
      'Sign-in code not sent',
      d.reason === 'too_many_requests'
        ? `Someone asked for a sign-in code by SMS, but so many codes were asked for your number that none was sent. If this was you, sign in with your password, or ask again from a network you have signed in from before.`
        : `Someone asked for a sign-in code by SMS, but your carrier reports a recent SIM change, so no code was sent. If this was you, sign in with your password.`,
    ],
    reset_code_withheld: [
      'Password reset code not sent',
      d.reason === 'too_many_requests'
        ? `Someone asked for a password reset code by SMS, but so many codes were asked for your number that none was sent. Use e-mail to reset your password.`
        : `Someone asked for a password reset code by SMS, but your carrier reports a recent SIM change, so no code was sent. Use e-mail to reset your password.`,
    ],
    sms_codes_locked: [
      'SMS codes locked',
      `Too many wrong codes were entered for @${site.username} or its phone number, so codes sent by SMS (sign-in, second factor, password reset, phone verification) are locked${typeof d.until === 'string' ? ` until ${d.until}` : ''}.\n\nIf this was not you, someone may be trying to get into your account: nothing is needed from you, and no code works while the lock lasts. To lift it now, sign in with your password (and your other factor, if you have one) or reset your password by e-mail at ${site.publicUrl}/password_reset. Review ${security}.`,
    ],
    password_reset: [
      'Your password was changed',
      `The password of @${site.username} was reset${typeof d.via === 'string' ? ` with a code sent by ${d.via === 'sms' ? 'SMS' : 'e-mail'}` : ''}, and every session was signed out.\n\nIf this was not you, reset it again now at ${site.publicUrl}/password_reset and review ${security}.`,
    ],
    recovery_code_used: [
      'A recovery code was used',
      `A recovery code was used to sign in to @${site.username}${typeof d.remaining === 'number' ? ` (${d.remaining} left)` : ''}. If this was not you, review ${security}.`,
    ],
    two_factor_changed: [
      'Two-factor settings changed',
      `The sign-in protection of @${site.username} changed${typeof d.change === 'string' ? `: ${d.change.replace(/_/g, ' ')}` : ''}. If this was not you, review ${security}.`,
    ],
    passkey_added: [
      'A passkey was added',
      `A passkey was added to @${site.username}. If this was not you, remove it at ${security}.`,
    ],
    session_revoked: ['A session was signed out', `A session of @${site.username} was signed out.`],
  };
  const [subject, text] = lines[event.kind] ?? [
    'Security notice',
    `Something changed on @${site.username}. Review ${security}.`,
  ];
  return {
    subject: `${site.instanceName}: ${subject}`,
    text: `${text}\n\n— ${site.instanceName} (${site.publicUrl}). We never ask for codes or passwords by e-mail or SMS.\n`,
  };
}
