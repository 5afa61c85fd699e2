import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireSignedIn } from '../../../platform/auth/authorize';
import { isUuid, newId } from '../../../platform/ids';
import type { Order, OrderLine } from '../domain/order';
import { priceOrder, validateOrderLines, type OrderLineRequest } from '../domain/placeOrder';
import type { ProductCatalog } from '../productCatalog';

/**
 * Places an order for the signed-in caller at the catalog's current prices.
 * The order stays PENDING: reserving stock is inventory's part of the order
 * saga, which arrives with domain events; nothing here pretends to do it.
 */
export async function placeOrder(
  deps: { db: Database; clock: Clock; catalog: ProductCatalog },
  viewer: Viewer,
  input: { lines: readonly OrderLineRequest[] },
): Promise<{ order: Order; lines: OrderLine[] }> {
  const identity = requireSignedIn(viewer);
  if (!isUuid(identity.userId)) throw new Error(`The caller's user id must be a UUID, got "${identity.userId}".`);
  const requested = validateOrderLines(input.lines);
  // Prices are fetched before the transaction opens: on PGlite the transaction
  // holds the one session every subgraph shares, and products needs it to answer.
  const prices = await deps.catalog.pricesOf(requested.map((line) => line.productId));
  const priced = priceOrder(requested, prices);
  const order: Order = { id: newId(), customerId: identity.userId.toLowerCase(), status: 'PENDING', total: priced.total, placedAt: deps.clock.now() };
  await deps.db.transaction(async (tx) => {
    await tx.query(
      `insert into orders.orders (id, customer_id, status, total_amount, currency, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $6)`,
      [order.id, order.customerId, order.status, order.total.amount, order.total.currency, order.placedAt],
    );
    // All lines in one statement, numbered in the order the customer listed them.
    await tx.query(
      `insert into orders.order_lines (order_id, line_no, product_id, quantity, unit_price_amount, currency)
       select $1, l.line_no, l.product_id, l.quantity, l.unit_price_amount, $2
       from unnest($3::integer[], $4::uuid[], $5::integer[], $6::integer[]) as l (line_no, product_id, quantity, unit_price_amount)`,
      [
        order.id,
        order.total.currency,
        priced.lines.map((_, i) => i),
        priced.lines.map((line) => line.productId),
        priced.lines.map((line) => line.quantity),
        priced.lines.map((line) => line.unitPrice.amount),
      ],
    );
  });
  const lines = priced.lines.map((line) => ({ orderId: order.id, productId: line.productId, quantity: line.quantity, unitPrice: line.unitPrice }));
  return { order, lines };
}
