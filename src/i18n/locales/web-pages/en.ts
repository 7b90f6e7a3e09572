/**
 * English source of the other web pages still written here (lists, search and hashtags, post
 * edits and history, polls, like/boost/bookmark, images, the one-step "this wasn't me" link).
 * Spread into `en.ts`; every other language has a file here with exactly these ids.
 */
export const webPages = {
  'web.older': 'Older',
  'web.post.edit': 'Edit',
  'web.post.edited': 'edited',

  // ── Polls ──
  'web.poll.title': 'Poll',
  'web.poll.votes': '{count, plural, one {# vote} other {# votes}}',
  'web.poll.voters': '{count, plural, one {# person} other {# people}}',
  'web.poll.ends': '{ended, select, yes {Ended {when}} other {Ends {when}}}',
  'web.poll.choose': '{multiple, select, yes {Poll: choose one or more} other {Poll: choose one}}',
  'web.poll.vote': 'Vote',
  'web.poll.yourVote': '(your vote)',
  'web.poll.resultsLater': 'Results are shown when the poll ends.',
  'web.poll.add': 'Add a poll',
  'web.poll.option': 'Option {n}',
  'web.poll.lasts': 'Poll lasts',
  'web.poll.duration':
    '{unit, select, minute {{count, plural, one {# minute} other {# minutes}}} hour {{count, plural, one {# hour} other {# hours}}} other {{count, plural, one {# day} other {# days}}}}',
  'web.poll.multiple': 'Allow several choices',

  // ── Images ──
  'web.media.sensitive': '{count, plural, one {Sensitive image} other {Sensitive images}}',
  'web.media.audio': 'Audio',
  'web.media.video': 'Video',
  'web.media.image': 'Image (optional)',
  'web.media.describe': 'Describe the image for people who cannot see it',

  // ── Lists ──
  'web.lists.name': 'Name',
  'web.lists.showReplies': 'Show replies',
  'web.lists.policy':
    '{policy, select, list {Replies to people in this list} followed {Replies to anyone you follow} other {No replies}}',
  'web.lists.exclusive': 'Only here: hide these people’s posts from Home',
  'web.lists.none': 'No lists yet. A list gathers some of the people you follow into a timeline of their own.',
  'web.lists.onlyHere': 'only here',
  'web.lists.new': 'New list',
  'web.lists.create': 'Create list',
  'web.lists.timeline': 'List timeline',
  'web.lists.empty': 'Nothing here yet: posts by the people in this list show up here.',
  'web.lists.people': 'People in this list ({count, number})',
  'web.lists.nobody': 'Nobody yet.',
  'web.lists.addSomeone': 'Add someone you follow',
  'web.lists.add': 'Add',
  'web.lists.change': 'Rename or change this list',
  'web.lists.delete': 'Delete this list',
  'web.lists.all': 'All lists',

  // ── Search and hashtags ──
  'web.search.title': 'Search: {q}',
  'web.search.for': 'Search for',
  'web.search.placeholder': 'Name, @handle, #tag or words',
  'web.search.what': 'What to search',
  'web.search.type': '{type, select, accounts {People} statuses {Posts} hashtags {Hashtags} other {Everything}}',
  'web.search.help':
    '{signedIn, select, yes {Find people by name or @handle, hashtags, and posts by their words.} other {Find people by name or @handle, hashtags, and (signed in) posts by their words.}}',
  'web.search.nobody': 'Nobody found.',
  'web.search.noTags': 'No hashtags found.',
  'web.search.noPosts': 'No posts found.',
  'web.search.logInForPosts': '<a>Log in</a> to search posts.',
  'web.search.request': 'Request to follow',
  'web.search.follow': 'Follow',
  'web.search.following': 'Following',
  'web.tag.uses':
    '{people, plural, =0 {{count, plural, one {# post this week} other {# posts this week}}} one {{count, plural, one {# post this week, by 1+ person} other {# posts this week, by 1+ person}}} other {{count, plural, one {# post this week, by {people}+ people} other {# posts this week, by {people}+ people}}}}',
  'web.tag.follow': 'Follow hashtag',
  'web.tag.unfollow': 'Unfollow hashtag',
  'web.tag.logIn': '<a>Log in</a> to follow this hashtag.',
  'web.tag.inHome': 'Public posts with this hashtag appear in your home timeline.',
  'web.tag.noPostsYet': 'No public posts with this hashtag yet.',
  'web.tag.noPosts': 'No public posts with this hashtag.',

  // ── Editing a post, and its history ──
  'web.edit.title': 'Edit post',
  'web.edit.text': 'Text',
  'web.edit.help':
    'Up to {max, number} characters. Who can see it stays as it was ({visibility, select, public {public} unlisted {unlisted} private {followers only} other {mentioned people only}}). Everyone who boosted it is told it changed.',
  'web.edit.spoiler': 'Content warning (optional)',
  'web.edit.sensitive': 'Sensitive',
  'web.edit.poll': 'The poll ({options}) stays as it is; apps can change its options, which starts the vote again.',
  'web.edit.cancel': 'Cancel',
  'web.history.title': 'Edits of a post by @{username}',
  'web.history.heading': 'Edits of a post by {name}',
  'web.history.back': 'Back to the post',
  'web.history.version': '{version, select, original {Original} current {Current} other {Edited}}',
  'web.history.spoiler': '<b>Content warning:</b> {spoiler}',
  'web.history.poll': 'Poll: {options}',

  // ── Like, boost, bookmark ──
  'web.actions.like': 'Like',
  'web.actions.unlike': 'Unlike',
  'web.actions.boost': 'Boost',
  'web.actions.unboost': 'Undo boost',
  'web.actions.bookmark': 'Bookmark',
  'web.actions.unbookmark': 'Remove bookmark',
  'web.actions.yourBookmarks': 'Your bookmarks',
  'web.bookmarks.title': 'Bookmarks',
  'web.bookmarks.private': 'Only you see what you saved.',
  'web.bookmarks.empty': 'Nothing saved yet: open a post and choose Bookmark.',

  // ── "This wasn't me" from the e-mail about an SMS post ──
  'web.notMe.expiredTitle': 'Link expired',
  'web.notMe.expiredHeading': 'This link has expired',
  'web.notMe.expired':
    'It is more than 7 days old or not complete. Sign in and use <a>Settings → SMS posting</a>: “This wasn’t me” is there too.',
  'web.notMe.heading': 'A post by SMS that was not you?',
  'web.notMe.explain':
    'This removes every post made by SMS on your account since the last one you confirmed, discards texts waiting for you, and locks SMS posting until you unlock it with your password.',
  'web.notMe.button': 'Remove them and lock SMS posting',
  'web.notMe.done': 'Done',
  'web.notMe.removed':
    '{count, plural, one {# post made by SMS was removed and SMS posting is locked.} other {# posts made by SMS were removed and SMS posting is locked.}} Change your password if you think someone knows it, and check your phone with your carrier.',
  'web.notMe.review': '<a>Sign in</a> to review your account.',
  // ── Profiles, a post's page, follow requests, direct messages, not found ──
  'web.social.notification':
    '{kind, select, mention {{name} mentioned you} status {{name} posted} reblog {{name} boosted your post} follow {{name} followed you} follow_request {{name} asked to follow you} favourite {{name} favourited your post} poll {{name} ran a poll that has ended} update {{name} edited a post you boosted} other {{name}}}',
  'web.social.reviewRequests': 'Review follow requests',
  'web.social.unfollow': 'Unfollow',
  'web.social.requested': 'Requested',
  'web.social.cancelRequest': 'Cancel request',
  'web.social.counts':
    '{posts, plural, one {# post} other {# posts}} · {following, number} following · {followers, plural, one {# follower} other {# followers}}',
  'web.social.role': '{role, select, admin {administrator} moderator {moderator} other {{role}}}',
  'web.social.approves': 'approves followers',
  'web.social.message': 'Message',
  'web.social.askedYou': '@{username} asked to follow you.',
  'web.social.editProfile': 'Edit profile',
  'web.social.noPosts': 'No posts yet.',
  'web.social.postBy': 'Post by @{username}',
  'web.social.earlier': 'Earlier in the conversation',
  'web.social.post': 'Post',
  'web.social.logInToReply': '<a>Log in</a> to reply.',
  'web.social.replies': 'Replies',
  'web.social.noReplies': 'No replies yet.',
  'web.social.followRequests': 'Follow requests',
  'web.social.requestsHelp':
    '{locked, select, yes {Your account approves followers: only people you accept here see your followers-only posts.} other {Your account is open: anyone can follow it. <a>Approve followers by hand</a>.}}',
  'web.social.nobodyWaiting': 'Nobody is waiting.',
  'web.social.accept': 'Accept',
  'web.social.reject': 'Reject',
  'web.social.directMessages': 'Direct messages',
  'web.social.to': 'To (username)',
  'web.social.send': 'Send',
  'web.social.conversations': 'Conversations',
  'web.social.noMessages': 'No messages yet.',
  'web.social.notesToSelf': 'Notes to self',
  'web.social.new': 'new',
  'web.social.you': 'You: {text}',
  'web.social.messagesWith': 'Messages with @{username}',
  'web.social.messagesWithHeading': 'Messages with {name}',
  'web.social.conversation': 'Conversation',
  'web.social.messageTo': 'Message to @{username}',
  'web.social.allConversations': 'All conversations',
  'web.social.noSuchAccount': 'There is no account with that username.',
  'web.social.back': 'Back',
  'web.social.notFound': 'Not found',
  'web.social.notFoundHelp': 'There is nothing here, or you cannot see it.',
} as const;
