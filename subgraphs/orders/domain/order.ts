import { conflict } from '../../../platform/errors';
import type { NewOrderEvent } from './events';
import { priceOrder, type OrderLineRequest } from './placeOrder';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Where an order is in its life. */
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

/** An amount in minor units of `currency`. */
export interface Money {
  amount: number;
  currency: string;
}

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

/** What can be asked of an order. */
export type OrderCommand =
  /** From the customer: `lines` validated (`validateOrderLines`), `prices` the catalog's current unit prices. */
  | { type: 'PlaceOrder'; orderId: string; customerId: string; lines: readonly OrderLineRequest[]; prices: ReadonlyMap<string, Money> }
  /** From the saga, on `StockReserved`. */
  | { type: 'ConfirmOrder' }
  /** From the saga, on `StockReservationRejected`. */
  | { type: 'RejectOrder'; shortfalls: readonly Shortfall[] }
  /** From the customer or an ADMIN. */
  | { type: 'CancelOrder' };

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

/**
 * Decides what happens to an order (`state`, null before it exists) when
 * `command` arrives, as the events to record; no I/O. Placing prices the
 * lines (BAD_USER_INPUT naming the line at fault); confirming or rejecting
 * changes only a PENDING order, so a late or repeated answer from inventory
 * records nothing; cancelling a REJECTED or CANCELLED order is a CONFLICT.
 */
export function decide(command: OrderCommand, state: OrderState | null): NewOrderEvent[] {
  switch (command.type) {
    case 'PlaceOrder': {
      if (state) throw conflict(`Order "${command.orderId}" already exists.`);
      const priced = priceOrder(command.lines, command.prices);
      return [
        {
          type: 'OrderPlaced',
          aggregateId: command.orderId,
          aggregateVersion: 1,
          data: {
            customerId: command.customerId,
            lines: priced.lines.map((line) => ({ productId: line.productId, quantity: line.quantity, unitPrice: line.unitPrice })),
            total: priced.total,
          },
        },
      ];
    }
    case 'ConfirmOrder':
      // Inventory answers about orders orders placed; an unknown one has nothing to confirm.
      if (!state || !awaitsInventory(state)) return [];
      return [
        {
          type: 'OrderConfirmed',
          aggregateId: state.id,
          aggregateVersion: state.version + 1,
          data: { customerId: state.customerId, lines: state.lines.map(({ productId, quantity }) => ({ productId, quantity })) },
        },
      ];
    case 'RejectOrder':
      if (!state || !awaitsInventory(state)) return [];
      return [
        {
          type: 'OrderRejected',
          aggregateId: state.id,
          aggregateVersion: state.version + 1,
          data: {
            customerId: state.customerId,
            reason: rejectionReason(command.shortfalls),
            shortfalls: command.shortfalls.map(({ productId, requested, available }) => ({ productId, requested, available })),
          },
        },
      ];
    case 'CancelOrder': {
      if (!state) throw new Error('CancelOrder needs an existing order.');
      nextStatusOnCancel(state.status);
      // nextStatusOnCancel let only these two through.
      const previousStatus = state.status as 'PENDING' | 'CONFIRMED';
      return [
        {
          type: 'OrderCancelled',
          aggregateId: state.id,
          aggregateVersion: state.version + 1,
          data: { customerId: state.customerId, previousStatus, lines: state.lines.map(({ productId, quantity }) => ({ productId, quantity })) },
        },
      ];
    }
    default:
      throw new UnreachableCaseError(command, 'order command');
  }
}

/**
 * True while inventory's answer still decides the order: only a PENDING one.
 * A CANCELLED order that inventory reserved anyway is released by inventory
 * when it handles `OrderCancelled`, which follows `OrderPlaced` in the stream.
 */
function awaitsInventory(state: OrderState): boolean {
  switch (state.status) {
    case 'PENDING':
      return true;
    case 'CONFIRMED':
    case 'REJECTED':
    case 'CANCELLED':
      return false;
    default:
      throw new UnreachableCaseError(state.status, 'order status');
  }
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
