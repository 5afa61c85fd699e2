/*
 * The orders events inventory reserves and releases stock on, as orders
 * publishes them (its contract; inventory may not import another subgraph's
 * code, so the shapes are restated here). `aggregateId` is the order id.
 */

export interface OrderPlaced {
  type: 'OrderPlaced';
  data: {
    customerId: string;
    lines: Array<{ productId: string; quantity: number; unitPrice: { amount: number; currency: string } }>;
    total: { amount: number; currency: string };
  };
}

export interface OrderCancelled {
  type: 'OrderCancelled';
  data: { customerId: string; previousStatus: 'PENDING' | 'CONFIRMED'; lines: Array<{ productId: string; quantity: number }> };
}

export type ReservationTrigger = OrderPlaced | OrderCancelled;
