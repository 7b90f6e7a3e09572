import { postLength, type Account, type Microblog } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseSmsCommand, type SmsCommand } from './commands.ts';
import { fitSms } from './encoding.ts';
import type { BoundPhone, InboundOutcome, MessageClass } from './model.ts';
import type { Outbox } from './outbox.ts';
import { normalisePhone } from './phone.ts';
import type { AccountNotices } from '../notices/index.ts';
import type { TrustGate } from './trust-gate.ts';
import type { ReceivedText, SmsStore } from './ports.ts';
import type { InboundSms } from './providers/types.ts';
import { NotFollowingError, type SmsSubscriptions } from './subscriptions.ts';
import { replies } from './replies.ts';

export interface ChannelOptions {
  publicUrl: string;
  maxPostLength: number;
  /** Longest reply carrying someone's post (GET), in segments. */
  maxSegments: number;
}

export interface InboundResult {
  duplicate: boolean;
  outcome: InboundOutcome | null;
  postId: string | null;
}

const DAY_MS = 24 * 3600_000;
/** Handling takes milliseconds; a message still unfinished after this was abandoned by a crash. */
const UNFINISHED_AFTER_MS = 60_000;

/**
 * The inbound pipeline (SPEC 3.3, 3.4). Authenticity is proven before a message gets here
 * (the provider adapter checks signatures); from there: dedupe by provider message id →
 * STOP / START / HELP for any number → the bound account → country policy and kill switch
 * → the trust gate → the command. Nothing here reveals whether a number or user exists
 * to a number that is not linked.
 */
export class SmsChannel {
  private readonly store: SmsStore;
  private readonly microblog: Microblog;
  private readonly outbox: Outbox;
  private readonly gate: TrustGate;
  private readonly notices: AccountNotices;
  private readonly subscriptions: SmsSubscriptions;
  private readonly clock: Clock;
  private readonly options: ChannelOptions;
  constructor(
    store: SmsStore,
    microblog: Microblog,
    outbox: Outbox,
    gate: TrustGate,
    notices: AccountNotices,
    subscriptions: SmsSubscriptions,
    clock: Clock,
    options: ChannelOptions,
  ) {
    this.store = store;
    this.microblog = microblog;
    this.outbox = outbox;
    this.gate = gate;
    this.notices = notices;
    this.subscriptions = subscriptions;
    this.clock = clock;
    this.options = options;
  }

  /** What a number texted us and what came of each, newest first (the phone simulator shows it). */
  textsFrom(e164: string, limit = 100): Promise<ReceivedText[]> {
    return this.store.textsFrom(e164, limit);
  }

  async receive(provider: string, message: InboundSms): Promise<InboundResult> {
    const now = this.clock.now();
    let id = newId(now.getTime());
    const fresh = await this.store.recordInbound({
      id,
      provider,
      providerMessageId: message.providerMessageId,
      from: message.from,
      to: message.to,
      text: message.text,
      receivedAt: now,
    });
    if (!fresh) {
      // Providers retry when they got no answer; if the first handling died half-way, this retry finishes the job.
      const unfinished = await this.store.takeOverUnfinishedInbound(
        provider,
        message.providerMessageId,
        new Date(now.getTime() - UNFINISHED_AFTER_MS),
        now,
      );
      if (!unfinished) return { duplicate: true, outcome: null, postId: null };
      id = unfinished;
    }
    const { outcome, accountId, postId } = await this.handle(message, id);
    await this.store.finishInbound(id, outcome, accountId, postId);
    return { duplicate: false, outcome, postId };
  }

  private async handle(
    message: InboundSms,
    inboundId: string,
  ): Promise<{ outcome: InboundOutcome; accountId: string | null; postId: string | null }> {
    const sender = normalisePhone(message.from);
    if (!sender) return { outcome: 'invalid_number', accountId: null, postId: null };
    const { e164, country } = sender;
    const command = parseSmsCommand(message.text);
    const web = this.options.publicUrl;

    // Carrier rules: these work for every number, linked or not, whatever the policy.
    if (command.kind === 'stop') {
      await this.store.optOut(e164, this.clock.now());
      await this.reply(e164, country, replies.stopped(), 'compliance', 'stop_confirmation');
      return { outcome: 'opted_out', accountId: null, postId: null };
    }
    if (command.kind === 'start') {
      await this.store.optIn(e164);
      await this.reply(e164, country, replies.started(), 'compliance', 'start_confirmation');
      return { outcome: 'opted_in', accountId: null, postId: null };
    }
    if (command.kind === 'help') {
      if (await this.takeSlot(e164, 'help', 3600_000))
        await this.reply(e164, country, replies.help(web), 'compliance', 'help');
      return { outcome: 'help', accountId: null, postId: null };
    }

    const phone = await this.store.phoneByNumber(e164);
    if (!phone) {
      // One answer per day at most, the same for every text: nothing about accounts leaks.
      if (await this.takeSlot(e164, 'not_linked', DAY_MS))
        await this.reply(e164, country, replies.notLinked(web), 'compliance', 'not_linked');
      return { outcome: 'unknown_number', accountId: null, postId: null };
    }

    const account = await this.microblog.account(phone.accountId).catch(() => null);
    if (!account) {
      // A suspended account's number reads like an unlinked one: the text does nothing.
      if (await this.takeSlot(e164, 'not_linked', DAY_MS))
        await this.reply(e164, country, replies.notLinked(web), 'compliance', 'not_linked');
      return { outcome: 'refused_suspended', accountId: phone.accountId, postId: null };
    }
    const [settings, security] = await Promise.all([
      this.store.settings(phone.accountId),
      this.store.securityState(phone.accountId),
    ]);
    const decision = await this.gate.evaluate({ phone, account, settings, security, text: message.text });
    if (decision.kind === 'refuse') {
      const period = decision.outcome === 'refused_pin' ? 3600_000 : DAY_MS;
      if (decision.reply && (await this.takeSlot(e164, decision.outcome, period))) {
        await this.reply(e164, country, decision.reply(web), 'compliance', 'refused', phone.accountId);
      }
      return { outcome: decision.outcome, accountId: phone.accountId, postId: null };
    }
    if (decision.kind === 'hold') {
      const now = this.clock.now();
      // The PIN check may not have run yet (a SIM-swap hold comes first): never keep a PIN.
      const text = security.pinHash ? message.text.trim().replace(/^\d{4,8}(\s+|$)/, '') : message.text.trim();
      await this.store.createHold({
        id: newId(now.getTime()),
        accountId: phone.accountId,
        inboundId,
        text,
        reason: decision.reason,
        status: 'pending',
        createdAt: now,
        decidedAt: null,
      });
      await this.notices.notify(phone.accountId, 'sms_message_held', { reason: decision.reason });
      if (decision.reply && (await this.takeSlot(e164, `held_${decision.reason}`, 3600_000))) {
        await this.reply(e164, country, decision.reply(web), 'compliance', 'refused', phone.accountId);
      }
      return { outcome: 'held', accountId: phone.accountId, postId: null };
    }
    return this.run(phone, decision.text);
  }

  /** Runs a text that passed the gate (or that the owner released from hold) as its owner. */
  async run(
    phone: BoundPhone,
    text: string,
  ): Promise<{ outcome: InboundOutcome; accountId: string | null; postId: string | null }> {
    const command = parseSmsCommand(text);
    if (command.kind === 'stop' || command.kind === 'start' || command.kind === 'help') {
      return { outcome: 'rejected', accountId: phone.accountId, postId: null };
    }
    try {
      const result = await this.execute(phone, command);
      if (result.outcome === 'posted' && result.postId) {
        await this.notices.notify(phone.accountId, 'sms_post', { postId: result.postId, kind: command.kind });
      }
      return result;
    } catch (error) {
      if (error instanceof DomainError) {
        await this.answer(phone, replies.notPosted(error.message));
        return { outcome: 'rejected', accountId: phone.accountId, postId: null };
      }
      throw error;
    }
  }

  private async execute(phone: BoundPhone, command: Exclude<SmsCommand, { kind: 'stop' | 'start' | 'help' }>) {
    const me = phone.accountId;
    const done = (outcome: InboundOutcome, postId: string | null = null) => ({ outcome, accountId: me, postId });
    switch (command.kind) {
      case 'post': {
        const tooLong = await this.checkLength(phone, command.text);
        if (tooLong) return done('rejected');
        const post = await this.microblog.post(me, { text: command.text, source: 'sms' });
        return done('posted', post.id);
      }
      case 'direct': {
        const target = await this.target(phone, command.username);
        if (!target) return done('rejected');
        const text = `@${target.username} ${command.text}`;
        if (await this.checkLength(phone, text)) return done('rejected');
        const post = await this.microblog.post(me, { text, source: 'sms', visibility: 'direct' });
        await this.answer(phone, replies.dmSent(target.username));
        return done('posted', post.id);
      }
      case 'follow': {
        const target = await this.target(phone, command.username);
        if (!target) return done('rejected');
        const relationship = await this.microblog.follow(me, target.id);
        if (!relationship.following && !relationship.requested) {
          await this.answer(phone, replies.followFailed(target.username));
          return done('rejected');
        }
        // A locked account's posts start coming only once it accepts (see SmsSubscriptions).
        await this.subscriptions.subscribe(me, target);
        const textsOn = (await this.store.settings(me)).notifications;
        await this.answer(
          phone,
          relationship.following
            ? replies.followed(target.username, textsOn)
            : replies.followRequested(target.username, textsOn),
        );
        return done('command');
      }
      case 'unfollow': {
        const target = await this.target(phone, command.username);
        if (!target) return done('rejected');
        await this.microblog.unfollow(me, target.id);
        await this.subscriptions.unsubscribe(me, target.id);
        await this.answer(phone, replies.unfollowed(target.username));
        return done('command');
      }
      case 'notifications': {
        if (command.username === null) {
          await this.store.updateSettings(me, { notifications: command.on }, this.clock.now());
          await this.answer(phone, command.on ? replies.allOn() : replies.allOff());
          return done('command');
        }
        const target = await this.target(phone, command.username);
        if (!target) return done('rejected');
        if (!command.on) {
          await this.subscriptions.unsubscribe(me, target.id);
          await this.answer(phone, replies.userOff(target.username));
          return done('command');
        }
        let state: 'active' | 'on_acceptance';
        try {
          state = await this.subscriptions.subscribe(me, target);
        } catch (error) {
          if (!(error instanceof NotFollowingError)) throw error;
          await this.answer(phone, replies.notFollowing(target.username));
          return done('rejected');
        }
        await this.answer(
          phone,
          state === 'active' ? replies.userOn(target.username) : replies.stillRequested(target.username),
        );
        return done('command');
      }
      case 'get': {
        const target = await this.target(phone, command.username);
        if (!target) return done('rejected');
        const [latest] = await this.microblog.accountTimeline(me, target.id, { limit: 1 }, { excludeReblogs: true });
        const text = latest
          ? fitSms(`@${target.username}: ${latest.post.text}`, {
              maxSegments: this.options.maxSegments,
              link: `${this.options.publicUrl}/@${target.username}/${latest.post.id}`,
            })
          : replies.noPosts(target.username);
        await this.answer(phone, text);
        return done('command');
      }
      case 'whois': {
        const target = await this.target(phone, command.username);
        if (!target) return done('rejected');
        const name = target.displayName && target.displayName !== target.username ? ` (${target.displayName})` : '';
        const bio = target.note ? ` ${target.note}` : '';
        const text = `@${target.username}${name}:${bio} ${target.statusesCount} posts, ${target.followersCount} followers, ${target.followingCount} following.`;
        await this.answer(phone, fitSms(text, { maxSegments: 1 }));
        return done('command');
      }
      case 'undo': {
        const last = await this.microblog.lastPostFrom(me, 'sms');
        if (!last) {
          await this.answer(phone, replies.nothingToUndo());
          return done('rejected');
        }
        await this.microblog.deletePost(me, last.id);
        await this.answer(phone, replies.undone());
        return done('command', last.id);
      }
      case 'malformed':
        await this.answer(phone, replies.usage(command.usage));
        return done('rejected');
    }
  }

  private async checkLength(phone: BoundPhone, text: string): Promise<boolean> {
    const length = postLength(text);
    if (length <= this.options.maxPostLength) return false;
    await this.answer(phone, replies.tooLong(length, this.options.maxPostLength));
    return true;
  }

  private async target(phone: BoundPhone, username: string): Promise<Account | null> {
    // `user@otherserver` is found on its server when federation is on (SPEC 5: FOLLOW @user@domain).
    const account = await this.microblog.resolve(username);
    if (!account) await this.answer(phone, replies.noSuchUser(username));
    return account;
  }

  /** A reply to a linked account's command: content, so the kill switch and policy apply. */
  private answer(phone: BoundPhone, text: string): Promise<void> {
    return this.reply(phone.e164, phone.country, text, 'content', 'command_reply', phone.accountId);
  }

  private async reply(
    to: string,
    country: string,
    text: string,
    messageClass: MessageClass,
    purpose: string,
    accountId: string | null = null,
  ): Promise<void> {
    await this.outbox.enqueue([{ to, country, text, messageClass, purpose, accountId }]);
  }

  private takeSlot(number: string, kind: string, periodMs: number): Promise<boolean> {
    const now = this.clock.now();
    return this.store.takeReplySlot(number, kind, new Date(now.getTime() - periodMs), now);
  }
}
