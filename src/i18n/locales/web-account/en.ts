/**
 * English source of the account pages (sign-up, sign-in steps, password reset, settings,
 * security, privacy), the notices after a form and the account e-mails. Spread into `en.ts`;
 * every other language has a file here with exactly these ids (the type checker enforces it).
 * Tags such as `<a>…</a>` or `<b>…</b>` mark where a link or emphasis goes (`src/web/rich-text.ts`).
 */
export const webAccount = {
  // ── Notices after a form (?notice=…) ──
  'web.notice.report_reopened': 'Report reopened.',
  'web.notice.report_assigned': 'Report assigned to you.',
  'web.notice.posted': 'Posted.',
  'web.notice.liked': 'Liked.',
  'web.notice.unliked': 'Like removed.',
  'web.notice.boosted': 'Boosted.',
  'web.notice.unboosted': 'Boost undone.',
  'web.notice.bookmarked': 'Bookmarked: find it under Your bookmarks.',
  'web.notice.unbookmarked': 'Bookmark removed.',
  'web.notice.not_allowed': 'That can’t be done with this post.',
  'web.notice.deleted': 'Post deleted.',
  'web.notice.edited': 'Post edited.',
  'web.notice.voted': 'Vote counted.',
  'web.notice.followed': 'Followed.',
  'web.notice.unfollowed': 'Unfollowed.',
  'web.notice.requested': 'Follow request sent. You will see their followers-only posts once they accept.',
  'web.notice.request_withdrawn': 'Follow request withdrawn.',
  'web.notice.request_accepted': 'Accepted: they follow you now.',
  'web.notice.request_rejected': 'Request rejected.',
  'web.notice.saved': 'Saved.',
  'web.notice.time_zone_saved': 'Time zone saved: times are now shown in it.',
  'web.notice.code_sent': 'If that number can receive texts from us, a code is on its way. Enter it below.',
  'web.notice.phone_linked': 'Phone number linked.',
  'web.notice.phone_removed': 'Phone number removed.',
  'web.notice.pin_set': 'Posting PIN set.',
  'web.notice.pin_cleared': 'Posting PIN removed.',
  'web.notice.released': 'Held text released.',
  'web.notice.discarded': 'Held text discarded.',
  'web.notice.not_me': 'Done: SMS posts since your last confirmation were removed and SMS posting is locked.',
  'web.notice.confirmed': 'Thanks: your SMS posts so far are confirmed as yours.',
  'web.notice.unlocked': 'SMS posting unlocked.',
  'web.notice.sent': 'Message sent.',
  'web.notice.policy_saved': 'Country policy saved.',
  'web.notice.kill_on': 'Kill switch is ON: no content SMS is sent or acted on.',
  'web.notice.kill_off': 'Kill switch is OFF.',
  'web.notice.suspended': 'Account suspended: hidden everywhere and signed out.',
  'web.notice.unsuspended': 'Suspension lifted.',
  'web.notice.report_resolved': 'Report resolved.',
  'web.notice.sms_reset': 'SMS lock and PIN failures reset.',
  'web.notice.approved': 'Account approved; the applicant was told by e-mail.',
  'web.notice.rejected': 'Sign-up rejected; the applicant was told by e-mail.',
  'web.notice.welcome': 'Welcome to Sparrow!',
  'web.notice.password_reset': 'Your password was changed and every session signed out. Log in with the new password.',
  'web.notice.totp_on': 'Authenticator app turned on.',
  'web.notice.totp_off': 'Authenticator app turned off.',
  'web.notice.sms_2fa_on': 'SMS codes turned on (the weakest factor).',
  'web.notice.sms_2fa_off': 'SMS codes turned off.',
  'web.notice.strong_on': 'A strong factor is now required.',
  'web.notice.strong_off': 'A strong factor is no longer required.',
  'web.notice.passkey_added': 'Passkey added.',
  'web.notice.passkey_removed': 'Passkey removed.',
  'web.notice.password_changed': 'Password changed. Every other session was signed out.',
  'web.notice.session_revoked': 'That session was signed out.',
  'web.notice.others_signed_out': 'Every other session was signed out.',
  'web.notice.list_created': 'List created. Add people you follow below.',
  'web.notice.list_saved': 'List saved.',
  'web.notice.list_deleted': 'List deleted.',
  'web.notice.member_added': 'Added to the list.',
  'web.notice.member_removed': 'Removed from the list.',
  'web.notice.domain_blocked': 'Server blocked (audited).',
  'web.notice.domain_unblocked': 'Block lifted (audited).',
  'web.notice.deliveries_retried': 'Waiting deliveries are due now (audited).',

  // ── Settings ──
  'web.settings.section.profile': 'Profile',
  'web.settings.section.phone': 'Phone',
  'web.settings.section.sms': 'SMS posting & PIN',
  'web.settings.section.smsFollows': 'SMS notifications',
  'web.settings.section.holds': 'Held texts',
  'web.settings.section.events': 'Security events',
  'web.settings.section.security': 'Sign-in & 2FA',
  'web.settings.section.privacy': 'Privacy',
  'web.settings.save': 'Save',
  'web.settings.pictures': 'Profile pictures',
  'web.settings.avatar': 'Avatar (cropped to a square, 400×400)',
  'web.settings.header': 'Header (cropped to 1500×500)',
  'web.settings.upload': 'Upload',
  'web.settings.removeAvatar': 'Remove avatar',
  'web.settings.removeHeader': 'Remove header',
  'web.settings.fieldLabel': 'Label {n}',
  'web.settings.fieldContent': 'Content {n}',
  'web.settings.displayName': 'Display name',
  'web.settings.bio': 'Bio',
  'web.settings.locked': 'Approve followers by hand',
  'web.settings.lockedHelp':
    'People then ask to follow you and see your followers-only posts only once you accept. Turning this off accepts everyone still waiting.',
  'web.settings.fields': 'Profile fields',
  'web.settings.fieldsHelp':
    'Up to four label and content pairs shown on your profile (a website, pronouns…). Links become links.',
  'web.settings.discoverable': 'Suggest my account to others',
  'web.settings.discoverableHelp':
    'You may then appear in follow suggestions and the profile directory. Off, you never do.',
  'web.settings.bot': 'This is an automated account',
  'web.settings.followRequests':
    '{count, plural, =0 {Follow requests} one {Follow requests (# waiting)} other {Follow requests (# waiting)}}',
  'web.settings.yourProfile': 'Your profile: <a>@{username}</a>',
  'web.settings.timeZone': 'Time zone',
  'web.settings.timesShownIn':
    '{chosen, select, yes {Times are shown in <b>{zone}</b>; every time on a page says which zone it is in.} other {Times are shown in <b>{zone}</b> (no zone chosen yet, so UTC); every time on a page says which zone it is in.}}',
  'web.settings.timeZoneHelp':
    '{chosen, select, yes {An IANA name such as Africa/Nairobi, Europe/Berlin or America/New_York; empty for UTC.} other {An IANA name such as Africa/Nairobi, Europe/Berlin or America/New_York; empty for UTC. Where the page can ask your browser, the field is filled with its zone: save to use it.}}',
  'web.settings.saveTimeZone': 'Save time zone',

  // ── Settings: phone ──
  'web.phone.otherNumber': 'Use another number',
  'web.phone.sendNewCode': 'Send a new code',
  'web.phone.sendCode': 'Send code',
  'web.phone.linked': 'Linked',
  'web.phone.linkedText':
    '<b>{number}</b> ({country}), verified {verified}. Texts from it can post, follow and get notifications as set under <a>SMS posting</a>.',
  'web.phone.removeLink': 'Remove this number…',
  'web.phone.none': 'No number linked',
  'web.phone.noneText': 'Link a mobile number to post and get notifications by text message.',
  'web.phone.codeSentTo': 'Code sent to {number}',
  'web.phone.enterCode':
    '{replacing, select, yes {Enter the 6-digit code from the text (valid until {until}) to link this number instead of {old}.} other {Enter the 6-digit code from the text (valid until {until}).}}',
  'web.phone.noCodeWaiting':
    'No code is waiting: that number may not be able to receive texts from us, or too many codes were asked for in the last hour. Check the number, or try again later.',
  'web.phone.wrongNumber': 'Wrong number, or no text?',
  'web.phone.change': 'Change number',
  'web.phone.link': 'Link a number',
  'web.phone.help':
    'We text a 6-digit code to the number. It is valid for 10 minutes. Use the international format, starting with +.',
  'web.phone.removeTitle': 'Remove your phone number?',
  'web.phone.removeMeans': 'Removing <b>{number}</b> means:',
  'web.phone.removeNoPosts': 'texts from it no longer post, follow or reach you;',
  'web.phone.removeNoNotifications': 'you get no notifications by text;',
  'web.phone.removeNoCodes': 'sign-in and second-factor codes by SMS stop.',
  'web.phone.removeAgain': 'You can link it again later with a new code.',
  'web.phone.removeYes': 'Yes, remove this number',
  'web.phone.removeCancel': 'Cancel, keep it',

  // ── Settings: SMS posting, PIN, notifications, held texts, events ──
  'web.sms.textsFrom': 'Texts from <b>{number}</b> can act for you only as set here.',
  'web.sms.noPhone': 'No phone linked yet: <a>link a number</a> first.',
  'web.sms.lockedTitle': 'SMS posting is locked',
  'web.sms.lockedSince':
    '{reason, select, pin {Since {since} (too many wrong PINs). Unlock with your password.} sim_swap {Since {since} (your SIM card changed). Unlock with your password.} other {Since {since} (you reported posts as not yours). Unlock with your password.}}',
  'web.sms.unlock': 'Unlock SMS posting',
  'web.sms.channels': 'Channels',
  'web.sms.posting': 'Let me post by text message',
  'web.sms.notifications': 'Send me notifications by text message',
  'web.sms.pin': 'Posting PIN',
  'web.sms.pinState':
    '{set, select, yes {A PIN is set: start every text you post with it.} other {No PIN set. With a PIN, a text only posts when it starts with it.}}{staff, select, yes { Administrators and moderators must keep one.} other {}}',
  'web.sms.newPin': 'New PIN (4 to 8 digits)',
  'web.sms.setPin': 'Set PIN',
  'web.sms.removePin': 'Remove PIN',
  'web.sms.postsBySms': 'Posts by SMS',
  'web.sms.notMeHelp':
    'If a post came from your number and it was not you, this removes every SMS post since your last confirmation, discards held texts and locks SMS posting.',
  'web.sms.notMe': 'This wasn’t me',
  'web.sms.allMine': 'They were all mine',
  'web.smsFollows.intro':
    '{on, select, yes {Text notifications are on.} other {Text notifications are off for everyone (<a>change</a>).}} Choose whose posts reach you by SMS. Texting <code>FOLLOW @name</code>, <code>ON @name</code> or <code>OFF @name</code> does the same.',
  'web.smsFollows.now': 'By SMS now: {names}.',
  'web.smsFollows.none': 'You do not follow anyone yet.',
  'web.smsFollows.bySms': 'by SMS',
  'web.smsFollows.notBySms': 'not by SMS',
  'web.smsFollows.stop': 'Stop texts',
  'web.smsFollows.start': 'Text me their posts',
  'web.holds.intro': 'Texts from your number that were not acted on. Release one to act on it now, or discard it.',
  'web.holds.none': 'No held texts.',
  'web.holds.meta':
    'held: {reason, select, sim_swap {SIM change} sim_swap_unavailable {carrier check unavailable} rate_limit {too many texts} other {{reason}}} · {status, select, pending {waiting} released {released} discarded {discarded} other {{status}}}',
  'web.holds.release': 'Release',
  'web.holds.discard': 'Discard',
  'web.events.intro':
    'What happened to your account’s security and through SMS. If an SMS post here was not you, use <notMe>This wasn’t me</notMe>; if anything else was not you, change your password and review <security>Sign-in & 2FA</security>.',
  'web.events.none': 'Nothing yet.',
  'web.event.seePost': 'See the post',
  'web.event.text':
    '{kind, select, sms_post {A post was made by SMS from your phone number.} sim_swap_detected {Your mobile carrier reported a recent SIM change: SMS posting is frozen.} sim_swap_check_failed {We could not check your number with your carrier; the text was held.} sms_posting_locked {SMS posting was locked.} sms_message_held {A text from your number was held for you to review.} sms_not_me {You reported SMS posts as not yours; they were removed and SMS posting was locked.} sms_posting_unlocked {SMS posting was unlocked.} sign_in_code_withheld {{flood, select, yes {Someone asked for a sign-in code by SMS; none was sent because too many codes were asked for your number. Sign in with your password, or from a network you used before.} other {Someone asked for a sign-in code by SMS; none was sent because your carrier reported a recent SIM change.}}} reset_code_withheld {{flood, select, yes {Someone asked for a password reset code by SMS; none was sent because too many codes were asked for your number. Reset it by e-mail.} other {Someone asked for a password reset code by SMS; none was sent because your carrier reported a recent SIM change.}}} sms_codes_locked {Too many wrong SMS codes were entered: codes by SMS are locked for a while. Signing in with your password (and other factor) or resetting it by e-mail lifts the lock.} password_reset {Your password was reset and every session was signed out.} recovery_code_used {A recovery code was used to sign in.} passkey_added {A passkey was added.} session_revoked {A session was signed out.} other {{change, select, authenticator_app_added {Your sign-in protection changed: an authenticator app was added.} authenticator_app_removed {Your sign-in protection changed: the authenticator app was removed.} recovery_codes_regenerated {Your sign-in protection changed: new recovery codes were made.} sms_two_factor_on {Your sign-in protection changed: SMS codes were turned on.} sms_two_factor_off {Your sign-in protection changed: SMS codes were turned off.} strong_factor_required {Your sign-in protection changed: a strong factor is now required.} strong_factor_no_longer_required {Your sign-in protection changed: a strong factor is no longer required.} password_changed {Your sign-in protection changed: the password was changed.} passkey_removed {Your sign-in protection changed: a passkey was removed.} reset_by_operator {Your sign-in protection changed: an operator removed every second factor.} other {Your sign-in protection changed.}}}}',

  // ── Settings: sign-in & 2FA ──
  'web.security.yourPassword': 'Your password',
  'web.security.yourRecoveryCodes': 'Your recovery codes',
  'web.security.saveCodes':
    '<b>Save these now</b> (print them or keep them in a password manager): they are shown only this once. Each code signs you in once if you lose your authenticator app or passkeys.',
  'web.security.onOff': '{on, select, yes {On} other {Off}}',
  'web.security.setupTitle': 'Set up your authenticator app',
  'web.security.setupHelp':
    'In your authenticator app, add an account and type this key (or paste the link below into an app that accepts it):',
  'web.security.setupLink': 'Link: <code>{uri}</code>',
  'web.security.codeShown': 'Code shown by the app',
  'web.security.totpTurnOn': 'Turn on authenticator app',
  'web.security.totpTurnOff': 'Turn off authenticator app',
  'web.security.totpState':
    '{on, select, yes {Authenticator app: <b>on</b>.} other {Authenticator app: <b>off</b>. Apps such as Aegis, FreeOTP or Google Authenticator show a new 6-digit code every 30 seconds.}}',
  'web.security.setupUnfinished': 'Setup was started but not finished.',
  'web.security.finishSetup': 'Finish setup',
  'web.security.setupButton': 'Set up authenticator app',
  'web.security.smsState': '{on, select, yes {SMS codes: <b>on</b>.} other {SMS codes: <b>off</b>.}}',
  'web.security.weakest':
    'SMS is the weakest factor: a SIM swap or an intercepted message defeats it. Prefer an authenticator app or a passkey.',
  'web.security.smsNeedsPhone': 'To use SMS codes, <a>link and verify a phone number</a> first.',
  'web.security.smsToggle': '{on, select, yes {Turn SMS codes off} other {Turn SMS codes on}}',
  'web.security.strongState':
    '{on, select, yes {Require a strong factor: <b>on</b>.} other {Require a strong factor: <b>off</b>.}} When on, a code by SMS is never enough on its own: signing in needs your authenticator app, a passkey or a recovery code.',
  'web.security.strongToggle': '{on, select, yes {Stop requiring a strong factor} other {Require a strong factor}}',
  'web.security.noPasskeys': 'No passkeys yet.',
  'web.security.passkeyDates':
    '{used, select, yes {added {added}, last used {lastUsed}} other {added {added}, never used}}',
  'web.security.remove': 'Remove',
  'web.security.addPasskey': 'Add a passkey',
  'web.security.passkeyNeedsJs': 'Adding a passkey needs JavaScript, which is off or unavailable in this browser.',
  'web.security.passkeyName': 'Name for this passkey',
  'web.security.passkey': 'Passkey',
  'web.security.sessionKind': '{kind, select, web {Web browser} app {App: {app}} other {Operator token}}',
  'web.security.thisBrowser': 'this browser',
  'web.security.unknownAgent': 'unknown browser or app',
  'web.security.sessionDates':
    'IP {ip} · started {started} · {used, select, yes {last used {lastUsed}} other {never used}}',
  'web.security.signOut': 'Sign out',
  'web.security.status': 'Status',
  'web.security.twoFactorState': 'Two-factor sign-in: <b>{state}</b>',
  'web.security.factorsLine': 'Authenticator app: {totp} · Passkeys: {passkeys, number} · SMS codes: {sms} (weakest)',
  'web.security.strongLine': 'Strong factor required: {strong} · Recovery codes left: {left, number}',
  'web.security.everyChange': 'Every change here needs your password again and is reported to you by e-mail.',
  'web.security.totp': 'Authenticator app',
  'web.security.passkeys': 'Passkeys',
  'web.security.smsCodes': 'Codes by SMS',
  'web.security.strong': 'Strong factor',
  'web.security.recoveryCodes': 'Recovery codes',
  'web.security.recoveryLeft':
    '{count, plural, =0 {No unused recovery codes left.} one {# unused recovery code left.} other {# unused recovery codes left.}} Making new ones cancels the old.',
  'web.security.newRecoveryCodes': 'Make new recovery codes',
  'web.security.changePassword': 'Change password',
  'web.security.currentPassword': 'Current password',
  'web.security.othersSignedOut': 'Every other session is signed out; this browser stays signed in.',
  'web.security.sessions': 'Sessions',
  'web.security.sessionsHelp':
    'Everywhere your account is signed in: browsers, apps and tokens. Sign out any you do not recognise.',
  'web.security.signOutOthers': 'Sign out everywhere else',
  'web.security.alreadySignedOut': 'That session was already signed out.',

  // ── Settings: privacy (contact points and their purposes) ──
  'web.privacy.purpose':
    '{purpose, select, authentication {Sign-in and security} sms_channel {SMS channel} discovery {Let people find me by it} advertising {Advertising} other {{purpose}}}',
  'web.privacy.purposeHelp':
    '{purpose, select, authentication {Always on while the contact is on your account: sign-in codes, two-factor codes, password reset and security alerts. Remove the phone or e-mail to stop it.} sms_channel {Post and receive notifications by text message through this number.} discovery {People who have it in their contacts can find your account. Off by default.} other {Advertisers who already have it can show you their promoted posts (they upload it hashed; small audiences are refused). Off by default.}}',
  'web.privacy.use':
    '{kind, select, verification_code_sent {Verification code sent} security_message_sent {Security message sent} sms_sent {Text message sent} discovery_match {Matched in someone’s contacts} audience_match {Matched an advertiser’s audience} promoted_post_shown {Promoted post shown} other {{kind}}}',
  'web.privacy.pointKind':
    '{kind, select, phone {phone} other {e-mail}} · {verified, select, yes {verified {when}} other {not verified}}',
  'web.privacy.onSince': 'on since {since}',
  'web.privacy.off': 'off',
  'web.privacy.whatFor': 'What may this be used for?',
  'web.privacy.always': '{purpose} (always)',
  'web.privacy.historyLink':
    '{count, plural, one {History: consents and # recorded use} other {History: consents and # recorded uses}}',
  'web.privacy.intro':
    'Each phone number and e-mail address on your account, and what it may be used for. Using it for sign-in and security comes with adding it; everything else is your choice and can be turned off at any time.',
  'web.privacy.none': 'No contact points yet. Your e-mail appears here, and a phone once you <a>link one</a>.',
  'web.privacy.historyTitle': 'Your data: one contact point',
  'web.privacy.back': 'Back to privacy settings',
  'web.privacy.purposesNow': 'Purposes now',
  'web.privacy.consents': 'Consent decisions',
  'web.privacy.noneRecorded': 'None recorded.',
  'web.privacy.consentsTable': 'Consent decisions (scrolls sideways on narrow screens)',
  'web.privacy.when': 'When',
  'web.privacy.purposeColumn': 'Purpose',
  'web.privacy.decision': 'Decision',
  'web.privacy.by': 'By',
  'web.privacy.action': '{action, select, grant {turned on} other {turned off}}',
  'web.privacy.source': '{source, select, owner {you} implied {added for security} other {moderation}}',
  'web.privacy.uses': 'Uses',
  'web.privacy.noUses': 'No uses recorded.',
  'web.privacy.usesTable': 'Uses (scrolls sideways on narrow screens)',
  'web.privacy.what': 'What',
  'web.privacy.detail': 'Detail',
  'web.privacy.allOff': 'Turn off every optional use',

  // ── Sign-in steps, sign-up, password reset ──
  'web.welcome.title': 'Welcome',
  'web.welcome.tagline':
    'Short posts for everyone: on the web, in any Mastodon app, or by plain text message from any phone.',
  'web.welcome.join': '<signup>Create an account</signup> or <login>log in</login>.',
  'web.auth.wrongLogin': 'That username or e-mail and password do not match.',
  'web.auth.tooMany': 'Too many attempts',
  'web.auth.tooManyHelp': 'This protects accounts from guessing. Wait a few minutes, then <a>start again</a>.',
  'web.auth.passkeyNeedsJs':
    'Signing in with a passkey needs JavaScript, which is off or unavailable in this browser. Use another option below.',
  'web.auth.usePasskey': 'Use a passkey',
  'web.auth.codeFromApp': 'Code from your authenticator app',
  'web.auth.codeFromText': 'Code from the text message',
  'web.auth.verify': 'Verify',
  'web.auth.recoveryCode': 'Recovery code',
  'web.auth.recoveryOnce': 'Each of your saved recovery codes works once.',
  'web.auth.useRecoveryCode': 'Use recovery code',
  'web.auth.codeBySms': 'Code by SMS',
  'web.auth.smsWeakest':
    'SMS is the weakest option: a SIM swap or an intercepted message defeats it. Prefer an authenticator app or a passkey when you can.',
  'web.auth.textMeCode': 'Text me a code',
  'web.auth.continue': 'Continue',
  'web.auth.confirmTitle': 'Confirm it’s you',
  'web.auth.confirmHelp': 'Your account is protected by a second step. Choose one way to confirm it’s you.',
  'web.auth.startAgain': 'Start again',
  'web.auth.smsCodeSent': 'A code is on its way to the phone number linked to your account. Enter it below.',
  'web.auth.smsTitle': 'Sign in by SMS',
  'web.auth.smsHeading': 'Sign in with a code by SMS',
  'web.auth.smsHelp':
    'We text a 6-digit code to the mobile number linked to your account. SMS is the weakest way to sign in; if your account has a second step, you will be asked for it too.',
  'web.auth.mobileNumber': 'Mobile number',
  'web.auth.passwordInstead': 'Log in with your password instead',
  'web.auth.enterCode': 'Enter your code',
  'web.auth.smsCodeOnWay':
    'If <b>{number}</b> is linked to an account, a code is on its way. It is valid for 10 minutes.',
  'web.auth.signIn': 'Sign in',
  'web.auth.devPhone': 'Development: see the text on the <a>phone simulator</a>.',
  'web.auth.devMail': 'Development: read it in the <a>dev mailbox</a>.',
  'web.auth.withPassword': 'Log in with your password',
  'web.auth.sendMeCode': 'Send me a code',
  'web.auth.newPassword': 'New password',
  'web.signup.heading': 'Create your account',
  'web.signup.emailFirst': 'First, your e-mail address: we send you a code to check it is yours.',
  'web.signup.approvalNote': 'A moderator approves new accounts on this server before they can sign in.',
  'web.signup.email': 'E-mail',
  'web.signup.noScript':
    'Scripts are off in this browser, so it cannot run our automatic check against bulk sign-ups. You can still sign up: a moderator then approves your account before you can sign in.',
  'web.signup.haveAccount': 'Already have an account? <a>Log in</a>.',
  'web.signup.closed': 'Sign-ups are closed',
  'web.signup.closedHelp': 'This server does not take new accounts right now.',
  'web.signup.waitingTitle': 'Waiting for approval',
  'web.signup.thanks': 'Thanks, @{username}',
  'web.signup.waiting':
    'Your account waits for a moderator to approve it. We will e-mail you when they have decided; until then you cannot sign in.',
  'web.signup.checkMail': 'Check your e-mail',
  'web.signup.sentTo':
    'We sent an e-mail to <b>{email}</b>. Enter the 6-digit code from it (valid for 10 minutes) and choose your username and password.',
  'web.signup.codeFromMail': 'Code from the e-mail',
  'web.signup.username': 'Username',
  'web.signup.usernameHelp': 'Letters, digits and _; people will find you as @name.',
  'web.signup.displayName': 'Display name (optional)',
  'web.signup.reason': 'Why do you want to join? (optional, for the moderators)',
  'web.signup.approvalAfter':
    'A moderator approves your account before you can sign in; we e-mail you when they have decided.',
  'web.signup.timeZoneNote':
    'Times will show in this browser’s time zone (in UTC if the page cannot ask it); you can change it in Settings.',
  'web.signup.create': 'Create account',
  'web.signup.noMail': 'No e-mail? Check the address, or <a>start again</a>.',
  'web.reset.title': 'Reset your password',
  'web.reset.help': 'Give the e-mail address or mobile number of your account. If it has one, we send it a code.',
  'web.reset.target': 'E-mail or mobile number',
  'web.reset.backToLogin': 'Back to log in',
  'web.reset.choose': 'Choose a new password',
  'web.reset.sent': 'If <b>{target}</b> belongs to an account, we sent it a code, valid for 10 minutes.',
  'web.reset.code': 'Code',
  'web.reset.signsOut': 'Every signed-in session is signed out when the password changes.',
  'web.reset.set': 'Set new password',

  // ── E-mails about security events (the SMS ones are `mail.smsPost.*` and the like in en.ts) ──
  'mail.checkFailed.subject': 'An SMS was held',
  'mail.checkFailed.body':
    'We could not check your number with your carrier, so a text was held. Review it at {settings}.',
  'mail.notMe.subject': 'SMS posts removed',
  'mail.notMe.body': 'You reported SMS posts as not yours. They were removed and SMS posting is locked.',
  'mail.unlocked.subject': 'SMS posting unlocked',
  'mail.unlocked.body':
    'SMS posting for @{username} was unlocked. If this was not you, change your password at {security}.',
  'mail.signInWithheld.subject': 'Sign-in code not sent',
  'mail.signInWithheld.body':
    '{flood, select, yes {Someone asked for a sign-in code by SMS, but so many codes were asked for your number that none was sent. If this was you, sign in with your password, or ask again from a network you have signed in from before.} other {Someone asked for a sign-in code by SMS, but your carrier reports a recent SIM change, so no code was sent. If this was you, sign in with your password.}}',
  'mail.resetWithheld.subject': 'Password reset code not sent',
  'mail.resetWithheld.body':
    '{flood, select, yes {Someone asked for a password reset code by SMS, but so many codes were asked for your number that none was sent. Use e-mail to reset your password.} other {Someone asked for a password reset code by SMS, but your carrier reports a recent SIM change, so no code was sent. Use e-mail to reset your password.}}',
  'mail.codesLocked.subject': 'SMS codes locked',
  'mail.codesLocked.body':
    '{until, select, none {Too many wrong codes were entered for @{username} or its phone number, so codes sent by SMS (sign-in, second factor, password reset, phone verification) are locked.} other {Too many wrong codes were entered for @{username} or its phone number, so codes sent by SMS (sign-in, second factor, password reset, phone verification) are locked until {until}.}}\n\nIf this was not you, someone may be trying to get into your account: nothing is needed from you, and no code works while the lock lasts. To lift it now, sign in with your password (and your other factor, if you have one) or reset your password by e-mail at {reset}. Review {security}.',
  'mail.passwordReset.subject': 'Your password was changed',
  'mail.passwordReset.body':
    '{via, select, sms {The password of @{username} was reset with a code sent by SMS, and every session was signed out.} email {The password of @{username} was reset with a code sent by e-mail, and every session was signed out.} other {The password of @{username} was reset, and every session was signed out.}}\n\nIf this was not you, reset it again now at {reset} and review {security}.',
  'mail.recoveryUsed.subject': 'A recovery code was used',
  'mail.recoveryUsed.body':
    '{counted, select, yes {{remaining, plural, one {A recovery code was used to sign in to @{username} (# left).} other {A recovery code was used to sign in to @{username} (# left).}}} other {A recovery code was used to sign in to @{username}.}} If this was not you, review {security}.',
  'mail.twoFactor.subject': 'Two-factor settings changed',
  'mail.twoFactor.body':
    '{change, select, authenticator_app_added {The sign-in protection of @{username} changed: authenticator app added.} authenticator_app_removed {The sign-in protection of @{username} changed: authenticator app removed.} recovery_codes_regenerated {The sign-in protection of @{username} changed: recovery codes regenerated.} sms_two_factor_on {The sign-in protection of @{username} changed: sms two factor on.} sms_two_factor_off {The sign-in protection of @{username} changed: sms two factor off.} strong_factor_required {The sign-in protection of @{username} changed: strong factor required.} strong_factor_no_longer_required {The sign-in protection of @{username} changed: strong factor no longer required.} password_changed {The sign-in protection of @{username} changed: password changed.} passkey_removed {The sign-in protection of @{username} changed: passkey removed.} reset_by_operator {The sign-in protection of @{username} changed: reset by operator.} other {The sign-in protection of @{username} changed.}} If this was not you, review {security}.',
  'mail.passkeyAdded.subject': 'A passkey was added',
  'mail.passkeyAdded.body': 'A passkey was added to @{username}. If this was not you, remove it at {security}.',
  'mail.sessionRevoked.subject': 'A session was signed out',
  'mail.sessionRevoked.body': 'A session of @{username} was signed out.',
  'mail.general.subject': 'Security notice',
  'mail.general.body': 'Something changed on @{username}. Review {security}.',

  // ── E-mails about sign-up and password reset ──
  'mail.signupCode.subject': '{instance} sign-up code: {code}',
  'mail.signupCode.body':
    'Welcome to {instance}.\n\nYour code is {code}. It expires in 10 minutes.\n\nIf you did not try to sign up, ignore this e-mail.',
  'mail.signupExists.subject': 'You already have a {instance} account',
  'mail.signupExists.body':
    'Someone tried to sign up to {instance} with this address, which already has an account.\n\nIf it was you, sign in at {web}/login, or reset your password at {web}/password_reset.\nIf not, you can ignore this e-mail.',
  'mail.resetCode.subject': '{instance} password reset code: {code}',
  'mail.resetCode.body':
    'Someone asked to reset the password of your {instance} account.\n\nYour code is {code}. It expires in 10 minutes.\n\nIf this was not you, ignore this e-mail: your password stays as it is.',
  'mail.approved.subject': 'Welcome to {instance}: your account is approved',
  'mail.approved.body': 'Your {instance} account @{username} was approved. Sign in at {web}/login.',
  'mail.rejected.subject': 'Your {instance} sign-up was not approved',
  'mail.rejected.body':
    'The moderators of {instance} did not approve the account @{username}. It will not be activated.',
  'mail.waiting.subject': 'Your {instance} sign-up is waiting for approval',
  'mail.waiting.body':
    'Thanks for signing up to {instance} as @{username}. A moderator reviews new accounts before they can sign in; we will e-mail you when they have decided.',

  // ── Codes by SMS (one segment each, like every sms.* message) ──
  'sms.signInCode':
    '{code} is your {instance} sign-in code. It expires in 10 minutes. Never share it: we will never ask for it.',
  'sms.secondFactorCode':
    '{code} is your {instance} sign-in code. Someone entered your password: if it was not you, change it now.',
  'sms.resetCode':
    '{code} is your {instance} password reset code. It expires in 10 minutes. If you did not ask for it, ignore this message.',
} as const;
