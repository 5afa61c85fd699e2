import type { Database } from '../../platform/storage/database';
import type { EventCause } from '../../platform/events/event';
import { Outbox } from '../../platform/events/outbox';
import { SEED_ORDERS } from '../../platform/seedData';
import { evolve } from './domain/order';
import { decide } from './domain/orderDecider';
import { insertOrder, updateOrder } from './orderStore';

const SEED_CAUSE: EventCause = { correlationId: 'seed', causationId: null };
/** How long after being placed the seeded CANCELLED order was cancelled. */
const CANCELLED_AFTER_MS = 60_000;

/**
 * Places the demo orders on empty order tables, through the same decisions
 * and events as `placeOrder` and `cancelOrder`: each is PENDING with
 * `OrderPlaced`, and the one meant to be CANCELLED is cancelled
 * (`OrderCancelled`). The saga then confirms or rejects the rest, and the
 * read models see them all. Events carry the seeded times, as if the orders
 * had been placed then. Does nothing when orders exist.
 */
export async function seedOrders(db: Database, outbox: Outbox): Promise<void> {
  const seeded = await db.transaction(async (tx) => {
    // Instances starting together seed once.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['orders.seed']);
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from orders.orders');
    if (Number(n) > 0) return false;
    for (const order of SEED_ORDERS) {
      const prices = new Map(order.lines.map((line) => [line.productId, { amount: line.unitPriceAmount, currency: line.currency }]));
      const lines = order.lines.map(({ productId, quantity }) => ({ productId, quantity }));
      const placed = decide({ type: 'PlaceOrder', orderId: order.id, customerId: order.customerId, lines, prices }, null);
      const state = placed.reduce(evolve, null)!;
      await outboxAt(outbox, order.placedAt).append(tx, SEED_CAUSE, placed);
      await insertOrder(tx, state, order.placedAt);
      if (order.status !== 'CANCELLED') continue;
      const cancelledAt = new Date(order.placedAt.getTime() + CANCELLED_AFTER_MS);
      const cancelled = decide({ type: 'CancelOrder' }, state);
      await updateOrder(tx, cancelled.reduce(evolve, state), state.version, cancelledAt);
      await outboxAt(outbox, cancelledAt).append(tx, SEED_CAUSE, cancelled);
    }
    return true;
  });
  // The appends went through stand-ins with fixed clocks; wake the subgraph's relay and projections.
  if (seeded) outbox.notify();
}

/** `outbox`'s log, stamping events with `at` instead of the clock. */
function outboxAt(outbox: Outbox, at: Date): Outbox {
  return new Outbox(outbox.schema, { now: () => at });
}
