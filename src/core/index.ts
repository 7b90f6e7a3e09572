export * from './model.ts';
export type * from './ports.ts';
export { Microblog, type FollowRequestListener } from './microblog.ts';
export { CHARACTERS_RESERVED_PER_URL, postLength } from './text.ts';
export { Hashtags, MAX_FEATURED_TAGS, type TagView, type FeaturedTagView } from './hashtags.ts';
export { Search } from './search.ts';
export { Trends, type TrendingLink } from './trends.ts';
export {
  GROUPABLE_NOTIFICATION_TYPES,
  notificationGroupKey,
  type NotificationGroupPage,
} from './notification-groups.ts';
