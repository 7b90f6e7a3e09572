import type { MailTransport, OutgoingMail } from '../security/ports.ts';

export interface DeliveredMail extends OutgoingMail {
  at: Date;
}

const KEEP_PER_ADDRESS = 50;
const KEEP_ADDRESSES = 1000;

/**
 * Development mail: nothing leaves the machine; the last messages to each address are kept
 * in memory and readable through the dev endpoint. Never holds more than a bounded amount.
 */
export class DevMailbox implements MailTransport {
  private readonly boxes = new Map<string, DeliveredMail[]>();

  async send(mail: OutgoingMail): Promise<void> {
    const key = mail.to.trim().toLowerCase();
    const box = this.boxes.get(key) ?? [];
    box.push({ ...mail, at: new Date() });
    if (box.length > KEEP_PER_ADDRESS) box.shift();
    this.boxes.delete(key);
    this.boxes.set(key, box);
    if (this.boxes.size > KEEP_ADDRESSES) this.boxes.delete(this.boxes.keys().next().value!);
  }

  messagesTo(address: string): DeliveredMail[] {
    return [...(this.boxes.get(address.trim().toLowerCase()) ?? [])].reverse();
  }
}
