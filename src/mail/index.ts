export { SmtpMailTransport } from './smtp.ts';
export { DevMailbox } from './dev-mailbox.ts';
