import type { Transaction } from '../../platform/storage/database';
import type { ReservationState, ReservationStatus } from './domain/reservation';

/**
 * The write model of reservations: `inventory.reservations`, one row per
 * order and product. Callers write the stock concerned and append the
 * events in the same transaction.
 */

/** The order's reservation rows, locked; null when it has none. */
export async function lockReservation(tx: Transaction, orderId: string): Promise<ReservationState['reservation']> {
  const rows = await tx.query<{ product_id: string; quantity: number; status: ReservationStatus }>(
    'select product_id, quantity, status from inventory.reservations where order_id = $1 order by product_id for update',
    [orderId],
  );
  if (!rows.length) return null;
  // Every row of an order changes together, so the first tells the status of all.
  return { status: rows[0]!.status, lines: rows.map((row) => ({ productId: row.product_id, quantity: row.quantity })) };
}

/** Writes what is held for the order: a row per line, all in `reservation.status`. */
export async function writeReservation(tx: Transaction, orderId: string, reservation: NonNullable<ReservationState['reservation']>): Promise<void> {
  await tx.query(
    `insert into inventory.reservations (order_id, product_id, quantity, status)
     select $1, l.product_id, l.quantity, $4 from unnest($2::uuid[], $3::integer[]) as l (product_id, quantity)
     on conflict (order_id, product_id) do update set status = excluded.status`,
    [orderId, reservation.lines.map((line) => line.productId), reservation.lines.map((line) => line.quantity), reservation.status],
  );
}
