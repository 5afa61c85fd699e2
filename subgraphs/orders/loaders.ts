import DataLoader from 'dataloader';
import type { Sql } from '../../platform/storage/database';
import { isUuid } from '../../platform/ids';
import { loadPagesByParent, pageKey, toConnection, type Connection, type Page } from '../../platform/pagination';
import type { Order, OrderLine } from './domain/order';
import { toOrder, toOrderLine, type OrderLineRow, type OrderRow } from './orderRow';
import { toOrderFromHistory, type OrderHistoryRow } from './queries/orderHistory/orderHistoryProjection';

export interface OrderLoaders {
  /** Orders by id, from the write model; null for an unknown or malformed id. No visibility check: callers apply it. */
  orderById: DataLoader<string, Order | null>;
  /** The lines of each order, in the order they were placed; empty for an unknown id. */
  linesByOrderId: DataLoader<string, OrderLine[]>;
  /**
   * One page of each customer's orders, newest first, keyed by customer id,
   * from the order history read model. Requests for equal pages (`pageKey`)
   * share one loader, so a batch is one statement.
   */
  ordersByCustomer(page: Page): DataLoader<string, Connection<Order>>;
  /** Units sold by product id, from the unitsSold read model; 0 when absent. */
  unitsSoldByProductId: DataLoader<string, number>;
}

/** Canonical (lower-case) UUIDs among `keys`, once each; Postgres prints UUIDs in lower case. */
function validIds(keys: readonly string[]): string[] {
  return [...new Set(keys.filter(isUuid).map((key) => key.toLowerCase()))];
}

/** Fresh loaders for one request, so nothing is cached across callers. */
export function createLoaders(db: Sql): OrderLoaders {
  const pages = new Map<string, DataLoader<string, Connection<Order>>>();
  return {
    orderById: new DataLoader(async (ids) => {
      const valid = validIds(ids);
      const rows = valid.length ? await db.query<OrderRow>('select * from orders.orders where id = any($1::uuid[])', [valid]) : [];
      const byId = new Map(rows.map((row) => [row.id, toOrder(row)]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
    linesByOrderId: new DataLoader(async (orderIds) => {
      const valid = validIds(orderIds);
      const rows = valid.length
        ? await db.query<OrderLineRow>('select * from orders.order_lines where order_id = any($1::uuid[]) order by order_id, line_no', [valid])
        : [];
      const byOrder = new Map<string, OrderLine[]>();
      for (const row of rows) {
        const lines = byOrder.get(row.order_id) ?? [];
        lines.push(toOrderLine(row));
        byOrder.set(row.order_id, lines);
      }
      return orderIds.map((id) => byOrder.get(id.toLowerCase()) ?? []);
    }),
    ordersByCustomer: (page) => {
      const key = pageKey(page);
      let loader = pages.get(key);
      if (!loader) {
        loader = new DataLoader(async (customerIds) => {
          const valid = validIds(customerIds);
          const byCustomer = valid.length
            ? await loadPagesByParent<OrderHistoryRow & { total_count: string }>(
                db,
                { table: 'orders.order_history_pages', parentColumn: 'customer_id' },
                valid,
                page,
              )
            : new Map<string, { rows: Array<OrderHistoryRow & { total_count: string }>; totalCount: number }>();
          return customerIds.map((id) => {
            const found = byCustomer.get(id.toLowerCase()) ?? { rows: [], totalCount: 0 };
            return toConnection(found.rows, page, found.totalCount, toOrderFromHistory);
          });
        });
        pages.set(key, loader);
      }
      return loader;
    },
    unitsSoldByProductId: new DataLoader(async (productIds) => {
      const valid = validIds(productIds);
      const rows = valid.length
        ? await db.query<{ product_id: string; units: number }>('select product_id, units from orders.units_sold where product_id = any($1::uuid[])', [valid])
        : [];
      const byId = new Map(rows.map((row) => [row.product_id, row.units]));
      return productIds.map((id) => byId.get(id.toLowerCase()) ?? 0);
    }),
  };
}
