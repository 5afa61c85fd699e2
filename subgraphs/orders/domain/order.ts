import { conflict } from '../../../platform/errors';

/** Where an order is in its life. */
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

/** An amount in minor units of `currency`. */
export interface Money {
  amount: number;
  currency: string;
}

/** An order as the orders subgraph stores it; its lines are loaded apart. */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  /** Sum of the line totals, fixed when the order was placed. */
  total: Money;
  placedAt: Date;
}

/** One product in an order, with the unit price captured when the order was placed. */
export interface OrderLine {
  orderId: string;
  productId: string;
  quantity: number;
  unitPrice: Money;
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
    default: {
      // A status added to the union without a case here fails to compile.
      const unknown: never = status;
      throw new Error(`Unknown order status "${String(unknown)}".`);
    }
  }
}
