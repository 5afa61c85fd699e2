import { conflict } from '../../../platform/errors';
import type { NewEvent } from '../../../platform/events/outbox';
import type { Money } from '../../../schema/events/money';
import type { OrderEvent } from '../../../schema/events/orders';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Where an order is in its life. */
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

/** An orders event as a decision returns it: the outbox adds id, time and cause. */
export type NewOrderEvent = NewEvent<OrderEvent>;

/** An order as queries return it; its lines are loaded apart. */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  /** Sum of the line totals, fixed when the order was placed. */
  total: Money;
  placedAt: Date;
  /** Why inventory could not reserve the order, when it is REJECTED; else null. */
  rejectionReason: string | null;
}

/** One product in an order, with the unit price captured when the order was placed. */
export interface OrderLine {
  orderId: string;
  productId: string;
  quantity: number;
  unitPrice: Money;
}

/** A line inventory could not fill. */
export interface Shortfall {
  productId: string;
  requested: number;
  available: number;
}

/** What `decide` knows of an order: everything its events established. */
export interface OrderState {
  id: string;
  customerId: string;
  status: OrderStatus;
  /** The version of its last event: 1 after `OrderPlaced`, then +1 for each. */
  version: number;
  lines: ReadonlyArray<{ productId: string; quantity: number; unitPrice: Money }>;
  total: Money;
  rejectionReason: string | null;
}

/** unitPrice times quantity, in the unit price's currency. */
export function lineTotal(line: Pick<OrderLine, 'quantity' | 'unitPrice'>): Money {
  return { amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency };
}

/**
 * The status an order in `status` moves to when cancelled: PENDING and
 * CONFIRMED orders become CANCELLED; any other status is a CONFLICT naming it.
 */
export function nextStatusOnCancel(status: OrderStatus): OrderStatus {
  switch (status) {
    case 'PENDING':
    case 'CONFIRMED':
      return 'CANCELLED';
    case 'REJECTED':
    case 'CANCELLED':
      throw conflict(`Only a PENDING or CONFIRMED order can be cancelled; this order is ${status}.`);
    default:
      throw new UnreachableCaseError(status, 'order status');
  }
}

/** The customer-facing reason of a rejection, naming every product that fell short. */
export function rejectionReason(shortfalls: readonly Shortfall[]): string {
  if (!shortfalls.length) return 'Inventory could not reserve the units of this order.';
  const noun = shortfalls.length === 1 ? 'product' : 'products';
  const listed = shortfalls.map((s) => `${s.productId} (requested ${s.requested}, available ${s.available})`).join(', ');
  return `Not enough stock for ${shortfalls.length} ${noun}: ${listed}.`;
}

/** The order after `event`; null `state` only before `OrderPlaced`. No I/O. */
export function evolve(state: OrderState | null, event: NewOrderEvent): OrderState {
  if (event.type === 'OrderPlaced') {
    return {
      id: event.aggregateId,
      customerId: event.data.customerId,
      status: 'PENDING',
      version: event.aggregateVersion,
      lines: event.data.lines.map((line) => ({ productId: line.productId, quantity: line.quantity, unitPrice: { ...line.unitPrice } })),
      total: { ...event.data.total },
      rejectionReason: null,
    };
  }
  if (!state) throw new Error(`${event.type} of order "${event.aggregateId}" arrived before its OrderPlaced.`);
  switch (event.type) {
    case 'OrderConfirmed':
      return { ...state, status: 'CONFIRMED', version: event.aggregateVersion };
    case 'OrderRejected':
      return { ...state, status: 'REJECTED', version: event.aggregateVersion, rejectionReason: event.data.reason };
    case 'OrderCancelled':
      return { ...state, status: 'CANCELLED', version: event.aggregateVersion };
    default:
      throw new UnreachableCaseError(event, 'order event');
  }
}
