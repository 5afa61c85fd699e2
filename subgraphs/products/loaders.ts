import DataLoader from 'dataloader';
import type { Sql } from '../../platform/storage/database';
import { isUuid } from '../../platform/ids';
import type { Product } from './domain/product';
import { toProduct, type ProductRow } from './productRow';

export interface ProductLoaders {
  /** Products by id; null for an unknown or malformed id. */
  productById: DataLoader<string, Product | null>;
}

/** Fresh loaders for one request, so nothing is cached across callers. */
export function createLoaders(db: Sql): ProductLoaders {
  return {
    productById: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await db.query<ProductRow>('select * from products.products where id = any($1::uuid[])', [valid]) : [];
      const byId = new Map(rows.map((row) => [row.id, toProduct(row)]));
      // Postgres prints UUIDs in lower case; a client may send them in upper case.
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
  };
}
