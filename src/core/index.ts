export * from './model.ts';
export type * from './ports.ts';
export { Microblog, type FollowRequestListener } from './microblog.ts';
export * from './post-extras.ts';
export { CHARACTERS_RESERVED_PER_URL, postLength } from './text.ts';
export {
  GROUPABLE_NOTIFICATION_TYPES,
  notificationGroupKey,
  type NotificationGroupPage,
} from './notification-groups.ts';
export { Polls } from './polls.ts';
export { ScheduledPosts } from './scheduled-posts.ts';
