import { mentionsAccount, postLength, type Account, type Microblog, type PostView } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { parseSmsCommand, parseWithLanguage, type SmsCommand } from './commands.ts';
import { fitSms } from './encoding.ts';
import type { BoundPhone, InboundOutcome, MessageClass } from './model.ts';
import type { Outbox } from './outbox.ts';
import { normalisePhone } from './phone.ts';
import type { AccountNotices } from '../notices/index.ts';
import type { TrustGate } from './trust-gate.ts';
import type { ReceivedText, SmsStore, UnitOfWork } from './ports.ts';
import type { InboundSms } from './providers/types.ts';
import { NotFollowingError, type SmsSubscriptions } from './subscriptions.ts';
import {
  detectLanguage,
  errorText,
  t,
  type LanguagePreferences,
  type Locale,
  type MessageId,
  type MessageValues,
} from '../i18n/index.ts';

export interface ChannelOptions {
  publicUrl: string;
  maxPostLength: number;
  /** Longest reply carrying someone's post (GET), in segments. */
  maxSegments: number;
}

/** What a command did, and what to tell its sender (sent by SMS, or shown on a USSD screen). */
export interface CommandResult {
  outcome: InboundOutcome;
  accountId: string | null;
  postId: string | null;
  reply: string | null;
}

/** The trust gate's answer for one text from a bound number, holds already recorded. */
export type Admission =
  | { kind: 'pass'; text: string }
  | { kind: 'refuse' | 'hold'; outcome: InboundOutcome; reply: MessageId | null; throttle: string; periodMs: number };

export interface InboundResult {
  duplicate: boolean;
  outcome: InboundOutcome | null;
  postId: string | null;
}

const DAY_MS = 24 * 3600_000;
/** `@user@domain`: an account that may live on another server. */
const REMOTE_HANDLE = /@[^\s@]+@[^\s@]+/;
/** How a texter addresses an account: `name` here, `name@domain` for one of another server. */
const handleOf = (account: Account): string =>
  account.domain ? `${account.username}@${account.domain}` : account.username;
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
  private readonly languages: LanguagePreferences;
  private readonly unitOfWork: UnitOfWork;
  constructor(
    store: SmsStore,
    microblog: Microblog,
    outbox: Outbox,
    gate: TrustGate,
    notices: AccountNotices,
    subscriptions: SmsSubscriptions,
    clock: Clock,
    options: ChannelOptions,
    languages: LanguagePreferences,
    unitOfWork: UnitOfWork = (work) => work(),
  ) {
    this.unitOfWork = unitOfWork;
    this.languages = languages;
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

  /**
   * One inbound text, start to finish, as one unit of work: the caller (a provider's webhook)
   * hears back only once everything it did is durable, so a provider never gets an answer for a
   * text a crash could still lose (it retries, and the retry finds nothing or finishes the job).
   */
  receive(provider: string, message: InboundSms): Promise<InboundResult> {
    // A text naming an account of another server (FOLLOW @ana@example.social, a mention) waits on
    // that server, which may call back into this one: it runs on its own, not in a shared batch.
    if (REMOTE_HANDLE.test(message.text)) return this.receiveNow(provider, message);
    return this.unitOfWork(() => this.receiveNow(provider, message), message.from);
  }

  private async receiveNow(provider: string, message: InboundSms): Promise<InboundResult> {
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
    const { command, language } = parseWithLanguage(message.text);
    // The first text that says which language it is in sets the number's language.
    await this.languages.learnFromText(e164, language ?? detectLanguage(message.text));
    const web = this.options.publicUrl;
    const link = message.replyLink ?? null;
    const phone = await this.store.phoneByNumber(e164);
    const locale = await this.languages.forNumber(e164, phone?.accountId ?? null);
    const say = (id: MessageId, values: MessageValues = {}) => t(locale, id, values, 'phone');

    // Carrier rules: these work for every number, linked or not, whatever the policy.
    if (command.kind === 'stop') {
      await this.optOut(e164);
      await this.reply(e164, country, say('sms.stopped'), 'compliance', 'stop_confirmation', null, link);
      return { outcome: 'opted_out', accountId: null, postId: null };
    }
    if (command.kind === 'start') {
      await this.store.optIn(e164);
      await this.reply(e164, country, say('sms.started'), 'compliance', 'start_confirmation', null, link);
      return { outcome: 'opted_in', accountId: null, postId: null };
    }
    if (command.kind === 'help') {
      if (await this.takeSlot(e164, 'help', 3600_000))
        await this.reply(e164, country, say('sms.help', { web }), 'compliance', 'help', null, link);
      return { outcome: 'help', accountId: null, postId: null };
    }

    const linked = await this.linkedAccount(phone);
    if (!linked) {
      // One answer per day at most, the same for every text: nothing about accounts leaks.
      // A suspended account's number reads like an unlinked one: the text does nothing.
      if (await this.takeSlot(e164, 'not_linked', DAY_MS))
        await this.reply(e164, country, say('sms.notLinked', { web }), 'compliance', 'not_linked', null, link);
      return {
        outcome: phone ? 'refused_suspended' : 'unknown_number',
        accountId: phone?.accountId ?? null,
        postId: null,
      };
    }
    const admission = await this.admit(linked.phone, linked.account, message.text, inboundId);
    if (admission.kind !== 'pass') {
      if (admission.reply && (await this.takeSlot(e164, admission.throttle, admission.periodMs))) {
        await this.reply(
          e164,
          country,
          say(admission.reply, { web }),
          'compliance',
          'refused',
          linked.phone.accountId,
          link,
        );
      }
      return { outcome: admission.outcome, accountId: linked.phone.accountId, postId: null };
    }
    return this.run(linked.phone, admission.text, { replyLink: link, locale });
  }

  /** STOP: a number that opted out gets nothing but the confirmation (and HELP answers). */
  private optOut(e164: string): Promise<void> {
    return this.store.optOut(e164, this.clock.now());
  }

  /** The bound account behind a number, unless there is none or it is suspended. */
  async linkedAccount(phone: BoundPhone | null): Promise<{ phone: BoundPhone; account: Account } | null> {
    if (!phone) return null;
    const account = await this.microblog.account(phone.accountId).catch(() => null);
    return account ? { phone, account } : null;
  }

  /**
   * The trust gate for one text from a bound number (SMS or a USSD step): a refusal, a hold
   * (recorded for the owner, PIN removed, when there is an inbound record to hold), or the
   * text to act on with the PIN removed.
   */
  async admit(phone: BoundPhone, account: Account, text: string, inboundId: string | null): Promise<Admission> {
    const { settings, security } = await this.store.gateState(phone.accountId);
    const decision = await this.gate.evaluate({ phone, account, settings, security, text });
    if (decision.kind === 'refuse') {
      const periodMs = decision.outcome === 'refused_pin' ? 3600_000 : DAY_MS;
      return { kind: 'refuse', outcome: decision.outcome, reply: decision.reply, throttle: decision.outcome, periodMs };
    }
    if (decision.kind === 'hold' && inboundId === null) {
      // Nothing to keep (a USSD screen that only reads): the answer is simply "not now".
      return {
        kind: 'hold',
        outcome: 'held',
        reply: decision.reply,
        throttle: `held_${decision.reason}`,
        periodMs: 3600_000,
      };
    }
    if (decision.kind === 'hold') {
      const now = this.clock.now();
      // The PIN check may not have run yet (a SIM-swap hold comes first): never keep a PIN.
      const kept = security.pinHash ? text.trim().replace(/^\d{4,8}(\s+|$)/, '') : text.trim();
      await this.store.createHold({
        id: newId(now.getTime()),
        accountId: phone.accountId,
        inboundId: inboundId ?? '',
        text: kept,
        reason: decision.reason,
        status: 'pending',
        createdAt: now,
        decidedAt: null,
      });
      await this.notices.notify(phone.accountId, 'sms_message_held', { reason: decision.reason });
      return {
        kind: 'hold',
        outcome: 'held',
        reply: decision.reply,
        throttle: `held_${decision.reason}`,
        periodMs: 3600_000,
      };
    }
    return { kind: 'pass', text: decision.text };
  }

  /** Runs a text that passed the gate (or that the owner released from hold) as its owner, answering by SMS. */
  async run(
    phone: BoundPhone,
    text: string,
    options: { replyLink?: string | null; locale?: Locale } = {},
  ): Promise<{ outcome: InboundOutcome; accountId: string | null; postId: string | null }> {
    const command = parseSmsCommand(text);
    if (command.kind === 'stop' || command.kind === 'start' || command.kind === 'help') {
      return { outcome: 'rejected', accountId: phone.accountId, postId: null };
    }
    const locale = options.locale ?? (await this.languages.forNumber(phone.e164, phone.accountId));
    const result = await this.perform(phone, command, locale);
    if (result.reply) await this.answer(phone, result.reply, options.replyLink ?? null);
    return { outcome: result.outcome, accountId: result.accountId, postId: result.postId };
  }

  /**
   * One command as the phone's owner, through the domain services; the reply is returned, not
   * sent, so SMS texts it and USSD shows it. The one home of what each command does.
   */
  async perform(
    phone: BoundPhone,
    command:
      | Exclude<SmsCommand, { kind: 'stop' | 'start' | 'help' }>
      | { kind: 'reply'; inReplyToId: string; text: string },
    locale: Locale,
  ): Promise<CommandResult> {
    const say = (id: MessageId, values: MessageValues = {}) => t(locale, id, values, 'phone');
    try {
      const result = await this.execute(phone, command, say);
      if (result.outcome === 'posted' && result.postId) {
        await this.notices.notify(phone.accountId, 'sms_post', { postId: result.postId, kind: command.kind });
      }
      return result;
    } catch (error) {
      if (error instanceof DomainError) {
        return {
          outcome: 'rejected',
          accountId: phone.accountId,
          postId: null,
          reply: say('sms.notPosted', { why: errorText(locale, error, 'phone') }),
        };
      }
      throw error;
    }
  }

  private async execute(
    phone: BoundPhone,
    command: Parameters<SmsChannel['perform']>[1],
    say: (id: MessageId, values?: MessageValues) => string,
  ): Promise<CommandResult> {
    const me = phone.accountId;
    const done = (outcome: InboundOutcome, reply: string | null, postId: string | null = null): CommandResult => ({
      outcome,
      accountId: me,
      postId,
      reply,
    });
    const tooLong = (text: string): string | null => {
      const length = postLength(text);
      return length > this.options.maxPostLength
        ? say('sms.tooLong', { length, max: this.options.maxPostLength })
        : null;
    };
    const target = async (username: string): Promise<Account | { missing: string }> =>
      (await this.microblog.resolve(username)) ?? { missing: say('sms.noSuchUser', { username }) };
    switch (command.kind) {
      case 'post': {
        const refusal = tooLong(command.text);
        if (refusal) return done('rejected', refusal);
        const post = await this.microblog.post(me, { text: command.text, source: 'sms' });
        return done('posted', null, post.id);
      }
      case 'reply': {
        const refusal = tooLong(command.text);
        if (refusal) return done('rejected', refusal);
        const post = await this.microblog.post(me, {
          text: command.text,
          source: 'sms',
          inReplyToId: command.inReplyToId,
        });
        return done('posted', null, post.id);
      }
      case 'replyTo': {
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        const latest = await this.latestPost(me, found);
        if (!latest) return done('rejected', say('sms.nothingToReply', { username: found.username }));
        // Mentioning the author threads the reply and notifies them, on their own server too.
        const handle = handleOf(found);
        const text = mentionsAccount(command.text, found) ? command.text : `@${handle} ${command.text}`;
        const refusal = tooLong(text);
        if (refusal) return done('rejected', refusal);
        const post = await this.microblog.post(me, { text, source: 'sms', inReplyToId: latest.post.id });
        return done('posted', say('sms.replied', { username: handle }), post.id);
      }
      case 'direct': {
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        // The full handle for an account of another server: a bare @name would address no one there.
        const handle = handleOf(found);
        const text = `@${handle} ${command.text}`;
        const refusal = tooLong(text);
        if (refusal) return done('rejected', refusal);
        const post = await this.microblog.post(me, { text, source: 'sms', visibility: 'direct' });
        return done('posted', say('sms.dmSent', { username: handle }), post.id);
      }
      case 'follow': {
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        const relationship = await this.microblog.follow(me, found.id);
        if (!relationship.following && !relationship.requested) {
          return done('rejected', say('sms.followFailed', { username: found.username }));
        }
        // A locked account's posts start coming only once it accepts (see SmsSubscriptions).
        await this.subscriptions.subscribe(me, found);
        const textsOn = (await this.store.settings(me)).notifications;
        return done(
          'command',
          say(relationship.following ? 'sms.followed' : 'sms.followRequested', { username: found.username, textsOn }),
        );
      }
      case 'unfollow': {
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        await this.microblog.unfollow(me, found.id);
        await this.subscriptions.unsubscribe(me, found.id);
        return done('command', say('sms.unfollowed', { username: found.username }));
      }
      case 'notifications': {
        if (command.username === null) {
          await this.store.updateSettings(me, { notifications: command.on }, this.clock.now());
          return done('command', say(command.on ? 'sms.allOn' : 'sms.allOff'));
        }
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        if (!command.on) {
          await this.subscriptions.unsubscribe(me, found.id);
          return done('command', say('sms.userOff', { username: found.username }));
        }
        let state: 'active' | 'on_acceptance';
        try {
          state = await this.subscriptions.subscribe(me, found);
        } catch (error) {
          if (!(error instanceof NotFollowingError)) throw error;
          return done('rejected', say('sms.notFollowing', { username: found.username }));
        }
        return done(
          'command',
          say(state === 'active' ? 'sms.userOn' : 'sms.stillRequested', { username: found.username }),
        );
      }
      case 'get': {
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        const latest = await this.latestPost(me, found);
        const text = latest
          ? fitSms(`@${found.username}: ${latest.post.text}`, {
              maxSegments: this.options.maxSegments,
              link: `${this.options.publicUrl}/@${found.username}/${latest.post.id}`,
            })
          : say('sms.noPosts', { username: found.username });
        return done('command', text);
      }
      case 'whois': {
        const found = await target(command.username);
        if ('missing' in found) return done('rejected', found.missing);
        const name = found.displayName && found.displayName !== found.username ? ` (${found.displayName})` : '';
        const bio = found.note ? ` ${found.note}` : '';
        const text = say('sms.whois', {
          username: found.username,
          name,
          bio,
          posts: found.statusesCount,
          followers: found.followersCount,
          following: found.followingCount,
        });
        return done('command', fitSms(text, { maxSegments: 1 }));
      }
      case 'undo': {
        const last = await this.microblog.lastPostFrom(me, 'sms');
        if (!last) return done('rejected', say('sms.nothingToUndo'));
        await this.microblog.deletePost(me, last.id);
        return done('command', say('sms.undone'), last.id);
      }
      case 'malformed':
        return done('rejected', say('sms.usage', { usage: command.usage }));
    }
  }

  /** The latest post of an account that `viewerId` may see (not a boost): what GET shows and REPLY answers. */
  private async latestPost(viewerId: string, account: Account): Promise<PostView | undefined> {
    const [latest] = await this.microblog.accountTimeline(viewerId, account.id, { limit: 1 }, { excludeReblogs: true });
    return latest;
  }

  /** A reply to a linked account's command: content, so the kill switch and policy apply. */
  private answer(phone: BoundPhone, text: string, replyLink: string | null): Promise<void> {
    return this.reply(phone.e164, phone.country, text, 'content', 'command_reply', phone.accountId, replyLink);
  }

  private async reply(
    to: string,
    country: string,
    text: string,
    messageClass: MessageClass,
    purpose: string,
    accountId: string | null = null,
    replyLink: string | null = null,
  ): Promise<void> {
    await this.outbox.enqueue([{ to, country, text, messageClass, purpose, accountId, replyLink }]);
  }

  private takeSlot(number: string, kind: string, periodMs: number): Promise<boolean> {
    const now = this.clock.now();
    return this.store.takeReplySlot(number, kind, new Date(now.getTime() - periodMs), now);
  }
}
