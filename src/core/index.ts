export * from './model.ts';
export type * from './ports.ts';
export { Microblog, MAX_MEDIA_ATTACHMENTS, type FollowRequestListener } from './microblog.ts';
export * from './post-extras.ts';
export { CHARACTERS_RESERVED_PER_URL, mentionsAccount, postLength } from './text.ts';
export { Hashtags, MAX_FEATURED_TAGS, type TagView, type FeaturedTagView } from './hashtags.ts';
export { Search } from './search.ts';
export { Trends, type TrendingLink } from './trends.ts';
export {
  GROUPABLE_NOTIFICATION_TYPES,
  notificationGroupKey,
  type NotificationGroupPage,
} from './notification-groups.ts';
export { Lists, REPLIES_POLICIES, type List } from './lists.ts';
export { Filters, type FilterChanges } from './filters.ts';
export { Markers, MARKER_TIMELINES, MAX_UNREAD_COUNT, type Marker } from './markers.ts';
export { Conversations, type ConversationView } from './conversations.ts';
export { Polls } from './polls.ts';
export { ScheduledPosts } from './scheduled-posts.ts';
