export { SmtpMailTransport } from './smtp.ts';
export { DevMailbox, type DeliveredMail } from './dev-mailbox.ts';
