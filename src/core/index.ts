export * from './model.ts';
export type * from './ports.ts';
export { Microblog, MAX_MEDIA_ATTACHMENTS, type FollowRequestListener } from './microblog.ts';
export { CHARACTERS_RESERVED_PER_URL, postLength } from './text.ts';
export {
  GROUPABLE_NOTIFICATION_TYPES,
  notificationGroupKey,
  type NotificationGroupPage,
} from './notification-groups.ts';
