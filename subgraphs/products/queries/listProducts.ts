import type { Sql } from '../../../platform/storage/database';
import { toConnection, type Connection, type Page } from '../../../platform/pagination';
import type { Product } from '../domain/product';
import { toProduct, type ProductRow } from '../productRow';

export interface ProductFilter {
  category?: string | null;
  search?: string | null;
}

/** One page of the catalog, newest first, with the filter's total, in one statement. */
export async function listProducts(db: Sql, page: Page, filter: ProductFilter): Promise<Connection<Product>> {
  const search = filter.search?.trim() ? `%${filter.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await db.query<ProductRow & { total_count: string }>(
    `select * from (
       select p.*, count(*) over () as total_count from products.products p
       where ($1::text is null or p.category = $1)
         and ($2::text is null or p.name ilike $2 or p.sku ilike $2 or p.description ilike $2)
     ) x
     where $3::timestamptz is null or (x.created_at, x.id) < ($3::timestamptz, $4::uuid)
     order by x.created_at desc, x.id desc
     limit $5`,
    [filter.category ?? null, search, page.after?.createdAt ?? null, page.after?.id ?? null, page.first + 1],
  );
  // With no rows on this page the total is unknown from them; ask once more only then.
  const totalCount = rows[0]
    ? Number(rows[0].total_count)
    : Number(
        (
          await db.query<{ n: string }>(
            `select count(*) as n from products.products p
             where ($1::text is null or p.category = $1)
               and ($2::text is null or p.name ilike $2 or p.sku ilike $2 or p.description ilike $2)`,
            [filter.category ?? null, search],
          )
        )[0]?.n ?? 0,
      );
  return toConnection(rows, page, totalCount, toProduct);
}
