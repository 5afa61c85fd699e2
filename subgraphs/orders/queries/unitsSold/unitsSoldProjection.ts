import type { Projection } from '../../../../platform/events/projection';
import type { LoggedEvent } from '../../../../platform/events/outbox';
import type { OrderEvent } from '../../../../schema/events/orders';
import { UnreachableCaseError } from '../../../../platform/unreachableCaseError';

/**
 * `orders.units_sold`: per product, the units of CONFIRMED orders not
 * cancelled since. A confirmation adds its lines; cancelling a CONFIRMED
 * order takes them away again (cancelling a PENDING one never added any).
 */
export const unitsSoldProjection: Projection = {
  name: 'unitsSold',
  types: ['OrderConfirmed', 'OrderCancelled'],
  async apply(logged: LoggedEvent, tx) {
    const event = logged as LoggedEvent<OrderEvent>;
    const lineColumns = (lines: ReadonlyArray<{ productId: string; quantity: number }>) => [lines.map((l) => l.productId), lines.map((l) => l.quantity)];
    switch (event.type) {
      case 'OrderConfirmed':
        // All lines in one statement; products are distinct within an order.
        await tx.query(
          `insert into orders.units_sold (product_id, units)
           select l.product_id, l.units from unnest($1::uuid[], $2::integer[]) as l (product_id, units)
           on conflict (product_id) do update set units = orders.units_sold.units + excluded.units`,
          lineColumns(event.data.lines),
        );
        return;
      case 'OrderCancelled':
        // Cancelling a PENDING order takes back nothing: it never counted.
        if (event.data.previousStatus !== 'CONFIRMED') return;
        await tx.query(
          `update orders.units_sold s set units = s.units - l.units
           from unnest($1::uuid[], $2::integer[]) as l (product_id, units) where s.product_id = l.product_id`,
          lineColumns(event.data.lines),
        );
        return;
      case 'OrderPlaced':
      case 'OrderRejected':
        return;
      default:
        throw new UnreachableCaseError(event, 'order event');
    }
  },
  async reset(tx) {
    await tx.query('delete from orders.units_sold');
  },
};
