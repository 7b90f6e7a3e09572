export * from './model.ts';
export type * from './ports.ts';
export {
  Microblog,
  type MicroblogOptions,
  type NewAccountInput,
  type PostInput,
  type PublishedListener,
  type DeletedListener,
  type FollowRequestListener,
} from './microblog.ts';
export { CHARACTERS_RESERVED_PER_URL, USERNAME_PATTERN, countGraphemes, extractMentions, postLength } from './text.ts';
