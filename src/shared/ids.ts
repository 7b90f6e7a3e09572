import { randomInt } from 'node:crypto';

/**
 * Time-ordered ids as decimal strings (Mastodon clients treat ids as opaque strings but
 * expect newer objects to have larger ids). The value is `unixMillis * 2^16 + sequence`,
 * which always has 18 digits between 2018 and 2453, so string order equals numeric
 * order and the store can compare ids as text on every engine.
 *
 * The sequence starts at a random point each millisecond so that several processes
 * writing at once rarely collide; the primary key catches the rare collision.
 */
const SEQUENCE_SPACE = 65536;
let lastMillis = 0;
let sequence = 0;

export function newId(now: number = Date.now()): string {
  let millis = Math.max(now, lastMillis);
  if (millis === lastMillis) {
    sequence += 1;
    if (sequence >= SEQUENCE_SPACE) {
      millis += 1;
      sequence = randomInt(0, SEQUENCE_SPACE / 2);
    }
  } else {
    sequence = randomInt(0, SEQUENCE_SPACE / 2);
  }
  lastMillis = millis;
  return (BigInt(millis) * BigInt(SEQUENCE_SPACE) + BigInt(sequence)).toString();
}

/** The smallest id that could have been created at `millis`; used for time-based cursors. */
export function idFloorForTime(millis: number): string {
  return (BigInt(millis) * BigInt(SEQUENCE_SPACE)).toString();
}

export function timeOfId(id: string): Date {
  return new Date(Number(BigInt(id) / BigInt(SEQUENCE_SPACE)));
}

export const ID_PATTERN = /^[0-9]{1,20}$/;

/** Every id Sparrow issues has this many digits, so ids sort the same as text and as numbers. */
export const ID_LENGTH = 18;

/** Ids arrive from URLs and query strings; anything that is not one of ours is "not found". */
export function isWellFormedId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
