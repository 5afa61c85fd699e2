import type { Clock } from '../../../platform/clock';
import type { ConsumerDefinition } from '../../../platform/events/consumer';
import { causedBy, type DeliveredEvent } from '../../../platform/events/event';
import type { Outbox } from '../../../platform/events/outbox';
import type { OrderCancelled, OrderPlaced } from '../../../schema/events/orders';
import { evolve, type ReservationState } from '../domain/reservation';
import { lockStock, writeUnitsOnHand } from '../stockStore';
import { lockReservation, writeReservation } from '../reservationStore';
import { decide, type ReservationCommand } from '../domain/reservationDecider';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** The orders events inventory reserves and releases stock on. */
type ReservationTrigger = OrderPlaced | OrderCancelled;

/** The consumer's durable name. */
export const RESERVATIONS_CONSUMER = 'inventory.reservations';

/** The command an orders event amounts to, and the products it concerns. */
function commandFor(event: DeliveredEvent<ReservationTrigger>): ReservationCommand {
  const orderId = event.aggregateId.toLowerCase();
  switch (event.type) {
    case 'OrderPlaced':
      return { type: 'ReserveStock', orderId, lines: event.data.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity })) };
    case 'OrderCancelled':
      // Whatever the status the order was cancelled from: an order cancelled while PENDING may have been reserved meanwhile.
      return { type: 'ReleaseStock', orderId };
    default:
      throw new UnreachableCaseError(event, 'orders event');
  }
}

/**
 * The inventory side of the order saga. On `OrderPlaced` it reserves every
 * line or none (`StockReserved` / `StockReservationRejected`); on
 * `OrderCancelled` it puts a held reservation back (`StockReleased`). Stock
 * rows are locked while deciding, so concurrent orders never oversell, and
 * stock changes, reservation rows and events commit together with the inbox
 * record. Orders' stream is delivered in order, so an order's OrderPlaced is
 * always handled before its OrderCancelled.
 */
export function reservationsConsumer(deps: { outbox: Outbox; clock: Clock }): ConsumerDefinition {
  return {
    name: RESERVATIONS_CONSUMER,
    domain: 'orders',
    types: ['OrderPlaced', 'OrderCancelled'],
    async handle(delivered, tx) {
      const command = commandFor(delivered as DeliveredEvent<ReservationTrigger>);
      let state: ReservationState;
      if (command.type === 'ReserveStock') {
        const onHand = await lockStock(
          tx,
          command.lines.map((line) => line.productId),
        );
        state = { orderId: command.orderId, onHand, reservation: await lockReservation(tx, command.orderId) };
      } else {
        const reservation = await lockReservation(tx, command.orderId);
        // Nothing held: nothing to lock or release.
        if (reservation?.status !== 'RESERVED') return;
        state = {
          orderId: command.orderId,
          onHand: await lockStock(
            tx,
            reservation.lines.map((line) => line.productId),
          ),
          reservation,
        };
      }
      const events = decide(command, state);
      if (!events.length) return;
      const next = events.reduce(evolve, state);
      const now = deps.clock.now();
      const held = next.reservation;
      if (held) {
        // Stock of every reserved or released product, in one statement each.
        await writeUnitsOnHand(
          tx,
          held.lines.map((line) => ({ productId: line.productId, quantity: next.onHand.get(line.productId)! })),
          now,
        );
        await writeReservation(tx, next.orderId, held);
      }
      await deps.outbox.append(tx, causedBy(delivered), events);
    },
  };
}
