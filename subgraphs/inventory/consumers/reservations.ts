import type { Clock } from '../../../platform/clock';
import type { ConsumerDefinition } from '../../../platform/events/consumer';
import { causedBy, type DeliveredEvent } from '../../../platform/events/event';
import type { Outbox } from '../../../platform/events/outbox';
import type { Transaction } from '../../../platform/storage/database';
import type { OrderCancelled, OrderPlaced } from '../../../schema/events/orders';
import { evolve, type ReservationState, type ReservationStatus } from '../domain/reservation';
import { decide, type ReservationCommand } from '../domain/reservationDecider';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** The orders events inventory reserves and releases stock on. */
type ReservationTrigger = OrderPlaced | OrderCancelled;

/** The consumer's durable name. */
export const RESERVATIONS_CONSUMER = 'inventory.reservations';

/**
 * Locks the stock rows of `productIds` (`for update`, in product id order,
 * so two reservations never wait on each other in a cycle) and returns the
 * units on hand; products without a row are absent.
 */
async function lockStock(tx: Transaction, productIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await tx.query<{ product_id: string; quantity: number }>(
    'select product_id, quantity from inventory.stock where product_id = any($1::uuid[]) order by product_id for update',
    [productIds],
  );
  return new Map(rows.map((row) => [row.product_id, row.quantity]));
}

/** The order's reservation rows, locked; null when it has none. */
async function lockReservation(tx: Transaction, orderId: string): Promise<ReservationState['reservation']> {
  const rows = await tx.query<{ product_id: string; quantity: number; status: ReservationStatus }>(
    'select product_id, quantity, status from inventory.reservations where order_id = $1 order by product_id for update',
    [orderId],
  );
  if (!rows.length) return null;
  // Every row of an order changes together, so the first tells the status of all.
  return { status: rows[0]!.status, lines: rows.map((row) => ({ productId: row.product_id, quantity: row.quantity })) };
}

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
        const onHand = await lockStock(tx, command.lines.map((line) => line.productId));
        state = { orderId: command.orderId, onHand, reservation: await lockReservation(tx, command.orderId) };
      } else {
        const reservation = await lockReservation(tx, command.orderId);
        // Nothing held: nothing to lock or release.
        if (reservation?.status !== 'RESERVED') return;
        state = { orderId: command.orderId, onHand: await lockStock(tx, reservation.lines.map((line) => line.productId)), reservation };
      }
      const events = decide(command, state);
      if (!events.length) return;
      const next = events.reduce(evolve, state);
      const now = deps.clock.now();
      const held = next.reservation;
      if (held) {
        // Stock of every reserved or released product, in one statement each.
        await tx.query(
          `update inventory.stock s set quantity = l.quantity, updated_at = $3
           from unnest($1::uuid[], $2::integer[]) as l (product_id, quantity) where s.product_id = l.product_id`,
          [held.lines.map((line) => line.productId), held.lines.map((line) => next.onHand.get(line.productId)), now],
        );
        await tx.query(
          `insert into inventory.reservations (order_id, product_id, quantity, status)
           select $1, l.product_id, l.quantity, $4 from unnest($2::uuid[], $3::integer[]) as l (product_id, quantity)
           on conflict (order_id, product_id) do update set status = excluded.status`,
          [next.orderId, held.lines.map((line) => line.productId), held.lines.map((line) => line.quantity), held.status],
        );
      }
      await deps.outbox.append(tx, causedBy(delivered), events);
    },
  };
}
