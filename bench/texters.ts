/**
 * What the inbound SMS benchmarks share (bench/sms-inbound.ts over HTTP, bench/sms-cpu.ts in one
 * process): the server's settings, the seeded texters, and correctly signed Twilio webhooks.
 */
import { createHmac } from 'node:crypto';
import { composeApp } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';
import { newId } from '../src/shared/ids.ts';
import { operatorActor } from '../src/security/index.ts';

const SID = 'AC' + '0'.repeat(32);
const TOKEN = 'bench-auth-token';
export const WEBHOOK_PATH = '/webhooks/sms/twilio';

/** A server taking Twilio webhooks whose replies go nowhere, without per-number limits in the way. */
export function textersEnv(publicUrl: string, dataDir: string): Record<string, string> {
  return {
    SPARROW_PUBLIC_URL: publicUrl,
    SPARROW_DATA_DIR: dataDir,
    SPARROW_LOG_LEVEL: 'warn',
    SPARROW_SMS_PROVIDER: 'twilio',
    SPARROW_TWILIO_ACCOUNT_SID: SID,
    SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
    SPARROW_TWILIO_FROM: '+15005550006',
    // Replies go nowhere: this measures the inbound path, not a provider's REST API.
    SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
    // Measure the pipeline, not the per-number limits (they would hold part of the load).
    SPARROW_SMS_POSTS_PER_MINUTE: '1000',
    SPARROW_SMS_POSTS_PER_DAY: '100000',
  };
}

/** Kenyan mobile numbers +2547AABBBBBB, unique per account. */
const numberOf = (i: number) => `+2547${String(10 + (i % 80)).padStart(2, '0')}${String(100000 + i).slice(-6)}`;

/**
 * `accounts` accounts with verified numbers and SMS posting on, each followed by the next
 * `followers` accounts (a ring), the first `smsSubscribers` of them by SMS too.
 */
export async function seedTexters(
  env: Record<string, string>,
  { accounts, followers, smsSubscribers }: { accounts: number; followers: number; smsSubscribers: number },
): Promise<void> {
  const started = performance.now();
  const { context: ctx, storage } = await composeApp(configFor(env));
  const db = storage.connection.db;
  const now = new Date().toISOString();
  const ids: string[] = [];
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < accounts; i += 1) {
      const id = newId();
      ids.push(id);
      await tx
        .insertInto('accounts')
        .values({
          id,
          username: `user${i}`,
          username_key: `user${i}`,
          display_name: `User ${i}`,
          note: '',
          role: 'user',
          locked: 0,
          bot: 0,
          created_at: now,
          updated_at: now,
          suspended_at: null,
          followers_count: followers,
          following_count: followers,
          statuses_count: 0,
          last_status_at: null,
        })
        .execute();
      await tx
        .insertInto('sms_phones')
        .values({ account_id: id, e164: numberOf(i), country: 'KE', verified_at: now })
        .execute();
      await tx
        .insertInto('sms_settings')
        .values({
          account_id: id,
          posting: 1,
          notifications: 1,
          updated_at: now,
          pin_hash: null,
          pin_failures: 0,
          locked_at: null,
          lock_reason: null,
          confirmed_until: null,
        })
        .execute();
    }
    // Each account is followed by the next `followers` accounts (a ring), so every post fans out to that many feeds.
    for (let i = 0; i < accounts; i += 1) {
      const rows = [];
      for (let k = 1; k <= followers; k += 1) {
        rows.push({ id: newId(), account_id: ids[(i + k) % accounts]!, target_account_id: ids[i]!, created_at: now });
      }
      await tx.insertInto('follows').values(rows).execute();
      if (smsSubscribers > 0) {
        await tx
          .insertInto('sms_subscriptions')
          .values(
            rows
              .slice(0, smsSubscribers)
              .map((r) => ({ account_id: r.account_id, target_id: r.target_account_id, created_at: now })),
          )
          .execute();
      }
    }
  });
  await ctx.sms.policy.setCountry(
    'KE',
    { posting: true, notifications: true },
    { actor: operatorActor('bench'), reason: 'bench' },
  );
  await ctx.close();
  console.log(
    `seeded ${accounts} accounts with phones, ${accounts * followers} follows (${accounts * smsSubscribers} by SMS) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** The `index`th distinct, correctly signed Twilio webhook (HMAC-SHA1 over the URL and the sorted fields). */
export function signedWebhook(
  publicUrl: string,
  index: number,
  accounts: number,
): { body: string; headers: Record<string, string> } {
  const params: Record<string, string> = {
    MessageSid: `SM${index.toString(16).padStart(32, '0')}`,
    AccountSid: SID,
    From: numberOf(index % accounts),
    To: '+15005550006',
    Body: `Bench post number ${index} from the field`,
    NumMedia: '0',
  };
  let data = `${publicUrl}${WEBHOOK_PATH}`;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  const signature = createHmac('sha1', TOKEN).update(data).digest('base64');
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  };
}
