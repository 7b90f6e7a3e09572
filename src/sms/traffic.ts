import { authorize, type Actor } from '../security/permissions.ts';
import type { SmsStore, TrafficCount } from './ports.ts';

/** SMS traffic as staff watch it (SPEC §2: watch SMS traffic and fraud alerts). */
export class SmsTraffic {
  private readonly store: SmsStore;
  constructor(store: SmsStore) {
    this.store = store;
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
