import type { Database } from '../../../platform/storage/database';
import type { CommandRequest } from '../../../platform/command';
import { requireSignedIn } from '../../../platform/auth/authorize';
import type { Outbox } from '../../../platform/events/outbox';
import { isUuid, newId } from '../../../platform/ids';
import { evolve, type Order, type OrderLine } from '../domain/order';
import { decide } from '../domain/orderDecider';
import { validateOrderLines, type OrderLineRequest } from '../domain/orderLines';
import type { ProductCatalog } from '../productCatalog';
import { insertOrder } from '../orderStore';
import { toOrder } from '../orderRow';

/**
 * Places an order for the signed-in caller at the catalog's current prices:
 * the PENDING order, its lines and `OrderPlaced` commit in one transaction.
 * Inventory then reserves its units or not, and the saga confirms or rejects
 * it; the order returned is the PENDING one this command wrote.
 */
export async function placeOrder(
  deps: { db: Database; outbox: Outbox; catalog: ProductCatalog },
  { viewer, input, cause }: CommandRequest<{ lines: readonly OrderLineRequest[] }>,
): Promise<{ order: Order; lines: OrderLine[] }> {
  const identity = requireSignedIn(viewer);
  if (!isUuid(identity.userId)) throw new Error(`The caller's user id must be a UUID, got "${identity.userId}".`);
  const requested = validateOrderLines(input.lines);
  const prices = await deps.catalog.pricesOf(requested.map((line) => line.productId));
  const events = decide({ type: 'PlaceOrder', orderId: newId(), customerId: identity.userId.toLowerCase(), lines: requested, prices }, null);
  const state = events.reduce(evolve, null);
  if (!state) throw new Error('PlaceOrder decided no OrderPlaced.');
  const row = await deps.db.transaction(async (tx) => {
    const [placed] = await deps.outbox.append(tx, cause, events);
    // The order was placed when its event says so: the write model and every read model agree on the time.
    return insertOrder(tx, state, new Date(placed!.occurredAt));
  });
  const lines = state.lines.map((line) => ({ orderId: state.id, productId: line.productId, quantity: line.quantity, unitPrice: line.unitPrice }));
  return { order: toOrder(row), lines };
}
