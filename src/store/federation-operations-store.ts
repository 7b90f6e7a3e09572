import type { Kysely, Selectable } from 'kysely';
import type { DeliveryStateStore, DomainDeliveryState } from '../federation/operations.ts';
import type { Database } from './schema.ts';

type Row = Selectable<Database['federation_domains']>;

const date = (value: string | null) => (value === null ? null : new Date(value));

function toState(row: Row): DomainDeliveryState {
  return {
    domain: row.domain,
    lastSuccessAt: date(row.last_success_at),
    lastInboundAt: date(row.last_inbound_at),
    lastFailureAt: date(row.last_failure_at),
    lastFailure: row.last_failure,
    consecutiveFailures: Number(row.consecutive_failures),
    failingSince: date(row.failing_since),
    unavailableSince: date(row.unavailable_since),
  };
}

/** How delivery to each remote server goes (migration 0023). */
export class KyselyDeliveryStateStore implements DeliveryStateStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async recordSuccess(domain: string, direction: 'outbound' | 'inbound', at: Date): Promise<boolean> {
    const column = direction === 'outbound' ? 'last_success_at' : 'last_inbound_at';
    const before = await this.db
      .selectFrom('federation_domains')
      .select(['unavailable_since', 'consecutive_failures'])
      .where('domain', '=', domain)
      .executeTakeFirst();
    // A server that answers or writes is alive: failures and the unavailable mark end.
    await this.db
      .insertInto('federation_domains')
      .values({ domain, [column]: at.toISOString(), consecutive_failures: 0 })
      .onConflict((oc) =>
        oc.column('domain').doUpdateSet({
          [column]: at.toISOString(),
          consecutive_failures: 0,
          failing_since: null,
          unavailable_since: null,
        }),
      )
      .execute();
    return (before?.unavailable_since ?? null) !== null;
  }

  async recordFailure(domain: string, failure: string, at: Date): Promise<DomainDeliveryState> {
    const when = at.toISOString();
    await this.db
      .insertInto('federation_domains')
      .values({ domain, last_failure_at: when, last_failure: failure, consecutive_failures: 1, failing_since: when })
      .onConflict((oc) =>
        oc.column('domain').doUpdateSet((eb) => ({
          last_failure_at: when,
          last_failure: failure,
          consecutive_failures: eb('federation_domains.consecutive_failures', '+', 1),
          failing_since: eb.fn.coalesce('federation_domains.failing_since', eb.val(when)),
        })),
      )
      .execute();
    const row = await this.db
      .selectFrom('federation_domains')
      .selectAll()
      .where('domain', '=', domain)
      .executeTakeFirstOrThrow();
    return toState(row);
  }

  async markUnavailable(domain: string, at: Date): Promise<void> {
    await this.db
      .updateTable('federation_domains')
      .set({ unavailable_since: at.toISOString() })
      .where('domain', '=', domain)
      .where('unavailable_since', 'is', null)
      .execute();
  }

  async clearUnavailable(domain: string | null): Promise<number> {
    let query = this.db
      .updateTable('federation_domains')
      .set({ unavailable_since: null, consecutive_failures: 0, failing_since: null })
      .where('unavailable_since', 'is not', null);
    if (domain !== null) query = query.where('domain', '=', domain);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  async states(): Promise<DomainDeliveryState[]> {
    return (await this.db.selectFrom('federation_domains').selectAll().orderBy('domain').execute()).map(toState);
  }

  async unavailableDomains(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('federation_domains')
      .select('domain')
      .where('unavailable_since', 'is not', null)
      .execute();
    return rows.map((r) => r.domain);
  }
}
