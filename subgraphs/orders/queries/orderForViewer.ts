import type { Viewer } from '../../../platform/auth/identity';
import { isSelfOrAdmin, requireSignedIn } from '../../../platform/auth/authorize';
import { forbidden } from '../../../platform/errors';
import type { Order } from '../domain/order';
import type { OrderLoaders } from '../loaders';

/**
 * The order `id` as `viewer` may see it: null when there is none,
 * UNAUTHENTICATED when anonymous, FORBIDDEN for another customer's order.
 * ADMINs see every order.
 */
export async function orderForViewer(loaders: OrderLoaders, viewer: Viewer, id: string): Promise<Order | null> {
  requireSignedIn(viewer);
  const order = await loaders.orderById.load(id);
  if (!order) return null;
  if (!isSelfOrAdmin(viewer, order.customerId)) throw forbidden('Only the customer who placed this order or an ADMIN may see it.');
  return order;
}

/** The order when `viewer` may see it, else null: for entity references, which have no place for an error. */
export async function visibleOrder(loaders: OrderLoaders, viewer: Viewer, id: string): Promise<Order | null> {
  const order = await loaders.orderById.load(id);
  return order && isSelfOrAdmin(viewer, order.customerId) ? order : null;
}
