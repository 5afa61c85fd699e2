import { conflict } from '../../../platform/errors';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';
import type { Money } from '../../../schema/events/money';
import { nextStatusOnCancel, rejectionReason, type NewOrderEvent, type OrderState, type Shortfall } from './order';
import { priceOrder, type OrderLineRequest } from './orderLines';

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
