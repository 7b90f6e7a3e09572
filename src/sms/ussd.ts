import { createHash } from 'node:crypto';
import type { Account, Microblog, PostView } from '../core/index.ts';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import { t, type LanguagePreferences, type Locale, type MessageId, type MessageValues } from '../i18n/index.ts';
import type { CommandResult, SmsChannel } from './channel.ts';
import { analyseSms } from './encoding.ts';
import type { BoundPhone } from './model.ts';
import { normalisePhone } from './phone.ts';
import type { SmsStore } from './ports.ts';
import type { UssdRequest } from './providers/types.ts';

/** `CON …` keeps the session open for another input; `END …` closes it. */
export interface UssdAnswer {
  end: boolean;
  text: string;
}

/** A USSD screen holds 182 GSM-7 characters, or 80 when any character needs UCS-2 (Arabic, emoji). */
export function fitsUssdScreen(text: string): boolean {
  const analysis = analyseSms(text);
  return analysis.encoding === 'GSM-7' ? analysis.unitsUsed <= 182 : text.length <= 80;
}

const MORE = '98';
const BACK = '0';
const LIST_SIZE = 20;
/** A post on a list screen is cut to this many characters, so every page shows at least one. */
const ITEM_CHARS = 90;

type Screen =
  | { kind: 'main' }
  | { kind: 'latest'; page: number }
  | { kind: 'pick'; page: number }
  | { kind: 'write_reply'; postId: string }
  | { kind: 'write_post' }
  | { kind: 'follow' }
  | { kind: 'notifications'; page: number }
  | { kind: 'texts' };

type Action =
  | { kind: 'post'; text: string }
  | { kind: 'reply'; postId: string; text: string }
  | { kind: 'follow'; username: string }
  /** Turns SMS notifications the other way from how they are. */
  | { kind: 'texts' };

type Walk = { screen: Screen } | { action: Action } | { invalid: true } | { empty: true };

/**
 * Sparrow over USSD (`*384*123#`-style sessions, Africa's Talking's USSD callback). The
 * gateway sends every input of the session so far on each request, so a screen is worked
 * out again from the inputs each time: nothing is kept between requests, and any instance
 * can answer any request. Every step passes the same trust gate as a text (posting turned
 * on, country policy and kill switch, SIM swap, the posting PIN, rate limits) and every
 * action goes through the SMS channel's own commands (`SmsChannel.perform`). An action is
 * recorded in the inbound log keyed by session and inputs before it runs, so a replayed
 * request acts once.
 */
export class UssdMenu {
  private readonly channel: SmsChannel;
  private readonly store: SmsStore;
  private readonly microblog: Microblog;
  private readonly languages: LanguagePreferences;
  private readonly clock: Clock;
  private readonly options: { publicUrl: string; provider: string };
  constructor(
    channel: SmsChannel,
    store: SmsStore,
    microblog: Microblog,
    languages: LanguagePreferences,
    clock: Clock,
    options: { publicUrl: string; provider: string },
  ) {
    this.channel = channel;
    this.store = store;
    this.microblog = microblog;
    this.languages = languages;
    this.clock = clock;
    this.options = options;
  }

  async answer(request: UssdRequest): Promise<UssdAnswer> {
    const sender = normalisePhone(request.phoneNumber);
    const web = this.options.publicUrl;
    if (!sender) return { end: true, text: t('en', 'sms.notLinked', { web }, 'phone') };
    const phone = await this.store.phoneByNumber(sender.e164);
    const locale = await this.languages.forNumber(sender.e164, phone?.accountId ?? null);
    const say = (id: MessageId, values: MessageValues = {}) => t(locale, id, values, 'phone');
    const end = (text: string): UssdAnswer => ({ end: true, text: fit(text) });
    const con = (text: string): UssdAnswer => ({ end: false, text: fit(text) });

    const linked = await this.channel.linkedAccount(phone);
    if (!linked) return end(say('sms.notLinked', { web }));
    const { account } = linked;
    let inputs = request.text === '' ? [] : request.text.split('*');

    // The posting PIN, when the account has one, is the first input of every session.
    const security = await this.store.securityState(account.id);
    let pin = '';
    if (security.pinHash) {
      if (inputs.length === 0) return con(say('ussd.enterPin'));
      pin = `${inputs[0]} `;
      inputs = inputs.slice(1);
    }

    const walk = walkMenu(inputs);
    const gateText = `${pin}${'action' in walk ? describe(walk.action) : 'USSD'}`;
    if (!('action' in walk)) {
      // Reading is gated too: a swapped SIM or a paused country reads nothing.
      const admission = await this.channel.admit(linked.phone, account, gateText, null);
      if (admission.kind !== 'pass')
        return end(admission.reply ? say(admission.reply, { web }) : say('ussd.held', { web }));
      if ('invalid' in walk) return con(`${say('ussd.invalid')}\n${say('ussd.back')}`);
      if ('empty' in walk) return end(say('ussd.empty'));
      return this.show(walk.screen, account, locale, say);
    }
    // The replay key leaves the PIN out: a hash of a short PIN and a known path would give the PIN away.
    const key = `${request.sessionId}:${createHash('sha256').update(inputs.join('*')).digest('hex').slice(0, 32)}`;
    return this.act(walk.action, key, request.serviceCode, linked.phone, account, locale, gateText, say);
  }

  private async show(
    screen: Screen,
    account: Account,
    locale: Locale,
    say: (id: MessageId, values?: MessageValues) => string,
  ): Promise<UssdAnswer> {
    const con = (text: string): UssdAnswer => ({ end: false, text: fit(text) });
    switch (screen.kind) {
      case 'main':
        return con(say('ussd.menu'));
      case 'write_post':
        return con(say('ussd.writePost'));
      case 'write_reply':
        return con(say('ussd.writeReply'));
      case 'follow':
        return con(say('ussd.enterHandle'));
      case 'texts': {
        const settings = await this.store.settings(account.id);
        return con(`${say('ussd.textsState', { on: settings.notifications })}\n${say('ussd.back')}`);
      }
      case 'latest':
      case 'pick': {
        const posts = await this.latest(account.id);
        if (posts.length === 0) return { end: true, text: fit(say('ussd.noPosts')) };
        const numbered = screen.kind === 'pick';
        const items = posts.map((p, i) => `${numbered ? `${i + 1} ` : ''}@${p.author.username}: ${cut(p.post.text)}`);
        const title = numbered ? say('ussd.pickPost') : null;
        return con(pageOf(items, screen.page, title, say));
      }
      case 'notifications': {
        const list = await this.microblog.notifications(account.id, { limit: LIST_SIZE });
        if (list.length === 0) return { end: true, text: fit(say('ussd.noNotifications')) };
        const items = list.map((n) => {
          const who = say('ussd.notification', { kind: n.notification.type, username: n.from.username });
          return n.post ? `${who}: ${cut(n.post.post.text, 60)}` : who;
        });
        return con(pageOf(items, screen.page, null, say));
      }
    }
  }

  private async act(
    action: Action,
    key: string,
    serviceCode: string,
    phone: BoundPhone,
    account: Account,
    locale: Locale,
    gateText: string,
    say: (id: MessageId, values?: MessageValues) => string,
  ): Promise<UssdAnswer> {
    const end = (text: string): UssdAnswer => ({ end: true, text: fit(text) });
    const now = this.clock.now();
    const id = newId(now.getTime());
    // Keyed by session and inputs: the gateway's retry or a replayed request finds it and stops.
    const fresh = await this.store.recordInbound({
      id,
      provider: `${this.options.provider}-ussd`,
      providerMessageId: key,
      from: phone.e164,
      to: serviceCode,
      text: describe(action),
      receivedAt: now,
    });
    if (!fresh) return end(say('ussd.done'));
    const admission = await this.channel.admit(phone, account, gateText, id);
    if (admission.kind !== 'pass') {
      await this.store.finishInbound(id, admission.outcome, account.id, null);
      const web = this.options.publicUrl;
      return end(admission.reply ? say(admission.reply, { web }) : say('ussd.held', { web }));
    }
    let result: CommandResult;
    switch (action.kind) {
      case 'post':
        result = await this.channel.perform(phone, { kind: 'post', text: action.text }, locale);
        break;
      case 'reply': {
        const target = (await this.latest(account.id))[Number(action.postId.slice(1))];
        if (!target) {
          await this.store.finishInbound(id, 'rejected', account.id, null);
          return end(say('ussd.invalid'));
        }
        result = await this.channel.perform(
          phone,
          { kind: 'reply', inReplyToId: target.post.id, text: action.text },
          locale,
        );
        break;
      }
      case 'follow':
        result = await this.channel.perform(phone, { kind: 'follow', username: action.username }, locale);
        break;
      case 'texts': {
        const on = !(await this.store.settings(account.id)).notifications;
        result = await this.channel.perform(phone, { kind: 'notifications', on, username: null }, locale);
        break;
      }
    }
    await this.store.finishInbound(id, result.outcome, account.id, result.postId);
    if (result.reply) return end(result.reply);
    return end(
      say(action.kind === 'reply' ? 'ussd.replied' : result.outcome === 'posted' ? 'ussd.posted' : 'ussd.done'),
    );
  }

  /** The latest posts of people the account follows (its home timeline without its own posts). */
  private async latest(accountId: string): Promise<PostView[]> {
    const home = await this.microblog.homeTimeline(accountId, { limit: LIST_SIZE * 2 });
    return home
      .map((view) => view.reblog ?? view)
      .filter((view) => view.author.id !== accountId)
      .slice(0, LIST_SIZE);
  }
}

/**
 * Works out where the inputs lead: a screen to show, an action to take, or a choice that is
 * not on the menu. `0` goes back to the main menu from any list or choice screen; `98`
 * pages forward on a list. Free text (a post, a reply, a handle) is taken as typed, `*` and all.
 */
function walkMenu(inputs: readonly string[]): Walk {
  let screen: Screen = { kind: 'main' };
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!.trim();
    const rest = () => inputs.slice(i).join('*').trim();
    switch (screen.kind) {
      case 'main': {
        const next: Record<string, Screen> = {
          '1': { kind: 'latest', page: 0 },
          '2': { kind: 'write_post' },
          '3': { kind: 'pick', page: 0 },
          '4': { kind: 'follow' },
          '5': { kind: 'notifications', page: 0 },
          '6': { kind: 'texts' },
        };
        const found = next[input];
        if (!found) return { invalid: true };
        screen = found;
        break;
      }
      case 'latest':
      case 'notifications':
        if (input === MORE) screen = { kind: screen.kind, page: screen.page + 1 };
        else if (input === BACK) screen = { kind: 'main' };
        else return { invalid: true };
        break;
      case 'pick': {
        if (input === MORE) screen = { kind: screen.kind, page: screen.page + 1 };
        else if (input === BACK) screen = { kind: 'main' };
        else if (/^\d{1,2}$/.test(input) && Number(input) >= 1 && Number(input) <= LIST_SIZE) {
          screen = { kind: 'write_reply', postId: `#${Number(input) - 1}` };
        } else return { invalid: true };
        break;
      }
      case 'texts':
        if (input === '1') return inputs.length === i + 1 ? { action: { kind: 'texts' } } : { invalid: true };
        if (input === BACK) screen = { kind: 'main' };
        else return { invalid: true };
        break;
      case 'write_post':
        return rest() === '' ? { empty: true } : { action: { kind: 'post', text: rest() } };
      case 'write_reply':
        return rest() === '' ? { empty: true } : { action: { kind: 'reply', postId: screen.postId, text: rest() } };
      case 'follow': {
        const handle = rest().replace(/^@/, '');
        return /^[A-Za-z0-9_]{1,30}(@[A-Za-z0-9.-]+)?$/.test(handle)
          ? { action: { kind: 'follow', username: handle } }
          : { invalid: true };
      }
    }
  }
  return { screen };
}

/** What the action is, as an SMS command would say it (the inbound log and a held text keep this). */
function describe(action: Action): string {
  switch (action.kind) {
    case 'post':
    case 'reply':
      return action.text;
    case 'follow':
      return `FOLLOW @${action.username}`;
    case 'texts':
      return 'ON/OFF';
  }
}

function cut(text: string, max = ITEM_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 3).join('')}...`;
}

/** Page `page` of a list: as many items as fit one screen with the title and the More / Back lines. */
function pageOf(
  items: readonly string[],
  page: number,
  title: string | null,
  say: (id: MessageId, values?: MessageValues) => string,
): string {
  const pages: string[][] = [];
  let current: string[] = [];
  const render = (lines: string[], more: boolean) =>
    [...(title ? [title] : []), ...lines, ...(more ? [say('ussd.more')] : []), say('ussd.back')].join('\n');
  for (const item of items) {
    const fitted = fitsUssdScreen(render([item], true)) ? item : cut(item, 40);
    if (current.length > 0 && !fitsUssdScreen(render([...current, fitted], true))) {
      pages.push(current);
      current = [];
    }
    current.push(fitted);
  }
  if (current.length > 0) pages.push(current);
  const index = Math.min(page, pages.length - 1);
  return render(pages[index] ?? [], index < pages.length - 1);
}

/** Whatever happens, a screen never overflows: the rare overlong answer is cut. */
function fit(text: string): string {
  if (fitsUssdScreen(text)) return text;
  const chars = [...text];
  let length = chars.length;
  while (length > 0 && !fitsUssdScreen(`${chars.slice(0, length).join('')}...`)) length -= 1;
  return `${chars.slice(0, length).join('')}...`;
}
