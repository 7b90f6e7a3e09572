import type { Page } from '../core/model.ts';
import type { InstanceRule, MuteEntry, NewReport, Report } from './model.ts';

/** Storage of the safety lists, reports, rules and people discovery. */
export interface SafetyStore {
  /** Accounts `accountId` blocks, paged by block id (newest first). */
  blocks(accountId: string, page: Page): Promise<{ accountId: string; cursor: string }[]>;
  /** Accounts `accountId` mutes (expired timed mutes left out), paged by mute id. */
  mutes(accountId: string, page: Page, now: Date): Promise<MuteEntry[]>;
  /** Deletes timed mutes whose time is up; returns how many. */
  deleteExpiredMutes(now: Date): Promise<number>;

  domainBlocks(accountId: string, page: Page): Promise<{ domain: string; cursor: string }[]>;
  addDomainBlock(input: { id: string; accountId: string; domain: string; createdAt: Date }): Promise<void>;
  removeDomainBlock(accountId: string, domain: string): Promise<void>;

  insertReport(report: NewReport, staffNotifications: { id: string; accountId: string }[]): Promise<void>;
  reportById(id: string): Promise<Report | null>;
  /** Reports, newest first, paged by id; filters by open/resolved and by target or reporter. */
  reports(
    filter: { resolved: boolean | null; targetAccountId?: string; accountId?: string },
    page: Page,
  ): Promise<Report[]>;
  updateReport(
    id: string,
    changes: { assignedAccountId?: string | null; actionTakenAt?: Date | null; actionTakenBy?: string | null },
    now: Date,
  ): Promise<void>;
  /** Ids of moderators and administrators who are not suspended. */
  staffAccountIds(): Promise<string[]>;

  rules(): Promise<InstanceRule[]>;
  addRule(rule: InstanceRule, createdAt: Date): Promise<void>;
  removeRule(id: string): Promise<boolean>;

  /**
   * Candidates for "who to follow": accounts followed by the accounts `accountId` follows
   * (friends of friends, with how many), then the most followed local accounts. Never the
   * viewer, accounts it follows or asked to follow, blocks either way, its mutes, dismissed,
   * suspended or non-discoverable accounts.
   */
  suggestions(
    accountId: string,
    limit: number,
    now: Date,
  ): Promise<{ accountId: string; source: 'friends' | 'popular' }[]>;
  dismissSuggestion(accountId: string, targetId: string, now: Date): Promise<void>;
  /** Discoverable, unsuspended accounts: by last post (`active`) or newest (`new`). */
  directory(order: 'active' | 'new', offset: number, limit: number): Promise<string[]>;
  /** For each target, the accounts the viewer follows that follow it. */
  familiarFollowers(viewerId: string, targetIds: readonly string[]): Promise<Map<string, string[]>>;
}
