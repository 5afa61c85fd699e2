import type { Clock } from '../../../platform/clock';
import type { ConsumerDefinition } from '../../../platform/events/consumer';
import { causedBy, type DeliveredEvent } from '../../../platform/events/event';
import type { Outbox } from '../../../platform/events/outbox';
import { evolve } from '../domain/order';
import { decide, type OrderCommand } from '../domain/orderDecider';
import type { StockReservationRejected, StockReserved } from '../../../schema/events/inventory';
import { loadOrderState, updateOrder } from '../orderStore';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Inventory's answers to an order, the events this saga step reads. */
type ReservationOutcome = StockReserved | StockReservationRejected;

/** The consumer's durable name. */
export const ORDER_SAGA_CONSUMER = 'orders.saga';

/** The command inventory's answer amounts to. */
function commandFor(event: ReservationOutcome): OrderCommand {
  switch (event.type) {
    case 'StockReserved':
      return { type: 'ConfirmOrder' };
    case 'StockReservationRejected':
      return { type: 'RejectOrder', shortfalls: event.data.shortfalls };
    default:
      throw new UnreachableCaseError(event, 'inventory event');
  }
}

/**
 * The orders side of the order saga: inventory's answer to `OrderPlaced`
 * confirms a PENDING order (`StockReserved`) or rejects it
 * (`StockReservationRejected`, with a reason naming the short products).
 * The order row is locked while deciding, so a concurrent cancel waits and
 * then decides on the new state; the new status and the event commit together
 * with the inbox record.
 */
export function orderSagaConsumer(deps: { outbox: Outbox; clock: Clock }): ConsumerDefinition {
  return {
    name: ORDER_SAGA_CONSUMER,
    domain: 'inventory',
    types: ['StockReserved', 'StockReservationRejected'],
    async handle(delivered, tx) {
      const event = delivered as DeliveredEvent<ReservationOutcome>;
      const loaded = await loadOrderState(tx, event.data.orderId, { lock: true });
      const events = decide(commandFor(event), loaded?.state ?? null);
      if (!loaded || !events.length) return;
      const next = events.reduce(evolve, loaded.state);
      // The row is locked, so the guard holds; checking it anyway makes a broken lock loud.
      if (!(await updateOrder(tx, next, loaded.state.version, deps.clock.now()))) {
        throw new Error(`Order "${loaded.state.id}" changed while its row was locked.`);
      }
      await deps.outbox.append(tx, causedBy(event), events);
    },
  };
}
