import { randomUUID } from 'node:crypto';
import type { OutboundSms, SendResult, SmsProvider } from './types.ts';

/**
 * Development provider: nothing leaves the machine. A "sent" message stays in the outbox
 * with status `sent`, which is what the phone simulator and the dev endpoints show; the
 * simulator texts the server through the dev endpoint instead of a webhook.
 */
export class ConsoleProvider implements SmsProvider {
  readonly name = 'console' as const;

  private readonly onSend: (message: OutboundSms) => void;
  constructor(onSend: (message: OutboundSms) => void = () => {}) {
    this.onSend = onSend;
  }

  async send(message: OutboundSms): Promise<SendResult> {
    this.onSend(message);
    return { ok: true, providerMessageId: `console-${randomUUID()}` };
  }
}
