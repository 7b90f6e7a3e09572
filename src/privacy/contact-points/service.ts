import { createHash, createHmac } from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import { invalid, notFound } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import { networkOf } from '../../shared/network.ts';
import {
  CHOOSABLE_PURPOSES,
  PURPOSES,
  type ConsentRecord,
  type ContactKind,
  type ContactPoint,
  type ContactUse,
  type Purpose,
  type UseKind,
} from '../model.ts';
import type { ContactPointStore, PurposeKeys, SourceContact } from './ports.ts';

/** Purposes implied by the act that added a contact: security only, plus SMS for a phone bound for the SMS channel. */
const IMPLIED: Record<ContactKind, readonly Purpose[]> = {
  email: ['authentication'],
  phone: ['authentication', 'sms_channel'],
};

export interface ContactPointView extends ContactPoint {
  useCounts: Record<string, number>;
}

/** A purpose the owner switched on or off, for modules that act on it. */
export interface PurposeChange {
  accountId: string;
  kind: ContactKind;
  value: string;
  purpose: Purpose;
  on: boolean;
}

/** A use can name the contact point by id or by what it is (the SMS and security modules know numbers, not ids). */
export type UseTarget = string | { accountId: string; kind: ContactKind; value: string };

/**
 * The one module that reads contact-point storage. It keeps contact points in step with
 * the contacts the account holds for security (lazily: on every read by the owner and
 * before purpose-bound reads that need it), records every consent decision, and offers
 * purpose-bound reads to the rest of the product.
 */
export class ContactPoints {
  private readonly purposeListeners: ((change: PurposeChange) => Promise<void>)[] = [];

  private readonly store: ContactPointStore;
  private readonly clock: Clock;
  private readonly secret: () => Promise<Buffer>;
  constructor(
    store: ContactPointStore,
    clock: Clock,
    /** The instance's secret for keyed contact hashes (discovery keys and lookup logs). */
    secret: () => Promise<Buffer>,
  ) {
    this.store = store;
    this.clock = clock;
    this.secret = secret;
  }

  /** Keyed hash of a normalised contact: what discovery stores and compares, never the contact itself. */
  async keyOf(kind: ContactKind | 'ip' | 'block' | 'network', value: string): Promise<string> {
    this.key ??= this.secret().catch((error: unknown) => {
      this.key = null;
      throw error;
    });
    return createHmac('sha256', await this.key)
      .update(`${kind}:${value}`)
      .digest('hex');
  }

  private key: Promise<Buffer> | null = null;

  /** The account's contact points, created or removed to match what it holds today. */
  async ensure(accountId: string): Promise<ContactPoint[]> {
    const [sources, existing] = await Promise.all([
      this.store.sourceContacts(accountId),
      this.store.contactPoints(accountId),
    ]);
    const now = this.clock.now();
    const same = (a: { kind: string; value: string }, b: { kind: string; value: string }) =>
      a.kind === b.kind && a.value === b.value;
    let changed = false;
    for (const point of existing) {
      const source = sources.find((s) => same(s, point));
      if (!source) {
        await this.store.deleteContactPoint(point.id);
        changed = true;
      } else if (point.kind === 'phone' && source.verifiedAt?.getTime() !== point.verifiedAt?.getTime()) {
        await this.store.setVerified(point.id, source.verifiedAt);
        changed = true;
      }
    }
    for (const source of sources) {
      if (existing.some((p) => same(p, source))) continue;
      await this.create(accountId, source, now);
      changed = true;
    }
    return changed ? this.store.contactPoints(accountId) : existing;
  }

  private async create(accountId: string, source: SourceContact, now: Date): Promise<void> {
    const id = newId(now.getTime());
    const implied = IMPLIED[source.kind];
    await this.store.createContactPoint(
      { id, accountId, kind: source.kind, value: source.value, verifiedAt: source.verifiedAt, createdAt: now },
      implied,
      implied.map(() => newId(now.getTime())),
    );
  }

  async list(accountId: string): Promise<ContactPointView[]> {
    const points = await this.ensure(accountId);
    const counts = await this.store.useCounts(accountId);
    return points.map((p) => ({ ...p, useCounts: counts.get(p.id) ?? {} }));
  }

  async get(accountId: string, id: string): Promise<ContactPointView> {
    await this.ensure(accountId);
    const point = await this.store.contactPoint(accountId, id);
    if (!point) throw notFound();
    const counts = await this.store.useCounts(accountId);
    return { ...point, useCounts: counts.get(point.id) ?? {} };
  }

  /**
   * The owner switches purposes on or off. `authentication` cannot be switched off here
   * (remove the contact instead); every change is a timestamped consent record.
   */
  /** Told after the owner switched a purpose on or off (the SMS channel follows `sms_channel`). */
  onPurposeChange(listener: (change: PurposeChange) => Promise<void>): void {
    this.purposeListeners.push(listener);
  }

  async setPurposes(
    accountId: string,
    id: string,
    changes: Partial<Record<Purpose, boolean>>,
    /** Where the owner made the change: the network of an advertising grant is kept with it (docs/privacy.md §3). */
    from: { ip?: string | null } = {},
  ): Promise<ContactPointView> {
    for (const [purpose, on] of Object.entries(changes)) {
      if (!(PURPOSES as readonly string[]).includes(purpose))
        throw invalid(`Unknown purpose: ${purpose}`, { field: 'purposes' }).coded('privacy.unknown_purpose', {
          purpose,
        });
      if (typeof on !== 'boolean') throw invalid(`purposes.${purpose} must be true or false`, { field: 'purposes' });
      if (purpose === 'authentication' && !on) {
        throw invalid('authentication comes with the contact itself; remove the phone or e-mail to stop it', {
          field: 'purposes',
        }).coded('privacy.authentication_stays');
      }
    }
    await this.ensure(accountId);
    const point = await this.store.contactPoint(accountId, id);
    if (!point) throw notFound();
    const now = this.clock.now();
    for (const purpose of CHOOSABLE_PURPOSES) {
      const on = changes[purpose];
      if (on === undefined || (point.purposes[purpose] !== undefined) === on) continue;
      const record: ConsentRecord = {
        id: newId(now.getTime()),
        contactPointId: point.id,
        accountId,
        purpose,
        action: on ? 'grant' : 'revoke',
        source: 'owner',
        createdAt: now,
      };
      await this.store.setPurpose(point, purpose, on, await this.keysFor(point, purpose, on, from.ip ?? null), record);
      for (const listener of this.purposeListeners)
        await listener({ accountId, kind: point.kind, value: point.value, purpose, on });
    }
    return this.get(accountId, id);
  }

  private async keysFor(point: ContactPoint, purpose: Purpose, on: boolean, ip: string | null): Promise<PurposeKeys> {
    if (purpose === 'discovery') return { discoveryKey: on ? await this.keyOf(point.kind, point.value) : null };
    if (purpose === 'advertising') {
      // The grant's network tells advertising which consents came from an advertiser's own network.
      const network = on && ip !== null ? networkOf(ip) : null;
      return {
        adHash: on ? createHash('sha256').update(point.value).digest('hex') : null,
        grantNetwork: network === null ? null : await this.keyOf('network', network),
      };
    }
    return {};
  }

  async history(
    accountId: string,
    id: string,
    limit = 200,
  ): Promise<{ point: ContactPointView; consents: ConsentRecord[]; uses: ContactUse[] }> {
    const point = await this.get(accountId, id);
    const [consents, uses] = await Promise.all([this.store.consents(id, limit), this.store.uses(id, limit)]);
    return { point, consents, uses };
  }

  /**
   * Records that a contact point was used for a purpose (a 2FA code sent, a discovery
   * match, a promoted post shown), for its owner's transparency log. Other modules call
   * this; a use of an unknown contact is ignored.
   */
  async recordUse(target: UseTarget, purpose: Purpose, kind: UseKind, detail: string | null = null): Promise<void> {
    let point: ContactPoint | null;
    if (typeof target === 'string') {
      point = await this.store.contactPointById(target);
    } else {
      await this.ensure(target.accountId);
      point = await this.store.findByValue(target.accountId, target.kind, target.value);
    }
    if (!point) return;
    await this.recordUses([{ contactPointId: point.id, accountId: point.accountId }], purpose, kind, detail);
  }

  /** Bulk form of recordUse for callers that already hold contact point ids (discovery, audiences). */
  async recordUses(
    points: readonly { contactPointId: string; accountId: string }[],
    purpose: Purpose,
    kind: UseKind,
    detail: string | null = null,
  ): Promise<void> {
    if (points.length === 0) return;
    const now = this.clock.now();
    await this.store.recordUses(
      points.map((p) => ({
        id: newId(now.getTime()),
        contactPointId: p.contactPointId,
        accountId: p.accountId,
        purpose,
        kind,
        detail,
        createdAt: now,
      })),
    );
  }

  /** Marks an e-mail (or phone) as verified, for the flow that proves possession of it. */
  async markVerified(accountId: string, kind: ContactKind, value: string, at: Date = this.clock.now()): Promise<void> {
    await this.ensure(accountId);
    const point = await this.store.findByValue(accountId, kind, value);
    if (point) await this.store.setVerified(point.id, at);
  }

  /**
   * For discovery: the keyed hashes of the account's verified contacts (what someone who
   * holds them in an address book submitted), and since when its phone is verified.
   */
  async verifiedIdentity(accountId: string): Promise<{ keys: string[]; phoneVerifiedAt: Date | null }> {
    const points = (await this.ensure(accountId)).filter((p) => p.verifiedAt !== null);
    return {
      keys: await Promise.all(points.map((p) => this.keyOf(p.kind, p.value))),
      phoneVerifiedAt: points.find((p) => p.kind === 'phone')?.verifiedAt ?? null,
    };
  }

  /** Whether a purpose is on for a contact the account holds (for modules deciding whether to use it). */
  async allows(accountId: string, kind: ContactKind, value: string, purpose: Purpose): Promise<boolean> {
    await this.ensure(accountId);
    const point = await this.store.findByValue(accountId, kind, value);
    return point?.purposes[purpose] !== undefined;
  }

  /** Discovery's purpose-bound read: only contact points whose owner allowed `discovery` can match. */
  discoverable(keys: readonly string[]): Promise<{ contactPointId: string; accountId: string; key: string }[]> {
    return keys.length === 0 ? Promise.resolve([]) : this.store.discoverable(keys);
  }
}
