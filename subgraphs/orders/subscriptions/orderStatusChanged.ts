import type { Identity, Viewer } from '../../../platform/auth/identity';
import { isSelfOrAdmin, requireSignedIn } from '../../../platform/auth/authorize';
import { badInput, forbidden, notFound } from '../../../platform/errors';
import type { DeliveredEvent } from '../../../platform/events/event';
import { decodeEventCursor, encodeEventCursor } from '../../../platform/events/eventCursor';
import { watchEvents } from '../../../platform/events/watchEvents';
import { isUuid } from '../../../platform/ids';
import type { OrderStatus } from '../domain/order';
import { ORDER_EVENT_TYPES, type OrderEvent } from '../../../schema/events/orders';
import type { OrdersContext } from '../subgraph';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** The orders stream, which `orderStatusChanged` follows. */
const DOMAIN = 'orders';

/** One `OrderStatusChange` as resolvers receive it; `order` resolves from `orderId`. */
export interface OrderStatusChange {
  /** The event's position in the orders stream, opaque (`encodeEventCursor`). */
  cursor: string;
  orderId: string;
  /** Whose order it is: who may see the change. */
  customerId: string;
  status: OrderStatus;
  occurredAt: string;
}

/** The status an order has after `event`. */
export function statusAfter(event: OrderEvent): OrderStatus {
  switch (event.type) {
    case 'OrderPlaced':
      return 'PENDING';
    case 'OrderConfirmed':
      return 'CONFIRMED';
    case 'OrderRejected':
      return 'REJECTED';
    case 'OrderCancelled':
      return 'CANCELLED';
    default:
      throw new UnreachableCaseError(event, 'order event');
  }
}

/** The status change an orders event (from the bus) makes. Every orders event changes its order's status. */
export function orderStatusChangeOf(event: DeliveredEvent<OrderEvent>): OrderStatusChange {
  return {
    cursor: encodeEventCursor(DOMAIN, event.sequence),
    orderId: event.aggregateId,
    customerId: event.data.customerId,
    status: statusAfter(event),
    occurredAt: event.occurredAt,
  };
}

/**
 * What a subscriber sees of each orders event: the status change when it is
 * about an order `viewer` may see (their own; any for an ADMIN) and, when
 * `orderId` is given (lower case), about that order; null otherwise.
 */
export function orderStatusChangeFor(viewer: Identity, orderId: string | null): (event: DeliveredEvent) => OrderStatusChange | null {
  const userId = viewer.userId.toLowerCase();
  return (event) => {
    const change = orderStatusChangeOf(event as DeliveredEvent<OrderEvent>);
    if (orderId !== null && change.orderId !== orderId) return null;
    return viewer.role === 'ADMIN' || (typeof change.customerId === 'string' && change.customerId.toLowerCase() === userId) ? change : null;
  };
}

/** The arguments of `Subscription.orderStatusChanged`. */
export interface OrderStatusChangedArgs {
  orderId?: string | null;
  after?: string | null;
}

/**
 * The `subscribe` resolver of `orderStatusChanged`: the caller's order status
 * changes from now on, or exactly those after the cursor `after`. Refuses an
 * anonymous caller (UNAUTHENTICATED), a malformed `orderId` or `after`
 * (BAD_USER_INPUT), an unknown order (NOT_FOUND) and another customer's
 * order (FORBIDDEN) before it watches anything.
 */
export async function subscribeToOrderStatusChanges(ctx: OrdersContext, args: OrderStatusChangedArgs): Promise<AsyncIterableIterator<OrderStatusChange>> {
  const viewer = requireSignedIn(ctx.viewer);
  let orderId: string | null = null;
  if (args.orderId !== undefined && args.orderId !== null) {
    if (!isUuid(args.orderId))
      throw badInput('orderId', `Expected \`orderId\` to be an order id (a UUID), got ${JSON.stringify(String(args.orderId).slice(0, 60))}.`);
    orderId = args.orderId.toLowerCase();
  }
  const after = args.after === undefined || args.after === null ? undefined : decodeEventCursor(args.after, DOMAIN, 'after');
  if (orderId !== null) await checkOrderVisible(ctx, viewer, orderId);
  return watchEvents(ctx.bus, { domain: DOMAIN, types: ORDER_EVENT_TYPES, after }, orderStatusChangeFor(viewer, orderId));
}

async function checkOrderVisible(ctx: OrdersContext, viewer: Viewer, orderId: string): Promise<void> {
  const order = await ctx.loaders.orderById.load(orderId);
  if (!order) throw notFound(`There is no order "${orderId}".`);
  if (!isSelfOrAdmin(viewer, order.customerId)) throw forbidden('Only the customer who placed this order or an ADMIN may follow it.');
}
