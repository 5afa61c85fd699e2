import type { Order, OrderLine, OrderStatus } from './domain/order';

/** A row of `orders.orders`; `created_at` is when the order was placed. */
export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total_amount: number;
  currency: string;
  created_at: Date;
  /** The version of the order's last event. */
  version: number;
  rejection_reason: string | null;
}

/** A row of `orders.order_lines`. */
export interface OrderLineRow {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price_amount: number;
  currency: string;
}

/** The domain view of an order row. */
export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    total: { amount: row.total_amount, currency: row.currency },
    placedAt: row.created_at,
    rejectionReason: row.rejection_reason,
  };
}

/** The domain view of an order line row. */
export function toOrderLine(row: OrderLineRow): OrderLine {
  return {
    orderId: row.order_id,
    productId: row.product_id,
    quantity: row.quantity,
    unitPrice: { amount: row.unit_price_amount, currency: row.currency },
  };
}
