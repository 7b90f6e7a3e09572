/**
 * Everything Sparrow says by SMS, in one place. Each reply is written to fit one GSM-7
 * segment (160 characters) when the inserted values are of ordinary length.
 */
export const replies = {
  help: (web: string) =>
    `Sparrow: text to post. FOLLOW @user, UNFOLLOW @user, D @user msg, GET @user, WHOIS @user, ON/OFF, UNDO. STOP to quit. ${web}`,
  stopped: () => 'You will get no more texts from Sparrow. Reply START to resume.',
  started: () => 'Texts from Sparrow resumed. Reply HELP for commands, STOP to quit.',
  notLinked: (web: string) =>
    `This number is not linked to a Sparrow account. Link it in settings at ${web}. HELP for help, STOP to quit.`,
  postingOff: (web: string) => `Posting by text is off for your account. Turn it on in settings at ${web}`,
  countryOff: (web: string) => `Posting by text is not available in your country. Use ${web}`,
  killSwitch: (web: string) => `Texting Sparrow is paused right now. Use ${web}`,
  tooLong: (length: number, max: number) =>
    `Not posted: ${length} characters, the limit is ${max}. Shorten it and text again.`,
  notPosted: (why: string) => `Not posted: ${why}`,
  usage: (usage: string) => `Try: ${usage}`,
  noSuchUser: (username: string) => `No account @${username}.`,
  followed: (username: string, textsOn: boolean) =>
    textsOn
      ? `You follow @${username}. Their posts will come by text. OFF @${username} to stop.`
      : `You follow @${username}. Texts are OFF for you; reply ON to get their posts.`,
  followRequested: (username: string, textsOn: boolean) =>
    textsOn
      ? `@${username} approves followers: request sent. Their posts will come by text once they accept. UNFOLLOW @${username} to cancel.`
      : `@${username} approves followers: request sent. Texts are OFF for you; reply ON to get their posts once they accept.`,
  followFailed: (username: string) => `Could not follow @${username}.`,
  unfollowed: (username: string) => `You no longer follow @${username}.`,
  allOn: () => 'Texts ON for accounts you asked for. OFF to pause all.',
  allOff: () => 'Texts OFF. Reply ON to resume.',
  userOn: (username: string) => `Posts from @${username} will come by text.`,
  userOff: (username: string) => `No more texts of @${username}'s posts.`,
  notFollowing: (username: string) => `You don't follow @${username}. Reply FOLLOW @${username}.`,
  stillRequested: (username: string) =>
    `@${username} has not accepted your follow request yet. Their posts will come by text once they do.`,
  noPosts: (username: string) => `@${username} has no public posts yet.`,
  dmSent: (username: string) => `Sent to @${username}.`,
  undone: () => 'Deleted your last post by text.',
  nothingToUndo: () => 'No post by text to undo.',
  verificationCode: (code: string) => `Your Sparrow code is ${code}. It expires in 10 minutes. Never share it.`,
} as const;
