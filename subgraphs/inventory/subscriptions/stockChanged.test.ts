import type { DeliveredEvent } from '../../../platform/events/event';
import { decodeEventCursor } from '../../../platform/events/eventCursor';
import { stockChangeOf, type StockChangingEvent } from './stockChanged';

const PRODUCT = '00000000-0000-4000-8000-00000000f001';
const OTHER = '00000000-0000-4000-8000-00000000f002';
const ORDER = '00000000-0000-4000-8000-0000000000a1';
const AT = '2026-02-01T12:00:00.000Z';

function delivered(event: Pick<StockChangingEvent, 'type' | 'data'>, sequence = 5): DeliveredEvent<StockChangingEvent> {
  return {
    eventId: `event-${sequence}`,
    domain: 'inventory',
    aggregateId: event.type === 'StockRestocked' ? PRODUCT : ORDER,
    aggregateVersion: 1,
    occurredAt: AT,
    correlationId: 'request',
    causationId: null,
    sequence,
    ...event,
  } as DeliveredEvent<StockChangingEvent>;
}

describe('stockChanged mapping', () => {
  it('maps a restock of the product to RESTOCKED: units added, stock after, the stream position as cursor', () => {
    const change = stockChangeOf(delivered({ type: 'StockRestocked', data: { productId: PRODUCT, quantity: 5, stock: 12 } }, 31), PRODUCT);
    expect(change).toEqual({ cursor: change!.cursor, productId: PRODUCT, stock: 12, change: 5, reason: 'RESTOCKED', occurredAt: AT });
    expect(decodeEventCursor(change!.cursor, 'inventory')).toBe(31);
  });

  it('maps the product’s line of a reservation to RESERVED, taking its units', () => {
    const event = delivered({
      type: 'StockReserved',
      data: {
        orderId: ORDER,
        lines: [
          { productId: OTHER, quantity: 1, stock: 0 },
          { productId: PRODUCT, quantity: 3, stock: 7 },
        ],
      },
    });
    expect(stockChangeOf(event, PRODUCT)).toMatchObject({ stock: 7, change: -3, reason: 'RESERVED' });
  });

  it('maps the product’s line of a release to RELEASED, giving its units back', () => {
    const event = delivered({ type: 'StockReleased', data: { orderId: ORDER, lines: [{ productId: PRODUCT, quantity: 3, stock: 10 }] } });
    expect(stockChangeOf(event, PRODUCT)).toMatchObject({ stock: 10, change: 3, reason: 'RELEASED' });
  });

  it('given an event that does not touch the product, then there is no change', () => {
    expect(stockChangeOf(delivered({ type: 'StockRestocked', data: { productId: OTHER, quantity: 5, stock: 5 } }), PRODUCT)).toBeNull();
    expect(
      stockChangeOf(delivered({ type: 'StockReserved', data: { orderId: ORDER, lines: [{ productId: OTHER, quantity: 1, stock: 0 }] } }), PRODUCT),
    ).toBeNull();
  });

  it('given several lines of the product in one event, then they make one change, so one event stays one cursor', () => {
    const event = delivered({
      type: 'StockReserved',
      data: {
        orderId: ORDER,
        lines: [
          { productId: PRODUCT, quantity: 2, stock: 8 },
          { productId: PRODUCT.toUpperCase(), quantity: 3, stock: 5 },
        ],
      },
    });
    expect(stockChangeOf(event, PRODUCT)).toMatchObject({ stock: 5, change: -5, reason: 'RESERVED' });
  });
});
