import type { Viewer } from '../../../../platform/auth/identity';
import { isSelfOrAdmin, requireSignedIn } from '../../../../platform/auth/authorize';
import { forbidden } from '../../../../platform/errors';
import { parsePage, type Connection, type PageArgs } from '../../../../platform/pagination';
import type { Order } from '../../domain/order';
import type { OrderLoaders } from '../../loaders';

/**
 * One page of a customer's orders, newest first, from the order history read
 * model (eventually consistent: an order shows moments after it is placed).
 * Only that customer and ADMINs may list them: UNAUTHENTICATED when
 * anonymous, FORBIDDEN otherwise.
 */
export async function customerOrders(loaders: OrderLoaders, viewer: Viewer, customerId: string, args: PageArgs): Promise<Connection<Order>> {
  requireSignedIn(viewer);
  if (!isSelfOrAdmin(viewer, customerId)) throw forbidden("Only the customer or an ADMIN may list a customer's orders.");
  return loaders.ordersByCustomer(parsePage(args)).load(customerId);
}
