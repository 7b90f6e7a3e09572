import nodemailer, { type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from '../security/ports.ts';

/** E-mail through an SMTP server (`SPARROW_SMTP_URL=smtp://user:pass@host:587` or `smtps://…:465`). */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  private readonly from: string;
  constructor(url: string, from: string, options: { timeoutMs?: number } = {}) {
    this.from = from;
    const timeout = options.timeoutMs ?? 15_000;
    this.transporter = nodemailer.createTransport(url, {
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  close(): void {
    this.transporter.close();
  }
}
