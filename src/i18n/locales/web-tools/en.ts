/**
 * The OAuth authorization pages (src/web/oauth-pages.ts), the phone simulator with its USSD
 * mode (src/web/dev-phone.ts) and the development mailbox (src/web/dev-mail.ts).
 */
export const webToolsEn = {
  // ── OAuth ──
  'web.oauth.title': 'Authorize',
  'web.oauth.heading': 'Sign in to authorize {app}',
  'web.oauth.asks': '{app} asks to:',
  'web.oauth.scope':
    '{scope, select, read {read your posts, timelines, notifications and account details} write {post, delete, like and boost for you, and change your profile} follow {follow, unfollow, block and mute accounts for you} push {receive push notifications for you} profile {see your basic profile} admin_read {read this server’s moderation data} admin_write {take moderation actions on this server} other {{scope}}}',
  'web.oauth.scopePart':
    '{access, select, read {Read} write {Change} admin_read {Read (moderation)} other {Change (moderation)}}: {area, select, accounts {accounts} blocks {blocks} bookmarks {bookmarks} favourites {likes} filters {filters} follows {follows} lists {lists} mutes {mutes} notifications {notifications} search {search} statuses {posts} conversations {conversations} media {media} reports {reports} other {{area}}}',
  'web.oauth.login': 'E-mail or username',
  'web.oauth.password': 'Password',
  'web.oauth.approve': 'Sign in and authorize',
  'web.oauth.deny': 'Deny',
  'web.oauth.wrongLogin': 'Wrong e-mail, username or password.',
  'web.oauth.secondTitle': 'Second step',
  'web.oauth.secondHeading': 'Confirm it’s you',
  'web.oauth.secondIntro': 'Your account asks for a second step before {app} gets access.',
  'web.oauth.method':
    '{method, select, totp {Code from your authenticator app} recovery_code {One of your recovery codes} sms {Code sent by SMS (the weakest option)} password {Your password} other {{method}}}',
  'web.oauth.textMe': 'Text me a code',
  'web.oauth.continue': 'Continue',
  'web.oauth.passkey': 'Use a passkey',
  'web.oauth.passkeyNoJs': 'Passkeys need JavaScript; use another method here.',
  'web.oauth.codeSent': 'If your number can receive it, a code is on its way.',
  'web.oauth.codeTitle': 'Authorization code',
  'web.oauth.codeIntro': 'Copy this code and paste it into the app:',
  'web.oauth.failed': 'Authorization failed',
  'web.oauth.failedCode': 'For the app’s developer: {code}',
  // ── Phone simulator, USSD, mailbox ──
  'web.sms.outcome':
    '{outcome, select, received {sent} duplicate {duplicate} posted {posted} command {command} opted_out {opted out} opted_in {opted in} help {help} unknown_number {unknown number} refused_settings {refused: posting by text is off} refused_suspended {refused: account suspended} refused_locked {refused: posting locked} refused_pin {refused: PIN} refused_policy {refused: country policy} refused_kill_switch {refused: kill switch} held {held} rejected {rejected} invalid_number {invalid number} other {{outcome}}}',
  'web.dev.phone.title': 'Phone simulator',
  'web.dev.phone.intro':
    'Development only: texts from here reach Sparrow as if sent from this number; nothing leaves the machine.',
  'web.dev.phone.number': 'Number',
  'web.dev.phone.use': 'Use',
  'web.dev.phone.conversation': 'Conversation with Sparrow',
  'web.dev.phone.none': 'No messages yet.',
  'web.dev.phone.sparrowWrote': 'Sparrow wrote:',
  'web.dev.phone.youWrote': 'You wrote:',
  'web.dev.phone.status':
    '{status, select, queued {queued} sending {sending} sent {sent} delivered {delivered} failed {failed} undelivered {undelivered} suppressed {suppressed} other {{status}}}',
  'web.dev.phone.segments': '{count, plural, one {# segment} other {# segments}}',
  'web.dev.phone.sparrowSays': 'Sparrow: {outcome}',
  'web.dev.phone.textTo': 'Text to Sparrow',
  'web.dev.phone.send': 'Send',
  'web.dev.phone.ussdLink': 'USSD mode: dial {code}',
  'web.dev.phone.refresh': 'Refresh',
  'web.dev.phone.reloads': 'reloads every {seconds} s',
  'web.dev.phone.stop': 'stop while I type',
  'web.dev.phone.reloadEvery': 'reload every {seconds} s',
  'web.dev.phone.invalid': 'That is not a valid mobile number. Use the international format, e.g. {example}.',
  'web.dev.phone.badInput': 'Give a valid number and a text of at most {max, number} characters.',
  'web.dev.back': 'Back',
  'web.dev.ussd.title': 'USSD simulator',
  'web.dev.ussd.heading': 'Phone simulator: USSD',
  'web.dev.ussd.intro':
    'Development only: a USSD session with Sparrow’s menu as {number} ({code}); the same menu Africa’s Talking’s USSD callback reaches.',
  'web.dev.ussd.back': 'Back to texts',
  'web.dev.ussd.dial': 'Dial {code}',
  'web.dev.ussd.ended': 'Session ended.',
  'web.dev.ussd.reply': 'Reply',
  'web.dev.ussd.cancel': 'Cancel',
  'web.dev.mail.title': 'Dev mailbox',
  'web.dev.mail.intro':
    'Development only: no e-mail leaves this machine; the last messages to each address are kept in memory.',
  'web.dev.mail.address': 'Address',
  'web.dev.mail.open': 'Open',
  'web.dev.mail.none': 'No messages to {address} yet.',
} as const;
