/**
 * The inventory domain's events: its published contract, written once here
 * and imported by inventory (which emits them) and by orders (whose saga
 * confirms or rejects an order on `StockReserved` and
 * `StockReservationRejected`). Add fields if you must; never rename or remove one.
 */

/**
 * Units were added to a product's stock. `aggregateId` is the product id and
 * `aggregateVersion` the stock row's version (one per restock).
 */
export interface StockRestocked {
  type: 'StockRestocked';
  data: { productId: string; quantity: number; /** Units on hand after. */ stock: number };
}

/**
 * Every line of an order was reserved. `aggregateId` is the order id, version 1;
 * `stock` is what is left of each product after the reservation.
 */
export interface StockReserved {
  type: 'StockReserved';
  data: { orderId: string; lines: Array<{ productId: string; quantity: number; stock: number }> };
}

/**
 * Some line of an order could not be filled, so no line was reserved; the
 * shortfalls are the lines that fell short. `aggregateId` is the order id, version 1.
 */
export interface StockReservationRejected {
  type: 'StockReservationRejected';
  data: { orderId: string; shortfalls: Array<{ productId: string; requested: number; available: number }> };
}

/**
 * A cancelled order's reservation went back to stock. `aggregateId` is the
 * order id, version 2; `stock` is what is on hand of each product after.
 */
export interface StockReleased {
  type: 'StockReleased';
  data: { orderId: string; lines: Array<{ productId: string; quantity: number; stock: number }> };
}

export type InventoryEvent = StockRestocked | StockReserved | StockReservationRejected | StockReleased;
