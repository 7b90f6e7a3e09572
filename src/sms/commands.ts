import type { Locale } from '../i18n/index.ts';
import { keyword } from './keywords.ts';

/**
 * The SMS command language (SPEC 3.3). The first word decides; anything that is not a
 * command is a post. Parsing is pure so every rule can be tested on its own.
 */
export type SmsCommand =
  | { kind: 'post'; text: string }
  | { kind: 'direct'; username: string; text: string }
  /** A reply to the latest post of `username` that the texter may see. */
  | { kind: 'replyTo'; username: string; text: string }
  | { kind: 'follow'; username: string }
  | { kind: 'unfollow'; username: string }
  | { kind: 'notifications'; on: boolean; username: string | null }
  | { kind: 'get'; username: string }
  | { kind: 'whois'; username: string }
  | { kind: 'undo' }
  | { kind: 'help' }
  | { kind: 'stop' }
  | { kind: 'start' }
  /** A command word with missing or malformed arguments: answered with its usage. */
  | { kind: 'malformed'; command: string; usage: string };

// `bob`, `@bob`, `@bob@this.server` or, for accounts of other servers, `@bob@example.social`.
const USERNAME = /^@?([A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+(?::[0-9]{1,5})?)?)$/;

const USAGE = {
  direct: 'D @user message',
  reply: 'REPLY @user text',
  follow: 'FOLLOW @user',
  unfollow: 'UNFOLLOW @user',
  on: 'ON or ON @user',
  off: 'OFF or OFF @user',
  get: 'GET @user',
  whois: 'WHOIS @user',
} as const;

function username(word: string | undefined): string | null {
  if (!word) return null;
  const match = USERNAME.exec(word);
  return match ? match[1]! : null;
}

/**
 * Command words are also ordinary words ("On my way", "Get well soon"). An argument is
 * taken as a username when it carries an @, or when the command word was typed in
 * capitals ("FOLLOW bob"); otherwise the whole text is a post.
 */
function addressed(word: string | undefined, commandTypedInCapitals: boolean): string | null {
  if (!word) return null;
  if (!word.startsWith('@') && !commandTypedInCapitals) return null;
  return username(word);
}

export function parseSmsCommand(raw: string): SmsCommand {
  return parseWithLanguage(raw).command;
}

/** The command, and the language of its command word (null when the text is a post). */
export function parseWithLanguage(raw: string): { command: SmsCommand; language: Locale | null } {
  // Phones add stray whitespace and some keyboards a trailing full stop to a lone word.
  const text = raw.replace(/\r\n?/g, '\n').trim();
  const firstSpace = text.search(/\s/);
  const typed = (firstSpace === -1 ? text : text.slice(0, firstSpace)).replace(/[.!]+$/, '');
  const first = typed.toUpperCase();
  // Arabic has no capitals: there, a username always needs its @.
  const capitals = typed === first && typed !== typed.toLowerCase();
  const rest = firstSpace === -1 ? '' : text.slice(firstSpace).trim();
  const words = rest.split(/\s+/).filter(Boolean);
  const alone = words.length === 0;
  const word = keyword(first);
  const post = { command: { kind: 'post', text } as SmsCommand, language: null };
  if (!word) return post;
  const found = (command: SmsCommand) => ({ command, language: word.locale });

  switch (word.kind) {
    case 'stop':
    case 'start':
    case 'help':
    case 'undo':
      return alone ? found({ kind: word.kind }) : post;
    case 'dm':
    case 'reply': {
      const usage = word.kind === 'dm' ? USAGE.direct : USAGE.reply;
      if (alone) return found({ kind: 'malformed', command: first, usage });
      const target = addressed(words[0], capitals);
      if (!target) return post;
      const message = rest.slice(words[0]!.length).trim();
      if (message === '') return found({ kind: 'malformed', command: first, usage });
      return found({ kind: word.kind === 'dm' ? 'direct' : 'replyTo', username: target, text: message });
    }
    case 'follow':
    case 'unfollow':
    case 'get':
    case 'whois': {
      const usage = USAGE[word.kind];
      if (alone) return found({ kind: 'malformed', command: first, usage });
      const target = words.length === 1 ? addressed(words[0], capitals) : null;
      if (!target) {
        // "FOLLOW @bob now" is a slip, not a post about following; "Follow the money" is a post.
        return words[0]!.startsWith('@') ? found({ kind: 'malformed', command: first, usage }) : post;
      }
      return found({ kind: word.kind, username: target });
    }
    case 'on':
    case 'off': {
      const on = word.kind === 'on';
      if (alone) return found({ kind: 'notifications', on, username: null });
      const target = words.length === 1 ? addressed(words[0], capitals) : null;
      if (!target)
        return words[0]!.startsWith('@')
          ? found({ kind: 'malformed', command: first, usage: on ? USAGE.on : USAGE.off })
          : post;
      return found({ kind: 'notifications', on, username: target });
    }
  }
}
