import { authorize, type Actor } from '../security/permissions.ts';
import type { SmsStore, TrafficCount } from './ports.ts';
import type { CostRow, PriceTable } from './prices.ts';

/** SMS traffic as staff watch it (SPEC §2: watch SMS traffic and fraud alerts). */
export class SmsTraffic {
  private readonly store: SmsStore;
  /** The operator's price table; null when none is configured. */
  readonly prices: PriceTable | null;
  constructor(store: SmsStore, prices: PriceTable | null = null) {
    this.store = store;
    this.prices = prices;
  }

  /**
   * Segments handed to providers and their estimated cost per UTC day and country since
   * `since` (newest day first), so an operator sees what SMS posting costs per country.
   */
  async costsSince(actor: Actor, since: Date): Promise<CostRow[]> {
    authorize(actor, 'sms_traffic.read');
    const rows = await this.store.segmentsSince(since);
    return rows
      .map((r) => {
        const price = this.prices?.perSegment(r.provider, r.country) ?? null;
        return { ...r, estimatedCost: price === null ? null : Math.round(price * r.segments * 10_000) / 10_000 };
      })
      .sort(
        (a, b) =>
          b.day.localeCompare(a.day) || a.country.localeCompare(b.country) || a.provider.localeCompare(b.provider),
      );
  }

  /** Inbound texts by provider and outcome, outbound by provider and status, per minute since `since`. */
  async perMinuteSince(actor: Actor, since: Date): Promise<TrafficCount[]> {
    authorize(actor, 'sms_traffic.read');
    return this.store.trafficSince(since);
  }

  /** How many texts wait, are being sent, were sent … in the outbox now. */
  async outboxCounts(actor: Actor): Promise<Record<string, number>> {
    authorize(actor, 'sms_traffic.read');
    return this.store.outboxCounts();
  }
}
