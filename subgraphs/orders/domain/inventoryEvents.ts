/*
 * The inventory events the order saga reads, as inventory publishes them
 * (its contract; orders may not import another subgraph's code, so the
 * shapes are restated here). Each is about one order: `aggregateId` and
 * `data.orderId` are the order id.
 */

/** Inventory reserved every line of the order; `stock` is what was left of each product after. */
export interface StockReserved {
  type: 'StockReserved';
  data: { orderId: string; lines: Array<{ productId: string; quantity: number; stock: number }> };
}

/** Inventory could not reserve every line, so it reserved none; the shortfalls are the lines that fell short. */
export interface StockReservationRejected {
  type: 'StockReservationRejected';
  data: { orderId: string; shortfalls: Array<{ productId: string; requested: number; available: number }> };
}

export type ReservationOutcome = StockReserved | StockReservationRejected;
