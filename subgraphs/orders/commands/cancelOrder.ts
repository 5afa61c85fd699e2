import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { isSelfOrAdmin, requireSignedIn } from '../../../platform/auth/authorize';
import { badInput, conflict, forbidden, notFound } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import { nextStatusOnCancel, type Order } from '../domain/order';
import { toOrder, type OrderRow } from '../orderRow';

/** How often a cancel re-reads an order whose status changed under it before giving up. */
const ATTEMPTS = 3;

/**
 * Cancels an order. Its customer or an ADMIN only (others FORBIDDEN, an
 * unknown id NOT_FOUND); from PENDING or CONFIRMED only, else CONFLICT.
 */
export async function cancelOrder(deps: { db: Database; clock: Clock }, viewer: Viewer, input: { orderId: string }): Promise<Order> {
  requireSignedIn(viewer);
  if (!isUuid(input.orderId)) throw badInput('input.orderId', `orderId must be an order id (UUID), got "${input.orderId}".`);
  for (let attempt = 1; ; attempt++) {
    const [row] = await deps.db.query<OrderRow>('select * from orders.orders where id = $1', [input.orderId]);
    if (!row) throw notFound(`No order has id "${input.orderId}".`);
    if (!isSelfOrAdmin(viewer, row.customer_id)) throw forbidden('Only the customer who placed this order or an ADMIN may cancel it.');
    const current = toOrder(row);
    const next = nextStatusOnCancel(current.status);
    // Guarded on the status just read, so a change made meanwhile (say, the saga rejecting it) is never overwritten.
    const [updated] = await deps.db.query<OrderRow>(
      'update orders.orders set status = $3, updated_at = $4 where id = $1 and status = $2 returning *',
      [row.id, current.status, next, deps.clock.now()],
    );
    if (updated) return toOrder(updated);
    // The status changed between the read and the update: decide again on the new one.
    if (attempt >= ATTEMPTS) throw conflict(`Order "${input.orderId}" kept changing while it was being cancelled; try again.`);
  }
}
