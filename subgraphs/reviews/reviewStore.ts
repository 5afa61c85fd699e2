import type { Transaction } from '../../platform/storage/database';
import type { ReviewAdded } from './domain/review';
import type { ReviewRow } from './reviewRow';

/**
 * The write model of reviews: `reviews.reviews`. Callers append the events
 * in the same transaction.
 */

/**
 * Inserts the review `id` as its `ReviewAdded` describes it; returns its row,
 * or null when the author already reviewed the product (the unique
 * (product_id, author_id) constraint decides between two racing reviews).
 */
export async function insertReview(tx: Transaction, id: string, review: ReviewAdded['data'], now: Date): Promise<ReviewRow | null> {
  const [row] = await tx.query<ReviewRow>(
    `insert into reviews.reviews (id, product_id, author_id, rating, body, created_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (product_id, author_id) do nothing
     returning *`,
    [id, review.productId, review.authorId, review.rating, review.body, now],
  );
  return row ?? null;
}
