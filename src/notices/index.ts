export { AccountNotices, type NoticeChannel, type NotifyOwner } from './account-notices.ts';
export { isNoticeKind, type AccountNotice, type NoticeKind } from './model.ts';
export type { NoticeStore } from './ports.ts';
