import type { Review } from './domain/review';

/** A row of `reviews.reviews`. */
export interface ReviewRow {
  id: string;
  product_id: string;
  author_id: string;
  rating: number;
  body: string;
  created_at: Date;
}

export function toReview(row: ReviewRow): Review {
  return {
    id: row.id,
    productId: row.product_id,
    authorId: row.author_id,
    rating: row.rating,
    body: row.body,
    createdAt: row.created_at,
  };
}
