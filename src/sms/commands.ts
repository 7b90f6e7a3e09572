/**
 * The SMS command language (SPEC 3.3). The first word decides; anything that is not a
 * command is a post. Parsing is pure so every rule can be tested on its own.
 */
export type SmsCommand =
  | { kind: 'post'; text: string }
  | { kind: 'direct'; username: string; text: string }
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

const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
const START_WORDS = ['START', 'UNSTOP'] as const;

// `bob`, `@bob`, `@bob@this.server` or, for accounts of other servers, `@bob@example.social`.
const USERNAME = /^@?([A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+(?::[0-9]{1,5})?)?)$/;

const USAGE = {
  direct: 'D @user message',
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
  // Phones add stray whitespace and some keyboards a trailing full stop to a lone word.
  const text = raw.replace(/\r\n?/g, '\n').trim();
  const firstSpace = text.search(/\s/);
  const typed = (firstSpace === -1 ? text : text.slice(0, firstSpace)).replace(/[.!]+$/, '');
  const first = typed.toUpperCase();
  const capitals = typed === first;
  const rest = firstSpace === -1 ? '' : text.slice(firstSpace).trim();
  const words = rest.split(/\s+/).filter(Boolean);
  const alone = words.length === 0;

  if ((STOP_WORDS as readonly string[]).includes(first) && alone) return { kind: 'stop' };
  if ((START_WORDS as readonly string[]).includes(first) && alone) return { kind: 'start' };
  if ((first === 'HELP' || first === 'INFO') && alone) return { kind: 'help' };
  if (first === 'UNDO' && alone) return { kind: 'undo' };

  switch (first) {
    case 'D':
    case 'DM': {
      if (alone) return { kind: 'malformed', command: first, usage: USAGE.direct };
      const target = addressed(words[0], capitals);
      if (!target) return { kind: 'post', text };
      const message = rest.slice(words[0]!.length).trim();
      if (message === '') return { kind: 'malformed', command: first, usage: USAGE.direct };
      return { kind: 'direct', username: target, text: message };
    }
    case 'FOLLOW':
    case 'UNFOLLOW':
    case 'LEAVE':
    case 'GET':
    case 'WHOIS': {
      const usage =
        first === 'FOLLOW'
          ? USAGE.follow
          : first === 'GET'
            ? USAGE.get
            : first === 'WHOIS'
              ? USAGE.whois
              : USAGE.unfollow;
      if (alone) return { kind: 'malformed', command: first, usage };
      const target = words.length === 1 ? addressed(words[0], capitals) : null;
      if (!target) {
        // "FOLLOW @bob now" is a slip, not a post about following; "Follow the money" is a post.
        return words[0]!.startsWith('@') ? { kind: 'malformed', command: first, usage } : { kind: 'post', text };
      }
      if (first === 'FOLLOW') return { kind: 'follow', username: target };
      if (first === 'GET') return { kind: 'get', username: target };
      if (first === 'WHOIS') return { kind: 'whois', username: target };
      return { kind: 'unfollow', username: target };
    }
    case 'ON':
    case 'OFF': {
      const on = first === 'ON';
      if (alone) return { kind: 'notifications', on, username: null };
      const target = words.length === 1 ? addressed(words[0], capitals) : null;
      if (!target)
        return words[0]!.startsWith('@')
          ? { kind: 'malformed', command: first, usage: on ? USAGE.on : USAGE.off }
          : { kind: 'post', text };
      return { kind: 'notifications', on, username: target };
    }
    default:
      return { kind: 'post', text };
  }
}
