/** Why someone reports an account (Mastodon's report categories). */
export type ReportCategory = 'spam' | 'legal' | 'violation' | 'other';
export const REPORT_CATEGORIES: readonly ReportCategory[] = ['spam', 'legal', 'violation', 'other'];

/** A report by one account about another, for staff to look at. */
export interface Report {
  id: string;
  /** Who reported. */
  accountId: string;
  targetAccountId: string;
  statusIds: string[];
  comment: string;
  category: ReportCategory;
  ruleIds: string[];
  /** The reporter asked to forward it to the target's server: a Flag from this server's instance actor, never naming the reporter. */
  forward: boolean;
  assignedAccountId: string | null;
  actionTakenAt: Date | null;
  actionTakenBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewReport = Omit<Report, 'assignedAccountId' | 'actionTakenAt' | 'actionTakenBy' | 'updatedAt'>;

/** A rule of this server, set by its operator; reports may cite them. */
export interface InstanceRule {
  id: string;
  text: string;
  hint: string;
}

/** A muted account as its muter's list shows it. */
export interface MuteEntry {
  accountId: string;
  cursor: string;
  hideNotifications: boolean;
  expiresAt: Date | null;
}
