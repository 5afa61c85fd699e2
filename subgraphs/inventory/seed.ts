import type { Database } from '../../platform/storage/database';
import { SEED_PRODUCTS } from '../../platform/seedData';

/** Loads the demo stock levels into an empty stock table; does nothing otherwise. */
export async function seedInventory(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from inventory.stock');
    if (Number(n) > 0) return;
    for (const p of SEED_PRODUCTS) {
      await tx.query('insert into inventory.stock (product_id, quantity, updated_at) values ($1, $2, $3)', [p.id, p.stock, p.createdAt]);
    }
  });
}
