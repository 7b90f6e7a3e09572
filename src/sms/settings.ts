import type { Clock } from '../shared/clock.ts';
import { invalid } from '../shared/errors.ts';
import type { BoundPhone, SmsSettings } from './model.ts';
import type { SmsStore } from './ports.ts';

export interface SmsSettingsView extends SmsSettings {
  phone: BoundPhone | null;
}

/**
 * The owner's SMS choices. Changed only through authenticated non-SMS channels (web, app):
 * the SMS channel itself can toggle notifications (ON / OFF) but never posting.
 */
export class SmsSettingsService {
  private readonly listeners: ((accountId: string, changes: Partial<SmsSettings>) => Promise<void>)[] = [];

  private readonly store: SmsStore;
  private readonly clock: Clock;
  constructor(store: SmsStore, clock: Clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Told after every change the owner makes (the privacy module keeps the phone's sms_channel consent in step). */
  onChange(listener: (accountId: string, changes: Partial<SmsSettings>) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async get(accountId: string): Promise<SmsSettingsView> {
    const [settings, phone] = await Promise.all([this.store.settings(accountId), this.store.phoneOfAccount(accountId)]);
    return { ...settings, phone };
  }

  async update(accountId: string, changes: { posting?: unknown; notifications?: unknown }): Promise<SmsSettingsView> {
    const update: Partial<SmsSettings> = {};
    for (const field of ['posting', 'notifications'] as const) {
      const value = changes[field];
      if (value === undefined) continue;
      if (typeof value !== 'boolean') throw invalid(`${field} must be true or false`, { field });
      update[field] = value;
    }
    await this.store.updateSettings(accountId, update, this.clock.now());
    for (const listener of this.listeners) await listener(accountId, update);
    return this.get(accountId);
  }
}
