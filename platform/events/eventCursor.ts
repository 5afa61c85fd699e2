import { badInput } from '../errors';

/*
 * A subscription payload's `cursor` is its event's position in the domain's
 * stream (`DeliveredEvent.sequence`), wrapped so clients treat it as opaque:
 * base64url of `<domain>:<sequence>`. The domain inside keeps a cursor of one
 * stream from being replayed against another.
 */

/** Longer than any cursor `encodeEventCursor` writes; longer input is refused unread. */
const MAX_CURSOR_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The opaque cursor of the event at `sequence` in `domain`'s stream; sequence 0 is the position before the first event. */
export function encodeEventCursor(domain: string, sequence: number): string {
  return Buffer.from(`${domain}:${sequence}`, 'utf8').toString('base64url');
}

/**
 * The stream position a cursor of `domain` names: pass it as
 * `EventBus.watch`'s `after` to resume exactly after that event.
 * BAD_USER_INPUT naming `field` when `cursor` is not such a cursor.
 */
export function decodeEventCursor(cursor: string, domain: string, field = 'after'): number {
  const refuse = () =>
    badInput(
      field,
      `Expected \`${field}\` to be a cursor this subscription returned, got ${JSON.stringify(cursor.length > 60 ? `${cursor.slice(0, 60)}…` : cursor)}.`,
    );
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw refuse();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = text.lastIndexOf(':');
  const sequenceText = text.slice(separator + 1);
  if (separator < 0 || text.slice(0, separator) !== domain || !/^(0|[1-9]\d{0,15})$/.test(sequenceText)) throw refuse();
  const sequence = Number(sequenceText);
  if (!Number.isSafeInteger(sequence)) throw refuse();
  return sequence;
}

/**
 * The domain and stream position a cursor names, without knowing its domain
 * beforehand (the gateway orders the cursors of one subscription's events
 * by it); undefined when `cursor` is not one `encodeEventCursor` wrote.
 */
export function readEventCursor(cursor: string): { domain: string; sequence: number } | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = text.lastIndexOf(':');
  const sequenceText = text.slice(separator + 1);
  if (separator <= 0 || !/^(0|[1-9]\d{0,15})$/.test(sequenceText)) return undefined;
  const sequence = Number(sequenceText);
  return Number.isSafeInteger(sequence) ? { domain: text.slice(0, separator), sequence } : undefined;
}
