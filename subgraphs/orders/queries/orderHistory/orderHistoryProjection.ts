import type { Projection } from '../../../../platform/events/projection';
import type { LoggedEvent } from '../../../../platform/events/outbox';
import type { Order, OrderStatus } from '../../domain/order';
import { ORDER_EVENT_TYPES, type OrderEvent } from '../../../../schema/events/orders';
import { toOrder } from '../../orderRow';
import { UnreachableCaseError } from '../../../../platform/unreachableCaseError';

/** A row of `orders.order_history`, as the paging view `orders.order_history_pages` returns it (with `id` and `created_at`). */
export interface OrderHistoryRow {
  id: string;
  created_at: Date;
  order_id: string;
  customer_id: string;
  status: OrderStatus;
  total_amount: number;
  currency: string;
  line_count: number;
  rejection_reason: string | null;
  version: number;
  placed_at: Date;
  updated_at: Date;
}

/** The domain view of a history row; its lines are the order's own, loaded by id. */
export function toOrderFromHistory(row: OrderHistoryRow): Order {
  // The history row has the order's columns but for two names: its `id` and `created_at` are the history row's own.
  return toOrder({ ...row, id: row.order_id, created_at: row.placed_at });
}

/**
 * `orders.order_history`: one row per order with what a customer's order
 * list shows, kept from every orders event. Times are the events' own, so a
 * rebuild writes the same rows.
 */
export const orderHistoryProjection: Projection = {
  name: 'orderHistory',
  types: ORDER_EVENT_TYPES,
  async apply(logged: LoggedEvent, tx) {
    const event = logged as LoggedEvent<OrderEvent>;
    switch (event.type) {
      case 'OrderPlaced':
        await tx.query(
          `insert into orders.order_history
             (order_id, customer_id, status, total_amount, currency, line_count, rejection_reason, version, placed_at, updated_at)
           values ($1, $2, 'PENDING', $3, $4, $5, null, $6, $7, $7)`,
          [
            event.aggregateId,
            event.data.customerId,
            event.data.total.amount,
            event.data.total.currency,
            event.data.lines.length,
            event.aggregateVersion,
            event.occurredAt,
          ],
        );
        return;
      case 'OrderConfirmed':
        await setStatus(tx, event, 'CONFIRMED', null);
        return;
      case 'OrderRejected':
        await setStatus(tx, event, 'REJECTED', event.data.reason);
        return;
      case 'OrderCancelled':
        await setStatus(tx, event, 'CANCELLED', null);
        return;
      default:
        throw new UnreachableCaseError(event, 'order event');
    }
  },
  async reset(tx) {
    await tx.query('delete from orders.order_history');
  },
};

async function setStatus(
  tx: Parameters<Projection['apply']>[1],
  event: LoggedEvent<OrderEvent>,
  status: OrderStatus,
  rejectionReason: string | null,
): Promise<void> {
  await tx.query(
    `update orders.order_history set status = $2, rejection_reason = coalesce($3, rejection_reason), version = $4, updated_at = $5
     where order_id = $1`,
    [event.aggregateId, status, rejectionReason, event.aggregateVersion, event.occurredAt],
  );
}
