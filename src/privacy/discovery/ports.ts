import type { ModerationReport } from '../model.ts';

/** One looked-up contact, as stored: keyed hashes only, never the number or address. */
export interface LookupRecord {
  accountId: string;
  contactKey: string;
  /** Keyed hash of the number's block of 1000 (phones only), for dense-range detection. */
  blockKey: string | null;
  ipKey: string;
  hit: boolean;
  at: Date;
}

export interface LookupScope {
  accountIds?: readonly string[];
  ipKey?: string;
  since?: Date;
}

export interface DiscoveryStore {
  /** Remembers that the account used discovery from this (hashed) IP. */
  recordIp(accountId: string, ipKey: string, at: Date): Promise<void>;
  /** The account and every account that used discovery from one of its IPs since then (bounded). */
  networkOf(accountId: string, since: Date, limit: number): Promise<string[]>;
  /** Which of these contact keys the account looked up before. */
  seenContacts(accountId: string, keys: readonly string[]): Promise<Set<string>>;
  /** Distinct contacts looked up in the scope. */
  countDistinct(scope: LookupScope): Promise<number>;
  /** Distinct contacts per block key looked up by these accounts since then. */
  blockDensity(accountIds: readonly string[], blockKeys: readonly string[], since: Date): Promise<Map<string, number>>;
  /** Distinct lookups and hits by these accounts since then. */
  hitStats(accountIds: readonly string[], since: Date): Promise<{ lookups: number; hits: number }>;
  /** Stores first lookups (an account's repeat of a contact is kept once). */
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
