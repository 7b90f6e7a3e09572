import { errorsEn } from './errors/en.ts';
import { webAdminEn } from './web-admin/en.ts';
import { webFederationEn } from './web-federation/en.ts';
import { webToolsEn } from './web-tools/en.ts';
/**
 * English: the source catalogue. Every other language has exactly these message ids (the
 * type checker enforces it). Messages are ICU MessageFormat (plurals, selects); `{web}`,
 * `{username}` and the like are filled in when the message is used. Entries under `sms.`
 * and `ussd.` are written to fit one SMS segment / one USSD screen (test/i18n checks it).
 */
import { webAccount } from './web-account/en.ts';
import { webPages } from './web-pages/en.ts';

export const en = {
  ...webAccount,
  ...webPages,
  // ── SMS replies ──
  'sms.help':
    'Sparrow: text to post. FOLLOW @user, UNFOLLOW @user, D @user msg, GET @user, WHOIS @user, ON/OFF, UNDO. STOP to quit. {web}',
  'sms.stopped': 'You will get no more texts from Sparrow. Reply START to resume.',
  'sms.started': 'Texts from Sparrow resumed. Reply HELP for commands, STOP to quit.',
  'sms.notLinked':
    'This number is not linked to a Sparrow account. Link it in settings at {web}. HELP for help, STOP to quit.',
  'sms.postingOff': 'Posting by text is off for your account. Turn it on in settings at {web}',
  'sms.locked': 'Posting by text is locked for your account. Unlock it in settings at {web}',
  'sms.countryOff': 'Posting by text is not available in your country. Use {web}',
  'sms.killSwitch': 'Texting Sparrow is paused right now. Use {web}',
  'sms.pinNeeded': 'Your account needs a posting PIN for texts. Set one in settings at {web}',
  'sms.pinMissing': 'Start your text with your posting PIN, then a space.',
  'sms.pinWrong': 'Wrong posting PIN. Not posted.',
  'sms.pinLocked': 'Too many wrong PINs: posting by text is locked. Unlock it at {web}',
  'sms.held': 'Too many texts: this one is held. Release it at {web}',
  'sms.tooLong': 'Not posted: {length} characters, the limit is {max}. Shorten it and text again.',
  'sms.notPosted': 'Not posted: {why}',
  'sms.usage': 'Try: {usage}',
  'sms.noSuchUser': 'No account @{username}.',
  'sms.followed':
    '{textsOn, select, yes {You follow @{username}. Their posts will come by text. OFF @{username} to stop.} other {You follow @{username}. Texts are OFF for you; reply ON to get their posts.}}',
  'sms.followRequested':
    '{textsOn, select, yes {@{username} approves followers: request sent. Their posts will come by text once they accept. UNFOLLOW @{username} to cancel.} other {@{username} approves followers: request sent. Texts are OFF for you; reply ON to get their posts once they accept.}}',
  'sms.followFailed': 'Could not follow @{username}.',
  'sms.unfollowed': 'You no longer follow @{username}.',
  'sms.allOn': 'Texts ON for accounts you asked for. OFF to pause all.',
  'sms.allOff': 'Texts OFF. Reply ON to resume.',
  'sms.userOn': 'Posts from @{username} will come by text.',
  'sms.userOff': "No more texts of @{username}''s posts.",
  'sms.notFollowing': "You don''t follow @{username}. Reply FOLLOW @{username}.",
  'sms.stillRequested':
    '@{username} has not accepted your follow request yet. Their posts will come by text once they do.',
  'sms.noPosts': '@{username} has no public posts yet.',
  'sms.dmSent': 'Sent to @{username}.',
  'sms.replied': 'Replied to @{username}.',
  'sms.nothingToReply': 'No post of @{username} you can reply to.',
  'sms.undone': 'Deleted your last post by text.',
  'sms.nothingToUndo': 'No post by text to undo.',
  'sms.whois':
    '@{username}{name}:{bio} {posts, plural, one {# post} other {# posts}}, {followers, plural, one {# follower} other {# followers}}, {following} following.',
  'sms.verificationCode': 'Your Sparrow code is {code}. It expires in 10 minutes. Never share it.',

  // ── USSD menus (one screen: at most 182 GSM-7 or 80 UCS-2 characters) ──
  'ussd.menu': 'Sparrow\n1 Latest posts\n2 Post\n3 Reply\n4 Follow\n5 Notifications\n6 Texts on/off',
  'ussd.more': '98 More',
  'ussd.back': '0 Back',
  'ussd.noPosts': 'Nothing new from people you follow.',
  'ussd.pickPost': 'Reply to which post?',
  'ussd.writePost': 'Write your post:',
  'ussd.writeReply': 'Write your reply:',
  'ussd.posted': 'Posted.',
  'ussd.replied': 'Reply posted.',
  'ussd.enterHandle': 'Follow whom? Enter a username, e.g. @amina',
  'ussd.noNotifications': 'No notifications.',
  'ussd.textsState': '{on, select, yes {Texts are ON.\n1 Turn off} other {Texts are OFF.\n1 Turn on}}',
  'ussd.enterPin': 'Enter your posting PIN:',
  'ussd.invalid': 'Not a choice on this menu.',
  'ussd.held': 'Held for you to release at {web}',
  'ussd.notification':
    '{kind, select, mention {@{username} mentioned you} reblog {@{username} boosted} favourite {@{username} liked} follow {@{username} followed you} follow_request {@{username} asked to follow} other {@{username}}}',
  'ussd.done': 'Done.',
  'ussd.empty': 'Nothing was written.',

  // ── Web: layout and language switcher ──
  'mail.footer': '— {instance} ({web}). We never ask for codes or passwords by e-mail or SMS.',
  'mail.smsPost.subject': 'New post by SMS',
  'mail.smsPost.bodyWithLink':
    'A post was published on @{username} by SMS (more may follow within 10 minutes without another e-mail; all are listed at {events}).\n\nIf it was not you, open this link — one step, no sign-in needed — to remove the SMS posts since the last one you confirmed and lock SMS posting:\n{link}\n\n(The link works for 7 days. You can also do it at {settings}.)',
  'mail.smsPost.body':
    'A post was published on @{username} by SMS.\n\nIf it was not you, open {settings} and choose "This wasn\'\'t me": it removes the SMS posts since the last one you confirmed and locks SMS posting.',
  'mail.simSwap.subject': 'SMS posting frozen: your SIM may have been swapped',
  'mail.simSwap.body':
    'Your carrier reports that the SIM for your number changed recently. SMS posting is frozen and the message was held.\n\nIf you changed your SIM yourself, re-enable SMS posting at {settings}. If not, contact your carrier now.',
  'mail.held.subject': 'A text is waiting for you',
  'mail.held.body':
    'A text from your number was held{reason, select, none {} other { ({reason})}}. Release or discard it at {settings}.',
  'mail.locked.subject': 'SMS posting locked',
  'mail.locked.body':
    'SMS posting for @{username} is locked{reason, select, none {} other { ({reason})}}. Unlock it at {settings}.',
  'web.nav.home': 'Home',
  'web.nav.notifications': 'Notifications',
  'web.nav.messages': 'Messages',
  'web.nav.lists': 'Lists',
  'web.nav.search': 'Search',
  'web.nav.profile': 'Profile',
  'web.nav.settings': 'Settings',
  'web.nav.admin': 'Admin',
  'web.nav.simulator': 'Phone simulator',
  'web.nav.logout': 'Log out',
  'web.nav.login': 'Log in',
  'web.nav.signup': 'Sign up',
  'web.home.title': 'Home',
  'web.home.empty': 'Nothing here yet. Follow people to see their posts, or write your first post above.',
  'web.home.securityEvents': '{count, plural, one {# new security event} other {# new security events}}',
  'web.home.onYourAccount': 'on your account.',
  'web.home.review': '{count, plural, one {Review it} other {Review them}}',
  'web.compose.whatsHappening': 'What’s happening?',
  'web.compose.yourReply': 'Your reply',
  'web.compose.help': 'Up to {max} characters. Links count as 23.',
  'web.compose.audience': 'Who can see it',
  'web.visibility.public': 'Public',
  'web.visibility.unlisted': 'Unlisted (not in public lists)',
  'web.visibility.private': 'Followers only',
  'web.visibility.direct': 'Mentioned people only',
  'web.compose.post': 'Post',
  'web.compose.reply': 'Reply',
  'web.post.promoted': 'Promoted',
  'web.post.why': 'why you see this',
  'web.post.boosted': 'boosted',
  'web.post.via': '{source, select, sms {via SMS} web {via web} other {via {source}}}',
  'web.post.visibility': '{visibility, select, unlisted {unlisted} private {private} direct {direct} other {}}',
  'web.post.replies': '{count, plural, one {# reply} other {# replies}}',
  'web.post.reply': 'Reply',
  'web.post.delete': 'Delete',
  'web.notifications.title': 'Notifications',
  'web.notifications.empty': 'No notifications yet.',
  'web.notifications.waiting': '{count, plural, one {# follow request waiting} other {# follow requests waiting}}',
  'web.login.title': 'Log in',
  'web.login.user': 'Username or e-mail',
  'web.login.password': 'Password',
  'web.login.submit': 'Log in',
  'web.login.bySms': 'Sign in with a code by SMS instead',
  'web.login.forgot': 'Forgot your password?',
  'web.login.noAccount': 'No account yet?',
  'web.login.signup': 'Sign up',
  'web.language.label': 'Language',
  'web.language.save': 'Change',
  'web.language.saved': 'Language saved.',
  'web.skip': 'Skip to content',
  ...errorsEn,
  ...webAdminEn,
  ...webFederationEn,
  ...webToolsEn,
} as const;
