import type { Identity } from '../../../platform/auth/identity';
import type { DeliveredEvent } from '../../../platform/events/event';
import { decodeEventCursor } from '../../../platform/events/eventCursor';
import type { OrderEvent } from '../../../schema/events/orders';
import { orderStatusChangeFor, orderStatusChangeOf, statusAfter } from './orderStatusChanged';

const ALICE = '00000000-0000-4000-8000-0000000a11ce';
const BOB = '00000000-0000-4000-8000-000000000b0b';
const ORDER = '00000000-0000-4000-8000-0000000000a1';
const OTHER_ORDER = '00000000-0000-4000-8000-0000000000a2';
const alice: Identity = { userId: ALICE, role: 'CUSTOMER' };
const admin: Identity = { userId: '00000000-0000-4000-8000-00000000ad00', role: 'ADMIN' };

const lines = [{ productId: '00000000-0000-4000-8000-00000000f001', quantity: 2 }];
const dataOf: Record<OrderEvent['type'], (customerId: string) => unknown> = {
  OrderPlaced: (customerId) => ({
    customerId,
    lines: lines.map((l) => ({ ...l, unitPrice: { amount: 100, currency: 'USD' } })),
    total: { amount: 200, currency: 'USD' },
  }),
  OrderConfirmed: (customerId) => ({ customerId, lines }),
  OrderRejected: (customerId) => ({ customerId, reason: 'short', shortfalls: [] }),
  OrderCancelled: (customerId) => ({ customerId, previousStatus: 'CONFIRMED', lines }),
};

/** An orders event as the bus delivers it. */
function delivered(type: OrderEvent['type'], { orderId = ORDER, customerId = ALICE, sequence = 7 } = {}): DeliveredEvent<OrderEvent> {
  return {
    eventId: `event-${sequence}`,
    domain: 'orders',
    type,
    aggregateId: orderId,
    aggregateVersion: 1,
    occurredAt: '2026-03-01T09:30:00.000Z',
    correlationId: 'request',
    causationId: null,
    sequence,
    data: dataOf[type](customerId),
  } as DeliveredEvent<OrderEvent>;
}

describe('orderStatusChanged mapping', () => {
  it.each([
    ['OrderPlaced', 'PENDING'],
    ['OrderConfirmed', 'CONFIRMED'],
    ['OrderRejected', 'REJECTED'],
    ['OrderCancelled', 'CANCELLED'],
  ] as const)('given %s, then the order is %s after it', (type, status) => {
    expect(statusAfter(delivered(type))).toBe(status);
  });

  it('maps an event to its change: the stream position as cursor, the order, its customer, the status and the time', () => {
    const change = orderStatusChangeOf(delivered('OrderConfirmed', { sequence: 42 }));
    expect(change).toEqual({ cursor: change.cursor, orderId: ORDER, customerId: ALICE, status: 'CONFIRMED', occurredAt: '2026-03-01T09:30:00.000Z' });
    expect(decodeEventCursor(change.cursor, 'orders')).toBe(42);
  });

  it('given a customer, then only changes of their own orders reach them', () => {
    const select = orderStatusChangeFor(alice, null);
    expect(select(delivered('OrderPlaced'))?.status).toBe('PENDING');
    expect(select(delivered('OrderPlaced', { customerId: BOB }))).toBeNull();
    // An identity's id in upper case is the same user.
    expect(orderStatusChangeFor({ ...alice, userId: ALICE.toUpperCase() }, null)(delivered('OrderPlaced'))).not.toBeNull();
  });

  it('given an ADMIN, then every customer’s changes reach them', () => {
    const select = orderStatusChangeFor(admin, null);
    expect(select(delivered('OrderPlaced'))).not.toBeNull();
    expect(select(delivered('OrderCancelled', { customerId: BOB }))).not.toBeNull();
  });

  it('given an order id, then only that order’s changes reach the subscriber', () => {
    const select = orderStatusChangeFor(admin, ORDER);
    expect(select(delivered('OrderConfirmed'))?.orderId).toBe(ORDER);
    expect(select(delivered('OrderConfirmed', { orderId: OTHER_ORDER }))).toBeNull();
  });
});
