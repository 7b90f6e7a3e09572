import type { Messages } from '../catalogue-types.ts';

/**
 * Hausa (boko). Hooked letters (ɓ, ɗ, ƙ, ƴ) are outside GSM-7 and are folded to b, d, k, y
 * for SMS and USSD only, as Hausa texters commonly write them. Wants review by a native speaker.
 */
export const ha: Messages = {
  'sms.help':
    'Sparrow: aika sako don wallafa. BI @suna, DAINA @suna, D @suna sako, SAMU @suna, WANE @suna, KUNNA/KASHE, SHAFE. TSAYA don dainawa. {web}',
  'sms.stopped': 'Ba za ka ƙara samun saƙonni daga Sparrow ba. Amsa FARA don komawa.',
  'sms.started': 'Saƙonnin Sparrow sun dawo. TAIMAKO don umarni, TSAYA don dainawa.',
  'sms.notLinked':
    'Ba a haɗa wannan lamba da asusun Sparrow ba. Haɗa ta a saituna a {web}. TAIMAKO don taimako, TSAYA don dainawa.',
  'sms.postingOff': 'An kashe wallafawa ta saƙo a asusunka. Kunna ta a saituna a {web}',
  'sms.locked': 'An kulle wallafawa ta saƙo a asusunka. Buɗe ta a saituna a {web}',
  'sms.countryOff': 'Babu wallafawa ta saƙo a ƙasarku. Yi amfani da {web}',
  'sms.killSwitch': 'An dakatar da Sparrow ta saƙo a yanzu. Yi amfani da {web}',
  'sms.pinNeeded': 'Asusunka yana buƙatar PIN na wallafawa. Saita shi a {web}',
  'sms.pinMissing': 'Fara saƙonka da PIN ɗinka na wallafawa, sannan sarari.',
  'sms.pinWrong': 'PIN ba daidai ba ne. Ba a wallafa ba.',
  'sms.pinLocked': 'PIN marasa kyau sun yi yawa: an kulle wallafawa ta saƙo. Buɗe a {web}',
  'sms.held': 'Saƙonni sun yi yawa: an riƙe wannan. Saki shi a {web}',
  'sms.tooLong': 'Ba a wallafa ba: haruffa {length}, iyaka {max} ne. Rage shi ka sake aikawa.',
  'sms.notPosted': 'Ba a wallafa ba: {why}',
  'sms.usage': 'Gwada: {usage}',
  'sms.noSuchUser': 'Babu asusun @{username}.',
  'sms.followed':
    '{textsOn, select, yes {Kana bin @{username}. Rubutunsa za su zo ta saƙo. KASHE @{username} don tsayawa.} other {Kana bin @{username}. An kashe saƙonni; amsa KUNNA don samun rubutunsa.}}',
  'sms.followRequested':
    '{textsOn, select, yes {@{username} yana amincewa da mabiya: an aika buƙata. Rubutunsa za su zo ta saƙo idan ya karɓa.} other {@{username} yana amincewa da mabiya: an aika buƙata. Amsa KUNNA.}}',
  'sms.followFailed': 'Ba a iya bin @{username} ba.',
  'sms.unfollowed': 'Ba ka ƙara bin @{username}.',
  'sms.allOn': 'An kunna saƙonni don asusun da ka zaɓa. KASHE don dakatar da duka.',
  'sms.allOff': 'An kashe saƙonni. Amsa KUNNA don komawa.',
  'sms.userOn': 'Rubutun @{username} za su zo ta saƙo.',
  'sms.userOff': 'Babu ƙarin saƙonni na rubutun @{username}.',
  'sms.notFollowing': 'Ba ka bin @{username}. Amsa BI @{username}.',
  'sms.stillRequested': '@{username} bai karɓi buƙatarka ba tukuna. Rubutunsa za su zo ta saƙo bayan haka.',
  'sms.noPosts': '@{username} ba shi da rubutu na jama’a tukuna.',
  'sms.dmSent': 'An aika wa @{username}.',
  'sms.undone': 'An share rubutunka na ƙarshe ta saƙo.',
  'sms.nothingToUndo': 'Babu rubutu ta saƙo da za a share.',
  'sms.whois':
    '@{username}{name}:{bio} rubutu {posts}, {followers, plural, one {mabiyi #} other {mabiya #}}, yana bin {following}.',
  'sms.verificationCode': 'Lambar Sparrow ɗinka ita ce {code}. Za ta ƙare cikin minti 10. Kada ka ba kowa.',

  'ussd.menu': 'Sparrow\n1 Sababbin rubutu\n2 Wallafa\n3 Amsa\n4 Bi\n5 Sanarwa\n6 Saƙonni kunna/kashe',
  'ussd.more': '98 Ƙari',
  'ussd.back': '0 Koma',
  'ussd.noPosts': 'Babu sabon abu daga waɗanda kake bi.',
  'ussd.pickPost': 'Amsa wane rubutu?',
  'ussd.writePost': 'Rubuta saƙonka:',
  'ussd.writeReply': 'Rubuta amsarka:',
  'ussd.posted': 'An wallafa.',
  'ussd.replied': 'An wallafa amsa.',
  'ussd.enterHandle': 'Bi wa? Rubuta suna, misali @amina',
  'ussd.noNotifications': 'Babu sanarwa.',
  'ussd.textsState': '{on, select, yes {Saƙonni a kunne.\n1 Kashe} other {Saƙonni a kashe.\n1 Kunna}}',
  'ussd.enterPin': 'Rubuta PIN ɗinka na wallafawa:',
  'ussd.invalid': 'Babu wannan zaɓi a wannan menu.',
  'ussd.held': 'An riƙe: saki shi a {web}',
  'ussd.notification':
    '{kind, select, mention {@{username} ya ambace ka} reblog {@{username} ya yaɗa} favourite {@{username} ya so} follow {@{username} yana binka} follow_request {@{username} yana son binka} other {@{username}}}',
  'ussd.done': 'An gama.',
  'ussd.empty': 'Ba a rubuta komai ba.',

  'web.nav.home': 'Gida',
  'web.nav.notifications': 'Sanarwa',
  'web.nav.messages': 'Saƙonni',
  'web.nav.profile': 'Bayani',
  'web.nav.settings': 'Saituna',
  'web.nav.admin': 'Gudanarwa',
  'web.nav.simulator': 'Na’urar gwajin waya',
  'web.nav.logout': 'Fita',
  'web.nav.login': 'Shiga',
  'web.nav.signup': 'Yi rajista',
  'web.language.label': 'Harshe',
  'web.language.save': 'Canza',
  'web.language.saved': 'An adana harshe.',
  'web.skip': 'Tsallaka zuwa abun ciki',
};
