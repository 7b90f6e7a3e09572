export { AccountNotices, type NotifyOwner } from './account-notices.ts';
export { isNoticeKind, type AccountNotice } from './model.ts';
export type { NoticeStore } from './ports.ts';
