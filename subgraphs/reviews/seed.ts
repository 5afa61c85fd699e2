import type { Database } from '../../platform/storage/database';
import { SEED_REVIEWS } from '../../platform/seedData';

/** Loads the demo reviews into an empty reviews table; does nothing otherwise. */
export async function seedReviews(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from reviews.reviews');
    if (Number(n) > 0) return;
    for (const r of SEED_REVIEWS) {
      // `on conflict do nothing`: another instance starting at the same moment may have seeded first.
      await tx.query(
        `insert into reviews.reviews (id, product_id, author_id, rating, body, created_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict do nothing`,
        [r.id, r.productId, r.authorId, r.rating, r.body, r.createdAt],
      );
    }
  });
}
