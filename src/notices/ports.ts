import type { AccountNotice } from './model.ts';

/** Where account notices are kept until the owner has seen them (and after, as a record). */
export interface NoticeStore {
  addNotice(notice: AccountNotice): Promise<void>;
  notices(accountId: string, limit: number): Promise<AccountNotice[]>;
  unreadNotices(accountId: string): Promise<number>;
  markNoticesRead(accountId: string, now: Date): Promise<void>;
}
