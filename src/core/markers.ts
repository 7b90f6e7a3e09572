import { type Clock, systemClock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import { ID_LENGTH, ID_PATTERN } from '../shared/ids.ts';

/** The timelines a client may remember its reading position in. */
export type MarkerTimeline = 'home' | 'notifications';
export const MARKER_TIMELINES: readonly MarkerTimeline[] = ['home', 'notifications'];

export interface Marker {
  timeline: MarkerTimeline;
  lastReadId: string;
  /** Grows by one with every save, so clients can tell a position moved elsewhere. */
  version: number;
  updatedAt: Date;
}

export interface MarkerStore {
  markers(accountId: string, timelines: readonly MarkerTimeline[]): Promise<Marker[]>;
  /** Saves the position, raising the version by one in the same statement (no lost increments). */
  saveMarker(accountId: string, timeline: MarkerTimeline, lastReadId: string, at: Date): Promise<Marker>;
  /**
   * Notifications newer than `afterId` (all when null), at most `limit`, leaving out those from
   * accounts blocked either way and from mutes that hide notifications.
   */
  countNotificationsAfter(accountId: string, afterId: string | null, limit: number): Promise<number>;
}

/** Unread notifications are counted up to this many, as Mastodon does. */
export const MAX_UNREAD_COUNT = 1000;

/**
 * Markers (Mastodon's `/api/v1/markers`): where an account stopped reading its home timeline
 * and its notifications, shared by all its apps. Saving is last-write-wins with an atomic
 * version increment; Sparrow never answers 409 (Mastodon's optional conflict answer).
 */
export class Markers {
  private readonly store: MarkerStore;
  private readonly clock: Clock;

  constructor(store: MarkerStore, clock: Clock = systemClock) {
    this.store = store;
    this.clock = clock;
  }

  async get(accountId: string, timelines: readonly string[]): Promise<Marker[]> {
    const wanted = MARKER_TIMELINES.filter((t) => timelines.includes(t));
    return wanted.length > 0 ? this.store.markers(accountId, wanted) : [];
  }

  async save(accountId: string, positions: Partial<Record<MarkerTimeline, string>>): Promise<Marker[]> {
    const saved: Marker[] = [];
    for (const timeline of MARKER_TIMELINES) {
      const id = positions[timeline];
      if (id === undefined) continue;
      if (!ID_PATTERN.test(id)) throw invalid(`${timeline}[last_read_id] is not a valid id`, { field: timeline });
      saved.push(await this.store.saveMarker(accountId, timeline, id, this.clock.now()));
    }
    if (saved.length === 0) throw invalid('home or notifications is required', { field: 'home' });
    return saved;
  }

  /** Notifications newer than the notifications marker (all without one), counted up to `limit` (at most 1000). */
  async unreadNotifications(accountId: string, limit: number): Promise<number> {
    const [marker] = await this.store.markers(accountId, ['notifications']);
    const bounded = Math.min(Math.max(limit, 1), MAX_UNREAD_COUNT);
    // Stored ids all have ID_LENGTH digits and compare as text: a client's shorter id is padded.
    const after = marker
      ? marker.lastReadId.length > ID_LENGTH
        ? '9'.repeat(ID_LENGTH)
        : marker.lastReadId.padStart(ID_LENGTH, '0')
      : null;
    return this.store.countNotificationsAfter(accountId, after, bounded);
  }
}
