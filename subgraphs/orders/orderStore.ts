import type { Sql, Transaction } from '../../platform/storage/database';
import type { OrderState } from './domain/order';
import type { OrderLineRow, OrderRow } from './orderRow';

/**
 * The write model of orders: `orders.orders` and `orders.order_lines`, read
 * as the `OrderState` that `decide` takes and written from the state that
 * `evolve` returns. Callers append the events in the same transaction.
 */

/** The order `id` with its lines, or null. `lock` takes the row lock until the transaction ends (`for update`). */
export async function loadOrderState(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<{ row: OrderRow; state: OrderState } | null> {
  const [row] = await sql.query<OrderRow>(`select * from orders.orders where id = $1${options.lock ? ' for update' : ''}`, [id]);
  if (!row) return null;
  const lines = await sql.query<OrderLineRow>('select * from orders.order_lines where order_id = $1 order by line_no', [id]);
  return {
    row,
    state: {
      id: row.id,
      customerId: row.customer_id,
      status: row.status,
      version: row.version,
      lines: lines.map((line) => ({
        productId: line.product_id,
        quantity: line.quantity,
        unitPrice: { amount: line.unit_price_amount, currency: line.currency },
      })),
      total: { amount: row.total_amount, currency: row.currency },
      rejectionReason: row.rejection_reason,
    },
  };
}

/** Inserts a new order and its lines, numbered in the order the customer listed them; `placedAt` is its `OrderPlaced` time. */
export async function insertOrder(tx: Transaction, state: OrderState, placedAt: Date): Promise<OrderRow> {
  const [row] = await tx.query<OrderRow>(
    `insert into orders.orders (id, customer_id, status, total_amount, currency, created_at, updated_at, version, rejection_reason)
     values ($1, $2, $3, $4, $5, $6, $6, $7, $8) returning *`,
    [state.id, state.customerId, state.status, state.total.amount, state.total.currency, placedAt, state.version, state.rejectionReason],
  );
  // All lines in one statement.
  await tx.query(
    `insert into orders.order_lines (order_id, line_no, product_id, quantity, unit_price_amount, currency)
     select $1, l.line_no, l.product_id, l.quantity, l.unit_price_amount, l.currency
     from unnest($2::integer[], $3::uuid[], $4::integer[], $5::integer[], $6::text[]) as l (line_no, product_id, quantity, unit_price_amount, currency)`,
    [
      state.id,
      state.lines.map((_, i) => i),
      state.lines.map((line) => line.productId),
      state.lines.map((line) => line.quantity),
      state.lines.map((line) => line.unitPrice.amount),
      state.lines.map((line) => line.unitPrice.currency),
    ],
  );
  return row!;
}

/**
 * Writes `next` over the order if it is still at `previousVersion`; returns
 * the row written, or null when another writer changed it meanwhile (the
 * caller decides again on the new state). Lines never change after placing.
 */
export async function updateOrder(tx: Transaction, next: OrderState, previousVersion: number, now: Date): Promise<OrderRow | null> {
  const [row] = await tx.query<OrderRow>(
    `update orders.orders set status = $3, version = $4, rejection_reason = $5, updated_at = $6
     where id = $1 and version = $2 returning *`,
    [next.id, previousVersion, next.status, next.version, next.rejectionReason, now],
  );
  return row ?? null;
}
