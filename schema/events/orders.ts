/**
 * The orders domain's events: its published contract, written once here and
 * imported by orders (which emits them) and by inventory (which reserves and
 * releases stock on `OrderPlaced` and `OrderCancelled`); the gateway relies
 * on them too. Each is about one order (`aggregateId` = order id) and
 * carries the order's version after it, 1 for `OrderPlaced`. Amounts are in
 * minor units. Add fields if you must; never rename or remove one.
 */

import type { Money } from './money';

/** A customer placed an order; it is PENDING until inventory answers. */
export interface OrderPlaced {
  type: 'OrderPlaced';
  data: {
    customerId: string;
    /** In the order the customer listed them, with the unit prices captured at placing. */
    lines: Array<{ productId: string; quantity: number; unitPrice: Money }>;
    total: Money;
  };
}

/** Inventory reserved every unit of the order. */
export interface OrderConfirmed {
  type: 'OrderConfirmed';
  data: { customerId: string; lines: Array<{ productId: string; quantity: number }> };
}

/** Inventory could not reserve every unit; nothing was reserved. */
export interface OrderRejected {
  type: 'OrderRejected';
  data: {
    customerId: string;
    /** Readable, for the customer. */
    reason: string;
    shortfalls: Array<{ productId: string; requested: number; available: number }>;
  };
}

/** The customer or an ADMIN cancelled the order; a CONFIRMED order's units go back to stock. */
export interface OrderCancelled {
  type: 'OrderCancelled';
  data: { customerId: string; previousStatus: 'PENDING' | 'CONFIRMED'; lines: Array<{ productId: string; quantity: number }> };
}

export type OrderEvent = OrderPlaced | OrderConfirmed | OrderRejected | OrderCancelled;

/** Every orders event type, for projections that read them all. */
export const ORDER_EVENT_TYPES: ReadonlyArray<OrderEvent['type']> = ['OrderPlaced', 'OrderConfirmed', 'OrderRejected', 'OrderCancelled'];
