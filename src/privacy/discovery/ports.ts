import type { ModerationReport } from '../model.ts';

/** One looked-up contact, as stored: keyed hashes only, never the number or address. */
export interface LookupRecord {
  accountId: string;
  contactKey: string;
  /** Keyed hash of the number's block of 1000 (phones only), for range signals. */
  blockKey: string | null;
  ipKey: string;
  /** False for a phone lookup refused at the door (no old-enough phone): kept as evidence only. */
  answered: boolean;
  /** The (mutual, discoverable) account this lookup returned, if any. */
  matchedAccountId: string | null;
  at: Date;
}

export interface LookupScope {
  /** One account's lookups; without it, every account's (the instance). */
  accountId?: string;
  ipKey?: string;
  since?: Date;
}

/** An account's phone lookups in a window, answered or refused, and whom it was returned. */
export interface LookupActivity {
  accountId: string;
  lookups: number;
  matchedAccounts: string[];
}

export interface DiscoveryStore {
  /** Which of these contact keys the account looked up before and was answered for. */
  seenContacts(accountId: string, keys: readonly string[]): Promise<Set<string>>;
  /** Answered lookups in the scope (each a first lookup of a contact by one account). */
  countLookups(scope: LookupScope): Promise<number>;
  /** The account's phone lookups (answered or refused) since then, and how many blocks of 1000 they fall in. */
  blockSpread(accountId: string, since: Date): Promise<{ lookups: number; blocks: number }>;
  /** The account's distinct numbers per block key since then. */
  blockDensity(accountId: string, blockKeys: readonly string[], since: Date): Promise<Map<string, number>>;
  /** Every account with at least `minLookups` phone lookups since then. */
  activity(since: Date, minLookups: number): Promise<LookupActivity[]>;
  /** Which of these accounts ever submitted one of these contact keys (their own address books). */
  uploadedBy(accountIds: readonly string[], contactKeys: readonly string[]): Promise<Set<string>>;
  /** The accounts with the most answered lookups since then. */
  topLookers(since: Date, limit: number): Promise<{ accountId: string; lookups: number }[]>;
  /** Stores first lookups; an answered lookup replaces a refused one of the same contact. */
  recordLookups(rows: readonly LookupRecord[]): Promise<void>;
  blockedAmong(accountIds: readonly string[]): Promise<Set<string>>;
  block(accountIds: readonly string[], reason: string, reportId: string, at: Date): Promise<void>;
  unblockReport(reportId: string): Promise<void>;
}

export interface ModerationStore {
  createReport(report: ModerationReport): Promise<void>;
  reports(status: 'open' | 'resolved' | null, limit: number): Promise<ModerationReport[]>;
  resolve(id: string, by: string, at: Date): Promise<ModerationReport | null>;
}
