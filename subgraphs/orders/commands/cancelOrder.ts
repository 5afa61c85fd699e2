import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { CommandRequest } from '../../../platform/command';
import { isSelfOrAdmin, requireSignedIn } from '../../../platform/auth/authorize';
import type { Outbox } from '../../../platform/events/outbox';
import { badInput, conflict, forbidden, notFound } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import { evolve, type Order } from '../domain/order';
import { decide } from '../domain/orderDecider';
import { loadOrderState, updateOrder } from '../orderStore';
import { toOrder } from '../orderRow';

/** How often a cancel re-reads an order that changed under it before giving up. */
const ATTEMPTS = 3;

/**
 * Cancels an order. Its customer or an ADMIN only (others FORBIDDEN, an
 * unknown id NOT_FOUND); from PENDING or CONFIRMED only, else CONFLICT. The
 * new status and `OrderCancelled` commit together; inventory puts reserved
 * units back when it handles the event.
 */
export async function cancelOrder(
  deps: { db: Database; outbox: Outbox; clock: Clock },
  { viewer, input, cause }: CommandRequest<{ orderId: string }>,
): Promise<Order> {
  requireSignedIn(viewer);
  if (!isUuid(input.orderId)) throw badInput('input.orderId', `orderId must be an order id (UUID), got "${input.orderId}".`);
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadOrderState(deps.db, input.orderId.toLowerCase());
    if (!loaded) throw notFound(`No order has id "${input.orderId}".`, 'input.orderId');
    if (!isSelfOrAdmin(viewer, loaded.state.customerId)) throw forbidden('Only the customer who placed this order or an ADMIN may cancel it.');
    const events = decide({ type: 'CancelOrder' }, loaded.state);
    const next = events.reduce(evolve, loaded.state);
    const written = await deps.db.transaction(async (tx) => {
      // Guarded on the version just read, so a change made meanwhile (say, the saga confirming it) is never overwritten.
      const row = await updateOrder(tx, next, loaded.state.version, deps.clock.now());
      if (row) await deps.outbox.append(tx, cause, events);
      return row;
    });
    if (written) return toOrder(written);
    // The order changed between the read and the update: decide again on the new state.
    if (attempt >= ATTEMPTS) throw conflict(`Order "${input.orderId}" kept changing while it was being cancelled; try again.`);
  }
}
