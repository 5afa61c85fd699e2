import { DomainError, ErrorCode } from '../errors';
import { decodeEventCursor, encodeEventCursor, readEventCursor } from './eventCursor';

describe('event cursors', () => {
  it('round-trips a stream position of its domain, as opaque base64url, 0 (before the first event) included', () => {
    for (const sequence of [0, 1, 42, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeEventCursor('orders', sequence);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeEventCursor(cursor, 'orders')).toBe(sequence);
    }
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'b3JkZXJzOjE=='],
    ['another domain', encodeEventCursor('reviews', 3)],
    ['no sequence', Buffer.from('orders:').toString('base64url')],
    ['a padded sequence', Buffer.from('orders:01').toString('base64url')],
    ['a negative sequence', encodeEventCursor('orders', -1)],
    ['a fraction', Buffer.from('orders:1.5').toString('base64url')],
    ['past the safe integers', Buffer.from('orders:9999999999999999').toString('base64url')],
    ['no separator', Buffer.from('orders').toString('base64url')],
    ['far too long', 'A'.repeat(500)],
  ])('refuses a cursor with %s as BAD_USER_INPUT naming the argument', (_, cursor) => {
    let error: unknown;
    try {
      decodeEventCursor(cursor, 'orders', 'after');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field: 'after' });
    expect((error as Error).message.length).toBeLessThan(200);
  });

  it('reads the domain and position of any cursor it wrote, and nothing of what it did not', () => {
    expect(readEventCursor(encodeEventCursor('inventory', 17))).toEqual({ domain: 'inventory', sequence: 17 });
    for (const cursor of ['', 'not a cursor!', Buffer.from('inventory:01').toString('base64url'), Buffer.from(':3').toString('base64url'), 'A'.repeat(500)])
      expect(readEventCursor(cursor)).toBeUndefined();
  });
});
