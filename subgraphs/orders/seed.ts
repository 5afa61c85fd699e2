import type { Database } from '../../platform/storage/database';
import { SEED_ORDERS } from '../../platform/seedData';

/** Loads the demo orders and their lines into empty order tables; does nothing otherwise. */
export async function seedOrders(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from orders.orders');
    if (Number(n) > 0) return;
    for (const order of SEED_ORDERS) {
      const total = order.lines.reduce((sum, line) => sum + line.unitPriceAmount * line.quantity, 0);
      await tx.query(
        `insert into orders.orders (id, customer_id, status, total_amount, currency, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6)`,
        [order.id, order.customerId, order.status, total, order.lines[0]?.currency ?? 'USD', order.placedAt],
      );
      for (const [lineNo, line] of order.lines.entries()) {
        await tx.query(
          `insert into orders.order_lines (order_id, line_no, product_id, quantity, unit_price_amount, currency)
           values ($1, $2, $3, $4, $5, $6)`,
          [order.id, lineNo, line.productId, line.quantity, line.unitPriceAmount, line.currency],
        );
      }
    }
  });
}
