import type { en } from './locales/en.ts';

export type MessageId = keyof typeof en;
/** A whole catalogue: every message id of the English source, translated. */
export type Messages = Record<MessageId, string>;
